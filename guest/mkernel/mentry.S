/*
 * mentry.S — the first instruction after reset, and the M-mode trap vector.
 *
 * The board starts the hart in M-mode at 0x80000000 with the MMU off (there
 * is none in M-mode), a0 = hart id, a1 = the device tree.  Nothing else is
 * set up: no stack, mtvec unknown, every interrupt disabled.  _mentry gives
 * the firmware a stack and a trap vector, clears its .bss and calls
 * m_main(hartid, dtb) (mmain.c), which never returns: it ends with mret
 * into the kernel.
 *
 * Every trap into M-mode — an SBI call from the kernel, the machine timer,
 * an instruction the firmware emulates, a self-test's fault — enters at
 * m_trapvec, which saves all 31 registers on the firmware's trap stack and
 * calls m_trap(frame, -1).  mscratch always holds the top of that stack, so
 * the vector can switch to it without touching any register first
 * (csrrw sp, mscratch, sp), as OpenSBI does.  The firmware serves one hart.
 */
	.option	norvc			/* every instruction here is 4 bytes */

#define FRAME	(32 * 8)

	.section .text.mentry
	.globl	_mentry
_mentry:
	csrw	mie, zero
	la	sp, m_stack_top
	la	t0, m_bss_start		/* linker script: the firmware's .bss */
	la	t1, m_bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	t0, m_trapvec
	csrw	mtvec, t0
	la	t0, m_trap_stack_top
	csrw	mscratch, t0
	call	m_main			/* a0 = hart id, a1 = device tree, untouched */
3:	wfi
	j	3b

	.text
/* ---- the trap vector (mtvec MODE = Direct) ---- */
	.balign	4
	.globl	m_trapvec
m_trapvec:
	csrrw	sp, mscratch, sp	/* sp = trap stack, mscratch = the old sp */
	addi	sp, sp, -FRAME
	sd	a1, 11*8(sp)
	li	a1, -1			/* not through the vector table */

/* The slots of m_vectable join here with a1 saved and a1 = slot number. */
m_trap_save:
	sd	x1, 1*8(sp)
	sd	x3, 3*8(sp)
	sd	x4, 4*8(sp)
	sd	x5, 5*8(sp)
	sd	x6, 6*8(sp)
	sd	x7, 7*8(sp)
	sd	x8, 8*8(sp)
	sd	x9, 9*8(sp)
	sd	x10, 10*8(sp)
	sd	x12, 12*8(sp)
	sd	x13, 13*8(sp)
	sd	x14, 14*8(sp)
	sd	x15, 15*8(sp)
	sd	x16, 16*8(sp)
	sd	x17, 17*8(sp)
	sd	x18, 18*8(sp)
	sd	x19, 19*8(sp)
	sd	x20, 20*8(sp)
	sd	x21, 21*8(sp)
	sd	x22, 22*8(sp)
	sd	x23, 23*8(sp)
	sd	x24, 24*8(sp)
	sd	x25, 25*8(sp)
	sd	x26, 26*8(sp)
	sd	x27, 27*8(sp)
	sd	x28, 28*8(sp)
	sd	x29, 29*8(sp)
	sd	x30, 30*8(sp)
	sd	x31, 31*8(sp)
	csrr	t0, mscratch		/* the interrupted code's sp */
	sd	t0, 2*8(sp)
	mv	a0, sp
	call	m_trap			/* m_trap(frame, slot) */

	addi	t0, sp, FRAME		/* the trap stack is empty again */
	csrw	mscratch, t0
	ld	x1, 1*8(sp)
	ld	x3, 3*8(sp)
	ld	x4, 4*8(sp)
	ld	x5, 5*8(sp)
	ld	x6, 6*8(sp)
	ld	x7, 7*8(sp)
	ld	x8, 8*8(sp)
	ld	x9, 9*8(sp)
	ld	x10, 10*8(sp)
	ld	x11, 11*8(sp)
	ld	x12, 12*8(sp)
	ld	x13, 13*8(sp)
	ld	x14, 14*8(sp)
	ld	x15, 15*8(sp)
	ld	x16, 16*8(sp)
	ld	x17, 17*8(sp)
	ld	x18, 18*8(sp)
	ld	x19, 19*8(sp)
	ld	x20, 20*8(sp)
	ld	x21, 21*8(sp)
	ld	x22, 22*8(sp)
	ld	x23, 23*8(sp)
	ld	x24, 24*8(sp)
	ld	x25, 25*8(sp)
	ld	x26, 26*8(sp)
	ld	x27, 27*8(sp)
	ld	x28, 28*8(sp)
	ld	x29, 29*8(sp)
	ld	x30, 30*8(sp)
	ld	x31, 31*8(sp)
	ld	x2, 2*8(sp)		/* last: the interrupted code's sp */
	mret

