/*
 * `popek pg`'s report.  See pg_report.h.
 *
 * Text and markdown share one shape: headings, paragraphs and tables, each
 * rendered by the helpers below; JSON is written on its own, one table row
 * per line so that a regex can find a row.
 */
#include "pg_report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_COLS 5
#define CELL_MAX   240
#define WRAP       96

bool pg_format_parse(const char *s, enum pg_format *f)
{
	static const char *const names[] = {[PG_FORMAT_TEXT] = "text",
	                                    [PG_FORMAT_MARKDOWN] = "markdown",
	                                    [PG_FORMAT_JSON] = "json"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*f = (enum pg_format)i;
			return true;
		}
	}
	return false;
}

/* ---- text and markdown ---- */

struct table {
	unsigned ncols, nrows; /* row 0 is the header */
	char (*cell)[TABLE_COLS][CELL_MAX];
};

static void table_init(struct table *t, unsigned ncols, unsigned maxrows)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cell = calloc(maxrows + 1, sizeof(*t->cell));
	if (!t->cell)
		abort();
}

/* Adds a row of ncols cells; each argument is a printf format of no arguments. */
static void table_row(struct table *t, ...)
{
	va_list ap;
	va_start(ap, t);
	for (unsigned c = 0; c < t->ncols; c++)
		snprintf(t->cell[t->nrows][c], CELL_MAX, "%s", va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
}

static void table_print(struct table *t, enum pg_format f, FILE *out)
{
	size_t width[TABLE_COLS] = {0};
	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned c = 0; c < t->ncols; c++)
			if (strlen(t->cell[r][c]) > width[c])
				width[c] = strlen(t->cell[r][c]);
	for (unsigned r = 0; r < t->nrows; r++) {
		for (unsigned c = 0; c < t->ncols; c++) {
			bool last = c + 1 == t->ncols;
			if (f == PG_FORMAT_MARKDOWN)
				fprintf(out, "| %s %s", t->cell[r][c], last ? "|" : "");
			else if (last)
				fprintf(out, "%s", t->cell[r][c]);
			else
				fprintf(out, "%s%-*s  ", c ? "" : "  ", (int)width[c],
				        t->cell[r][c]);
		}
		fputc('\n', out);
		if (r == 0 && f == PG_FORMAT_MARKDOWN) {
			for (unsigned c = 0; c < t->ncols; c++)
				fprintf(out, "|---%s", c + 1 == t->ncols ? "|\n" : "");
		} else if (r == 0) {
			size_t total = 2 * (t->ncols - 1);
			for (unsigned c = 0; c < t->ncols; c++)
				total += width[c];
			fprintf(out, "  ");
			while (total--)
				fputc('-', out);
			fputc('\n', out);
		}
	}
	fputc('\n', out);
	free(t->cell);
}

static void heading(enum pg_format f, FILE *out, int level, const char *title)
{
	if (f == PG_FORMAT_MARKDOWN) {
		fprintf(out, "%s %s\n\n", level == 1 ? "#" : "##", title);
		return;
	}
	fprintf(out, "%s\n", title);
	for (size_t i = strlen(title); i; i--)
		fputc(level == 1 ? '=' : '-', out);
	fprintf(out, "\n\n");
}

