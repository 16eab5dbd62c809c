/*
 * The virtual PLIC: scripts of register accesses and line signals, each step
 * with the outcome the board's PLIC (QEMU 7.2's sifive_plic on virt) gives:
 * the PLIC spec 1.0.0 except where the board is more lenient (vplic.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dev/vplic.h"

#define PRIO(src)  (4u * (src))
#define PENDING    0x1000u
#define EN(ctx)    (0x2000u + 0x80u * (ctx))
#define THR(ctx)   (0x200000u + 0x1000u * (ctx))
#define CLAIM(ctx) (0x200004u + 0x1000u * (ctx))

enum op {
	END,
	SET,  /* a = irq, b = level */
	WR,   /* 32-bit write: a = offset, b = value */
	RD,   /* 32-bit read: a = offset, b = expected value */
	PEND, /* vplic_pending: a = context, b = expected */
	BADR, /* read of width b at offset a is refused (-1) */
	BADW, /* write of width b at offset a is refused (-1) */
};

struct step {
	enum op op;
	uint64_t a, b;
};

static const struct scenario {
	const char *name;
	struct step steps[32];
} scenarios[] = {
    {"reset state",
     {{RD, PRIO(1), 0},
      {RD, PRIO(31), 0},
      {RD, PENDING, 0},
      {RD, EN(0), 0},
      {RD, EN(1), 0},
      {RD, THR(0), 0},
      {RD, THR(1), 0},
      {RD, CLAIM(0), 0},
      {RD, CLAIM(1), 0},
      {PEND, 0, 0},
      {PEND, 1, 0}}},
    {"priority keeps 3 bits; source 0 and beyond 31 have none",
     {{WR, PRIO(1), 0xff},
      {RD, PRIO(1), 7},
      {WR, PRIO(1), 9},
      {RD, PRIO(1), 1},
      {WR, PRIO(31), 3},
      {RD, PRIO(31), 3},
      {WR, PRIO(0), 5},
      {RD, PRIO(0), 0}, /* the board has no register for source 0 */
      {WR, PRIO(32), 5},
      {RD, PRIO(32), 0},
      {RD, 0xffc, 0}}},
    {"pending bits are read-only",
     {{SET, 5, 1},
      {RD, PENDING, 1u << 5},
      {WR, PENDING, 0},
      {RD, PENDING, 1u << 5},
      {WR, PENDING, 0xffffffff},
      {RD, PENDING, 1u << 5},
      {RD, PENDING + 4, 0}}},
    {"enable bit 0 is kept as written, as on the board; only contexts 0 and 1 exist",
     {{WR, EN(0), 0xffffffff},
      {RD, EN(0), 0xffffffff},
      {WR, EN(1), 0x3},
      {RD, EN(1), 0x3},
      {RD, EN(0), 0xffffffff},
      {WR, EN(0) + 4, 0xffffffff},
      {RD, EN(0) + 4, 0},
      {WR, EN(2), 0xffffffff},
      {RD, EN(2), 0}}},
    {"threshold keeps the low 3 bits, as the board's",
     {{WR, THR(0), 3},
      {RD, THR(0), 3},
      {WR, THR(0), 8},
      {RD, THR(0), 0},
      {WR, THR(0), 12},
      {RD, THR(0), 4},
      {WR, THR(0), 3},
      {WR, THR(1), 7},
      {RD, THR(1), 7},
      {RD, THR(0), 3},
      {WR, THR(2), 1},
      {RD, THR(2), 0},
      {RD, THR(0) + 8, 0}}},
    {"claim order: highest priority first, ties to the lowest id",
     {{WR, PRIO(3), 2},
      {WR, PRIO(5), 6},
      {WR, PRIO(7), 6},
      {WR, PRIO(9), 1},
      {WR, EN(1), (1u << 3) | (1u << 5) | (1u << 7) | (1u << 9)},
      {SET, 9, 1},
      {SET, 7, 1},
      {SET, 5, 1},
      {SET, 3, 1},
      {PEND, 1, 1},
      {PEND, 0, 0},
      {RD, CLAIM(1), 5},
      {RD, PENDING, (1u << 3) | (1u << 7) | (1u << 9)},
      {RD, CLAIM(1), 7},
      {RD, CLAIM(1), 3},
      {RD, CLAIM(1), 9},
      {PEND, 1, 0},
      {RD, CLAIM(1), 0},
      {RD, PENDING, 0},
      {WR, CLAIM(1), 7},
      {RD, PENDING, 0},
      {SET, 7, 1},
      {RD, PENDING, 1u << 7},
      {PEND, 1, 1},
      {RD, CLAIM(1), 7}}},
    {"threshold masks priorities less than or equal to it",
     {{WR, PRIO(4), 3},
      {WR, EN(1), 1u << 4},
      {SET, 4, 1},
      {WR, THR(1), 3},
      {PEND, 1, 0},
      {RD, CLAIM(1), 0},
      {RD, PENDING, 1u << 4},
      {WR, THR(1), 2},
      {PEND, 1, 1},
      {RD, CLAIM(1), 4}}},
    {"priority 0 never interrupts",
     {{WR, EN(1), 1u << 6},
      {SET, 6, 1},
      {RD, PENDING, 1u << 6},
      {PEND, 1, 0},
      {RD, CLAIM(1), 0},
      {WR, PRIO(6), 1},
      {PEND, 1, 1},
      {WR, PRIO(6), 0},
      {PEND, 1, 0}}},
    {"line held high: no new request after complete until the device signals",
     {{WR, PRIO(10), 1},
      {WR, EN(1), 1u << 10},
      {SET, 10, 1},
      {RD, CLAIM(1), 10},
      {RD, PENDING, 0},
      {PEND, 1, 0},
      {RD, CLAIM(1), 0},
      {WR, CLAIM(1), 10},
      {RD, PENDING, 0},
      {PEND, 1, 0},
      {RD, CLAIM(1), 0},
      {SET, 10, 1},
      {RD, PENDING, 1u << 10},
      {PEND, 1, 1},
      {RD, CLAIM(1), 10}}},
    {"a device signalling high again while in service: one request after complete",
     {{WR, PRIO(10), 1},
      {WR, EN(1), 1u << 10},
      {SET, 10, 1},
      {RD, CLAIM(1), 10},
      {SET, 10, 1},
      {RD, PENDING, 1u << 10},
      {PEND, 1, 0},
      {WR, CLAIM(1), 10},
      {PEND, 1, 1},
      {RD, CLAIM(1), 10},
      {RD, PENDING, 0}}},
    {"level dropped in service: nothing after complete",
     {{WR, PRIO(10), 1},
      {WR, EN(1), 1u << 10},
      {SET, 10, 1},
      {RD, CLAIM(1), 10},
      {SET, 10, 0},
      {WR, CLAIM(1), 10},
      {RD, PENDING, 0},
      {PEND, 1, 0},
      {RD, CLAIM(1), 0}}},
    {"a line dropped before the claim withdraws nothing: the claim takes the request",
     {{WR, PRIO(2), 1},
      {WR, EN(1), 1u << 2},
      {SET, 2, 1},
      {PEND, 1, 1},
      {SET, 2, 0},
      {RD, PENDING, 1u << 2},
      {PEND, 1, 1},
      {RD, CLAIM(1), 2},
      {RD, PENDING, 0},
      {PEND, 1, 0}}},
    {"line pulsed while in service: one new request after complete",
     {{WR, PRIO(2), 1},
      {WR, EN(1), 1u << 2},
      {SET, 2, 1},
      {RD, CLAIM(1), 2},
      {SET, 2, 0},
      {SET, 2, 1},
      {RD, PENDING, 1u << 2},
      {PEND, 1, 0},
      {WR, CLAIM(1), 2},
      {RD, PENDING, 1u << 2},
      {RD, CLAIM(1), 2}}},
    {"enables are per context",
     {{WR, PRIO(10), 1},     {WR, EN(0), 1u << 10}, {SET, 10, 1},       {PEND, 0, 1},
      {PEND, 1, 0},          {RD, CLAIM(1), 0},     {RD, CLAIM(0), 10}, {PEND, 0, 0},
      {WR, CLAIM(0), 10},    {PEND, 0, 0},          {SET, 10, 1},       {PEND, 0, 1},
      {WR, EN(1), 1u << 10}, {PEND, 1, 0}, /* the board's outputs follow an enable write at the next update */
      {WR, THR(1), 0},       {PEND, 1, 1},          {WR, EN(0), 0},     {PEND, 0, 1},
      {WR, PRIO(10), 1},     {PEND, 0, 0},          {PEND, 1, 1}}},
    {"a claimed source is not claimable by the other context",
     {{WR, PRIO(8), 1},
      {WR, EN(0), 1u << 8},
      {WR, EN(1), 1u << 8},
      {SET, 8, 1},
      {RD, CLAIM(0), 8},
      {PEND, 1, 0},
      {RD, CLAIM(1), 0},
      {SET, 8, 1},
      {PEND, 1, 0},
      {WR, CLAIM(0), 8},
      {PEND, 1, 1},
      {RD, CLAIM(1), 8}}},
    {"complete from a context that does not enable the source still ends the claim",
     {{WR, PRIO(8), 1},
      {WR, EN(1), 1u << 8},
      {SET, 8, 1},
      {RD, CLAIM(1), 8},
      {WR, EN(1), 0},
      {SET, 8, 1},
      {WR, CLAIM(1), 8},
      {PEND, 1, 0},
      {WR, EN(1), 1u << 8},
      {WR, THR(1), 0},
      {PEND, 1, 1},
      {RD, CLAIM(1), 8},
      {WR, CLAIM(0), 8},
      {SET, 8, 1},
      {PEND, 1, 1}}},
    /* the board has ids up to 95: a complete of one of them is an update of its outputs */
    {"complete of an id the board has but popek lacks updates the outputs",
     {{WR, PRIO(3), 1},
      {SET, 3, 1},
      {WR, EN(1), 1u << 3},
      {PEND, 1, 0},
      {WR, CLAIM(0), 40},
      {PEND, 1, 1},
      {WR, EN(1), 0},
      {WR, CLAIM(0), 96},
      {PEND, 1, 1},
      {WR, CLAIM(0), 95},
      {PEND, 1, 0}}},
    {"complete of ids that are no source is ignored",
     {{WR, PRIO(8), 1},
      {WR, EN(1), 0xffffffff},
      {SET, 8, 1},
      {RD, CLAIM(1), 8},
      {SET, 8, 1},
      {WR, CLAIM(1), 0},
      {WR, CLAIM(1), 32},
      {WR, CLAIM(1), 0xffffffff},
      {WR, CLAIM(1), 8 + 32},
      {PEND, 1, 0},
      {WR, CLAIM(1), 8},
      {PEND, 1, 1}}},
    {"lines outside 1..31 are ignored",
     {{WR, EN(1), 0xffffffff},
      {SET, 0, 1},
      {SET, 32, 1},
      {SET, 0xffffffff, 1},
      {RD, PENDING, 0},
      {RD, CLAIM(1), 0},
      {PEND, 1, 0},
      {PEND, 0, 0}}},
    {"only aligned 32-bit accesses",
     {{BADR, PRIO(1), 1},
      {BADR, PRIO(1), 2},
      {BADR, PRIO(1), 8},
      {BADR, PRIO(1) + 2, 4},
      {BADR, CLAIM(1) + 1, 4},
      {BADW, PRIO(1), 1},
      {BADW, PRIO(1), 2},
      {BADW, PRIO(1), 8},
      {BADW, PRIO(1) + 1, 4},
      {RD, PRIO(1), 0},
      {BADR, VPLIC_SIZE, 4},
      {BADW, VPLIC_SIZE, 4},
      {RD, VPLIC_SIZE - 4, 0}}},
};

