/*
 * The logs `popek pg` reads (docs/pg.md), parsed.  Pure: text in, structs
 * out, so that tests/unit/test_pg_log.c can feed it recorded snippets.
 *
 *   the probe guest's terminal (guest/probe/probe.c has the line format):
 *     probe-begin NAME MODE pc=HEX
 *     probe NAME MODE executes [changed=CSR,...] | trap CAUSE tval=HEX | sbi error=N
 *                     | stray CAUSE epc=HEX
 *   popek's console with trace = on (hyp/arch/riscv/trap.c):
 *     trace VM vS pc=HEX insn=HEX cause=N tval=HEX: NOTE[ (and ahead)] -> vS pc=HEX
 *     trace VM vS pc=HEX interrupt=N (popek's) -> resume
 *   popek's per-VM counters when a VM stops (hyp/core/vm.c vm_report).
 */
#ifndef POPEK_TOOLS_PG_LOG_H
#define POPEK_TOOLS_PG_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PG_MAX_INSNS 64
#define PG_NAME_MAX  32
#define PG_NOTE_MAX  32

/* The probe's two modes: real S/U on the bare board, vS/vU under popek. */
enum pg_mode { PG_MODE_S, PG_MODE_U, PG_NMODES };

/* What the probe saw of one run. */
enum pg_action {
	PG_MISSING,  /* no result line: the run never finished */
	PG_EXECUTES, /* no trap reached the probe */
	PG_TRAP,     /* its trap vector was entered from the probed instruction */
	PG_SBI,      /* an ecall served by the execution environment */
	PG_STRAY,    /* a trap, but from another instruction: a broken measurement */
};

struct pg_outcome {
	enum pg_action action;
	uint64_t cause;   /* PG_TRAP, PG_STRAY */
	uint64_t tval;    /* PG_TRAP; epc for PG_STRAY */
	long sbi_error;   /* PG_SBI */
	char changed[96]; /* PG_EXECUTES in S: the CSRs it changed, "a,b", or "" */
};

struct pg_run {
	bool begun;  /* its probe-begin line was seen */
	uint64_t pc; /* the probed instruction's address in this run */
	struct pg_outcome out;
};

struct pg_insn {
	char name[PG_NAME_MAX];
	struct pg_run run[PG_NMODES];
};

struct pg_probe_log {
	struct pg_insn insns[PG_MAX_INSNS]; /* in the order the probe ran them */
	unsigned ninsns;
	unsigned started; /* N of probe-start N: the number of instructions; 0 if not seen */
	bool ended;       /* probe-end was seen */
};

/*
 * Parses the probe's terminal (either board's; \r\n or \n; other lines are
 * ignored).  False with a one-line reason in err when a line of the probe's
 * own is malformed or names no run that began.
 */
bool pg_probe_log_parse(const char *text, struct pg_probe_log *log, char *err, size_t errlen);

/* The instruction called `name`, or NULL. */
const struct pg_insn *pg_probe_log_find(const struct pg_probe_log *log, const char *name);

/* "executes", "trap 2", "sbi", "stray 2", "missing": the outcome's short form. */
const char *pg_outcome_str(const struct pg_outcome *o, char *buf, size_t size);

/* Same kind, same cause: what the guest could tell apart (tval and SBI values aside). */
bool pg_outcome_same(const struct pg_outcome *a, const struct pg_outcome *b);

/* One trace line of popek's console. */
struct pg_trace {
	enum pg_mode mode; /* the virtual mode at the trap */
	uint64_t pc;
	bool interrupt; /* popek's own interrupt: nothing to do with the instruction */
	uint64_t cause, tval;
	char note[PG_NOTE_MAX]; /* "reflected", "emulated csr", "shadow filled", ... */
	bool ahead;             /* " (and ahead)": popek emulated following instructions too */
};

/* Parses one line (without its end) if it is a trace line of VM `vm`. */
bool pg_trace_parse(const char *line, const char *vm, struct pg_trace *t);

/* popek's counters for one VM (vm_report), as far as pg uses them. */
struct pg_counters {
	bool found;
	uint64_t traps, timer_irqs, external_irqs;
	uint64_t exceptions; /* the sum of the per-cause counts */
	uint64_t emulated;   /* csr + sret + wfi + sfence.vma + mmio + sbi */
	uint64_t reflected, shadow_fills, ahead;
};

/* Finds and parses the stop report of VM `vm` in popek's console. */
void pg_counters_parse(const char *console, const char *vm, struct pg_counters *c);

#endif