/* A paragraph: wrapped at WRAP columns in text, one line in markdown. */
static void para(enum pg_format f, FILE *out, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (f == PG_FORMAT_MARKDOWN) {
		fprintf(out, "%s\n\n", buf);
		return;
	}
	const char *p = buf;
	while (*p) {
		size_t n = strlen(p);
		if (n > WRAP) {
			n = WRAP;
			while (n && p[n] != ' ')
				n--;
			if (!n)
				n = WRAP;
		}
		fprintf(out, "  %.*s\n", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

/* "a, b, c" of the rows for which pick() holds. */
static void row_list(const struct pg_result *r, bool (*pick)(const struct pg_row *), char *buf,
                     size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < r->nrows; i++) {
		if (!pick(&r->rows[i]))
			continue;
		int n =
		    snprintf(buf + used, size - used, "%s%s", used ? ", " : "", r->rows[i].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += n;
	}
	if (!used)
		snprintf(buf, size, "none");
}

static bool is_sensitive(const struct pg_row *w)
{
	return w->sensitive;
}
static bool is_privileged(const struct pg_row *w)
{
	return w->privileged;
}
static bool is_exception(const struct pg_row *w)
{
	return w->exception;
}
static bool is_inequivalent(const struct pg_row *w)
{
	return !w->equivalent;
}
/* Sensitive, and executed directly in a virtual mode where the real machine trapped. */
static bool is_sensitive_missed(const struct pg_row *w)
{
	for (int m = 0; m < PG_NMODES; m++)
		if (w->sensitive && w->virt[m].action == PG_V_DIRECT &&
		    w->real[m].action != PG_EXECUTES)
			return true;
	return false;
}
/* Sensitive, and executed directly in a virtual mode where the real machine executed it too. */
static bool is_sensitive_direct(const struct pg_row *w)
{
	for (int m = 0; m < PG_NMODES; m++)
		if (w->sensitive && w->virt[m].action == PG_V_DIRECT &&
		    w->real[m].action == PG_EXECUTES)
			return true;
	return false;
}
/* The probe's -cen0 runs: scounteren = 0, yet executed in real U-mode. */
static bool is_cen0_unrefused(const struct pg_row *w)
{
	size_t n = strlen(w->name);
	return n > 5 && strcmp(w->name + n - 5, "-cen0") == 0 &&
	       w->real[PG_MODE_U].action == PG_EXECUTES;
}

/* rdtime-cen0 trapped in real U: the firmware did not answer it (popek's firmware). */
static bool is_cen0_refused_time(const struct pg_row *w)
{
	return strcmp(w->name, "rdtime-cen0") == 0 && w->real[PG_MODE_U].action != PG_EXECUTES;
}

/*
 * Counts of distinct outcomes, for the seed-shaped summary cells: a head
 * ("executes", "traps to the OS") and an optional detail (the cause),
 * shown as "traps to the OS (27 illegal instruction, 1 ecall from U-mode)".
 */
#define TALLY_MAX 8

struct tally {
	const char *head[TALLY_MAX];
	const char *detail[TALLY_MAX];
	unsigned count[TALLY_MAX], n;
};

static void tally_add(struct tally *t, const char *head, const char *detail)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (strcmp(t->head[i], head) == 0 && strcmp(t->detail[i], detail) == 0) {
			t->count[i]++;
			return;
		}
	}
	if (t->n < TALLY_MAX) {
		t->head[t->n] = head;
		t->detail[t->n] = detail;
		t->count[t->n++] = 1;
	}
}

static void tally_str(const struct tally *t, char *buf, size_t size)
{
	size_t used = 0;
	bool done[TALLY_MAX] = {false};

	buf[0] = '\0';
	for (unsigned i = 0; i < t->n; i++) {
		if (done[i])
			continue;
		used += snprintf(buf + used, size - used, "%s%s (", used ? "; " : "", t->head[i]);
		const char *sep = "";
		for (unsigned j = i; j < t->n && used < size; j++) {
			if (strcmp(t->head[j], t->head[i]) != 0)
				continue;
			done[j] = true;
			used += snprintf(buf + used, size - used, "%s%u%s%s", sep, t->count[j],
			                 t->detail[j][0] ? " " : "", t->detail[j]);
			sep = ", ";
		}
		if (used < size)
			used += snprintf(buf + used, size - used, ")");
		if (used >= size)
			break;
	}
	if (!t->n)
		snprintf(buf, size, "-");
}

static void real_tally(struct tally *t, const struct pg_outcome *o)
{
	if (o->action == PG_TRAP)
		tally_add(t, "traps to the OS", pg_cause_name(o->cause));
	else if (o->action == PG_SBI)
		tally_add(t, "SBI call, served by the firmware", "");
	else
		tally_add(t, "executes", "");
}

static void virt_tally(struct tally *t, const struct pg_vrun *v)
{
	static const char *const heads[PG_NVACTIONS] = {
	    [PG_V_DIRECT] = "executes directly",
	    [PG_V_EMULATED] = "traps to popek; popek emulates it",
	    [PG_V_DELIVERED] = "traps to popek; popek delivers it to the guest OS",
	};
	tally_add(t, heads[v->action], "");
}

static void real_cell(const struct pg_outcome *o, char *buf, size_t size)
{
	if (o->action == PG_TRAP)
		snprintf(buf, size, "trap %llu (%s)", (unsigned long long)o->cause,
		         pg_cause_name(o->cause));
	else if (o->action == PG_SBI)
		snprintf(buf, size, "sbi (error %ld)", o->sbi_error);
	else if (o->changed[0])
		snprintf(buf, size, "executes, changes %s", o->changed);
	else
		snprintf(buf, size, "executes");
}

static void virt_cell(const struct pg_vrun *v, char *buf, size_t size)
{
	if (v->action == PG_V_DIRECT)
		snprintf(buf, size, "direct");
	else if (v->action == PG_V_DELIVERED)
		snprintf(buf, size, "delivered (%s)", pg_cause_name(v->cause));
	else
		snprintf(buf, size, "emulated (%s)",
		         strncmp(v->note, "emulated ", 9) == 0 ? v->note + 9 : v->note);
}

static void summary_table(const struct pg_result *r, bool virt, enum pg_format f, FILE *out)
{
	struct tally t[PG_NCLASSES][PG_NMODES];
	struct table tab;
	char cell[PG_NMODES][CELL_MAX];

	memset(t, 0, sizeof(t));
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct pg_row *w = &r->rows[i];
		for (int m = 0; m < PG_NMODES; m++) {
			if (virt)
				virt_tally(&t[w->cls][m], &w->virt[m]);
			else
				real_tally(&t[w->cls][m], &w->real[m]);
		}
	}
	table_init(&tab, 3, PG_NCLASSES);
	table_row(&tab, "", virt ? "Virtual user mode (vU)" : "User mode (U)",
	          virt ? "Virtual supervisor mode (vS)" : "Supervisor mode (S)");
	for (int c = 0; c < PG_NCLASSES; c++) {
		char name[64];
		snprintf(name, sizeof(name), "%s instruction", pg_class_name(c));
		for (int m = 0; m < PG_NMODES; m++)
			tally_str(&t[c][m], cell[m], sizeof(cell[m]));
		table_row(&tab, name, cell[PG_MODE_U], cell[PG_MODE_S]);
	}
	table_print(&tab, f, out);
}

