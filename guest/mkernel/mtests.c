/*
 * mtests.c — the firmware's self-tests, run in M-mode before the kernel.
 *
 * Each asserts something about machine mode that a virtual machine monitor
 * offering a virtual M-mode could get wrong: the M CSRs' WARL rules, traps
 * into M and mret out of it, delegation, PMP, MPRV, the CLINT.  Where the
 * spec leaves a choice, a test asserts what the bare virt board (QEMU 7.2,
 * -cpu rv64) does.  Output, identical on every run (no times, no counts):
 *   ok m-NAME
 *   FAIL m-NAME: why
 * then "m: N passed, N failed".
 *
 * How a test catches a trap: it arms the catch (arm()), and m_trap hands the
 * next trap to m_test_trap, which records mcause, mepc, mtval and mstatus
 * and then resumes: after the trapping instruction (an exception in M-mode),
 * at the interrupted instruction with that interrupt masked in mie (an
 * interrupt in M-mode), or back in the test (any trap from S- or U-mode
 * code the test started with lower(), see m_run_lower in mentry.S).
 */
#include "mkernel.h"
#include "check.h"
#include "fdt.h"

/*
 * medeleg and mideleg after writing all ones.  The spec (priv 1.12 §3.1.8)
 * says which bits must be writable on this hart: every exception below M
 * except ecall from M, and the S-level interrupts.  The bare board (QEMU 7.2,
 * -cpu rv64,h=false) also keeps the hypervisor's bits (10, 20-23; 2, 6, 10),
 * LCOFIP (13) and medeleg[11], which the spec makes read-only zero here; a
 * monitor may follow either, so the tests ask for the spec's bits and allow
 * no bit beyond the board's.
 */
#define SPEC_MEDELEG_ALL   0xb3ffUL /* causes 0-9, 12, 13, 15 */
#define BOARD_MEDELEG_ALL  0xf0bfffUL
#define SPEC_MIDELEG_ALL   0x222UL /* SSIP, STIP, SEIP */
#define BOARD_MIDELEG_ALL  0x2666UL
#define BOARD_ILLEGAL_TVAL 0x0000000bUL /* mtval: the illegal instruction's bits */

/*
 * Where the board departs from the privileged spec, the tests assert
 * nothing, so that a monitor may follow either:
 *  - mstatus.MPP = 2 (reserved; WARL) reads back as 2;
 *  - mepc[0] (always zero, §3.1.14) keeps a written 1;
 *  - mret to S or U leaves MPRV = 1 (spec 1.12 clears it);
 *  - pmpaddr keeps all 64 bits written, not only bits 55:2.
 */

/* Instruction encodings the tests expect in mtval */
#define INSN_CUSTOM0          0x0000000bU /* opcode custom-0: no such instruction here */
#define INSN_CSRW_MVENDORID   0xf1101073U /* csrw mvendorid, zero */
#define INSN_CSRW_MHARTID     0xf1401073U /* csrw mhartid, zero */
#define INSN_CSRR_A0_MSCRATCH 0x34002573U /* csrr a0, mscratch */
#define INSN_RDCYCLE_A0       0xc0002573U /* rdcycle a0 */

#define S_TRAP_MARK           0x5e5e /* a0 of s_trap_stub's ecall (mtestasm.S) */

extern char lower_sstatus[], lower_sstatus_ecall[], lower_ecall[], lower_load[], lower_load_insn[],
    lower_store[], lower_store_insn[], lower_mcsr[], lower_mcsr_insn[], lower_rdcycle[],
    lower_rdcycle_insn[], lower_wait_irq[], s_trap_stub[];
uint64_t mret_to_m(uint64_t status);

/* s_trap_stub's record of a trap taken in S-mode: scause, sepc, stval, sstatus */
uint64_t m_s_seen[4];

static volatile struct {
	int armed, hit, lower;
	int ret; /* resume at ra (a jump whose target faulted), not after the instruction */
	uint64_t cause, epc, tval, status, a0;
	long slot;
} c;

static void arm(void)
{
	c.hit = c.lower = c.ret = 0;
	c.cause = c.epc = c.tval = c.status = c.a0 = 0;
	c.slot = -2;
	c.armed = 1;
}

int m_test_trap(struct m_frame *f, long slot)
{
	if (!c.armed)
		return 0;
	uint64_t status = csr_read(mstatus);
	c.armed = 0;
	c.hit = 1;
	c.cause = csr_read(mcause);
	c.epc = csr_read(mepc);
	c.tval = csr_read(mtval);
	c.status = status;
	c.slot = slot;
	c.a0 = f->x[REG_A0];
	if (c.lower && (status & MSTATUS_MPP) != MSTATUS_MPP) {
		/* back into the test, in M-mode with MIE = 0 */
		c.lower = 0;
		csr_write(mepc, (uint64_t)m_lower_back);
		csr_set(mstatus, MSTATUS_MPP);
		csr_clear(mstatus, MSTATUS_MPIE);
	} else if (c.cause & CAUSE_IRQ_FLAG) {
		csr_clear(mie, 1UL << (c.cause & 63));
	} else {
		csr_write(mepc, c.ret ? f->x[REG_RA] : c.epc + 4);
	}
	return 1;
}

/* Runs pc in S- or U-mode (mpp) until it traps back; returns its a0 then. */
static uint64_t lower(uint64_t mpp, const void *pc, uint64_t a0, uint64_t a1)
{
	arm();
	c.lower = 1;
	return m_run_lower(mpp, (uint64_t)pc, a0, a1);
}

