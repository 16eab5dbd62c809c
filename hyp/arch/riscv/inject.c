/*
 * Taking a trap into the guest's virtual S- or M-mode exactly as the
 * hardware takes one (priv spec 1.12 §3.1.6.1, §3.1.7-9, §4.1.1-2): the
 * guest's medeleg and mideleg decide which mode (vcsr_trap_target).
 */
#include "arch/riscv/inject.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/vcpu.h"

/* The vector for this cause: base, plus 4 × cause for an interrupt in vectored mode. */
static uint64_t vector(uint64_t tvec, uint64_t cause)
{
	uint64_t base = tvec & ~3UL;
	if ((tvec & 3) == 1 && (cause & CAUSE_INTERRUPT))
		return base + 4 * (cause & ~CAUSE_INTERRUPT);
	return base;
}

void vcpu_inject_trap(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	struct vcsr *c = &v->csr;
	uint64_t s = c->mstatus;
	if (vcsr_trap_target(c, v->mode, cause) == VMODE_S) {
		c->sepc = v->pc;
		c->scause = cause;
		c->stval = tval;
		s &= ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
		if (v->mode == VMODE_S)
			s |= SSTATUS_SPP;
		if (c->mstatus & SSTATUS_SIE)
			s |= SSTATUS_SPIE;
		v->mode = VMODE_S;
		v->pc = vector(c->stvec, cause);
	} else {
		c->mepc = v->pc;
		c->mcause = cause;
		c->mtval = tval;
		s &= ~(MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE);
		s |= (uint64_t)v->mode << MSTATUS_MPP_SHIFT;
		if (c->mstatus & MSTATUS_MIE)
			s |= MSTATUS_MPIE;
		v->mode = VMODE_M;
		v->pc = vector(c->mtvec, cause);
	}
	c->mstatus = s;
}

uint64_t vcpu_deliverable_irq(const struct vcpu *v)
{
	return vcsr_pending_irq(&v->csr, v->mode);
}

int vcpu_wfi_wakes(const struct vcpu *v)
{
	return (vcsr_mip(&v->csr) & v->csr.mie) != 0;
}
