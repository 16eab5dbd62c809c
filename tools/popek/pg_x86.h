/*
 * The x86 contrast of `popek pg` (docs/pg.md): the classic sensitive but
 * unprivileged x86 instructions (Robin and Irvine, 2000), executed in user
 * mode on the host running the launcher.
 *
 * pg_x86_measure() executes one and records what came back, catching
 * SIGSEGV, SIGILL and SIGBUS with sigsetjmp; pg_x86_classify() (pure, unit
 * tested) turns that into an outcome:
 *   trapped   a signal arrived: the CPU faulted and the kernel did not fix it up;
 *   emulated  no signal, the CPU has UMIP (/proc/cpuinfo "umip") and the
 *             instruction is one UMIP faults at CPL > 0 (SMSW SGDT SIDT SLDT
 *             STR): Linux's #GP handler answered with its dummy values —
 *             for SGDT and SIDT the dummy bases must be what came back;
 *   executed  no signal and no UMIP: the instruction ran silently, and the
 *             detail says what it revealed or failed to change.
 */
#ifndef POPEK_TOOLS_PG_X86_H
#define POPEK_TOOLS_PG_X86_H

#include <stdbool.h>
#include <stdint.h>

enum pg_x86_insn {
	PG_X86_SMSW,
	PG_X86_SGDT,
	PG_X86_SIDT,
	PG_X86_SLDT,
	PG_X86_STR,
	PG_X86_PUSHF,
	PG_X86_POPF,
	PG_X86_LAR,
	PG_X86_LSL,
	PG_X86_VERR,
	PG_X86_VERW,
	PG_X86_MOV_CS,
	PG_X86_NINSNS,
};

enum pg_x86_outcome { PG_X86_EXECUTED, PG_X86_TRAPPED, PG_X86_EMULATED };

/* What one execution gave back; the meaning of v[] is per instruction (pg_x86.c). */
struct pg_x86_raw {
	int signo; /* 0: no signal */
	uint64_t v[4];
};

struct pg_x86_result {
	const char *insn; /* "smsw", "sgdt", ... */
	enum pg_x86_outcome outcome;
	char detail[240];
};

/* Linux's UMIP dummies (arch/x86/kernel/umip.c). */
#define PG_X86_UMIP_GDT_BASE 0xfffffffffffe0000ULL
#define PG_X86_UMIP_IDT_BASE 0xffffffffffff0000ULL

const char *pg_x86_name(enum pg_x86_insn i);
const char *pg_x86_outcome_name(enum pg_x86_outcome o); /* "executed", "trapped", "emulated" */

/* Whether a /proc/cpuinfo text lists the umip flag. */
bool pg_x86_cpuinfo_has(const char *cpuinfo, const char *flag);

void pg_x86_classify(enum pg_x86_insn i, const struct pg_x86_raw *raw, bool umip,
                     struct pg_x86_result *out);

/* True when the launcher runs on x86_64, where pg_x86_measure() works. */
bool pg_x86_host(void);

/* Executes instruction i in user mode (x86_64 only; elsewhere records nothing). */
void pg_x86_measure(enum pg_x86_insn i, struct pg_x86_raw *raw);

#endif
