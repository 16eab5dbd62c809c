/*
 * pmp_perms(): the permissions a guest's PMP entries give each mode over a
 * range, as the board checks them (priv spec 1.12 §3.7.1): first matching
 * entry decides, partial matches fail, unlocked entries do not bind M, and
 * S or U get nothing where no entry matches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/riscv/pmp.h"

#define R     PMP_R
#define W     PMP_W
#define X     PMP_X
#define RWX   (R | W | X)
#define OFF_  0
#define TOR   1
#define NA4   2
#define NAPOT 3
#define CFG(perm, a, l) \
	((((perm)&R) ? 1 : 0) | (((perm)&W) ? 2 : 0) | (((perm)&X) ? 4 : 0) | (a) << 3 | (l) << 7)
/* pmpaddr for a NAPOT region of `size` bytes (a power of two >= 8) at `base` */
#define NAPOT_ADDR(base, size) (((base) >> 2) | (((size) >> 3) - 1))

static struct vcsr firmware(void)
{
	struct vcsr c;
	vcsr_reset_m(&c);
	return c;
}

/* The usual firmware setup: [0x80000000, 0x80200000) closed to S/U, then everything RWX. */
static struct vcsr opensbi_like(void)
{
	struct vcsr c = firmware();
	c.pmpaddr[0] = NAPOT_ADDR(0x80000000UL, 0x200000UL);
	c.pmpcfg[0] = CFG(0, NAPOT, 0);
	c.pmpaddr[1] = ~0UL >> 10; /* all of the address space */
	c.pmpcfg[1] = CFG(RWX, NAPOT, 0);
	return c;
}

static void test_no_entries(void **state)
{
	(void)state;
	struct vcsr c = firmware();
	assert_int_equal(pmp_perms(&c, VMODE_M, 0x80000000, 4096), RWX);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80000000, 4096), 0);
	assert_int_equal(pmp_perms(&c, VMODE_U, 0x80000000, 8), 0);
	/* A VM without vM has no PMP: everything is allowed. */
	vcsr_reset_sbi(&c, 0x80200000);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80000000, 4096), RWX);
}

static void test_firmware_region(void **state)
{
	(void)state;
	struct vcsr c = opensbi_like();
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80000000, 8), 0);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x801ff000, 4096), 0);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80200000, 4096), RWX);
	assert_int_equal(pmp_perms(&c, VMODE_U, 0x10000000, 1), RWX);
	/* Unlocked: M is not bound by the closed region. */
	assert_int_equal(pmp_perms(&c, VMODE_M, 0x80000000, 8), RWX);
	/* A 2 MiB superpage at 0x80000000 is decided by entry 0 alone... */
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80000000, 2UL << 20), 0);
	/* ...but one straddling its end is not: it must be split. */
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80100000, 2UL << 20), -1);
	/* A 1 GiB page over it is split too (entry 0 touches only part). */
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80000000, 1UL << 30), -1);
}

static void test_tor(void **state)
{
	(void)state;
	struct vcsr c = firmware();
	c.pmpaddr[0] = 0x80001000UL >> 2;
	c.pmpcfg[0] = CFG(R, TOR, 0); /* [0, 0x80001000) read-only */
	c.pmpaddr[1] = 0x80003000UL >> 2;
	c.pmpcfg[1] = CFG(R | W, TOR, 0); /* [0x80001000, 0x80003000) RW */
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80000ff8, 8), R);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80001000, 8), R | W);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80002ff8, 8), R | W);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80003000, 8), 0); /* past every entry */
	/* An access straddling entries 0 and 1 fails (§3.7.1.3). */
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80000ffc, 8), -1);
	/* Empty TOR (top below bottom) matches nothing. */
	c.pmpaddr[2] = 0x80002000UL >> 2;
	c.pmpcfg[2] = CFG(RWX, TOR, 0);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80002000, 8), R | W);
}

/*
 * TOR as the board computes it (QEMU 7.2): a top of 0 wraps and covers
 * everything from the bottom up; a top below the bottom covers address 0.
 */
static void test_tor_as_the_board(void **state)
{
	(void)state;
	struct vcsr c = firmware();
	c.pmpaddr[3] = ~0UL >> 10;
	c.pmpcfg[3] = CFG(RWX, NAPOT, 0); /* everything RWX, below the others */
	c.pmpcfg[2] = CFG(0, TOR, 0);     /* pmpaddr[1] = pmpaddr[2] = 0 */
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300000, 8), 0);
	assert_int_equal(pmp_perms(&c, VMODE_U, 0x80800720, 4096), 0);
	assert_int_equal(pmp_perms(&c, VMODE_M, 0x80300000, 8), RWX);
	c.pmpaddr[1] = 0x1000UL >> 2; /* from 0x1000 up */
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x800, 8), RWX);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300000, 8), 0);
	/* top below bottom: [0, 0] */
	c.pmpaddr[2] = 0x800UL >> 2;
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300000, 8), RWX);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0, 1), 0);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0, 4), -1);
}

