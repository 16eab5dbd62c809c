/*
 * entry.S — boot, the probe's trap vector, and the two ways into a stub.
 *
 * OpenSBI (or popek) enters _entry in S-mode with the MMU off (satp Bare),
 * a0 = hart id, a1 = device tree.  The probe stays in Bare throughout: its
 * U-mode runs reach the same physical memory, subject only to PMP, which
 * OpenSBI opens to S and U everywhere but its own region.
 *
 * The trap vector does not save registers.  It records scause, stval and
 * sepc in probe_trap (probe.h) and resumes 4 bytes past the instruction
 * that trapped, in the mode it trapped from; it clobbers only t5 and t6,
 * which no stub relies on.  One trap is not a probe result but the way
 * home: the ecall at probe_u_return, which ends every U-mode run.
 */
#include "probe.h"

	.section .text.entry
	.globl _entry
_entry:
	la	sp, stack_top
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	call	probe_main
3:	j	3b

	.text
	/* stvec, direct mode: 4-byte aligned. */
	.balign 4
	.globl probe_vector
probe_vector:
	/* Not a CSR access: under popek the trap that brought us here is
	 * traced as itself, not merged with the emulate-ahead of ours. */
	nop
	csrr	t6, scause
	bltz	t6, .Linterrupt
	csrr	t6, sepc
	la	t5, probe_u_return
	beq	t6, t5, .Lhome
	la	t5, probe_trap
	sd	t6, PROBE_TRAP_EPC(t5)
	addi	t6, t6, 4
	csrw	sepc, t6
	csrr	t6, scause
	sd	t6, PROBE_TRAP_CAUSE(t5)
	csrr	t6, stval
	sd	t6, PROBE_TRAP_TVAL(t5)
	ld	t6, PROBE_TRAP_COUNT(t5)
	addi	t6, t6, 1
	sd	t6, PROBE_TRAP_COUNT(t5)
	j	.Lreturn
.Lhome:
	/* Back to S-mode, just after the sret of probe_enter_u. */
	la	t6, probe_s_back
	csrw	sepc, t6
	li	t6, SSTATUS_SPP
	csrs	sstatus, t6
.Lreturn:
	/* sret sets SIE = SPIE: keep S-mode interrupts off (the wfi probe
	 * leaves a timer pending with sie.STIE set). */
	li	t6, SSTATUS_SPIE
	csrc	sstatus, t6
	sret
.Linterrupt:
	csrr	a0, scause
	csrr	a1, sepc
	call	probe_unexpected
	/* does not return */

	/* A second entry to the same vector: the value `csrw stvec` writes. */
	.balign 4
	.globl probe_vector_alt
probe_vector_alt:
	j	probe_vector

/* void probe_enter_s(void (*stub)(void), uint64_t operand): t0 = operand. */
	.globl probe_enter_s
probe_enter_s:
	mv	t0, a1
	jr	a0

/*
 * void probe_enter_u(void (*stub)(void), uint64_t operand): the same, in
 * U-mode.  sret drops to probe_u_tramp, which calls the stub and ends
 * with an ecall; the vector sends that one to probe_s_back in S-mode.
 * Only caller-saved registers change in between, as for any call.
 */
	.globl probe_enter_u
probe_enter_u:
	addi	sp, sp, -16
	sd	ra, 8(sp)
	la	t0, probe_u_tramp
	csrw	sepc, t0
	li	t0, SSTATUS_SPP | SSTATUS_SPIE
	csrc	sstatus, t0
	sret
probe_u_tramp:
	mv	t0, a1
	jalr	a0
	.globl probe_u_return
probe_u_return:
	ecall
	.globl probe_s_back
probe_s_back:
	ld	ra, 8(sp)
	addi	sp, sp, 16
	ret

	.section .bss.stack
	.balign 4096
	.space	4096 * 2
stack_top:
