/*
 * Unit tests of `popek pg`'s log parsers (tools/popek/pg_log.c) and its
 * classification and report (pg_table.c, pg_report.c).  The fixtures are
 * lines recorded from a real run: the probe guest's terminal on the bare
 * board and under popek, and popek's console with trace = on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_log.h"
#include "pg_report.h"
#include "pg_table.h"

/* ---- trace lines ---- */

struct trace_case {
	const char *name, *line;
	bool ok;
	enum pg_mode mode;
	uint64_t pc;
	bool interrupt;
	uint64_t cause;
	const char *note;
	bool ahead;
};

static const struct trace_case trace_cases[] = {
    {"trace_emulated_csr",
     "trace probe vS pc=8020061c insn=10002573 cause=2 tval=10002573: emulated csr -> vS "
     "pc=80200620",
     true, PG_MODE_S, 0x8020061c, false, 2, "emulated csr", false},
    {"trace_reflected_from_vU",
     "trace probe vU pc=8020062c insn=10002573 cause=2 tval=10002573: reflected -> vS "
     "pc=80200bb4",
     true, PG_MODE_U, 0x8020062c, false, 2, "reflected", false},
    {"trace_sbi",
     "trace probe vS pc=80200988 insn=00000073 cause=8 tval=0: emulated sbi -> vS pc=8020098c",
     true, PG_MODE_S, 0x80200988, false, 8, "emulated sbi", false},
    {"trace_and_ahead",
     "trace probe vS pc=80200918 insn=30200073 cause=2 tval=30200073: emulated csr (and ahead) "
     "-> vS pc=80200bb8",
     true, PG_MODE_S, 0x80200918, false, 2, "emulated csr", true},
    {"trace_shadow_fill",
     "trace probe vS pc=80200000 insn=00006117 cause=12 tval=80200000: shadow filled -> vS "
     "pc=80200000",
     true, PG_MODE_S, 0x80200000, false, 12, "shadow filled", false},
    {"trace_interrupt", "trace probe vU pc=80200890 interrupt=5 (popek's) -> resume", true,
     PG_MODE_U, 0x80200890, true, 5, "", false},
    {"trace_small_values", "trace probe vS pc=10 insn=0 cause=2 tval=0: reflected -> vS pc=4", true,
     PG_MODE_S, 0x10, false, 2, "reflected", false},
    {"trace_other_vm",
     "trace teach vS pc=8020061c insn=10002573 cause=2 tval=10002573: emulated csr -> vS pc=0",
     false},
    {"trace_vm_line_not_trace", "probe | probe-begin csrr-sstatus S pc=8020061c", false},
    {"trace_no_arrow",
     "trace probe vS pc=8020061c insn=10002573 cause=2 tval=10002573: emulated csr", false},
    {"trace_bad_mode", "trace probe vM pc=8020061c insn=0 cause=2 tval=0: reflected -> vS pc=0",
     false},
};

static void test_trace(void **state)
{
	const struct trace_case *c = *state;
	struct pg_trace t;
	bool ok = pg_trace_parse(c->line, "probe", &t);
	assert_int_equal(ok, c->ok);
	if (!ok)
		return;
	assert_int_equal(t.mode, c->mode);
	assert_int_equal(t.pc, c->pc);
	assert_int_equal(t.interrupt, c->interrupt);
	assert_int_equal(t.cause, c->cause);
	assert_string_equal(t.note, c->note);
	assert_int_equal(t.ahead, c->ahead);
}

/* ---- the probe's result lines ---- */

struct outcome_case {
	const char *name, *line;
	bool ok;
	enum pg_action action;
	uint64_t cause, tval;
	const char *changed, *str;
};

static const struct outcome_case outcome_cases[] = {
    {"outcome_executes", "probe x S executes", true, PG_EXECUTES, 0, 0, "", "executes"},
    {"outcome_changed", "probe x S executes changed=sstatus,sepc", true, PG_EXECUTES, 0, 0,
     "sstatus,sepc", "executes"},
    {"outcome_trap", "probe x U trap 2 tval=10002573", true, PG_TRAP, 2, 0x10002573, "", "trap 2"},
    {"outcome_trap_crlf", "probe x U trap 8 tval=0\r", true, PG_TRAP, 8, 0, "", "trap 8"},
    {"outcome_sbi", "probe x S sbi error=0", true, PG_SBI, 0, 0, "", "sbi"},
    {"outcome_stray", "probe x S stray 2 epc=80200100", true, PG_STRAY, 2, 0x80200100, "",
     "stray 2"},
    {"outcome_garbage", "probe x S exploded", false},
    {"outcome_executes_trailing", "probe x S executes twice", false},
    {"outcome_bad_mode", "probe x M executes", false},
};

