/*
 * Unit tests of `popek pg`'s x86 contrast (tools/popek/pg_x86.c): how a
 * measurement is classified (trapped / emulated / executed), how UMIP is
 * found in /proc/cpuinfo, and, on an x86_64 host, a few measurements whose
 * answer is certain in user mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pg_x86.h"

struct classify_case {
	const char *name;
	enum pg_x86_insn insn;
	struct pg_x86_raw raw;
	bool umip;
	enum pg_x86_outcome want;
	const char *detail; /* a substring of the detail */
};

static const struct classify_case classify_cases[] = {
    {"sigsegv_is_trapped", PG_X86_SLDT, {SIGSEGV, {0}}, true, PG_X86_TRAPPED, "SIGSEGV"},
    {"sigill_is_trapped", PG_X86_SMSW, {SIGILL, {0}}, false, PG_X86_TRAPPED, "SIGILL"},
    {"sgdt_umip_dummy_is_emulated",
     PG_X86_SGDT,
     {0, {PG_X86_UMIP_GDT_BASE, 0}},
     true,
     PG_X86_EMULATED,
     "dummy"},
    {"sidt_umip_dummy_is_emulated",
     PG_X86_SIDT,
     {0, {PG_X86_UMIP_IDT_BASE, 0}},
     true,
     PG_X86_EMULATED,
     "base=0xffffffffffff0000"},
    {"sgdt_umip_but_real_base_is_executed",
     PG_X86_SGDT,
     {0, {0xfffffe0000001000ULL, 0x7f}},
     true,
     PG_X86_EXECUTED,
     "base=0xfffffe0000001000 limit=0x7f"},
    {"sgdt_no_umip_is_executed",
     PG_X86_SGDT,
     {0, {0xfffffe0000001000ULL, 0x7f}},
     false,
     PG_X86_EXECUTED,
     "GDT"},
    {"smsw_umip_is_emulated", PG_X86_SMSW, {0, {0x33}}, true, PG_X86_EMULATED, "MSW=0x0033"},
    {"smsw_no_umip_is_executed", PG_X86_SMSW, {0, {0x80050033}}, false, PG_X86_EXECUTED, "PE=1"},
    {"str_reveals_tss", PG_X86_STR, {0, {0x40}}, false, PG_X86_EXECUTED, "GDT entry 8"},
    {"pushf_umip_still_executes", PG_X86_PUSHF, {0, {0x246}}, true, PG_X86_EXECUTED, "IF=1"},
    {"popf_if_unchanged", PG_X86_POPF, {0, {0x246, 0x246}}, false, PG_X86_EXECUTED, "dropped"},
    {"popf_if_changed", PG_X86_POPF, {0, {0x3246, 0x3046}}, false, PG_X86_EXECUTED, "after"},
    {"lar_kernel_refused",
     PG_X86_LAR,
     {0, {0x33, 1, 0x00affb00, 0}},
     true,
     PG_X86_EXECUTED,
     "refused (ZF=0)"},
    {"mov_cs_rpl", PG_X86_MOV_CS, {0, {0x33}}, false, PG_X86_EXECUTED, "RPL=3"},
};

static void test_classify(void **state)
{
	const struct classify_case *c = *state;
	struct pg_x86_result r;
	pg_x86_classify(c->insn, &c->raw, c->umip, &r);
	assert_int_equal(r.outcome, c->want);
	assert_string_equal(r.insn, pg_x86_name(c->insn));
	if (!strstr(r.detail, c->detail))
		fail_msg("detail '%s' lacks '%s'", r.detail, c->detail);
}

static void test_cpuinfo(void **state)
{
	(void)state;
	static const char with[] = "processor\t: 0\nflags\t\t: fpu vme umip pku\nbugs\t\t: x\n";
	static const char last[] = "flags\t\t: fpu umip\n";
	static const char without[] = "processor\t: 0\nflags\t\t: fpu vme umipx pku\n"
	                              "bugs\t\t: umip\n";
	assert_true(pg_x86_cpuinfo_has(with, "umip"));
	assert_true(pg_x86_cpuinfo_has(last, "umip"));
	assert_false(pg_x86_cpuinfo_has(without, "umip"));
	assert_false(pg_x86_cpuinfo_has("", "umip"));
}

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < PG_X86_NINSNS; i++)
		assert_non_null(pg_x86_name(i));
	assert_string_equal(pg_x86_outcome_name(PG_X86_TRAPPED), "trapped");
	assert_string_equal(pg_x86_outcome_name(PG_X86_EMULATED), "emulated");
	assert_string_equal(pg_x86_outcome_name(PG_X86_EXECUTED), "executed");
}

/* On x86_64, what user mode must see whatever the CPU: CPL 3, IF set, POPF unable to clear it. */
static void test_measure_host(void **state)
{
	(void)state;
	struct pg_x86_raw raw;
	if (!pg_x86_host())
		skip();
	pg_x86_measure(PG_X86_MOV_CS, &raw);
	assert_int_equal(raw.signo, 0);
	assert_int_equal(raw.v[0] & 3, 3);
	pg_x86_measure(PG_X86_PUSHF, &raw);
	assert_true(raw.v[0] & (1 << 9));
	pg_x86_measure(PG_X86_POPF, &raw);
	assert_int_equal(raw.signo, 0);
	assert_true(raw.v[1] & (1 << 9));
	for (int i = 0; i < PG_X86_NINSNS; i++) {
		struct pg_x86_result r;
		pg_x86_measure(i, &raw);
		pg_x86_classify(i, &raw, false, &r);
		assert_true(r.detail[0]);
	}
}

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	struct CMUnitTest tests[NELEMS(classify_cases) + 3];
	size_t n = 0;

	for (size_t i = 0; i < NELEMS(classify_cases); i++)
		tests[n++] = (struct CMUnitTest){.name = classify_cases[i].name,
		                                 .test_func = test_classify,
		                                 .initial_state = (void *)&classify_cases[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cpuinfo);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_names);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_measure_host);
	return _cmocka_run_group_tests("pg_x86", tests, n, NULL, NULL);
}
