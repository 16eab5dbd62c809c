/*
 * The SBI popek serves (hyp/arch/riscv/vsbi*.c), through the real dispatch:
 * a table of calls a hostile guest might make, each with what OpenSBI 1.1
 * on the one-hart virt board answers (the SBI spec v2.0 for DBCN, which
 * OpenSBI 1.1 lacks), and how much work popek may do for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/riscv/riscv.h"
#include "vsbi_host.h"

#define RAM      0x80000000UL
#define RAM_SIZE (1UL << 20)
#define ANY      0x5a5a5a5a5a5a5a5aUL /* a1 is not looked at */
#define KEPT     0x1234567812345678UL /* a1 must be left as it was (legacy calls) */

#define EXT_PMU  0x504d55
#define CLINT    0x2000000UL

enum more { NOTHING, OUT, IN, FLUSHES, FLUSH_ALL, SSIP, HALTED, RUNNING, YIELDED, REBOOTED };

static const struct sbi_case {
	const char *name;
	uint64_t ext, fid, a[6];
	uint64_t typed;      /* bytes waiting for the VM before the call */
	long error;          /* a0 after the call */
	uint64_t value;      /* a1 after the call, or ANY, or KEPT */
	enum more more;      /* and what else must hold */
	uint64_t more_value; /* for OUT, IN, FLUSHES */
} cases[] = {
    /* DBCN (spec v2.0 §12): one call moves at most VSBI_DBCN_MAX bytes. */
    {"dbcn write of all of RAM is cut short",
     EXT_DBCN,
     0,
     {RAM_SIZE, RAM, 0},
     0,
     0,
     VSBI_DBCN_MAX,
     OUT,
     VSBI_DBCN_MAX},
    {"dbcn write of the last 300 bytes of RAM is cut short",
     EXT_DBCN,
     0,
     {300, RAM + RAM_SIZE - 300, 0},
     0,
     0,
     VSBI_DBCN_MAX,
     OUT,
     VSBI_DBCN_MAX},
    {"dbcn write of 10 bytes writes 10", EXT_DBCN, 0, {10, RAM, 0}, 0, 0, 10, OUT, 10},
    {"dbcn write of nothing", EXT_DBCN, 0, {0, 0, 0}, 0, 0, 0, OUT, 0},
    {"dbcn write one byte past RAM",
     EXT_DBCN,
     0,
     {1, RAM + RAM_SIZE, 0},
     0,
     SBI_ERR_INVALID_PARAM,
     ANY,
     OUT,
     0},
    {"dbcn write across the end of RAM",
     EXT_DBCN,
     0,
     {RAM_SIZE, RAM + 1, 0},
     0,
     SBI_ERR_INVALID_PARAM,
     ANY,
     OUT,
     0},
    {"dbcn write of 2^64 - 1 bytes",
     EXT_DBCN,
     0,
     {~0UL, RAM, 0},
     0,
     SBI_ERR_INVALID_PARAM,
     ANY,
     OUT,
     0},
    {"dbcn write wrapping the address space",
     EXT_DBCN,
     0,
     {0x100, ~0UL - 0x7f, 0},
     0,
     SBI_ERR_INVALID_PARAM,
     ANY,
     OUT,
     0},
    {"dbcn write with base_hi set",
     EXT_DBCN,
     0,
     {8, RAM, 1},
     0,
     SBI_ERR_INVALID_PARAM,
     ANY,
     OUT,
     0},
    /* What was typed reaches the VM through its UART, as on the board: what its FIFO holds. */
    {"dbcn read takes what the UART's FIFO holds",
     EXT_DBCN,
     1,
     {RAM_SIZE, RAM, 0},
     1000,
     0,
     VUART_FIFO_SIZE,
     IN,
     VUART_FIFO_SIZE},
    {"dbcn read takes what was typed", EXT_DBCN, 1, {RAM_SIZE, RAM, 0}, 3, 0, 3, IN, 3},
    {"dbcn read with nothing typed", EXT_DBCN, 1, {16, RAM, 0}, 0, 0, 0, IN, 0},
    {"dbcn read past RAM",
     EXT_DBCN,
     1,
     {16, RAM + RAM_SIZE - 8, 0},
     5,
     SBI_ERR_INVALID_PARAM,
     ANY,
     IN,
     0},
    {"dbcn write_byte", EXT_DBCN, 2, {'x'}, 0, 0, 0, OUT, 1},
    {"dbcn write_byte of a newline is \\r\\n", EXT_DBCN, 2, {'\n'}, 0, 0, 0, OUT, 2},
    {"dbcn function 3", EXT_DBCN, 3, {0}, 0, SBI_ERR_NOT_SUPPORTED, 0, OUT, 0},

    /* BASE (§4): probing. */
    {"probe DBCN", EXT_BASE, 3, {EXT_DBCN}, 0, 0, 1},
    {"probe legacy 0x08", EXT_BASE, 3, {0x08}, 0, 0, 1},
    {"probe 0x09: no legacy extension there", EXT_BASE, 3, {0x09}, 0, 0, 0},
    {"probe 0x0f", EXT_BASE, 3, {0x0f}, 0, 0, 0},
    {"probe PMU: popek has none", EXT_BASE, 3, {EXT_PMU}, 0, 0, 0},
    {"probe 2^64 - 1", EXT_BASE, 3, {~0UL}, 0, 0, 0},
    {"base function 7", EXT_BASE, 7, {0}, 0, SBI_ERR_NOT_SUPPORTED, 0},

    /* Legacy (§5) and what is not an extension. */
    {"legacy 0x09 is not supported, a1 = 0", 0x09, 0, {0, 7}, 0, SBI_ERR_NOT_SUPPORTED, 0},
    {"legacy 0x0f is not supported, a1 = 0", 0x0f, 0, {0, 7}, 0, SBI_ERR_NOT_SUPPORTED, 0},
    {"legacy getchar with nothing typed", 0x02, 0, {0, 5}, 0, -1, KEPT},
    {"legacy getchar", 0x02, 0, {0}, 1, 'a', KEPT, IN, 1},
    {"legacy putchar leaves a1", 0x01, 0, {'x', 77}, 0, 0, KEPT, OUT, 1},
    {"legacy remote sfence.vma flushes all", 0x06, 0, {0, 0, 1 << 20}, 0, 0, KEPT, FLUSH_ALL},
    {"PMU is not supported", EXT_PMU, 0, {0}, 0, SBI_ERR_NOT_SUPPORTED, 0},
    {"extension 2^64 - 1", ~0UL, 0, {0}, 0, SBI_ERR_NOT_SUPPORTED, 0},

    /* Hart masks (§3.1) as OpenSBI 1.1 reads them. */
    {"ipi to hart 0", EXT_IPI, 0, {1, 0}, 0, 0, 0, SSIP},
    {"ipi to every hart", EXT_IPI, 0, {0, ~0UL}, 0, 0, 0, SSIP},
    {"ipi to hart 1 at base 0: ignored, as on the board", EXT_IPI, 0, {2, 0}, 0, 0, 0, NOTHING},
    {"ipi with an empty mask at base 1", EXT_IPI, 0, {0, 1}, 0, SBI_ERR_INVALID_PARAM, 0},
    {"ipi to hart 1", EXT_IPI, 0, {1, 1}, 0, SBI_ERR_INVALID_PARAM, 0},
    {"ipi function 1", EXT_IPI, 1, {1, 0}, 0, SBI_ERR_NOT_SUPPORTED, 0},
    {"rfence of 64 pages from inside a page: 65 flushes",
     EXT_RFENCE,
     1,
     {1, 0, 0x10000010, 64 * 4096},
     0,
     0,
     0,
     FLUSHES,
     65},
    {"rfence of 65 pages flushes all",
     EXT_RFENCE,
     1,
     {1, 0, 0x10000000, 65 * 4096},
     0,
     0,
     0,
     FLUSH_ALL},
    {"rfence wrapping the address space",
     EXT_RFENCE,
     2,
     {0, ~0UL, ~0UL - 4087, 8192},
     0,
     0,
     0,
     FLUSHES,
     3},
    {"rfence with an empty mask at base 0", EXT_RFENCE, 1, {0, 0, 0, 0}, 0, 0, 0, FLUSHES, 0},
    {"rfence at base 5", EXT_RFENCE, 1, {1, 5, 0, 0}, 0, SBI_ERR_INVALID_PARAM, 0, FLUSHES, 0},
    {"rfence hfence: no H extension", EXT_RFENCE, 3, {1, 0}, 0, SBI_ERR_NOT_SUPPORTED, 0},

    /* HSM (§9): hart ids are 32 bits in OpenSBI 1.1. */
    {"hsm start self", EXT_HSM, 0, {0, RAM}, 0, SBI_ERR_ALREADY_AVAILABLE, 0},
    {"hsm start hart 2^32 is hart 0",
     EXT_HSM,
     0,
     {1UL << 32, RAM},
     0,
     SBI_ERR_ALREADY_AVAILABLE,
     0},
    {"hsm start self at the CLINT", EXT_HSM, 0, {0, CLINT + 8}, 0, SBI_ERR_INVALID_ADDRESS, 0},
    {"hsm start hart 1", EXT_HSM, 0, {1, RAM}, 0, SBI_ERR_INVALID_PARAM, 0},
    {"hsm status of hart 2^32", EXT_HSM, 2, {1UL << 32}, 0, 0, 0},
    {"hsm status of hart 1", EXT_HSM, 2, {1}, 0, SBI_ERR_INVALID_PARAM, 0},
    {"hsm suspend retentive", EXT_HSM, 3, {0}, 0, 0, 0, YIELDED},
    {"hsm suspend type 1: reserved", EXT_HSM, 3, {1}, 0, SBI_ERR_INVALID_PARAM, 0, RUNNING},
    {"hsm suspend platform retentive",
     EXT_HSM,
     3,
     {0x10000000},
     0,
     SBI_ERR_NOT_SUPPORTED,
     0,
     RUNNING},
    {"hsm suspend non-retentive",
     EXT_HSM,
     3,
     {0x80000000, RAM},
     0,
     SBI_ERR_NOT_SUPPORTED,
     0,
     RUNNING},
    {"hsm suspend non-retentive to the CLINT",
     EXT_HSM,
     3,
     {0x80000000, CLINT},
     0,
     SBI_ERR_INVALID_ADDRESS,
     0,
     RUNNING},
    {"hsm suspend 0x80000001: reserved",
     EXT_HSM,
     3,
     {0x80000001, CLINT},
     0,
     SBI_ERR_INVALID_PARAM,
     0,
     RUNNING},
    {"hsm suspend platform non-retentive",
     EXT_HSM,
     3,
     {0xffffffff, RAM},
     0,
     SBI_ERR_NOT_SUPPORTED,
     0,
     RUNNING},
    {"hsm function 4", EXT_HSM, 4, {0}, 0, SBI_ERR_NOT_SUPPORTED, 0},

    /* SRST (§10): only the three types and reasons 0 and 1, whole registers. */
    {"srst type 2^32 is not a shutdown",
     EXT_SRST,
     0,
     {1UL << 32, 0},
     0,
     SBI_ERR_INVALID_PARAM,
     0,
     RUNNING},
    {"srst reason 2^32 + 1",
     EXT_SRST,
     0,
     {0, (1UL << 32) + 1},
     0,
     SBI_ERR_INVALID_PARAM,
     0,
     RUNNING},
    {"srst vendor reason", EXT_SRST, 0, {0, 0xf0000000}, 0, SBI_ERR_INVALID_PARAM, 0, RUNNING},
    {"srst type 3", EXT_SRST, 0, {3, 0}, 0, SBI_ERR_INVALID_PARAM, 0, RUNNING},
    {"srst shutdown", EXT_SRST, 0, {0, 0}, 0, 0, 0, HALTED},
    {"srst warm reboot after a failure", EXT_SRST, 0, {2, 1}, 0, 0, 0, REBOOTED},
    {"srst cold reboot", EXT_SRST, 0, {1, 0}, 0, 0, 0, REBOOTED},
    {"srst function 1", EXT_SRST, 1, {0, 0}, 0, SBI_ERR_NOT_SUPPORTED, 0, RUNNING},

    /* TIME (§6): any deadline. */
    {"time set_timer(2^64 - 1)", EXT_TIME, 0, {~0UL}, 0, 0, 0},
    {"time function 1", EXT_TIME, 1, {0}, 0, SBI_ERR_NOT_SUPPORTED, 0},
};