static uint64_t mpp(uint64_t status)
{
	return (status & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
}

static const char *expect(uint64_t cause, uint64_t epc, uint64_t tval)
{
	CHECK(c.hit, "no trap (expected mcause 0x%lx)", cause);
	CHECK(c.cause == cause, "mcause 0x%lx, expected 0x%lx", c.cause, cause);
	CHECK(c.epc == epc, "mepc off by %ld", (long)(c.epc - epc));
	CHECK(c.tval == tval, "mtval 0x%lx, expected 0x%lx", c.tval, tval);
	return 0;
}

/* An ecall from S-mode that came through s_trap_stub: the delegated trap reached S. */
static const char *expect_via_s(uint64_t scause, uint64_t sepc, uint64_t stval)
{
	CHECK(c.hit && c.cause == CAUSE_SUPERVISOR_ECALL && c.a0 == S_TRAP_MARK,
	      "the trap did not reach stvec (mcause 0x%lx)", c.cause);
	CHECK(m_s_seen[0] == scause, "scause 0x%lx, expected 0x%lx", m_s_seen[0], scause);
	CHECK(m_s_seen[1] == sepc, "sepc off by %ld", (long)(m_s_seen[1] - sepc));
	CHECK(m_s_seen[2] == stval, "stval 0x%lx, expected 0x%lx", m_s_seen[2], stval);
	return 0;
}

#define TRY(call)                          \
	do {                               \
		const char *why_ = (call); \
		if (why_)                  \
			return why_;       \
	} while (0)

/* mstatus with MPP = M and MIE, MPIE, MPRV clear: where the tests start from */
static uint64_t quiet_mstatus(void)
{
	return (csr_read(mstatus) & ~(MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPRV)) | MSTATUS_MPP;
}

static uint64_t ms_per(uint64_t ms)
{
	return m_plat.timebase_hz / 1000 * ms;
}

/* ---- identity ---- */

static const char *t_mhartid(void)
{
	uint64_t id = csr_read(mhartid);
	CHECK(id == m_plat.hartid, "mhartid %lu, but the firmware was entered with a0 = %lu", id,
	      m_plat.hartid);
	return 0;
}

static const char *t_misa(void)
{
	uint64_t misa = csr_read(misa), after0, after1;
	CHECK(misa >> 62 == 2, "MXL = %lu, expected 2 (64-bit)", misa >> 62);
	for (const char *p = "IMAFDCSU"; *p; p++)
		CHECK(misa & (1UL << (*p - 'A')), "extension %c missing", *p);
	asm volatile("csrw misa, zero\n"
	             "csrr %0, misa\n"
	             "csrw misa, %2\n"
	             "csrr %1, misa\n"
	             "csrw misa, %3"
	             : "=&r"(after0), "=&r"(after1)
	             : "r"(~0UL), "r"(misa));
	CHECK(after0 == misa, "writing 0 changed misa to 0x%lx", after0);
	CHECK(after1 == misa, "writing all ones changed misa to 0x%lx", after1);
	return 0;
}

/* mvendorid, marchid, mimpid and mhartid read, and are read-only (§3.1.2-5). */
static const char *t_id_csrs(void)
{
	uint64_t pc;
	(void)csr_read(mvendorid);
	(void)csr_read(marchid);
	(void)csr_read(mimpid);
	arm();
	asm volatile(".option push\n.option norvc\nlla %0, 1f\n1: csrw mvendorid, zero\n.option pop"
	             : "=&r"(pc));
	TRY(expect(CAUSE_ILLEGAL_INSN, pc, INSN_CSRW_MVENDORID));
	arm();
	asm volatile(".option push\n.option norvc\nlla %0, 1f\n1: csrw mhartid, zero\n.option pop"
	             : "=&r"(pc));
	return expect(CAUSE_ILLEGAL_INSN, pc, INSN_CSRW_MHARTID);
}

static const char *t_mscratch(void)
{
	uint64_t saved = csr_swap(mscratch, 0x1234567890abcdefUL);
	uint64_t mid = csr_swap(mscratch, saved);
	CHECK(mid == 0x1234567890abcdefUL, "read back 0x%lx", mid);
	return 0;
}

/* ---- mstatus (§3.1.6) ---- */

static const char *t_mstatus_mpp(void)
{
	uint64_t saved = csr_read(mstatus), got[4];
	for (uint64_t v = 0; v < 4; v++) { /* MPP = 2 too, though its read-back is not checked */
		csr_clear(mstatus, MSTATUS_MPP);
		csr_set(mstatus, v << MSTATUS_MPP_SHIFT);
		got[v] = mpp(csr_read(mstatus));
	}
	csr_write(mstatus, saved);
	CHECK(got[0] == PRV_U && got[1] == PRV_S && got[3] == PRV_M,
	      "MPP = 0, 1, 3 read back as %lu, %lu, %lu", got[0], got[1], got[3]);
	return 0;
}

static const char *t_mstatus_xl(void)
{
	uint64_t s = csr_read(mstatus);
	CHECK((s & MSTATUS_SXL) >> 34 == 2, "SXL = %lu, expected 2", (s & MSTATUS_SXL) >> 34);
	CHECK((s & MSTATUS_UXL) >> 32 == 2, "UXL = %lu, expected 2", (s & MSTATUS_UXL) >> 32);
	return 0;
}

static const char *t_mstatus_bits(void)
{
	static const uint64_t bits[] = {MSTATUS_MPRV, MSTATUS_SUM, MSTATUS_MXR,
	                                MSTATUS_TVM,  MSTATUS_TW,  MSTATUS_TSR};
	static const char *const names[] = {"MPRV", "SUM", "MXR", "TVM", "TW", "TSR"};
	uint64_t saved = csr_read(mstatus);
	csr_write(mstatus, quiet_mstatus()); /* MPP = M: MPRV = 1 changes nothing */
	for (int i = 0; i < 6; i++) {
		csr_set(mstatus, bits[i]);
		int set = !!(csr_read(mstatus) & bits[i]);
		csr_clear(mstatus, bits[i]);
		int clear = !(csr_read(mstatus) & bits[i]);
		if (!set || !clear) {
			csr_write(mstatus, saved);
			CHECK(0, "%s is not writable", names[i]);
		}
	}
	csr_write(mstatus, saved);
	return 0;
}

/* SD = 1 exactly when FS (or XS or VS) is Dirty. */
static const char *t_mstatus_sd(void)
{
	uint64_t saved = csr_read(mstatus), fs[4], sd[4];
	for (uint64_t v = 0; v < 4; v++) {
		csr_clear(mstatus, MSTATUS_FS);
		csr_set(mstatus, v << 13);
		uint64_t s = csr_read(mstatus);
		fs[v] = (s & MSTATUS_FS) >> 13;
		sd[v] = s >> 63;
	}
	csr_write(mstatus, saved);
	for (uint64_t v = 0; v < 4; v++) {
		CHECK(fs[v] == v, "FS = %lu reads back as %lu", v, fs[v]);
		CHECK(sd[v] == (v == 3), "SD = %lu with FS = %lu", sd[v], v);
	}
	return 0;
}

/* ---- trap CSRs ---- */

/* With C (IALIGN = 16), mepc bit 1 is writable (§3.1.14). */
static const char *t_mepc(void)
{
	uint64_t saved = csr_read(mepc), a;
	csr_write(mepc, 0x80000002UL);
	a = csr_read(mepc);
	csr_write(mepc, saved);
	CHECK(a == 0x80000002UL, "wrote 0x80000002, read 0x%lx", a);
	return 0;
}

/* MODE 0 (Direct) and 1 (Vectored) hold; QEMU ignores a write of MODE 2 or 3. */
static const char *t_mtvec_modes(void)
{
	uint64_t saved = csr_read(mtvec), base = (uint64_t)m_vectable, got[4];
	for (uint64_t mode = 0; mode < 4; mode++) {
		csr_write(mtvec, saved);
		csr_write(mtvec, base | mode);
		got[mode] = csr_read(mtvec);
	}
	csr_write(mtvec, saved);
	CHECK(got[0] == base, "Direct: read 0x%lx", got[0]);
	CHECK(got[1] == (base | 1), "Vectored: read 0x%lx", got[1]);
	CHECK(got[2] == saved, "MODE 2: mtvec became 0x%lx", got[2]);
	CHECK(got[3] == saved, "MODE 3: mtvec became 0x%lx", got[3]);
	return 0;
}

/* Vectored: exceptions at BASE, interrupt cause c at BASE + 4c (§3.1.7). */
static const char *t_mtvec_vectored(void)
{
	uint64_t pc;
	csr_write(mtvec, (uint64_t)m_vectable | 1);
	arm();
	asm volatile(".option push\n.option norvc\nlla %0, 1f\n1: ecall\n.option pop" : "=&r"(pc));
	long ecall_slot = c.slot;
	const char *why = expect(CAUSE_MACHINE_ECALL, pc, 0);
	arm();
	m_set_msip(1);
	csr_write(mie, MIP_MSIP);
	csr_set(mstatus, MSTATUS_MIE);
	for (int i = 0; i < 1000 && !c.hit; i++)
		;
	csr_clear(mstatus, MSTATUS_MIE);
	m_set_msip(0);
	csr_write(mie, 0);
	csr_write(mtvec, (uint64_t)m_trapvec);
	if (why)
		return why;
	CHECK(ecall_slot == 0, "the ecall entered slot %ld, not BASE", ecall_slot);
	CHECK(c.hit && c.cause == (CAUSE_IRQ_FLAG | IRQ_MSI), "no software interrupt");
	CHECK(c.slot == IRQ_MSI, "the software interrupt entered slot %ld, not 3", c.slot);
	return 0;
}

static const char *t_medeleg(void)
{
	uint64_t saved = csr_read(medeleg), all, none;
	csr_write(medeleg, ~0UL);
	all = csr_read(medeleg);
	csr_write(medeleg, 0);
	none = csr_read(medeleg);
	csr_write(medeleg, saved);
	CHECK((all & SPEC_MEDELEG_ALL) == SPEC_MEDELEG_ALL && !(all & ~BOARD_MEDELEG_ALL),
	      "all ones read back as 0x%lx, expected 0x%lx (or up to 0x%lx)", all, SPEC_MEDELEG_ALL,
	      BOARD_MEDELEG_ALL);
	CHECK(none == 0, "0 read back as 0x%lx", none);
	return 0;
}

static const char *t_mideleg(void)
{
	uint64_t saved = csr_read(mideleg), all, none;
	csr_write(mideleg, ~0UL);
	all = csr_read(mideleg);
	csr_write(mideleg, 0);
	none = csr_read(mideleg);
	csr_write(mideleg, saved);
	CHECK((all & SPEC_MIDELEG_ALL) == SPEC_MIDELEG_ALL && !(all & ~BOARD_MIDELEG_ALL),
	      "all ones read back as 0x%lx, expected 0x%lx (or up to 0x%lx)", all, SPEC_MIDELEG_ALL,
	      BOARD_MIDELEG_ALL);
	CHECK(none == 0, "0 read back as 0x%lx", none);
	return 0;
}

/* ---- exceptions in M-mode ---- */

static const char *t_ecall_m(void)
{
	uint64_t pc;
	arm();
	asm volatile(".option push\n.option norvc\nlla %0, 1f\n1: ecall\n.option pop" : "=&r"(pc));
	TRY(expect(CAUSE_MACHINE_ECALL, pc, 0));
	CHECK(mpp(c.status) == PRV_M, "MPP = %lu in the handler, expected 3", mpp(c.status));
	return 0;
}

static const char *t_illegal_m(void)
{
	uint64_t pc;
	arm();
	asm volatile(".option push\n.option norvc\nlla %0, 1f\n1: .word 0x0000000b\n.option pop"
	             : "=&r"(pc));
	return expect(CAUSE_ILLEGAL_INSN, pc, BOARD_ILLEGAL_TVAL);
}

/* ---- mret (§3.3.2) ---- */

/* mret to M: MIE = MPIE, MPIE = 1, MPP = U (the least-privileged mode). */
static const char *t_mret_to_m(void)
{
	uint64_t base = quiet_mstatus();
	uint64_t a = mret_to_m(base | MSTATUS_MPIE);
	uint64_t b = mret_to_m(base);
	csr_write(mstatus, base);
	CHECK(a & MSTATUS_MIE, "MPIE = 1: MIE = 0 after mret");
	CHECK(!(b & MSTATUS_MIE), "MPIE = 0: MIE = 1 after mret");
	CHECK((a & MSTATUS_MPIE) && (b & MSTATUS_MPIE), "MPIE = 0 after mret");
	CHECK(mpp(a) == PRV_U && mpp(b) == PRV_U, "MPP = %lu after mret, expected 0 (U)", mpp(a));
	return 0;
}

/* mret to S, then an ecall back (not delegated): mcause 9, MPP = S. */
static const char *t_mret_to_s(void)
{
	uint64_t base = quiet_mstatus();
	csr_write(mstatus, base | MSTATUS_MPIE);
	lower(PRV_S, lower_sstatus, 0, 0);
	TRY(expect(CAUSE_SUPERVISOR_ECALL, (uint64_t)lower_sstatus_ecall, 0));
	uint64_t s1 = c.status;
	csr_write(mstatus, base);
	lower(PRV_S, lower_sstatus, 0, 0);
	TRY(expect(CAUSE_SUPERVISOR_ECALL, (uint64_t)lower_sstatus_ecall, 0));
	uint64_t s0 = c.status;
	CHECK(mpp(s1) == PRV_S, "MPP = %lu at the ecall from S", mpp(s1));
	CHECK(!(s1 & MSTATUS_MIE), "MIE = 1 in the trap handler");
	CHECK(s1 & MSTATUS_MPIE, "mret with MPIE = 1, then a trap: MPIE = 0");
	CHECK(!(s0 & MSTATUS_MPIE), "mret with MPIE = 0, then a trap: MPIE = 1");
	return 0;
}

static const char *t_mret_to_u(void)
{
	csr_write(mstatus, quiet_mstatus() | MSTATUS_MPIE);
	uint64_t a0 = lower(PRV_U, lower_ecall, 0x77, 0);
	TRY(expect(CAUSE_USER_ECALL, (uint64_t)lower_ecall, 0));
	CHECK(mpp(c.status) == PRV_U, "MPP = %lu at the ecall from U", mpp(c.status));
	CHECK(c.status & MSTATUS_MPIE, "MPIE = 0 at the ecall from U");
	CHECK(a0 == 0x77, "a0 0x%lx at the ecall", a0);
	return 0;
}

/* S may not touch M CSRs: illegal instruction, in M when not delegated. */
static const char *t_s_mcsr(void)
{
	lower(PRV_S, lower_mcsr, 0, 0);
	TRY(expect(CAUSE_ILLEGAL_INSN, (uint64_t)lower_mcsr_insn, INSN_CSRR_A0_MSCRATCH));
	CHECK(mpp(c.status) == PRV_S, "MPP = %lu", mpp(c.status));
	return 0;
}

/* ---- delegation (§3.1.8) ---- */

static const char *t_medeleg_illegal(void)
{
	csr_write(stvec, (uint64_t)s_trap_stub);
	csr_write(medeleg, 1UL << CAUSE_ILLEGAL_INSN);
	m_s_seen[0] = m_s_seen[1] = m_s_seen[2] = m_s_seen[3] = 0;
	lower(PRV_S, lower_mcsr, 0, 0);
	csr_write(medeleg, 0);
	TRY(expect_via_s(CAUSE_ILLEGAL_INSN, (uint64_t)lower_mcsr_insn, INSN_CSRR_A0_MSCRATCH));
	CHECK(m_s_seen[3] & SSTATUS_SPP, "SPP = 0 after a trap from S");
	return 0;
}

static const char *t_medeleg_ecall_u(void)
{
	csr_write(stvec, (uint64_t)s_trap_stub);
	csr_write(medeleg, 1UL << CAUSE_USER_ECALL);
	m_s_seen[0] = m_s_seen[1] = m_s_seen[2] = m_s_seen[3] = 0;
	lower(PRV_U, lower_ecall, 0, 0);
	csr_write(medeleg, 0);
	TRY(expect_via_s(CAUSE_USER_ECALL, (uint64_t)lower_ecall, 0));
	CHECK(!(m_s_seen[3] & SSTATUS_SPP), "SPP = 1 after a trap from U");
	return 0;
}

/* Not delegated: SSIP is a machine-level interrupt, taken in M from M and from S. */
static const char *t_ssip_in_m(void)
{
	csr_write(mideleg, 0);
	csr_set(mip, MIP_SSIP);
	int pending = !!(csr_read(mip) & MIP_SSIP);
	arm();
	csr_write(mie, MIP_SSIP);
	csr_set(mstatus, MSTATUS_MIE);
	asm volatile("nop");
	csr_clear(mstatus, MSTATUS_MIE);
	int hit = c.hit;
	uint64_t cause = c.cause;
	csr_write(mie, MIP_SSIP);
	lower(PRV_S, lower_wait_irq, 0, 0);
	csr_write(mie, 0);
	csr_clear(mip, MIP_SSIP);
	CHECK(pending, "mip.SSIP is not writable");
	CHECK(hit && cause == (CAUSE_IRQ_FLAG | 1), "not taken in M (mcause 0x%lx)", cause);
	CHECK(c.hit && c.cause == (CAUSE_IRQ_FLAG | 1), "not taken in M from S (mcause 0x%lx)",
	      c.cause);
	CHECK(mpp(c.status) == PRV_S, "MPP = %lu", mpp(c.status));
	return 0;
}

/* Delegated: M-mode ignores it; S-mode takes it through stvec. */
static const char *t_ssip_in_s(void)
{
	csr_write(stvec, (uint64_t)s_trap_stub);
	csr_write(mideleg, MIP_SSIP);
	csr_write(mie, MIP_SSIP);
	csr_set(mip, MIP_SSIP);
	arm();
	csr_set(mstatus, MSTATUS_MIE);
	asm volatile("nop");
	csr_clear(mstatus, MSTATUS_MIE);
	int taken_in_m = c.hit;
	c.armed = 0;
	m_s_seen[0] = m_s_seen[1] = m_s_seen[2] = m_s_seen[3] = 0;
	lower(PRV_S, lower_wait_irq, 0, 0);
	csr_write(mie, 0);
	csr_write(mideleg, 0);
	csr_clear(mip, MIP_SSIP);
	CHECK(!taken_in_m, "a delegated interrupt was taken in M (mcause 0x%lx)", c.cause);
	CHECK(c.hit && c.cause == CAUSE_SUPERVISOR_ECALL && c.a0 == S_TRAP_MARK,
	      "not taken in S (mcause 0x%lx)", c.cause);
	CHECK(m_s_seen[0] == (CAUSE_IRQ_FLAG | 1), "scause 0x%lx", m_s_seen[0]);
	return 0;
}

/*
 * ---- mip.SEIP: a software bit ORed with the PLIC's line (§3.1.9) ----
 * Reads of mip show the OR, but csrrs/csrrc modify the software bit alone:
 * a read-modify-write of mip while the line is high must not latch it.
 * The UART's "transmitter empty" interrupt makes a line we control.
 */
#define PLIC_PRIORITY(irq)  (4 * (irq))
#define PLIC_ENABLE(ctx)    (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)     (0x200004 + 0x1000 * (ctx))
#define UART_IER            1
#define IER_ETBEI           0x02

static volatile uint32_t *plic_reg(uint64_t base, uint64_t off)
{
	return (volatile uint32_t *)(base + off);
}

/* The context of the (one) hart's S-mode external interrupt, cause 9: its index in
 * the PLIC's interrupts-extended pairs. */
static int plic_s_context(int plic)
{
	int len;
	const uint8_t *p = fdt_getprop(plic, "interrupts-extended", &len);
	for (int i = 0; p && (i + 1) * 8 <= len; i++)
		if (fdt_be32(p + 8 * i + 4) == 9)
			return i;
	return -1;
}

/* mip.SEIP once it has settled: the line may take a moment to reach the hart */
static int seip_becomes(int want)
{
	int v = 0;
	for (int i = 0; i < 1000; i++)
		if ((v = !!(csr_read(mip) & MIP_SEIP)) == want)
			break;
	return v;
}

static const char *t_mip_seip(void)
{
	uint64_t plic, size;
	int node = fdt_find_compatible(-1, "riscv,plic0");
	if (node < 0)
		node = fdt_find_compatible(-1, "sifive,plic-1.0.0");
	CHECK(node >= 0 && fdt_reg(node, 0, &plic, &size) == 0, "no PLIC in the device tree");
	int ctx = plic_s_context(node);
	uint32_t irq = fdt_u32(fdt_find_compatible(-1, "ns16550a"), "interrupts", 0);
	CHECK(ctx >= 0 && irq > 0 && irq < 32, "no S-mode PLIC context or UART interrupt");
	*plic_reg(plic, PLIC_PRIORITY(irq)) = 1;
	*plic_reg(plic, PLIC_THRESHOLD(ctx)) = 0;
	*plic_reg(plic, PLIC_ENABLE(ctx)) = 1u << irq;
	m_plat.uart[UART_IER] = IER_ETBEI; /* the transmitter is empty: the line goes high */
	int line = seip_becomes(1);
	csr_set(mip, MIP_SSIP); /* read-modify-writes of mip while it is high */
	csr_clear(mip, MIP_SSIP);
	m_plat.uart[UART_IER] = 0; /* the UART lowers its line; */
	uint32_t id =
	    *plic_reg(plic, PLIC_CLAIM(ctx)); /* QEMU's PLIC keeps it pending till claimed */
	if (id)
		*plic_reg(plic, PLIC_CLAIM(ctx)) = id;
	int latched = seip_becomes(0);
	csr_set(mip, MIP_SEIP);
	int sw_set = !!(csr_read(mip) & MIP_SEIP);
	csr_clear(mip, MIP_SEIP);
	int sw_clear = !(csr_read(mip) & MIP_SEIP);
	*plic_reg(plic, PLIC_ENABLE(ctx)) = 0;
	*plic_reg(plic, PLIC_PRIORITY(irq)) = 0;
	CHECK(line, "the PLIC's S-mode line does not show in mip.SEIP");
	CHECK(!latched, "csrs/csrc of mip latched the PLIC's line into the software SEIP bit");
	CHECK(sw_set && sw_clear, "the software SEIP bit is not writable");
	return 0;
}

/* ---- counters ---- */

static const char *t_counters(void)
{
	uint64_t c0 = csr_read(mcycle), i0 = csr_read(minstret);
	for (volatile int i = 0; i < 10000; i++)
		;
	CHECK(csr_read(mcycle) > c0, "mcycle did not advance");
	CHECK(csr_read(minstret) > i0, "minstret did not advance");
	return 0;
}

static const char *t_mcounteren(void)
{
	uint64_t saved = csr_read(mcounteren), r0, r7;
	csr_write(mcounteren, 0);
	r0 = csr_read(mcounteren);
	lower(PRV_S, lower_rdcycle, 0, 0);
	const char *why = expect(CAUSE_ILLEGAL_INSN, (uint64_t)lower_rdcycle_insn, INSN_RDCYCLE_A0);
	csr_write(mcounteren, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR);
	r7 = csr_read(mcounteren);
	lower(PRV_S, lower_rdcycle, 0, 0);
	csr_write(mcounteren, saved);
	if (why)
		return why;
	CHECK(c.hit && c.cause == CAUSE_SUPERVISOR_ECALL, "CY = 1: rdcycle in S trapped (0x%lx)",
	      c.cause);
	CHECK(r0 == 0 && r7 == 7, "read back 0x%lx and 0x%lx", r0, r7);
	return 0;
}

/* ---- PMP (§3.7) ---- */

static uint64_t pages[6][512] __attribute__((aligned(4096)));

static void pmp_allow_all(void)
{
	csr_write(pmpcfg0, 0);
	csr_write(pmpaddr0, ~0UL);
	csr_write(pmpcfg0, PMP_NAPOT | PMP_R | PMP_W | PMP_X);
}

/*
 * The granularity G shows in which low pmpaddr bits stick (§3.7.1): with
 * the entry off, every one of bits 55:2 written as 1 reads back as 1 when
 * G = 0, i.e. regions as small as 4 bytes.
 */
static const char *t_pmp_grain(void)
{
	const uint64_t bits = (1UL << 54) - 1;
	csr_write(pmpcfg0, 0);
	csr_write(pmpaddr0, ~0UL);
	uint64_t got = csr_read(pmpaddr0);
	pmp_allow_all();
	CHECK((got & bits) == bits, "all ones read back as 0x%lx: G > 0", got);
	return 0;
}

/* TOR: entry 0 [0, P) RWX, entry 1 [P, P + 4K) read-only, entry 2 everything. */
static const char *t_pmp_tor(void)
{
	uint64_t p = (uint64_t)pages[0];
	pages[0][1] = 0xabc;
	csr_write(pmpcfg0, 0);
	csr_write(pmpaddr0, p >> 2);
	csr_write(pmpaddr1, (p + 4096) >> 2);
	csr_write(pmpaddr2, ~0UL);
	csr_write(pmpcfg0, (uint64_t)(PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 16 |
	                       (uint64_t)(PMP_TOR | PMP_R) << 8 |
	                       (PMP_TOR | PMP_R | PMP_W | PMP_X));
	uint64_t v = lower(PRV_S, lower_load, p + 8, 0);
	int load_ok = c.cause == CAUSE_SUPERVISOR_ECALL && v == 0xabc;
	uint64_t u = lower(PRV_U, lower_load, p + 8, 0);
	int uload_ok = c.cause == CAUSE_USER_ECALL && u == 0xabc;
	lower(PRV_S, lower_store, p + 8, 5);
	const char *store = expect(CAUSE_STORE_ACCESS, (uint64_t)lower_store_insn, p + 8);
	lower(PRV_S, (void *)p, 0, 0);
	const char *fetch = expect(CAUSE_FETCH_ACCESS, p, p);
	pages[0][2] = 0x55; /* M-mode: unlocked entries do not apply */
	int m_ok = pages[0][2] == 0x55;
	pmp_allow_all();
	CHECK(load_ok, "S load from a read-only range failed (mcause 0x%lx)", c.cause);
	CHECK(uload_ok, "U load from a read-only range failed");
	if (store)
		return store;
	CHECK(pages[0][1] == 0xabc, "the S store went through");
	if (fetch)
		return fetch;
	CHECK(m_ok, "M store did not stick");
	return 0;
}

/* NAPOT: one 4 KiB page with no permissions, then everything. */
static const char *t_pmp_napot(void)
{
	uint64_t q = (uint64_t)pages[1];
	csr_write(pmpcfg0, 0);
	csr_write(pmpaddr0, (q >> 2) | 0x1ff);
	csr_write(pmpaddr1, ~0UL);
	csr_write(pmpcfg0, (uint64_t)(PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8 | PMP_NAPOT);
	lower(PRV_S, lower_load, q + 16, 0);
	const char *load = expect(CAUSE_LOAD_ACCESS, (uint64_t)lower_load_insn, q + 16);
	lower(PRV_U, lower_store, q + 24, 1);
	const char *store = expect(CAUSE_STORE_ACCESS, (uint64_t)lower_store_insn, q + 24);
	lower(PRV_S, lower_load, q + 4096, 0);
	int next_ok = c.cause == CAUSE_SUPERVISOR_ECALL;
	pages[1][3] = 0x66;
	int m_ok = pages[1][3] == 0x66;
	pmp_allow_all();
	if (load)
		return load;
	if (store)
		return store;
	CHECK(next_ok, "the next page is not accessible (mcause 0x%lx)", c.cause);
	CHECK(m_ok, "M store did not stick");
	return 0;
}

/*
 * R = 0, W = 1 is reserved (§3.7.1).  The board (QEMU 7.2) keeps it as
 * written and lets S and U store there, not load or fetch.  A monitor
 * must give the same, and must survive the PMP write that ends the test
 * (popek once made such a page one of its own page tables).
 */
static const char *t_pmp_write_only(void)
{
	uint64_t q = (uint64_t)pages[1];
	pages[1][2] = pages[1][3] = 0x77;
	csr_write(pmpcfg0, 0);
	csr_write(pmpaddr0, (q >> 2) | 0x1ff);
	csr_write(pmpaddr1, ~0UL);
	csr_write(pmpcfg0, (uint64_t)(PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8 | PMP_NAPOT | PMP_W);
	uint64_t cfg = csr_read(pmpcfg0) & 0xff;
	lower(PRV_S, lower_store, q + 16, 0x1234);
	int s_store = c.cause == CAUSE_SUPERVISOR_ECALL;
	lower(PRV_U, lower_store, q + 24, 0x5678);
	int u_store = c.cause == CAUSE_USER_ECALL;
	lower(PRV_S, lower_store, q + 16, 0x4321); /* again, now that S has stored there once */
	int s_again = c.cause == CAUSE_SUPERVISOR_ECALL;
	lower(PRV_S, lower_load, q + 16, 0);
	const char *load = expect(CAUSE_LOAD_ACCESS, (uint64_t)lower_load_insn, q + 16);
	lower(PRV_U, lower_load, q + 8, 0);
	const char *uload = expect(CAUSE_LOAD_ACCESS, (uint64_t)lower_load_insn, q + 8);
	lower(PRV_S, (void *)q, 0, 0);
	const char *fetch = expect(CAUSE_FETCH_ACCESS, q, q);
	pmp_allow_all(); /* the PMP write that empties a monitor's shadow tables */
	uint64_t after = lower(PRV_S, lower_load, q + 16, 0);
	int after_ok = c.cause == CAUSE_SUPERVISOR_ECALL && after == 0x4321;
	CHECK(cfg == (PMP_NAPOT | PMP_W), "pmpcfg0 reads 0x%lx: the board keeps R = 0, W = 1", cfg);
	CHECK(s_store && u_store && s_again, "a store to the W-only page trapped (mcause 0x%lx)",
	      c.cause);
	if (load)
		return load;
	if (uload)
		return uload;
	if (fetch)
		return fetch;
	CHECK(pages[1][2] == 0x4321 && pages[1][3] == 0x5678, "the stores did not land");
	CHECK(after_ok, "after PMP opened, the page reads 0x%lx", after);
	return 0;
}

/* ---- MPRV (§3.1.6.3) ---- */

#define MPRV_VA 0x12345000UL

/* One load at va with MPRV = 1 and MPP = mode; *trapped says if it faulted. */
static uint64_t mprv_load(uint64_t mode, uint64_t va)
{
	uint64_t v = 0, status = quiet_mstatus() & ~MSTATUS_MPP;
	arm();
	asm volatile("csrw mstatus, %1\n"
	             "csrs mstatus, %2\n"
	             "ld %0, 0(%3)\n"
	             "csrc mstatus, %2\n"
	             "csrs mstatus, %4\n"
	             : "+&r"(v)
	             : "r"(status | mode << MSTATUS_MPP_SHIFT), "r"(MSTATUS_MPRV), "r"(va),
	               "r"(MSTATUS_MPP)
	             : "memory");
	return v;
}

static void mprv_store(uint64_t mode, uint64_t va, uint64_t v)
{
	uint64_t status = quiet_mstatus() & ~MSTATUS_MPP;
	arm();
	asm volatile("csrw mstatus, %0\n"
	             "csrs mstatus, %1\n"
	             "sd %3, 0(%2)\n"
	             "csrc mstatus, %1\n"
	             "csrs mstatus, %4\n"
	             :
	             : "r"(status | mode << MSTATUS_MPP_SHIFT), "r"(MSTATUS_MPRV), "r"(va), "r"(v),
	               "r"(MSTATUS_MPP)
	             : "memory");
}

static const char *t_mprv(void)
{
	uint64_t *root = pages[2], *l1 = pages[3], *l0 = pages[4], *y = pages[5];
	uint64_t saved = csr_read(mstatus);
	for (int i = 0; i < 512; i++)
		root[i] = l1[i] = l0[i] = y[i] = 0;
	root[VPN(MPRV_VA, 2)] = PA2PTE(l1) | PTE_V;
	l1[VPN(MPRV_VA, 1)] = PA2PTE(l0) | PTE_V;
	l0[VPN(MPRV_VA, 0)] = PA2PTE(y) | PTE_R | PTE_W | PTE_A | PTE_D | PTE_V;
	y[0] = 0x1111;
	csr_write(satp, MAKE_SATP(root, 0));
	sfence_vma_all();

	uint64_t s_load = mprv_load(PRV_S, MPRV_VA); /* translated: VA -> y */
	int s_load_hit = c.hit;
	mprv_store(PRV_S, MPRV_VA + 8, 0x2222);
	int s_store_hit = c.hit;
	uint64_t m_load = mprv_load(PRV_M, (uint64_t)y); /* MPP = M: physical */
	int m_load_hit = c.hit;
	mprv_load(PRV_U, MPRV_VA); /* a U access to a page without U */
	const char *u_fault = expect(CAUSE_LOAD_PAGE_FAULT, c.epc, MPRV_VA);
	l0[VPN(MPRV_VA, 0)] |= PTE_U;
	sfence_vma_all();
	mprv_load(PRV_S, MPRV_VA); /* an S access to a U page, SUM = 0 */
	const char *sum0 = expect(CAUSE_LOAD_PAGE_FAULT, c.epc, MPRV_VA);
	csr_set(mstatus, MSTATUS_SUM);
	uint64_t sum1 = mprv_load(PRV_S, MPRV_VA) == 0x1111 && !c.hit;

	csr_write(satp, 0);
	sfence_vma_all();
	csr_write(mstatus, saved);
	CHECK(!s_load_hit && s_load == 0x1111, "MPP = S: load read 0x%lx (mcause 0x%lx)", s_load,
	      c.cause);
	CHECK(!s_store_hit && y[1] == 0x2222, "MPP = S: the store did not reach the page");
	CHECK(!m_load_hit && m_load == 0x1111, "MPP = M: physical load read 0x%lx", m_load);
	if (u_fault)
		return u_fault;
	if (sum0)
		return sum0;
	CHECK(sum1, "MPP = S, SUM = 1: the load of a U page failed");
	return 0;
}

/* ---- the CLINT ---- */

static const char *t_mtime(void)
{
	uint64_t t0 = m_mtime(), m1, t, m2;
	int i = 0;
	while (m_mtime() == t0 && i < 10000000)
		i++;
	CHECK(m_mtime() > t0, "mtime did not advance");
	m1 = m_mtime();
	asm volatile("rdtime %0" : "=r"(t));
	m2 = m_mtime();
	CHECK(m1 <= t && t <= m2, "the time CSR does not follow mtime");
	return 0;
}

static const char *t_mtimer(void)
{
	m_set_mtimecmp(~0UL);
	int quiet = !(csr_read(mip) & MIP_MTIP);
	arm();
	csr_write(mie, MIP_MTIP);
	m_set_mtimecmp(m_mtime() + ms_per(1));
	uint64_t give_up = m_mtime() + ms_per(200);
	csr_set(mstatus, MSTATUS_MIE);
	while (!c.hit && m_mtime() < give_up)
		;
	csr_clear(mstatus, MSTATUS_MIE);
	int pending = !!(csr_read(mip) & MIP_MTIP);
	m_set_mtimecmp(~0UL);
	int cleared = !(csr_read(mip) & MIP_MTIP);
	csr_write(mie, 0);
	CHECK(quiet, "MTIP pending with mtimecmp = ~0");
	CHECK(c.hit, "no interrupt within 200 ms");
	CHECK(c.cause == (CAUSE_IRQ_FLAG | IRQ_MTI), "mcause 0x%lx", c.cause);
	CHECK(pending, "MTIP not pending past mtimecmp");
	CHECK(cleared, "MTIP still pending after mtimecmp = ~0");
	return 0;
}

static const char *t_msip(void)
{
	m_set_msip(1);
	int pending = !!(csr_read(mip) & MIP_MSIP);
	arm();
	csr_write(mie, MIP_MSIP);
	csr_set(mstatus, MSTATUS_MIE);
	for (int i = 0; i < 1000 && !c.hit; i++)
		;
	csr_clear(mstatus, MSTATUS_MIE);
	m_set_msip(0);
	int cleared = !(csr_read(mip) & MIP_MSIP);
	csr_write(mie, 0);
	CHECK(pending, "msip = 1 did not raise mip.MSIP");
	CHECK(c.hit && c.cause == (CAUSE_IRQ_FLAG | IRQ_MSI), "no interrupt (mcause 0x%lx)",
	      c.cause);
	CHECK(cleared, "msip = 0 did not clear mip.MSIP");
	return 0;
}

/* wfi returns when an enabled interrupt is pending, even with MIE = 0 (§3.3.3). */
static const char *t_wfi(void)
{
	m_set_msip(1);
	csr_write(mie, MIP_MSIP);
	arm();
	asm volatile("wfi");
	int hit = c.hit;
	c.armed = 0;
	m_set_msip(0);
	csr_write(mie, 0);
	CHECK(!hit, "the interrupt was taken with MIE = 0");
	return 0;
}

static const struct {
	const char *name;
	const char *(*fn)(void);
} tests[] = {
    {"mhartid", t_mhartid},
    {"misa", t_misa},
    {"id-csrs-read-only", t_id_csrs},
    {"mscratch", t_mscratch},
    {"mstatus-mpp", t_mstatus_mpp},
    {"mstatus-sxl-uxl", t_mstatus_xl},
    {"mstatus-bits", t_mstatus_bits},
    {"mstatus-sd-fs", t_mstatus_sd},
    {"mepc-bit1", t_mepc},
    {"mtvec-modes", t_mtvec_modes},
    {"mtvec-vectored", t_mtvec_vectored},
    {"medeleg-mask", t_medeleg},
    {"mideleg-mask", t_mideleg},
    {"ecall-from-m", t_ecall_m},
    {"illegal-insn-in-m", t_illegal_m},
    {"mret-to-m", t_mret_to_m},
    {"mret-to-s-ecall", t_mret_to_s},
    {"mret-to-u-ecall", t_mret_to_u},
    {"s-reads-m-csr", t_s_mcsr},
    {"medeleg-illegal-to-s", t_medeleg_illegal},
    {"medeleg-ecall-u-to-s", t_medeleg_ecall_u},
    {"ssip-not-delegated", t_ssip_in_m},
    {"ssip-delegated", t_ssip_in_s},
    {"mip-seip-rmw", t_mip_seip},
    {"mcycle-minstret", t_counters},
    {"mcounteren", t_mcounteren},
    {"pmp-granularity", t_pmp_grain},
    {"pmp-tor", t_pmp_tor},
    {"pmp-napot", t_pmp_napot},
    {"pmp-write-only", t_pmp_write_only},
    {"mprv", t_mprv},
    {"clint-mtime", t_mtime},
    {"clint-mtimer-irq", t_mtimer},
    {"clint-msip-irq", t_msip},
    {"wfi-pending", t_wfi},
};

/* Between tests: nothing delegated, nothing enabled, PMP open, no translation. */
static void clean(void)
{
	c.armed = c.lower = 0;
	csr_write(mstatus, quiet_mstatus());
	csr_write(mtvec, (uint64_t)m_trapvec);
	csr_write(medeleg, 0);
	csr_write(mideleg, 0);
	csr_write(mie, 0);
	csr_clear(mip, MIP_SSIP | MIP_STIP);
	csr_write(satp, 0);
	pmp_allow_all();
	m_set_msip(0);
	m_set_mtimecmp(~0UL);
}

void m_tests_run(void)
{
	int passed = 0, failed = 0;
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		clean();
		const char *why = tests[i].fn();
		clean();
		if (!why) {
			m_printf("ok m-%s\n", tests[i].name);
			passed++;
		} else {
			m_printf("FAIL m-%s: %s\n", tests[i].name, why);
			failed++;
		}
	}
	m_printf("m: %d passed, %d failed\n", passed, failed);
}
