#include "arch/riscv/inject.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/vcpu.h"

void vcpu_inject_trap(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	struct vcsr *c = &v->csr;
	c->sepc = v->pc;
	c->scause = cause;
	c->stval = tval;
	uint64_t s = c->sstatus & ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
	if (v->mode == VMODE_S)
		s |= SSTATUS_SPP;
	if (c->sstatus & SSTATUS_SIE)
		s |= SSTATUS_SPIE;
	c->sstatus = s;
	v->mode = VMODE_S;
	uint64_t base = c->stvec & ~3UL;
	if ((c->stvec & 3) == 1 && (cause & CAUSE_INTERRUPT))
		v->pc = base + 4 * (cause & ~CAUSE_INTERRUPT);
	else
		v->pc = base;
}

/* §3.1.9: among S-level interrupts, external beats software beats timer. */
static const unsigned irq_priority[] = {IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER};

uint64_t vcpu_deliverable_irq(const struct vcpu *v)
{
	uint64_t pending = v->csr.sip & v->csr.sie;
	if (!pending)
		return 0;
	/* §4.1.1: in U-mode S-level interrupts are always globally enabled. */
	if (v->mode == VMODE_S && !(v->csr.sstatus & SSTATUS_SIE))
		return 0;
	for (unsigned i = 0; i < sizeof(irq_priority) / sizeof(irq_priority[0]); i++) {
		if (pending & (1UL << irq_priority[i]))
			return CAUSE_INTERRUPT | irq_priority[i];
	}
	return 0;
}

int vcpu_wfi_wakes(const struct vcpu *v)
{
	return (v->csr.sip & v->csr.sie) != 0;
}
