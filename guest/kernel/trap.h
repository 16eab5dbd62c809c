#ifndef TRAP_H
#define TRAP_H

#include <stdint.h>
#include "proc.h"

/*
 * What a trap handler wants to happen next:
 *   TRAP_RESUME  return to where the trap came from
 *   TRAP_YIELD   let another process run first (timer preemption; from U only)
 *   TRAP_KILL    the process did something the kernel cannot repair: kill it
 */
enum trap_action { TRAP_RESUME, TRAP_YIELD, TRAP_KILL };

/* What the hardware reported for one trap. */
struct trap_record {
	int hit;
	uint64_t cause, epc, tval, sstatus;
};

/*
 * Tests arm a one-shot catch for the next exception taken in S-mode; without
 * one a kernel exception is a kernel bug and panics.  After recording, the
 * handler resumes at the next instruction (SKIP) or at the saved ra (RETURN,
 * for faults on a jump target: the faulting pc is the target itself).
 */
enum trap_resume { TRAP_SKIP, TRAP_RETURN };
void trap_expect(struct trap_record *rec, enum trap_resume how);
void trap_disarm(void);

extern struct trap_record last_irq; /* the last interrupt taken in S-mode */
extern volatile uint64_t ssi_count; /* software interrupts taken */
extern void trap_vector(void);

void trap_init(void);
void user_trap(struct trapframe *tf) __attribute__((noreturn));
void user_return_from(struct proc *p) __attribute__((noreturn));

#endif
