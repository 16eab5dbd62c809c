/* M-mode entry (QEMU -bios none): stack, then C in M-mode. */
	.section .text.start
	.globl _start
_start:
	la	sp, stack_top
	call	mmain
1:	wfi
	j	1b

	.globl	enter_s
/* enter_s(fn, satp): run fn in S-mode with satp; fn ends with ecall. */
enter_s:
	addi	sp, sp, -112
	sd	ra, 0(sp)
	sd	s0, 8(sp)
	sd	s1, 16(sp)
	sd	s2, 24(sp)
	sd	s3, 32(sp)
	sd	s4, 40(sp)
	sd	s5, 48(sp)
	sd	s6, 56(sp)
	sd	s7, 64(sp)
	sd	s8, 72(sp)
	sd	s9, 80(sp)
	sd	s10, 88(sp)
	sd	s11, 96(sp)
	csrw	satp, a1
	sfence.vma
	csrw	mepc, a0
	li	t0, 0x1800
	csrc	mstatus, t0
	li	t0, 0x0800	/* MPP = S */
	csrs	mstatus, t0
	la	t0, m_trap
	csrw	mtvec, t0
	csrw	mscratch, sp
	mret
	.balign 4
m_trap:	/* the ecall from S: back to enter_s's caller on its stack */
	csrr	sp, mscratch
	csrw	satp, zero
	sfence.vma
	ld	ra, 0(sp)
	ld	s0, 8(sp)
	ld	s1, 16(sp)
	ld	s2, 24(sp)
	ld	s3, 32(sp)
	ld	s4, 40(sp)
	ld	s5, 48(sp)
	ld	s6, 56(sp)
	ld	s7, 64(sp)
	ld	s8, 72(sp)
	ld	s9, 80(sp)
	ld	s10, 88(sp)
	ld	s11, 96(sp)
	addi	sp, sp, 112
	ret

	.bss
	.balign 16
	.space 16384
stack_top:
