/*
 * The virtual CLINT: which accesses the board's CLINT (QEMU 7.2's ACLINT)
 * takes, and what they read and change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/guest_layout.h"
#include "dev/vclint.h"

#define NOW     0x1122334455667788UL
#define REFUSED 0xbad /* the access is an access fault */

static uint64_t now(void *arg)
{
	(void)arg;
	return NOW;
}

static int changes;

static void changed(void *arg)
{
	(void)arg;
	changes++;
}

static const struct clint_case {
	const char *name;
	int write;
	uint64_t off;
	unsigned width;
	uint64_t val;  /* written, or expected (REFUSED) */
	uint64_t msip; /* after */
	uint64_t cmp;  /* mtimecmp after (it starts as ~0) */
	int changed;   /* the vCPU was told */
} cases[] = {
    {"msip: 4-byte write sets bit 0 only", 1, 0, 4, 0xffffffff, 1, ~0UL, 1},
    {"msip: 8-byte write refused", 1, 0, 8, 1, 0, ~0UL, 0},
    {"msip: 8-byte read refused", 0, 0, 8, REFUSED, 0, ~0UL, 0},
    {"msip: 1-byte read refused", 0, 0, 1, REFUSED, 0, ~0UL, 0},
    {"msip: unaligned read refused", 0, 2, 4, REFUSED, 0, ~0UL, 0},
    {"msip of hart 1 reads 0", 0, 4, 4, 0, 0, ~0UL, 0},
    {"mtimecmp: 8-byte write", 1, GUEST_CLINT_MTIMECMP, 8, 42, 0, 42, 1},
    {"mtimecmp: high half", 1, GUEST_CLINT_MTIMECMP + 4, 4, 7, 0, 0x7ffffffffUL, 1},
    {"mtimecmp: unaligned 8-byte write refused", 1, GUEST_CLINT_MTIMECMP + 4, 8, 0, 0, ~0UL, 0},
    {"mtimecmp: unaligned 4-byte read refused", 0, GUEST_CLINT_MTIMECMP + 2, 4, REFUSED, 0, ~0UL,
     0},
    {"mtimecmp: 8-byte read", 0, GUEST_CLINT_MTIMECMP, 8, ~0UL, 0, ~0UL, 0},
    {"mtime: 8-byte read is the clock", 0, GUEST_CLINT_MTIME, 8, NOW, 0, ~0UL, 0},
    {"mtime: high half", 0, GUEST_CLINT_MTIME + 4, 4, NOW >> 32, 0, ~0UL, 0},
    {"mtime: write ignored", 1, GUEST_CLINT_MTIME, 8, 0, 0, ~0UL, 0},
    {"mtime: 2-byte read refused", 0, GUEST_CLINT_MTIME, 2, REFUSED, 0, ~0UL, 0},
    {"hole in the timer part reads 0", 0, 0x8000, 8, 0, 0, ~0UL, 0},
};

static void test_case(void **state)
{
	const struct clint_case *c = *state;
	struct vclint clint;
	vclint_init(&clint, now, changed, &clint);
	clint.mtimecmp = ~0UL;
	changes = 0;
	if (c->write) {
		assert_int_equal(vclint_ops.write(&clint, c->off, c->width, c->val),
		                 c->changed || c->off >= GUEST_CLINT_MTIME ? 0 : -1);
	} else {
		uint64_t got = 0;
		int rc = vclint_ops.read(&clint, c->off, c->width, &got);
		assert_int_equal(rc, c->val == REFUSED ? -1 : 0);
		if (c->val != REFUSED)
			assert_int_equal(got, c->val);
	}
	assert_int_equal(clint.msip, c->msip);
	assert_int_equal(clint.mtimecmp, c->cmp);
	assert_int_equal(changes, c->changed);
}

#define NCASES (sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	struct CMUnitTest tests[NCASES];
	for (size_t i = 0; i < NCASES; i++)
		tests[i] =
		    (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, (void *)&cases[i]};
	return _cmocka_run_group_tests("vclint", tests, NCASES, NULL, NULL);
}