static void run_step(struct vplic *p, const struct scenario *sc, int i)
{
	const struct step *st = &sc->steps[i];
	uint64_t v = 0xbad;
	int ret;

	switch (st->op) {
	case SET:
		vplic_set_level(p, (uint32_t)st->a, (int)st->b);
		break;
	case WR:
		if (vplic_ops.write(p, st->a, 4, st->b) != 0)
			fail_msg("%s: step %d: write to %#llx refused", sc->name, i,
			         (unsigned long long)st->a);
		break;
	case RD:
		ret = vplic_ops.read(p, st->a, 4, &v);
		if (ret != 0 || v != st->b)
			fail_msg("%s: step %d: read %#llx gave %d, %#llx; want 0, %#llx", sc->name,
			         i, (unsigned long long)st->a, ret, (unsigned long long)v,
			         (unsigned long long)st->b);
		break;
	case PEND:
		if (vplic_pending(p, (int)st->a) != (st->b != 0))
			fail_msg("%s: step %d: vplic_pending(ctx %d) is %d", sc->name, i,
			         (int)st->a, vplic_pending(p, (int)st->a));
		break;
	case BADR:
		if (vplic_ops.read(p, st->a, (unsigned)st->b, &v) != -1)
			fail_msg("%s: step %d: %u-byte read at %#llx accepted", sc->name, i,
			         (unsigned)st->b, (unsigned long long)st->a);
		break;
	case BADW:
		if (vplic_ops.write(p, st->a, (unsigned)st->b, 0xffffffff) != -1)
			fail_msg("%s: step %d: %u-byte write at %#llx accepted", sc->name, i,
			         (unsigned)st->b, (unsigned long long)st->a);
		break;
	case END:
		break;
	}
}

