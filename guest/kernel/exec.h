#ifndef EXEC_H
#define EXEC_H

#include <stddef.h>
#include <stdint.h>

struct proc;

/* A user program embedded in the kernel image (progs.S). */
struct prog {
	const char *name;
	const uint8_t *start, *end;
};
extern const struct prog user_progs[];

const struct prog *prog_find(const char *name);
int exec_load(struct proc *p, const char *name);

#endif