/*
 * A TOR entry keeps the bottom pmpaddr[i - 1] had when the entry was last
 * written (QEMU 7.2 pmp_update_rule), and csrrs/csrrc from a register
 * holding 0 write nothing on the board (csr.c riscv_csrrw_do64): the entry
 * keeps it.  popek wrote pmpcfg0 back and took the new bottom, so a page
 * walk the stale entry denied passed (diff seed 15063370: a page fault
 * where the board's PTE read is an access fault).
 */
static void test_tor_bottom_after_zero_mask(void **state)
{
	(void)state;
	struct vcsr c = firmware();
	uint64_t old, cfg0 = (uint64_t)CFG(W, TOR, 0) << 24; /* entry 3: TOR, W only */
	assert_int_equal(vcsr_rmw(&c, VMODE_M, CSR_PMPCFG0, VCSR_RW, cfg0, true, &old), VCSR_PMP);
	assert_int_equal(
	    vcsr_rmw(&c, VMODE_M, CSR_PMPADDR0 + 2, VCSR_RW, 0x80408684UL >> 2, true, &old),
	    VCSR_PMP);
	/* entry 3 still from 0: the table's page denies S reads */
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300010, 8), W);
	assert_int_equal(vcsr_rmw(&c, VMODE_M, CSR_PMPCFG0, VCSR_RS, 0, true, &old), 0);
	assert_int_equal(old, cfg0);
	assert_int_equal(vcsr_rmw(&c, VMODE_M, CSR_PMPADDR0 + 3, VCSR_RC, 0, true, &old), 0);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300010, 8), W);
	/* a write (csrrw, or a nonzero mask) computes the range anew */
	assert_int_equal(vcsr_rmw(&c, VMODE_M, CSR_PMPCFG0, VCSR_RW, cfg0, true, &old), VCSR_PMP);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300010, 8), 0);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80408684, 8), W);
}

static void test_na4_and_priority(void **state)
{
	(void)state;
	struct vcsr c = opensbi_like();
	/* An NA4 entry below the catch-all does not win: entry order is priority. */
	c.pmpaddr[2] = 0x80300000UL >> 2;
	c.pmpcfg[2] = CFG(0, NA4, 0);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300000, 4), RWX);
	/* Above it, it does, for exactly 4 bytes, and splits the page around it. */
	c.pmpaddr[0] = 0x80300000UL >> 2;
	c.pmpcfg[0] = CFG(R, NA4, 0);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300000, 4), R);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300004, 4), RWX);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80300000, 4096), -1);
}

static void test_locked(void **state)
{
	(void)state;
	struct vcsr c = opensbi_like();
	c.pmpcfg[0] = CFG(X, NAPOT, 1); /* locked: binds M too */
	assert_int_equal(pmp_perms(&c, VMODE_M, 0x80000000, 8), X);
	assert_int_equal(pmp_perms(&c, VMODE_S, 0x80000000, 8), X);
	assert_int_equal(pmp_perms(&c, VMODE_M, 0x80200000, 8), RWX);
}

static void test_napot_sizes(void **state)
{
	(void)state;
	struct vcsr c = firmware();
	c.pmpaddr[0] = NAPOT_ADDR(0x80000000UL, 8UL);
	c.pmpcfg[0] = CFG(R, NAPOT, 0);
	assert_int_equal(pmp_perms(&c, VMODE_U, 0x80000000, 8), R);
	assert_int_equal(pmp_perms(&c, VMODE_U, 0x80000008, 8), 0);
	c.pmpaddr[0] = NAPOT_ADDR(0x80000000UL, 1UL << 30);
	assert_int_equal(pmp_perms(&c, VMODE_U, 0xbffffff8, 8), R);
	assert_int_equal(pmp_perms(&c, VMODE_U, 0xc0000000, 8), 0);
	/*
	 * pmpaddr all ones (the 54 bits popek keeps): 2^57 bytes, as the board
	 * decodes it (QEMU 7.2 pmp_decode_napot), past the 56-bit physical
	 * space; popek stopped at 2^56 (diff seed 12019412).
	 */
	c.pmpaddr[0] = (1UL << 54) - 1;
	assert_int_equal(pmp_perms(&c, VMODE_U, 0x0100000140402770UL, 8), R);
	assert_int_equal(pmp_perms(&c, VMODE_U, (1UL << 57) - 8, 8), R);
	assert_int_equal(pmp_perms(&c, VMODE_U, 1UL << 57, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_entries),
	    cmocka_unit_test(test_firmware_region),
	    cmocka_unit_test(test_tor),
	    cmocka_unit_test(test_tor_as_the_board),
	    cmocka_unit_test(test_tor_bottom_after_zero_mask),
	    cmocka_unit_test(test_na4_and_priority),
	    cmocka_unit_test(test_locked),
	    cmocka_unit_test(test_napot_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