static void part_real(const struct pg_report *rep, enum pg_format f, FILE *out)
{
	const struct pg_result *r = rep->riscv;
	struct table tab;
	char u[CELL_MAX], s[CELL_MAX], why[CELL_MAX];

	heading(f, out, 2, "1. Actions on the real machine");
	para(f, out,
	     "The probe guest on the bare board (QEMU virt, OpenSBI, no popek), each instruction "
	     "executed once in real U-mode and once in real S-mode. Counts are instructions.");
	summary_table(r, false, f, out);
	table_init(&tab, 4, r->nrows);
	table_row(&tab, "instruction", "real U-mode", "real S-mode", "class (why)");
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct pg_row *w = &r->rows[i];
		real_cell(&w->real[PG_MODE_U], u, sizeof(u));
		real_cell(&w->real[PG_MODE_S], s, sizeof(s));
		snprintf(why, sizeof(why), "%s%s%s%s%s", pg_class_name(w->cls),
		         w->sensitive ? " (" : "", w->mode_sensitive ? "U differs from S" : "",
		         w->mode_sensitive && w->control_sensitive ? ", " : "",
		         w->control_sensitive ? "changes S state" : "");
		if (w->sensitive)
			strncat(why, ")", sizeof(why) - strlen(why) - 1);
		table_row(&tab, w->name, u, s, why);
	}
	table_print(&tab, f, out);
}

