/*
 * `popek pg`'s classification (docs/pg.md): from the probe's two terminals
 * and popek's trace, the real and virtual action tables and the check of
 * Popek and Goldberg's condition.  Pure, like pg_log.h.
 *
 * Definitions, all operational (what the probe measured, nothing looked up):
 *   privileged      traps when executed in real U-mode;
 *   mode-sensitive  its outcome in real U-mode differs from real S-mode
 *                   (executes / traps with which cause / an SBI call);
 *   control-sensitive  executed in real S-mode, it changed supervisor state
 *                   the probe compares around it (guest/probe/probe.c);
 *   sensitive       mode- or control-sensitive;
 *   errant          not sensitive and traps in both modes (the seed's "errant");
 *   non-sensitive   the rest: executes the same in both.
 * The condition holds when every sensitive instruction is privileged.
 */
#ifndef POPEK_TOOLS_PG_TABLE_H
#define POPEK_TOOLS_PG_TABLE_H

#include "pg_log.h"

enum pg_class { PG_NON_SENSITIVE, PG_ERRANT, PG_SENSITIVE, PG_NCLASSES };

/* What popek did with one run, from its trace lines at that run's pc and mode. */
enum pg_vaction {
	PG_V_DIRECT,    /* no trace line: executed directly on the hardware */
	PG_V_EMULATED,  /* trapped to popek, which emulated it */
	PG_V_DELIVERED, /* trapped to popek, which delivered the trap to the guest OS */
	PG_NVACTIONS,
};

struct pg_vrun {
	enum pg_vaction action;
	char note[PG_NOTE_MAX]; /* the deciding trace note ("emulated csr", "reflected"), or "" */
	uint64_t cause;         /* that trap's scause */
	unsigned traps;         /* trace lines at this pc and mode, shadow fills included */
	unsigned fills;         /* of which shadow fills: popek's memory, invisible to the guest */
};

struct pg_row {
	char name[PG_NAME_MAX];
	struct pg_outcome real[PG_NMODES];  /* the probe on the bare board */
	struct pg_outcome guest[PG_NMODES]; /* the probe under popek: what the guest saw */
	struct pg_vrun virt[PG_NMODES];     /* what popek did */
	bool mode_sensitive, control_sensitive, sensitive, privileged;
	bool exception;  /* sensitive but not privileged */
	bool equivalent; /* the guest saw under popek what it saw on the bare board */
	enum pg_class cls;
};

struct pg_result {
	struct pg_row rows[PG_MAX_INSNS];
	unsigned nrows;
	unsigned nsensitive, nprivileged, nexceptions, nequivalent;
	bool subset; /* nexceptions == 0, and some sensitive instruction was found */
	struct pg_counters counters;                   /* popek's stop report for the probe VM */
	uint64_t traced_exceptions, traced_interrupts; /* trace lines of the VM */
};

/*
 * Builds the tables.  bare and virt are the probe's terminal on the bare
 * board and under popek, console popek's console (trace lines and stop
 * report) and vm the probe VM's name.  False, with the reason in err, when
 * a run is missing or went astray in either log, or the logs disagree on
 * the instructions: a measurement to repeat, not a finding.
 */
bool pg_classify(const struct pg_probe_log *bare, const struct pg_probe_log *virt,
                 const char *console, const char *vm, struct pg_result *r, char *err,
                 size_t errlen);

const char *pg_class_name(enum pg_class c);
const char *pg_vaction_name(enum pg_vaction a); /* "direct", "emulated", "delivered" */

/* "illegal instruction", "breakpoint", ...: scause's name (priv spec 1.12 Table 4.2). */
const char *pg_cause_name(uint64_t cause);

#endif
