/*
 * Counter reads (rdcycle, rdtime, rdinstret, hpmcounterN) that reach popek
 * as illegal instructions: from vU and vS whenever the real scounteren bit
 * is 0, and, on a firmware that delegates illegal instructions (docs/
 * firmware.md), without OpenSBI answering them first.  Each is emulated or
 * refused exactly as priv spec §3.1.11 and §4.1.5 say for the virtual
 * mcounteren and scounteren: vS reads counter i if mcounteren[i], vU if
 * mcounteren[i] and scounteren[i]; a VM without vM has mcounteren = all (as
 * OpenSBI sets it) and scounteren = 7 at entry.  Run for real on the host
 * (tests/fuzz/hostvm.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/riscv/emulate.h"
#include "arch/riscv/riscv.h"
#include "hostvm.h"

#define MIB     (1UL << 20)
#define PC      (HOSTVM_RAM_GPA + 0x2000)
#define VEC     (HOSTVM_RAM_GPA + 0x100)
#define A0      10
#define CYCLE   0xc00
#define TIME    0xc01
#define INSTRET 0xc02
#define HPM3    0xc03
#define HPM31   0xc1f
#define T_CYCLE 1111
#define T_TIME  2222
#define T_INSTR 3333
#define ILLEGAL (~0UL) /* expected: illegal instruction, delivered to the guest */
#define SRET    0x10200073U
#define WFI     0x10500073U
#define NO_VM   0xffff /* mcounteren: no vM */

/* csrrs rd, csr, rs1 */
static uint32_t csrrs(unsigned rd, unsigned csr, unsigned rs1)
{
	return csr << 20 | rs1 << 15 | 2 << 12 | rd << 7 | 0x73;
}

struct counter_case {
	const char *what;
	enum vmode mode;
	uint64_t mcounteren; /* NO_VM: boot = sbi, OpenSBI's all */
	uint64_t scounteren;
	uint32_t insn;
	uint64_t want;     /* a0 afterwards, or ILLEGAL */
	enum vmode target; /* where the illegal instruction goes */
};

static const struct counter_case cases[] = {
    /* boot = sbi: scounteren as OpenSBI leaves it (7) */
    {"vU rdtime, scounteren 7", VMODE_U, NO_VM, 7, 1, T_TIME, 0},
    {"vU rdcycle, scounteren 7", VMODE_U, NO_VM, 7, 0, T_CYCLE, 0},
    {"vU rdinstret, scounteren 7", VMODE_U, NO_VM, 7, 2, T_INSTR, 0},
    {"vU hpmcounter3, scounteren 7: not enabled", VMODE_U, NO_VM, 7, 3, ILLEGAL, VMODE_S},
    {"vU hpmcounter3, scounteren.HPM3", VMODE_U, NO_VM, 8, 3, 0, 0},
    {"vU hpmcounter31, scounteren.HPM31", VMODE_U, NO_VM, 1UL << 31, 31, 0, 0},
    {"vU rdtime, scounteren.TM = 0", VMODE_U, NO_VM, 5, 1, ILLEGAL, VMODE_S},
    {"vU rdcycle, scounteren 0", VMODE_U, NO_VM, 0, 0, ILLEGAL, VMODE_S},
    {"vS rdtime, scounteren 0: S ignores it", VMODE_S, NO_VM, 0, 1, T_TIME, 0},
    {"vS hpmcounter31", VMODE_S, NO_VM, 0, 31, 0, 0},
    /* boot = firmware: the guest's own mcounteren */
    {"vS rdtime, mcounteren.TM = 0", VMODE_S, 5, 7, 1, ILLEGAL, VMODE_M},
    {"vS rdtime, mcounteren.TM", VMODE_S, 2, 0, 1, T_TIME, 0},
    {"vU rdtime, mcounteren.TM, scounteren 0", VMODE_U, 2, 0, 1, ILLEGAL, VMODE_M},
    {"vU rdtime, mcounteren.TM = 0, scounteren.TM", VMODE_U, 5, 7, 1, ILLEGAL, VMODE_M},
    {"vU rdtime, both TM", VMODE_U, 2, 2, 1, T_TIME, 0},
    {"vM rdtime, mcounteren 0", VMODE_M, 0, 0, 1, T_TIME, 0},
};

/* The instruction of a case: 0-31 mean csrrs a0, counter N (0 cycle, 1 time, 2 instret), x0. */
static uint32_t insn_of(const struct counter_case *c)
{
	return c->insn < 32 ? csrrs(A0, CYCLE + c->insn, 0) : c->insn;
}

