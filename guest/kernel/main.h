#ifndef MAIN_H
#define MAIN_H

#include <stdint.h>

/* What the device tree told us about the machine. */
struct machine {
	uint64_t hartid;
	uint64_t ram_base, ram_end;
	uint64_t timebase_hz;
	const char *bootargs; /* /chosen bootargs, "" if none */
	const char *isa;      /* riscv,isa of our hart, "" if none */
};

extern struct machine machine;

#endif