/*
 * ---- a vector table (mtvec MODE = Vectored, §3.1.7), for the self-tests ----
 * Exceptions go to BASE (slot 0), interrupt cause c to BASE + 4*c.  Slot n
 * saves a1, puts n in it and joins m_trap_save, so m_trap learns the slot.
 */
	.balign	256
	.globl	m_vectable
m_vectable:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	j	m_slot_\n
	.endr
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
m_slot_\n:
	csrrw	sp, mscratch, sp
	addi	sp, sp, -FRAME
	sd	a1, 11*8(sp)
	li	a1, \n
	j	m_trap_save
	.endr

/*
 * ---- running a self-test's code in S- or U-mode ----
 * uint64_t m_run_lower(mpp, pc, a0, a1): saves the callee-saved registers,
 * sets mstatus.MPP = mpp and mepc = pc, and mrets to pc with a0/a1 on a
 * stack of its own.  The code there ends with a trap into M-mode (an ecall,
 * or a fault); m_test_trap then mrets to m_lower_back, which returns the
 * lower code's a0 at that trap.
 */
	.globl	m_run_lower
m_run_lower:
	la	t0, m_lower_ctx
	sd	ra, 0*8(t0)
	sd	sp, 1*8(t0)
	sd	s0, 2*8(t0)
	sd	s1, 3*8(t0)
	sd	s2, 4*8(t0)
	sd	s3, 5*8(t0)
	sd	s4, 6*8(t0)
	sd	s5, 7*8(t0)
	sd	s6, 8*8(t0)
	sd	s7, 9*8(t0)
	sd	s8, 10*8(t0)
	sd	s9, 11*8(t0)
	sd	s10, 12*8(t0)
	sd	s11, 13*8(t0)
	csrw	mepc, a1
	li	t1, 3 << 11		/* MPP */
	csrc	mstatus, t1
	slli	t1, a0, 11
	csrs	mstatus, t1
	mv	a0, a2
	mv	a1, a3
	la	sp, m_lower_stack_top
	mret

	.globl	m_lower_back
m_lower_back:
	la	t0, m_lower_ctx
	ld	ra, 0*8(t0)
	ld	sp, 1*8(t0)
	ld	s0, 2*8(t0)
	ld	s1, 3*8(t0)
	ld	s2, 4*8(t0)
	ld	s3, 5*8(t0)
	ld	s4, 6*8(t0)
	ld	s5, 7*8(t0)
	ld	s6, 8*8(t0)
	ld	s7, 9*8(t0)
	ld	s8, 10*8(t0)
	ld	s9, 11*8(t0)
	ld	s10, 12*8(t0)
	ld	s11, 13*8(t0)
	ret

	.bss
	.balign	16
m_lower_ctx:
	.space	14 * 8
	.balign	4096
	.space	4096 * 2
	.globl	m_stack_top
m_stack_top:				/* boot and self-tests */
	.space	4096 * 2
	.globl	m_trap_stack_top
m_trap_stack_top:			/* every trap; mscratch points here */
	.space	4096
m_lower_stack_top:			/* the self-tests' S- and U-mode code */