static struct vcpu *setup(enum vmode mode, uint64_t mcounteren, uint64_t scounteren, uint32_t insn)
{
	struct vcpu *v = hostvm_create(2 * MIB, mcounteren != NO_VM, 0);
	if (v->csr.has_m)
		v->csr.mcounteren = mcounteren;
	v->csr.scounteren = scounteren;
	v->csr.stvec = v->csr.mtvec = VEC;
	v->mode = mode;
	v->pc = PC;
	v->x[A0] = 0xdead;
	memcpy(hostvm_gpa(PC), &insn, 4);
	host_csr_write("cycle", T_CYCLE);
	host_csr_write("time", T_TIME);
	host_csr_write("instret", T_INSTR);
	return v;
}

static void test_counter_reads(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct counter_case *c = &cases[i];
		uint32_t insn = insn_of(c);
		struct vcpu *v = setup(c->mode, c->mcounteren, c->scounteren, insn);
		print_message("%s\n", c->what);
		/* stval = the instruction, as QEMU reports it on either firmware path */
		assert_int_equal(emulate_illegal(v, CAUSE_ILLEGAL_INSN, insn), TRAP_RESUME);
		if (c->want == ILLEGAL) {
			assert_int_equal(v->mode, c->target);
			assert_int_equal(v->pc, VEC);
			assert_int_equal(c->target == VMODE_S ? v->csr.scause : v->csr.mcause,
			                 CAUSE_ILLEGAL_INSN);
			assert_int_equal(c->target == VMODE_S ? v->csr.stval : v->csr.mtval, insn);
			assert_int_equal(v->x[A0], 0xdead);
		} else {
			assert_int_equal(v->mode, c->mode);
			assert_int_equal(v->pc, PC + 4);
			assert_int_equal(v->x[A0], c->want);
		}
	}
}

/* What vU may still never do: write a counter, read an S CSR, sret, wfi. */
static void test_vu_still_refused(void **state)
{
	(void)state;
	static const uint32_t refused[] = {
	    0xc0101073U,                   /* csrrw x0, time, x0: a write to a read-only CSR */
	    0xc015a573U,                   /* csrrs a0, time, a1: rs1 != x0 writes */
	    0x10002573U,                   /* csrr a0, sstatus */
	    0x14d02573U,                   /* csrr a0, stimecmp: popek's own, never the guest's */
	    0x00102573U,                   /* csrr a0, fflags: real U has it, no emulation */
	    0xc8102573U,                   /* csrr a0, timeh: RV32 only */
	    SRET,        WFI, 0x12000073U, /* sret, wfi, sfence.vma */
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct vcpu *v = setup(VMODE_U, NO_VM, ~0UL, refused[i]);
		assert_int_equal(emulate_illegal(v, CAUSE_ILLEGAL_INSN, refused[i]), TRAP_RESUME);
		assert_int_equal(v->mode, VMODE_S);
		assert_int_equal(v->csr.scause, CAUSE_ILLEGAL_INSN);
		assert_int_equal(v->csr.stval, refused[i]);
		assert_int_equal(v->pc, VEC);
	}
}

/* A read into x0 is still a read: allowed, it leaves every register as it was. */
static void test_read_into_x0(void **state)
{
	(void)state;
	uint32_t insn = csrrs(0, TIME, 0);
	struct vcpu *v = setup(VMODE_U, NO_VM, 7, insn);
	assert_int_equal(emulate_illegal(v, CAUSE_ILLEGAL_INSN, 0), TRAP_RESUME);
	assert_int_equal(v->x[0], 0);
	assert_int_equal(v->pc, PC + 4);
	assert_int_equal(v->mode, VMODE_U);
}

/* The entry state of a boot = sbi VM: OpenSBI 1.1's (tests/e2e/csrdump.toml on the board). */
static void test_sbi_entry(void **state)
{
	(void)state;
	struct vcsr c;
	vcsr_reset_sbi(&c, 0x80200000);
	assert_int_equal(c.scounteren, 7);
	assert_int_equal(c.stvec, 0x80200000);
	assert_int_equal(vcsr_sstatus_read(&c), 0x8000000200006000UL);
	assert_int_equal(c.mie & c.mideleg, 0);
	assert_int_equal(c.satp | c.sscratch | c.senvcfg | c.sepc | c.scause | c.stval, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter_reads),
	    cmocka_unit_test(test_vu_still_refused),
	    cmocka_unit_test(test_read_into_x0),
	    cmocka_unit_test(test_sbi_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