static void test_outcome(void **state)
{
	const struct outcome_case *c = *state;
	struct pg_probe_log log;
	char text[256], err[128], buf[32];

	snprintf(text, sizeof(text), "probe-begin x S pc=100\nprobe-begin x U pc=200\n%s\n",
	         c->line);
	bool ok = pg_probe_log_parse(text, &log, err, sizeof(err));
	assert_int_equal(ok, c->ok);
	if (!ok) {
		assert_non_null(strstr(err, "line 3"));
		return;
	}
	const struct pg_insn *in = pg_probe_log_find(&log, "x");
	assert_non_null(in);
	const struct pg_outcome *o = &in->run[c->line[8] == 'S' ? PG_MODE_S : PG_MODE_U].out;
	assert_int_equal(o->action, c->action);
	assert_int_equal(o->cause, c->cause);
	assert_int_equal(o->tval, c->tval);
	assert_string_equal(o->changed, c->changed);
	assert_string_equal(pg_outcome_str(o, buf, sizeof(buf)), c->str);
}

/* ---- fixtures: a recorded run, cut down to a few instructions ---- */

static const char bare_log[] = "OpenSBI banner leftovers are ignored\r\n"
                               "probe-start 6\r\n"
                               "probe-begin csrr-sstatus S pc=8020061c\r\n"
                               "probe csrr-sstatus S executes\r\n"
                               "probe-begin csrr-sstatus U pc=8020062c\r\n"
                               "probe csrr-sstatus U trap 2 tval=10002573\r\n"
                               "probe-begin csrw-sscratch S pc=8020077c\r\n"
                               "probe csrw-sscratch S executes changed=sscratch\r\n"
                               "probe-begin csrw-sscratch U pc=8020078c\r\n"
                               "probe csrw-sscratch U trap 2 tval=14029073\r\n"
                               "probe-begin ecall S pc=80200988\r\n"
                               "probe ecall S sbi error=0\r\n"
                               "probe-begin ecall U pc=802009a8\r\n"
                               "probe ecall U trap 8 tval=0\r\n"
                               "probe-begin ebreak S pc=802009b8\r\n"
                               "probe ebreak S trap 3 tval=0\r\n"
                               "probe-begin ebreak U pc=802009c8\r\n"
                               "probe ebreak U trap 3 tval=0\r\n"
                               "probe-begin rdcycle-cen0 S pc=80200a18\r\n"
                               "probe rdcycle-cen0 S executes\r\n"
                               "probe-begin rdcycle-cen0 U pc=80200a28\r\n"
                               "probe rdcycle-cen0 U trap 2 tval=c0002573\r\n"
                               "probe-begin add S pc=80200b18\r\n"
                               "probe add S executes\r\n"
                               "probe-begin add U pc=80200b28\r\n"
                               "probe add U executes\r\n"
                               "probe-end 12\r\n";

