/*
 * mtrap.c — every trap that reaches M-mode once the kernel runs.
 *
 * Most traps never come here: medeleg and mideleg (mmain.c) send the
 * kernel's own exceptions and interrupts straight to S-mode.  What is left:
 *
 *   ecall from S-mode        an SBI call (msbi.c); resume after the ecall
 *   machine timer interrupt  the deadline the kernel set through the SBI has
 *                            passed: raise the supervisor timer interrupt
 *                            (mip.STIP) for the kernel and mask our own
 *   illegal instruction      `rdtime` from U-mode with scounteren.TM = 0 is
 *                            emulated, as OpenSBI does; anything else is the
 *                            kernel's business, so we redirect it to S-mode
 *                            exactly as if it had been delegated
 *
 * Anything else from M-mode itself is a firmware bug.
 */
#include "mkernel.h"

/*
 * The SBI's set_timer (§6.1 of the SBI spec): the CLINT compares mtime
 * with mtimecmp and raises the *machine* timer interrupt; the kernel wants
 * a *supervisor* one.  So clear STIP now, and when MTIP fires (m_trap) set
 * STIP and mask MTIE until the next set_timer.
 */
void m_set_timer(uint64_t deadline)
{
	m_set_mtimecmp(deadline);
	csr_clear(mip, MIP_STIP);
	csr_set(mie, MIP_MTIP);
}

/*
 * Deliver an exception to S-mode as the hardware would have, had medeleg
 * delegated it (§4.1.1, §4.1.7-10): scause/sepc/stval, SPP = the mode it
 * came from, SPIE = SIE, SIE = 0, and continue at stvec in S-mode.
 */
static void redirect_to_s(uint64_t cause, uint64_t epc, uint64_t tval)
{
	uint64_t status = csr_read(mstatus);
	uint64_t from = (status & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
	csr_write(scause, cause);
	csr_write(sepc, epc);
	csr_write(stval, tval);
	status &= ~(MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_MPP);
	if (from == PRV_S)
		status |= MSTATUS_SPP;
	if (csr_read(mstatus) & MSTATUS_SIE)
		status |= MSTATUS_SPIE;
	status |= PRV_S << MSTATUS_MPP_SHIFT;
	csr_write(mstatus, status);
	csr_write(mepc, csr_read(stvec) & ~3UL); /* exceptions go to BASE, even when vectored */
}

/*
 * csrrs rd, time, x0 (`rdtime rd`) from U-mode while the kernel's
 * scounteren.TM is 0.  OpenSBI answers these itself, without looking at
 * scounteren, and the kernel's self-tests expect that (tests.c,
 * user-counters-time-tm0).  QEMU reports the instruction's bits in mtval.
 */
static int emulate_rdtime(struct m_frame *f, uint32_t insn)
{
	if ((insn & 0xfffff07f) != 0xc0102073)
		return 0;
	unsigned rd = (insn >> 7) & 31;
	if (rd)
		f->x[rd] = m_mtime();
	csr_write(mepc, csr_read(mepc) + 4);
	return 1;
}

void m_trap(struct m_frame *f, long slot)
{
	uint64_t cause = csr_read(mcause);
	uint64_t from = (csr_read(mstatus) & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;

	if (m_test_trap(f, slot)) /* a self-test expected this one */
		return;

	if (cause == (CAUSE_IRQ_FLAG | IRQ_MTI)) {
		csr_clear(mie, MIP_MTIP);
		csr_set(mip, MIP_STIP);
		return;
	}
	if (from == PRV_M)
		m_panic("trap in M-mode: mcause 0x%lx mepc 0x%lx mtval 0x%lx", cause,
		        csr_read(mepc), csr_read(mtval));

	switch (cause) {
	case CAUSE_SUPERVISOR_ECALL:
		m_sbi_call(f);
		csr_write(mepc, csr_read(mepc) + 4);
		return;
	case CAUSE_ILLEGAL_INSN:
		if (emulate_rdtime(f, (uint32_t)csr_read(mtval)))
			return;
		break;
	}
	if (cause & CAUSE_IRQ_FLAG)
		m_panic("unexpected interrupt 0x%lx", cause);
	redirect_to_s(cause, csr_read(mepc), csr_read(mtval));
}