static void part_virtual(const struct pg_report *rep, enum pg_format f, FILE *out)
{
	const struct pg_result *r = rep->riscv;
	const struct pg_counters *c = &r->counters;
	struct table tab;
	char u[CELL_MAX], s[CELL_MAX], list[2048];

	heading(f, out, 2, "2. Actions on the virtual machine");
	para(
	    f, out,
	    "The same probe as popek's guest (trace = on), its S-mode runs in virtual S-mode and "
	    "its U-mode runs in virtual U-mode, both in real U-mode. From popek's trace lines at "
	    "each probed instruction's address: none means it executed directly; 'reflected' "
	    "that popek delivered the trap to the guest OS; 'emulated ...' that popek emulated it. "
	    "Shadow fills (popek's own page faults) are not counted as actions.");
	summary_table(r, true, f, out);
	table_init(&tab, 4, r->nrows);
	table_row(&tab, "instruction", "vU", "vS", "the guest saw");
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct pg_row *w = &r->rows[i];
		virt_cell(&w->virt[PG_MODE_U], u, sizeof(u));
		virt_cell(&w->virt[PG_MODE_S], s, sizeof(s));
		table_row(&tab, w->name, u, s,
		          w->equivalent ? "the same as on the bare board" : "a difference");
	}
	table_print(&tab, f, out);
	row_list(r, is_inequivalent, list, sizeof(list));
	para(f, out,
	     "Equivalence: in %u of %u instructions the guest saw under popek what it saw on the "
	     "bare board, in both modes (differences: %s).",
	     r->nequivalent, r->nrows, list);
	if (c->found) {
		/* Every exception is reflected, a shadow fill, or emulated; emulated also counts
		 * the instructions popek took along without a trap (emulate-ahead). */
		bool adds_up =
		    c->emulated + c->reflected + c->shadow_fills == c->exceptions + c->ahead;
		para(f, out,
		     "popek's counters for the probe VM: %llu traps, %llu of them exceptions (%llu "
		     "reflected, %llu shadow fills, the rest emulated) and %llu interrupts; popek "
		     "emulated %llu instructions, %llu of them ahead, without a trap of their own "
		     "(the counts %s). The trace has %llu exception lines, %s.",
		     (unsigned long long)c->traps, (unsigned long long)c->exceptions,
		     (unsigned long long)c->reflected, (unsigned long long)c->shadow_fills,
		     (unsigned long long)(c->timer_irqs + c->external_irqs),
		     (unsigned long long)c->emulated, (unsigned long long)c->ahead,
		     adds_up ? "add up" : "do NOT add up", (unsigned long long)r->traced_exceptions,
		     r->traced_exceptions == c->exceptions ? "one per exception counted"
		                                           : "NOT one per exception counted");
	} else
		para(f, out, "popek's stop report for the probe VM was not found in its console.");
}

static void part_theorem(const struct pg_report *rep, enum pg_format f, FILE *out)
{
	const struct pg_result *r = rep->riscv;
	char list[2048];

	heading(f, out, 2, "3. The theorem's check");
	para(f, out,
	     "Sensitive, measured: an instruction whose outcome in real U-mode differs from real "
	     "S-mode (executes, traps with which cause, or an SBI call), or which, executed in "
	     "real S-mode, changed the supervisor CSRs the probe compares around it (sstatus, sie, "
	     "stvec, scounteren, senvcfg, sscratch, sepc, scause, stval, sip, satp). Privileged: "
	     "traps in real U-mode.");
	row_list(r, is_sensitive, list, sizeof(list));
	para(f, out, "Sensitive (%u): %s.", r->nsensitive, list);
	row_list(r, is_privileged, list, sizeof(list));
	para(f, out, "Privileged, trap in U-mode (%u): %s.", r->nprivileged, list);
	row_list(r, is_exception, list, sizeof(list));
	if (r->subset)
		para(f, out,
		     "Sensitive is a subset of privileged: YES. Every sensitive instruction traps "
		     "in "
		     "U-mode, so popek, running every guest in real U-mode, gets control at each "
		     "one: "
		     "Popek and Goldberg's condition holds for RV64 (U versus S).");
	else
		para(f, out, "Sensitive is a subset of privileged: NO. Exceptions: %s.", list);
	row_list(r, is_sensitive_missed, list, sizeof(list));
	para(f, out,
	     "Under popek, sensitive instructions that ran directly in a virtual mode where the "
	     "real machine traps (popek never saw them; the guest would notice): %s.",
	     list);
	row_list(r, is_sensitive_direct, list, sizeof(list));
	if (strcmp(list, "none") != 0)
		para(f, out,
		     "Sensitive instructions that ran directly in a virtual mode where the real "
		     "machine executes them too: %s. Their sensitivity is a control popek keeps in "
		     "the real hardware (the counter reads: popek loads scounteren = all in vS and "
		     "the "
		     "guest's own in vU), so they trap exactly when the guest OS asked for it.",
		     list);
	row_list(r, is_cen0_unrefused, list, sizeof(list));
	if (strcmp(list, "none") != 0)
		para(
		    f, out,
		    "Note: %s executed in real U-mode with scounteren = 0. The hardware does trap, "
		    "to M-mode, and this stock firmware (OpenSBI) emulates the read of time "
		    "without "
		    "looking at scounteren; the S-mode OS never sees it. It executes the same in "
		    "both modes, so by this measure it is not sensitive. On popek's firmware, "
		    "which delegates illegal instructions (docs/firmware.md), it traps to the OS "
		    "as the spec defines.",
		    list);
	row_list(r, is_cen0_refused_time, list, sizeof(list));
	if (strcmp(list, "none") != 0)
		para(f, out,
		     "Note: %s trapped in real U-mode, as the spec defines for scounteren.TM = 0: "
		     "this firmware delegates illegal instructions to S-mode (popek's, "
		     "docs/firmware.md), so no firmware answers the read in the OS's place. On "
		     "stock OpenSBI it executes instead.",
		     list);
}

