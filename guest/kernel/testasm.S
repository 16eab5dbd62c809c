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