static void test_case(void **state)
{
	const struct sbi_case *c = *state;
	vsbi_host_reset(RAM_SIZE);
	struct vcpu *v = &vsbi_host.vm.vcpu;
	memset(vsbi_host.ram, 'p', RAM_SIZE); /* no '\n': one byte out per byte written */
	vsbi_host_type(c->typed);
	enum trap_action next = vsbi_host_ecall(c->ext, c->fid, c->a);
	assert_int_equal((long)v->x[10], c->error);
	if (c->value == KEPT)
		assert_int_equal(v->x[11], c->a[1]);
	else if (c->value != ANY)
		assert_int_equal(v->x[11], c->value);
	assert_int_equal(v->pc, 0x80200004);
	switch (c->more) {
	case NOTHING:
		assert_int_equal(next, TRAP_RESUME);
		assert_false(v->csr.mip & (1UL << IRQ_S_SOFT));
		break;
	case OUT:
		assert_int_equal(vsbi_host.n.out_bytes, c->more_value);
		break;
	case IN:
		assert_int_equal(vsbi_host.n.in_taken, c->more_value);
		for (uint64_t i = 0; c->ext == EXT_DBCN && i < c->more_value; i++)
			assert_int_equal(vsbi_host.ram[i], 'a' + i % 26);
		if (c->ext == EXT_DBCN && c->more_value < VSBI_DBCN_MAX)
			assert_int_equal(vsbi_host.ram[c->more_value], 'p');
		break;
	case FLUSHES:
		assert_int_equal(vsbi_host.n.flushes, c->more_value);
		assert_int_equal(vsbi_host.n.flush_alls, 0);
		break;
	case FLUSH_ALL:
		assert_int_equal(vsbi_host.n.flushes, 0);
		assert_int_equal(vsbi_host.n.flush_alls, 1);
		break;
	case SSIP:
		assert_true(v->csr.mip & (1UL << IRQ_S_SOFT));
		break;
	case HALTED: /* and stays so: a shutdown is no reboot */
		assert_int_equal(next, TRAP_HALT);
		assert_int_equal(v->state, VCPU_HALTED);
		assert_int_equal(vsbi_host.vm.restart, VM_RESTART_NONE);
		break;
	case REBOOTED: /* stopped, to start again from its directory entry */
		assert_int_equal(next, TRAP_HALT);
		assert_int_equal(v->state, VCPU_HALTED);
		assert_int_equal(vsbi_host.vm.restart, VM_RESTART_REBOOT);
		break;
	case RUNNING:
		assert_int_equal(next, TRAP_RESUME);
		assert_int_equal(v->state, VCPU_RUNNABLE);
		break;
	case YIELDED:
		assert_int_equal(next, TRAP_YIELD);
		break;
	}
}

/* A guest that retries as the spec says writes everything, VSBI_DBCN_MAX at a time. */
static void test_dbcn_retry(void **state)
{
	(void)state;
	vsbi_host_reset(RAM_SIZE);
	uint64_t left = 10000, base = RAM, calls = 0;
	while (left) {
		uint64_t a[6] = {left, base, 0};
		vsbi_host_ecall(EXT_DBCN, 0, a);
		struct vcpu *v = &vsbi_host.vm.vcpu;
		assert_int_equal(v->x[10], 0);
		assert_true(v->x[11] > 0 && v->x[11] <= VSBI_DBCN_MAX);
		left -= v->x[11];
		base += v->x[11];
		calls++;
	}
	assert_int_equal(vsbi_host.n.out_bytes, 10000);
	assert_int_equal(calls, (10000 + VSBI_DBCN_MAX - 1) / VSBI_DBCN_MAX);
}

#define NCASES (sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	struct CMUnitTest tests[NCASES + 1];
	for (size_t i = 0; i < NCASES; i++)
		tests[i] =
		    (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, (void *)&cases[i]};
	tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(test_dbcn_retry);
	return _cmocka_run_group_tests("vsbi", tests, NCASES + 1, NULL, NULL);
}
