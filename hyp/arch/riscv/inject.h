/* Delivering traps and interrupts to a guest through its own trap vector. */
#ifndef POPEK_ARCH_RISCV_INJECT_H
#define POPEK_ARCH_RISCV_INJECT_H

#include <stdint.h>

struct vcpu;

/*
 * Takes a trap into the guest's virtual S- or M-mode, whichever its
 * delegation picks, exactly as the hardware takes one (priv spec 1.12
 * §3.1.6.1, §4.1.1-2): xepc = pc, xcause, xtval, xPP = the previous mode,
 * xPIE = xIE, xIE = 0, pc = xtvec (base, plus 4 × cause for an interrupt in
 * vectored mode).
 */
void vcpu_inject_trap(struct vcpu *v, uint64_t cause, uint64_t tval);
/* The highest-priority interrupt the guest would take now (its cause), or 0. */
uint64_t vcpu_deliverable_irq(const struct vcpu *v);
/* True when an interrupt is pending and enabled in mie: what wakes a wfi (§3.3.3). */
int vcpu_wfi_wakes(const struct vcpu *v);

#endif
