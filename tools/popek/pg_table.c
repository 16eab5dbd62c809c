/*
 * `popek pg`'s classification.  See pg_table.h.
 */
#include "pg_table.h"

#include <stdio.h>
#include <string.h>

static const char *const class_names[PG_NCLASSES] = {
    [PG_NON_SENSITIVE] = "non-sensitive",
    [PG_ERRANT] = "errant",
    [PG_SENSITIVE] = "sensitive",
};

static const char *const vaction_names[PG_NVACTIONS] = {
    [PG_V_DIRECT] = "direct",
    [PG_V_EMULATED] = "emulated",
    [PG_V_DELIVERED] = "delivered",
};

static const char *const cause_names[] = {
    [0] = "misaligned fetch",  [1] = "fetch access",      [2] = "illegal instruction",
    [3] = "breakpoint",        [4] = "misaligned load",   [5] = "load access",
    [6] = "misaligned store",  [7] = "store access",      [8] = "ecall from U-mode",
    [9] = "ecall from S-mode", [12] = "fetch page fault", [13] = "load page fault",
    [15] = "store page fault",
};

const char *pg_class_name(enum pg_class c)
{
	return class_names[c];
}

const char *pg_vaction_name(enum pg_vaction a)
{
	return vaction_names[a];
}

const char *pg_cause_name(uint64_t cause)
{
	if (cause < sizeof(cause_names) / sizeof(cause_names[0]) && cause_names[cause])
		return cause_names[cause];
	return "exception";
}

static bool run_complete(const char *which, const struct pg_insn *in, char *err, size_t errlen)
{
	for (int m = 0; m < PG_NMODES; m++) {
		const struct pg_outcome *o = &in->run[m].out;
		if (o->action == PG_MISSING || o->action == PG_STRAY) {
			snprintf(err, errlen, "%s: %s in %s-mode %s", which, in->name,
			         m == PG_MODE_S ? "S" : "U",
			         o->action == PG_MISSING ? "never finished"
			                                 : "trapped elsewhere (a stray trap)");
			return false;
		}
	}
	return true;
}

/* Folds one trace line into the run it belongs to; the guest-visible handling wins. */
static void vrun_add(struct pg_vrun *v, const struct pg_trace *t)
{
	v->traps++;
	if (strcmp(t->note, "shadow filled") == 0) {
		v->fills++;
		return;
	}
	enum pg_vaction a = strcmp(t->note, "reflected") == 0 ? PG_V_DELIVERED : PG_V_EMULATED;
	if (a >= v->action) {
		v->action = a;
		v->cause = t->cause;
		snprintf(v->note, sizeof(v->note), "%s", t->note);
	}
}

struct trace_scan {
	struct pg_result *r;
	const struct pg_probe_log *virt;
	const char *vm;
};

static void scan_trace(const char *console, struct trace_scan *s)
{
	char line[512];
	while (*console) {
		size_t n = strcspn(console, "\n");
		size_t len = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
		memcpy(line, console, len);
		line[len] = '\0';
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		console += n + (console[n] != '\0');

		struct pg_trace t;
		if (!pg_trace_parse(line, s->vm, &t))
			continue;
		if (t.interrupt) {
			s->r->traced_interrupts++;
			continue;
		}
		s->r->traced_exceptions++;
		for (unsigned i = 0; i < s->r->nrows; i++) {
			const struct pg_run *run = &s->virt->insns[i].run[t.mode];
			if (run->pc == t.pc)
				vrun_add(&s->r->rows[i].virt[t.mode], &t);
		}
	}
}

static void classify_row(struct pg_row *row)
{
	const struct pg_outcome *u = &row->real[PG_MODE_U], *s = &row->real[PG_MODE_S];

	row->mode_sensitive =
	    u->action != s->action || ((u->action == PG_TRAP) && u->cause != s->cause);
	row->control_sensitive = s->action == PG_EXECUTES && s->changed[0];
	row->sensitive = row->mode_sensitive || row->control_sensitive;
	row->privileged = u->action == PG_TRAP;
	row->exception = row->sensitive && !row->privileged;
	if (row->sensitive)
		row->cls = PG_SENSITIVE;
	else if (u->action == PG_TRAP && s->action == PG_TRAP)
		row->cls = PG_ERRANT;
	else
		row->cls = PG_NON_SENSITIVE;
	row->equivalent = pg_outcome_same(&row->guest[PG_MODE_S], s) &&
	                  pg_outcome_same(&row->guest[PG_MODE_U], u);
}

bool pg_classify(const struct pg_probe_log *bare, const struct pg_probe_log *virt,
                 const char *console, const char *vm, struct pg_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (!bare->ended || !virt->ended) {
		snprintf(err, errlen, "the probe did not finish %s",
		         !bare->ended ? "on the bare board" : "under popek");
		return false;
	}
	if (bare->ninsns != virt->ninsns || bare->ninsns == 0) {
		snprintf(err, errlen, "the two runs probed %u and %u instructions", bare->ninsns,
		         virt->ninsns);
		return false;
	}
	for (unsigned i = 0; i < bare->ninsns; i++) {
		const struct pg_insn *b = &bare->insns[i], *v = &virt->insns[i];
		if (strcmp(b->name, v->name) != 0) {
			snprintf(err, errlen,
			         "instruction %u is %s on the bare board but %s under popek", i,
			         b->name, v->name);
			return false;
		}
		if (!run_complete("bare board", b, err, errlen) ||
		    !run_complete("under popek", v, err, errlen))
			return false;
		struct pg_row *row = &r->rows[r->nrows++];
		snprintf(row->name, sizeof(row->name), "%s", b->name);
		for (int m = 0; m < PG_NMODES; m++) {
			row->real[m] = b->run[m].out;
			row->guest[m] = v->run[m].out;
		}
	}

	struct trace_scan scan = {r, virt, vm};
	scan_trace(console, &scan);
	pg_counters_parse(console, vm, &r->counters);

	for (unsigned i = 0; i < r->nrows; i++) {
		struct pg_row *row = &r->rows[i];
		classify_row(row);
		r->nsensitive += row->sensitive;
		r->nprivileged += row->privileged;
		r->nexceptions += row->exception;
		r->nequivalent += row->equivalent;
	}
	r->subset = r->nexceptions == 0 && r->nsensitive > 0;
	return true;
}