static void part_x86(const struct pg_report *rep, enum pg_format f, FILE *out)
{
	char executed[1024] = "", emulated[512] = "";
	size_t ne = 0, nm = 0;
	unsigned counts[3] = {0};
	struct table tab;

	heading(f, out, 2, "4. The x86 contrast");
	if (!rep->x86) {
		para(f, out, "This host is %s, not x86_64: skipped.", rep->host_arch);
		return;
	}
	para(f, out,
	     "On this host (%s, UMIP %s in /proc/cpuinfo), in user mode (CPL 3), each "
	     "instruction once; a SIGSEGV, SIGILL or SIGBUS is caught with sigsetjmp. "
	     "'emulated' means the CPU has UMIP, so it faulted, and the kernel's #GP handler "
	     "returned a dummy (for SGDT and SIDT, Linux's dummy bases must be what came back).",
	     rep->host_arch, rep->umip ? "listed" : "not listed");
	table_init(&tab, 3, rep->nx86);
	table_row(&tab, "instruction", "outcome", "what it did");
	for (unsigned i = 0; i < rep->nx86; i++) {
		const struct pg_x86_result *x = &rep->x86_results[i];
		table_row(&tab, x->insn, pg_x86_outcome_name(x->outcome), x->detail);
		counts[x->outcome]++;
		if (x->outcome == PG_X86_EXECUTED)
			ne += snprintf(executed + ne, sizeof(executed) - ne, "%s%s", ne ? ", " : "",
			               x->insn);
		else if (x->outcome == PG_X86_EMULATED)
			nm += snprintf(emulated + nm, sizeof(emulated) - nm, "%s%s", nm ? ", " : "",
			               x->insn);
	}
	table_print(&tab, f, out);
	para(f, out, "%u executed, %u trapped, %u emulated by the host kernel.",
	     counts[PG_X86_EXECUTED], counts[PG_X86_TRAPPED], counts[PG_X86_EMULATED]);
	if (ne)
		para(
		    f, out,
		    "Why trap-and-emulate cannot virtualize the x86: these instructions are "
		    "sensitive (they read the location of the kernel's tables, the machine status, "
		    "the interrupt flag, the current privilege level, or answer according to it), "
		    "yet %s executed at CPL 3 without a trap. A classic VMM runs its guest kernel "
		    "deprivileged, in ring 3; the guest kernel would execute them just the same, "
		    "and "
		    "the VMM would never get control to emulate them: the guest would see the "
		    "host's "
		    "GDT and IDT instead of its own, see CPL 3 in CS, be refused its own ring-0 "
		    "segments by LAR and VERR, and its POPF would silently fail to turn interrupts "
		    "off. The x86's sensitive instructions are not a subset of its privileged "
		    "ones, "
		    "so Popek and Goldberg's condition fails: hence binary translation (VMware), "
		    "paravirtualization (Xen), and finally a new mode (Intel VT-x, AMD-V) in which "
		    "such instructions can be made to exit to the VMM.",
		    executed);
	if (nm)
		para(f, out,
		     "UMIP made %s fault at CPL 3 here, which a VMM could catch too; it does not "
		     "cover the others.",
		     emulated);
}

static void write_human(const struct pg_report *r, enum pg_format f, FILE *out)
{
	heading(f, out, 1, "popek pg: Popek and Goldberg's theorem, measured");
	para(f, out,
	     "A machine can be virtualized by trap-and-emulate if its sensitive instructions are a "
	     "subset of its privileged ones. Everything below was measured in this run: a probe "
	     "guest on QEMU's RV64 virt board, bare and under popek, and a probe on this host.");
	part_real(r, f, out);
	part_virtual(r, f, out);
	part_theorem(r, f, out);
	part_x86(r, f, out);
}

/* ---- JSON ---- */

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_names(FILE *out, const struct pg_result *r, bool (*pick)(const struct pg_row *))
{
	bool first = true;
	fputc('[', out);
	for (unsigned i = 0; i < r->nrows; i++) {
		if (!pick(&r->rows[i]))
			continue;
		fprintf(out, "%s", first ? "" : ", ");
		json_str(out, r->rows[i].name);
		first = false;
	}
	fputc(']', out);
}

