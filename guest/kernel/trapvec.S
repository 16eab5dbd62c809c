/*
 * trapvec.S — the one trap vector (stvec, direct mode) and the way back to U.
 *
 * sscratch tells where a trap came from: while a process runs in U it holds
 * that process's trapframe; while the kernel runs it holds 0.  The first
 * instruction swaps it with sp (priv spec §4.1.4 suggests exactly this), so
 * a trap from U lands with sp = trapframe and a trap from S with sp = 0.
 * Layout of the frame: struct trapframe in proc.h.
 */
#define TF_EPC     256
#define TF_SSTATUS 264
#define TF_KSP     272
#define FRAME      288

.macro SAVE_GPRS
	sd	x1, 8(sp)
	.irp	i, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\i, \i*8(sp)
	.endr
.endm

	.section .text
	.balign	4
	.globl	trap_vector
trap_vector:
	csrrw	sp, sscratch, sp
	beqz	sp, from_kernel

	/* from U: sp = trapframe, sscratch = user sp */
	SAVE_GPRS
	csrr	t0, sscratch
	sd	t0, 16(sp)
	csrw	sscratch, zero
	csrr	t0, sepc
	sd	t0, TF_EPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	mv	a0, sp
	ld	sp, TF_KSP(a0)
	call	user_trap		/* never returns: leaves through user_return */
1:	j	1b

from_kernel:
	csrrw	sp, sscratch, sp	/* sp back, sscratch = 0 again */
	addi	sp, sp, -FRAME
	SAVE_GPRS
	addi	t0, sp, FRAME
	sd	t0, 16(sp)
	csrr	t0, sepc
	sd	t0, TF_EPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	mv	a0, sp
	call	kernel_trap
	ld	t0, TF_EPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	ld	x1, 8(sp)
	.irp	i, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\i, \i*8(sp)
	.endr
	addi	sp, sp, FRAME
	sret

/*
 * user_return(tf): restore a process's registers and sret to U.  The caller
 * prepared tf->sstatus with SPP = 0 (return to U), SPIE = 1 (interrupts on
 * in U) and SIE = 0, so nothing can interrupt the restore.
 */
	.globl	user_return
user_return:
	ld	t0, TF_EPC(a0)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(a0)
	csrw	sstatus, t0
	csrw	sscratch, a0
	ld	x1, 8(a0)
	.irp	i, 3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\i, \i*8(a0)
	.endr
	ld	sp, 16(a0)
	ld	a0, 80(a0)
	sret
