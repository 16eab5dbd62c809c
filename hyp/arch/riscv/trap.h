/* Trap entry from the hardware: the vector in entry.S calls into here. */
#ifndef POPEK_ARCH_RISCV_TRAP_H
#define POPEK_ARCH_RISCV_TRAP_H

#include "arch/riscv/vcpu.h"

struct trap_frame;

/* Points stvec at popek's vector.  Panics are reported properly from here on. */
void trap_init(void);
/* A trap taken while popek itself ran (sstatus.SPP = S). */
void trap_from_popek(struct trap_frame *tf);
/* Delivers a trap to the guest's own trap vector, unchanged (stopping a wedged VM). */
enum trap_action trap_reflect(struct vcpu *v, uint64_t cause, uint64_t tval);
/* A trap taken while the guest ran; its registers are in v.  Says what happens next. */
enum trap_action trap_from_guest(struct vcpu *v);
/*
 * Called by entry.S on every trap from a guest, before anything else:
 * finishes the traps of the fast lane (emulate_fast(): a trap handler's CSR
 * accesses and its sret; a system call from vU, reflected), TRAP_REENTER
 * when the guest may run on at once; TRAP_PENDING (nothing done) for
 * trap_from_guest().
 */
enum trap_action trap_fast(struct vcpu *v);

#endif