static const char console_log[] =
    "popek: vm probe: 64 MiB at 80400000, quantum 10000 us\r\n"
    "trace probe vS pc=80200000 insn=00006117 cause=12 tval=80200000: shadow filled -> vS "
    "pc=80200000\r\n"
    "probe | p\r\n"
    "trace probe vS pc=8020061c insn=10002573 cause=2 tval=10002573: emulated csr -> vS "
    "pc=80200620\r\n"
    "trace probe vU pc=8020062c insn=10002573 cause=2 tval=10002573: reflected -> vS "
    "pc=80200bb4\r\n"
    "trace probe vS pc=8020077c insn=14029073 cause=2 tval=14029073: emulated csr -> vS "
    "pc=80200780\r\n"
    "trace probe vU pc=8020078c insn=14029073 cause=2 tval=14029073: reflected -> vS "
    "pc=80200bb4\r\n"
    "trace probe vS pc=80200988 insn=00000073 cause=8 tval=0: emulated sbi -> vS pc=8020098c\r\n"
    "trace probe vU pc=802009a8 insn=00000073 cause=8 tval=0: reflected -> vS pc=80200bb4\r\n"
    "trace probe vS pc=802009b8 insn=00100073 cause=3 tval=0: reflected -> vS pc=80200bb4\r\n"
    "trace probe vU pc=802009c8 insn=00100073 cause=3 tval=0: reflected -> vS pc=80200bb4\r\n"
    /* popek's own interrupt at a probed pc: not the instruction's doing */
    "trace probe vS pc=80200b18 interrupt=5 (popek's) -> resume\r\n"
    /* a shadow fill at a probed pc: popek's memory, not an action */
    "trace probe vU pc=80200b28 insn=00000013 cause=12 tval=80200b28: shadow filled -> vU "
    "pc=80200b28\r\n"
    "trace probe vU pc=80200a28 insn=c0002573 cause=2 tval=c0002573: reflected -> vS "
    "pc=80200bb4\r\n"
    "popek: vm probe: shutdown requested\r\n"
    "popek: vm probe stopped: 12 traps (1 timer, 0 external interrupts)\r\n"
    "popek: vm probe exceptions: illegal insn 6; breakpoint 2; ecall 2; fetch page 1; store page "
    "0;\r\n"
    "popek: vm probe emulated: csr 2; sret 0; wfi 0; sfence.vma 0; mmio 0; sbi 1; reflected 6; "
    "shadow fills 2, flushes 1; satp writes 1; emulated ahead 0\r\n";

/* The guest saw under popek what it saw on the bare board: the same terminal. */
#define virt_log bare_log

struct fixture {
	struct pg_probe_log bare, virt;
	struct pg_result result;
};

static struct fixture *fixture_load(const char *bare, const char *virt, const char *console,
                                    bool expect_ok)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	assert_true(pg_probe_log_parse(bare, &f->bare, err, sizeof(err)));
	assert_true(pg_probe_log_parse(virt, &f->virt, err, sizeof(err)));
	assert_int_equal(
	    pg_classify(&f->bare, &f->virt, console, "probe", &f->result, err, sizeof(err)),
	    expect_ok);
	return f;
}

static const struct pg_row *row(const struct pg_result *r, const char *name)
{
	for (unsigned i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].name, name) == 0)
			return &r->rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void test_probe_log_structure(void **state)
{
	(void)state;
	struct pg_probe_log log;
	char err[128];
	assert_true(pg_probe_log_parse(bare_log, &log, err, sizeof(err)));
	assert_int_equal(log.started, 6);
	assert_int_equal(log.ninsns, 6);
	assert_true(log.ended);
	assert_string_equal(log.insns[0].name, "csrr-sstatus");
	assert_int_equal(log.insns[0].run[PG_MODE_U].pc, 0x8020062c);
}

static void test_result_without_begin(void **state)
{
	(void)state;
	struct pg_probe_log log;
	char err[128];
	assert_false(
	    pg_probe_log_parse("probe-start 1\nprobe add S executes\n", &log, err, sizeof(err)));
	assert_non_null(strstr(err, "never began"));
}

/* Each instruction's real class and virtual actions, as the seed's tables have them. */
struct class_case {
	const char *insn;
	enum pg_class cls;
	bool privileged;
	enum pg_vaction vu, vs;
	const char *vs_note;
};

static const struct class_case class_cases[] = {
    {"csrr-sstatus", PG_SENSITIVE, true, PG_V_DELIVERED, PG_V_EMULATED, "emulated csr"},
    {"csrw-sscratch", PG_SENSITIVE, true, PG_V_DELIVERED, PG_V_EMULATED, "emulated csr"},
    {"ecall", PG_SENSITIVE, true, PG_V_DELIVERED, PG_V_EMULATED, "emulated sbi"},
    {"ebreak", PG_ERRANT, true, PG_V_DELIVERED, PG_V_DELIVERED, "reflected"},
    {"rdcycle-cen0", PG_SENSITIVE, true, PG_V_DELIVERED, PG_V_DIRECT, ""},
    {"add", PG_NON_SENSITIVE, false, PG_V_DIRECT, PG_V_DIRECT, ""},
};