static void json_outcome(FILE *out, const char *key, const struct pg_outcome *o)
{
	char buf[32];
	fprintf(out, "\"%s\": ", key);
	json_str(out, pg_outcome_str(o, buf, sizeof(buf)));
}

static void write_json(const struct pg_report *rep, FILE *out)
{
	const struct pg_result *r = rep->riscv;
	const struct pg_counters *c = &r->counters;

	fprintf(out, "{\n  \"riscv\": {\n    \"subset\": %s,\n", r->subset ? "true" : "false");
	fprintf(out, "    \"sensitive\": ");
	json_names(out, r, is_sensitive);
	fprintf(out, ",\n    \"privileged\": ");
	json_names(out, r, is_privileged);
	fprintf(out, ",\n    \"exceptions\": ");
	json_names(out, r, is_exception);
	fprintf(out, ",\n    \"real\": [\n");
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct pg_row *w = &r->rows[i];
		fprintf(out, "      {\"insn\": ");
		json_str(out, w->name);
		fprintf(out, ", \"class\": \"%s\", ", pg_class_name(w->cls));
		json_outcome(out, "U", &w->real[PG_MODE_U]);
		fprintf(out, ", ");
		json_outcome(out, "S", &w->real[PG_MODE_S]);
		fprintf(out, ", \"U_tval\": \"0x%llx\", \"S_changed\": ",
		        (unsigned long long)w->real[PG_MODE_U].tval);
		json_str(out, w->real[PG_MODE_S].changed);
		fprintf(out, ", \"sensitive\": %s, \"privileged\": %s}%s\n",
		        w->sensitive ? "true" : "false", w->privileged ? "true" : "false",
		        i + 1 < r->nrows ? "," : "");
	}
	fprintf(out, "    ],\n    \"virtual\": [\n");
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct pg_row *w = &r->rows[i];
		fprintf(out, "      {\"insn\": ");
		json_str(out, w->name);
		fprintf(out, ", \"vU\": \"%s\", \"vS\": \"%s\", \"vU_note\": ",
		        pg_vaction_name(w->virt[PG_MODE_U].action),
		        pg_vaction_name(w->virt[PG_MODE_S].action));
		json_str(out, w->virt[PG_MODE_U].note);
		fprintf(out, ", \"vS_note\": ");
		json_str(out, w->virt[PG_MODE_S].note);
		fprintf(out, ", ");
		json_outcome(out, "guest_U", &w->guest[PG_MODE_U]);
		fprintf(out, ", ");
		json_outcome(out, "guest_S", &w->guest[PG_MODE_S]);
		fprintf(out, ", \"equivalent\": %s}%s\n", w->equivalent ? "true" : "false",
		        i + 1 < r->nrows ? "," : "");
	}
	fprintf(out,
	        "    ],\n    \"counters\": {\"found\": %s, \"traps\": %llu, \"exceptions\": %llu, "
	        "\"interrupts\": %llu, \"emulated\": %llu, \"reflected\": %llu, \"shadow_fills\": "
	        "%llu, \"ahead\": %llu, \"traced_exceptions\": %llu}\n  },\n",
	        c->found ? "true" : "false", (unsigned long long)c->traps,
	        (unsigned long long)c->exceptions,
	        (unsigned long long)(c->timer_irqs + c->external_irqs),
	        (unsigned long long)c->emulated, (unsigned long long)c->reflected,
	        (unsigned long long)c->shadow_fills, (unsigned long long)c->ahead,
	        (unsigned long long)r->traced_exceptions);
	fprintf(out, "  \"x86_host\": {\"arch\": ");
	json_str(out, rep->host_arch);
	fprintf(out, ", \"measured\": %s, \"umip\": %s},\n  \"x86\": [\n",
	        rep->x86 ? "true" : "false", rep->umip ? "true" : "false");
	for (unsigned i = 0; i < rep->nx86; i++) {
		const struct pg_x86_result *x = &rep->x86_results[i];
		fprintf(out, "    {\"insn\": ");
		json_str(out, x->insn);
		fprintf(out,
		        ", \"outcome\": \"%s\", \"detail\": ", pg_x86_outcome_name(x->outcome));
		json_str(out, x->detail);
		fprintf(out, "}%s\n", i + 1 < rep->nx86 ? "," : "");
	}
	fprintf(out, "  ]\n}\n");
}

void pg_report_write(const struct pg_report *r, enum pg_format f, FILE *out)
{
	if (f == PG_FORMAT_JSON)
		write_json(r, out);
	else
		write_human(r, f, out);
}
