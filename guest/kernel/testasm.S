/*
 * testasm.S — self-test pieces that need exact control of registers and
 * instruction encodings.  All assembled without compressed instructions so
 * each trapping instruction is 4 bytes.
 */
	.option	norvc

/*
 * uint64_t vec_test(void) — vectored stvec (priv spec §4.1.2): with MODE = 1
 * exceptions go to BASE and interrupt cause c to BASE + 4*c.  Takes an
 * ebreak and a supervisor software interrupt through a private table and
 * returns a bitmask: bit 0 the exception reached BASE, bit 1 the software
 * interrupt reached BASE + 4, bit 2 something reached another entry.
 * Returns ~0 if the hardware refused MODE = 1.  The handlers touch only t0
 * and t2.
 */
	.text
	.balign	256
vec_table:
	j	vec_exc			/* +0: every exception */
	j	vec_ssi			/* +4: cause 1, SSI */
	.rept	14
	j	vec_other
	.endr
vec_exc:
	ori	t2, t2, 1
	csrr	t0, sepc
	addi	t0, t0, 4
	csrw	sepc, t0
	sret
vec_ssi:
	ori	t2, t2, 2
	csrci	sip, 2
	sret
vec_other:
	ori	t2, t2, 4
	csrw	sie, zero
	sret

	.globl	vec_test
vec_test:
	csrr	t3, stvec
	csrr	t4, sie
	la	t0, vec_table
	ori	t0, t0, 1
	csrw	stvec, t0
	csrr	t1, stvec
	li	a0, -1
	bne	t0, t1, 1f
	csrw	sie, 2			/* only SSI may interrupt */
	li	t2, 0
	ebreak
	csrsi	sip, 2			/* make SSI pending ... */
	csrsi	sstatus, 2		/* ... and take it */
	nop
	csrci	sstatus, 2
	mv	a0, t2
1:	csrw	stvec, t3
	csrw	sie, t4
	ret

/*
 * void fp_touch(void) — one floating-point instruction that writes an FP
 * register: illegal while sstatus.FS = Off, and turns FS to Dirty otherwise
 * (§3.1.6.6).  D is enabled for this function only.
 */
	.globl	fp_touch
	.globl	fp_touch_insn
fp_touch:
	.option	push
	.option	arch, +d
fp_touch_insn:
	fmv.d.x	ft0, zero
	.option	pop
	ret

/*
 * void csr_regs_test(uint64_t out[4 * 32]) — every register as a CSR
 * access's rs1 and rd, so that whatever decodes the instruction's register
 * fields is checked for each: for register r,
 *   out[4r]     rd of `csrrw r, sscratch, r` (sscratch held 0x1000 + r),
 *   out[4r + 1] sscratch after it (r held 0x2000 + r),
 *   out[4r + 2] rd of `csrrs r, sstatus, r` with r = SPIE (sstatus's old value),
 *   out[4r + 3] sstatus after it, then `csrrc r, sstatus, r` with r = SPIE.
 * Clears SIE (interrupts stay off throughout) and SPIE; sscratch is 0
 * again at the end.
 */
#define CRT_ALL 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.macro	CRT_ONE r, s, u
	la	\u, crt_out
	ld	\u, 0(\u)
	li	\s, 0x1000 + \r
	csrw	sscratch, \s
	li	x\r, 0x2000 + \r
	csrrw	x\r, sscratch, x\r
	csrr	\s, sscratch
	sd	x\r, (32 * \r)(\u)
	sd	\s, (32 * \r + 8)(\u)
	li	x\r, 0x20		/* SPIE */
	csrrs	x\r, sstatus, x\r
	csrr	\s, sstatus
	sd	x\r, (32 * \r + 16)(\u)
	sd	\s, (32 * \r + 24)(\u)
	li	x\r, 0x20
	csrrc	x\r, sstatus, x\r
	.endm
	.macro	CRT r
	.if	\r == 5
	CRT_ONE	\r, t1, t2
	.elseif	\r == 6
	CRT_ONE	\r, t0, t2
	.else
	CRT_ONE	\r, t0, t1
	.endif
	.endm

	.data
	.balign	8
crt_out:	.dword	0
crt_save:	.space	8 * 32
	.text
	.globl	csr_regs_test
csr_regs_test:
	la	t0, crt_out
	sd	a0, 0(t0)
	la	t0, crt_save
	.irp	r, 1,2,3,4,8,9,18,19,20,21,22,23,24,25,26,27
	sd	x\r, (8 * \r)(t0)
	.endr
	li	t1, 0x22
	csrc	sstatus, t1		/* SIE = 0 (nothing may trap into the kernel while sscratch is not 0), SPIE = 0 */
	.irp	r, CRT_ALL
	CRT	\r
	.endr
	csrw	sscratch, zero
	la	t0, crt_save
	.irp	r, 1,2,3,4,8,9,18,19,20,21,22,23,24,25,26,27
	ld	x\r, (8 * \r)(t0)
	.endr
	ret