static void test_classes(void **state)
{
	(void)state;
	struct fixture *f = fixture_load(bare_log, virt_log, console_log, true);
	for (size_t i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
		const struct class_case *c = &class_cases[i];
		const struct pg_row *w = row(&f->result, c->insn);
		assert_int_equal(w->cls, c->cls);
		assert_int_equal(w->privileged, c->privileged);
		assert_int_equal(w->virt[PG_MODE_U].action, c->vu);
		assert_int_equal(w->virt[PG_MODE_S].action, c->vs);
		assert_string_equal(w->virt[PG_MODE_S].note, c->vs_note);
		assert_true(w->equivalent);
	}
	assert_true(row(&f->result, "csrw-sscratch")->control_sensitive);
	assert_false(row(&f->result, "csrr-sstatus")->control_sensitive);
	assert_int_equal(row(&f->result, "add")->virt[PG_MODE_U].fills, 1);
	assert_true(f->result.subset);
	assert_int_equal(f->result.nsensitive, 4);
	assert_int_equal(f->result.nprivileged, 5);
	assert_int_equal(f->result.nexceptions, 0);
	assert_int_equal(f->result.traced_exceptions, 11);
	assert_int_equal(f->result.traced_interrupts, 1);
	free(f);
}

static void test_counters(void **state)
{
	(void)state;
	struct pg_counters c;
	pg_counters_parse(console_log, "probe", &c);
	assert_true(c.found);
	assert_int_equal(c.traps, 12);
	assert_int_equal(c.timer_irqs, 1);
	assert_int_equal(c.exceptions, 11);
	assert_int_equal(c.emulated, 3);
	assert_int_equal(c.reflected, 6);
	assert_int_equal(c.shadow_fills, 2);
	assert_int_equal(c.ahead, 0);
	pg_counters_parse(console_log, "teach", &c);
	assert_false(c.found);
}

/* An x86-like machine: popf executes in user mode but changes state in supervisor mode. */
static const char unvirtualizable_log[] = "probe-start 2\n"
                                          "probe-begin popf S pc=100\n"
                                          "probe popf S executes changed=sstatus\n"
                                          "probe-begin popf U pc=104\n"
                                          "probe popf U executes\n"
                                          "probe-begin add S pc=108\n"
                                          "probe add S executes\n"
                                          "probe-begin add U pc=10c\n"
                                          "probe add U executes\n"
                                          "probe-end 4\n";

static void test_exception_breaks_subset(void **state)
{
	(void)state;
	struct fixture *f = fixture_load(unvirtualizable_log, unvirtualizable_log, "", true);
	const struct pg_row *w = row(&f->result, "popf");
	assert_true(w->sensitive);
	assert_false(w->mode_sensitive);
	assert_false(w->privileged);
	assert_true(w->exception);
	assert_false(f->result.subset);
	assert_false(f->result.counters.found);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct pg_report rep = {.riscv = &f->result, .host_arch = "riscv64"};
	pg_report_write(&rep, PG_FORMAT_JSON, out);
	fclose(out);
	assert_non_null(strstr(text, "\"subset\": false"));
	assert_non_null(strstr(text, "\"exceptions\": [\"popf\"]"));
	assert_non_null(strstr(text, "\"x86\": [\n  ]"));
	free(text);
	free(f);
}

static void test_no_sensitive_is_no_verdict(void **state)
{
	(void)state;
	static const char log[] = "probe-start 1\nprobe-begin add S pc=1\nprobe add S executes\n"
	                          "probe-begin add U pc=2\nprobe add U executes\nprobe-end 2\n";
	struct fixture *f = fixture_load(log, log, "", true);
	assert_false(f->result.subset);
	free(f);
}

/* A measurement to repeat, not a finding. */
struct incomplete_case {
	const char *name, *bare, *virt, *why;
};

static const struct incomplete_case incomplete_cases[] = {
    {"incomplete_not_ended", "probe-start 1\nprobe-begin add S pc=1\nprobe add S executes\n",
     unvirtualizable_log, "did not finish on the bare board"},
    {"incomplete_missing_run",
     "probe-start 1\nprobe-begin add S pc=1\nprobe add S executes\nprobe-begin add U pc=2\n"
     "probe-end 2\n",
     "probe-start 1\nprobe-begin add S pc=1\nprobe add S executes\nprobe-begin add U pc=2\n"
     "probe add U executes\nprobe-end 2\n",
     "add in U-mode never finished"},
    {"incomplete_stray",
     "probe-start 1\nprobe-begin add S pc=1\nprobe add S stray 2 epc=5\nprobe-begin add U pc=2\n"
     "probe add U executes\nprobe-end 2\n",
     "probe-start 1\nprobe-begin add S pc=1\nprobe add S executes\nprobe-begin add U pc=2\n"
     "probe add U executes\nprobe-end 2\n",
     "a stray trap"},
    {"incomplete_different_insns", unvirtualizable_log,
     "probe-start 1\nprobe-begin add S pc=1\nprobe add S executes\nprobe-begin add U pc=2\n"
     "probe add U executes\nprobe-end 2\n",
     "probed 2 and 1 instructions"},
};

static void test_incomplete(void **state)
{
	const struct incomplete_case *c = *state;
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];
	assert_true(pg_probe_log_parse(c->bare, &f->bare, err, sizeof(err)));
	assert_true(pg_probe_log_parse(c->virt, &f->virt, err, sizeof(err)));
	assert_false(pg_classify(&f->bare, &f->virt, "", "probe", &f->result, err, sizeof(err)));
	assert_non_null(strstr(err, c->why));
	free(f);
}

/* The report: the four headings in text, one JSON row per line. */
static void test_report(void **state)
{
	(void)state;
	struct fixture *f = fixture_load(bare_log, virt_log, console_log, true);
	struct pg_x86_result x86[1] = {{"sgdt", PG_X86_EXECUTED, "GDT base=0x1"}};
	struct pg_report rep = {
	    .riscv = &f->result, .host_arch = "x86_64", .x86 = true, .x86_results = x86, .nx86 = 1};
	static const char *const want[][2] = {
	    {"text", "1. Actions on the real machine\n-----"},
	    {"text", "2. Actions on the virtual machine\n"},
	    {"text", "3. The theorem's check\n"},
	    {"text", "4. The x86 contrast\n"},
	    {"text", "Sensitive is a subset of privileged: YES"},
	    {"text", "traps to the OS (3 illegal instruction, 1 ecall from U-mode)"},
	    {"text", "the counts add up"},
	    {"markdown", "## 1. Actions on the real machine\n"},
	    {"markdown", "| csrr-sstatus | trap 2 (illegal instruction) | executes |"},
	    {"json", "\"subset\": true"},
	    {"json", "{\"insn\": \"csrr-sstatus\", \"class\": \"sensitive\", \"U\": \"trap 2\", "
	             "\"S\": \"executes\""},
	    {"json", "{\"insn\": \"csrr-sstatus\", \"vU\": \"delivered\", \"vS\": \"emulated\""},
	    {"json", "{\"insn\": \"sgdt\", \"outcome\": \"executed\""},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		enum pg_format fmt;
		char *text = NULL;
		size_t len = 0;
		assert_true(pg_format_parse(want[i][0], &fmt));
		FILE *out = open_memstream(&text, &len);
		pg_report_write(&rep, fmt, out);
		fclose(out);
		if (!strstr(text, want[i][1]))
			fail_msg("%s report lacks '%s'", want[i][0], want[i][1]);
		free(text);
	}
	enum pg_format fmt;
	assert_false(pg_format_parse("yaml", &fmt));
	free(f);
}

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	struct CMUnitTest
	    tests[NELEMS(trace_cases) + NELEMS(outcome_cases) + NELEMS(incomplete_cases) + 8];
	size_t n = 0;

	for (size_t i = 0; i < NELEMS(trace_cases); i++)
		tests[n++] = (struct CMUnitTest){.name = trace_cases[i].name,
		                                 .test_func = test_trace,
		                                 .initial_state = (void *)&trace_cases[i]};
	for (size_t i = 0; i < NELEMS(outcome_cases); i++)
		tests[n++] = (struct CMUnitTest){.name = outcome_cases[i].name,
		                                 .test_func = test_outcome,
		                                 .initial_state = (void *)&outcome_cases[i]};
	for (size_t i = 0; i < NELEMS(incomplete_cases); i++)
		tests[n++] = (struct CMUnitTest){.name = incomplete_cases[i].name,
		                                 .test_func = test_incomplete,
		                                 .initial_state = (void *)&incomplete_cases[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_probe_log_structure);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_result_without_begin);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_classes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_counters);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_exception_breaks_subset);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_no_sensitive_is_no_verdict);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_report);
	return _cmocka_run_group_tests("pg", tests, n, NULL, NULL);
}