/* One cmocka test per scenario, named after it. */
static void test_scenario(void **state)
{
	const struct scenario *sc = *state;
	struct vplic p;

	vplic_init(&p);
	for (int i = 0; i < 32 && sc->steps[i].op != END; i++)
		run_step(&p, sc, i);
}

static void test_pending_bad_context(void **state)
{
	struct vplic p;

	(void)state;
	vplic_init(&p);
	assert_int_equal(vplic_ops.write(&p, PRIO(1), 4, 1), 0);
	assert_int_equal(vplic_ops.write(&p, EN(1), 4, 2), 0);
	vplic_set_level(&p, 1, 1);
	assert_true(vplic_pending(&p, 1));
	assert_false(vplic_pending(&p, 2));
	assert_false(vplic_pending(&p, -1));
}

int main(void)
{
	enum { NSC = sizeof(scenarios) / sizeof(scenarios[0]) };
	struct CMUnitTest tests[NSC + 1];

	for (size_t i = 0; i < NSC; i++)
		tests[i] = (struct CMUnitTest){.name = scenarios[i].name,
		                               .test_func = test_scenario,
		                               .initial_state = (void *)&scenarios[i]};
	tests[NSC] = (struct CMUnitTest)cmocka_unit_test(test_pending_bad_context);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
