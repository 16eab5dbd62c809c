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
 * void csr_regs_test(uint64_t out[6 * 32]) — every register as a CSR
 * access's rs1 and rd, so that whatever decodes the instruction's register
 * fields is checked for each: for register r,
 *   out[6r]     rd of `csrrw r, sscratch, r` (sscratch held 0x1000 + r),
 *   out[6r + 1] sscratch after it (r held 0x2000 + r),
 *   out[6r + 2] rd of `csrrs r, sstatus, r` with r = SPIE (sstatus's old value),
 *   out[6r + 3] sstatus after it, then `csrrc r, sstatus, r` with r = SPIE,
 *   out[6r + 4] rd of `csrrw r, sepc, r` right after `csrw sepc` (sepc held
 *               0x5000 + 2r): the second of three adjacent accesses, which
 *               a monitor may carry out without a trap of its own,
 *   out[6r + 5] sepc after it, read by the third (r held 0x6000 + 2r).
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
	sd	x\r, (48 * \r)(\u)
	sd	\s, (48 * \r + 8)(\u)
	li	x\r, 0x20		/* SPIE */
	csrrs	x\r, sstatus, x\r
	csrr	\s, sstatus
	sd	x\r, (48 * \r + 16)(\u)
	sd	\s, (48 * \r + 24)(\u)
	li	x\r, 0x20
	csrrc	x\r, sstatus, x\r
	li	x\r, 0x6000 + 2 * \r
	li	\s, 0x5000 + 2 * \r
	csrw	sepc, \s
	csrrw	x\r, sepc, x\r
	csrr	\s, sepc
	sd	x\r, (48 * \r + 32)(\u)
	sd	\s, (48 * \r + 40)(\u)
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

/*
 * uint64_t sum_win_N(uint64_t a, uint64_t b, uint64_t *user) — one Linux
 * get_user/put_user-style window each: `csrs sstatus, SUM`, an ALU
 * instruction on a0 and a1 (result in a0), a store to and a load from a
 * U page, `csrc sstatus, SUM`.  sum_wins[] lists them in order (tests.c
 * t_sum_windows has each one's expected result).
 */
	.macro	SUMWIN n, rvc=0
	.globl	sum_win_\n
	.balign	4
sum_win_\n:
	lui	t0, 0x40		/* SSTATUS_SUM */
	csrs	sstatus, t0
	.if	\rvc
	.option	push
	.option	rvc
	.endif
	SUMOP_\n
	.if	\rvc
	.option	pop
	.endif
	sd	a0, 0(a2)
	ld	a0, 0(a2)
	csrc	sstatus, t0
	ret
	.endm

	.macro	SUMOP_0
	lui	a0, 0x80001
	.endm
	.macro	SUMOP_1
	addi	a0, a0, -2047
	.endm
	.macro	SUMOP_2
	slti	a0, a0, -1
	.endm
	.macro	SUMOP_3
	sltiu	a0, a0, -1
	.endm
	.macro	SUMOP_4
	xori	a0, a0, -1365
	.endm
	.macro	SUMOP_5
	ori	a0, a0, 1365
	.endm
	.macro	SUMOP_6
	andi	a0, a0, -256
	.endm
	.macro	SUMOP_7
	slli	a0, a0, 63
	.endm
	.macro	SUMOP_8
	srli	a0, a0, 33
	.endm
	.macro	SUMOP_9
	srai	a0, a0, 33
	.endm
	.macro	SUMOP_10
	addiw	a0, a0, 2047
	.endm
	.macro	SUMOP_11
	slliw	a0, a0, 31
	.endm
	.macro	SUMOP_12
	srliw	a0, a0, 31
	.endm
	.macro	SUMOP_13
	sraiw	a0, a0, 3
	.endm
	.macro	SUMOP_14
	add	a0, a0, a1
	.endm
	.macro	SUMOP_15
	sub	a0, a0, a1
	.endm
	.macro	SUMOP_16
	sll	a0, a0, a1
	.endm
	.macro	SUMOP_17
	slt	a0, a0, a1
	.endm
	.macro	SUMOP_18
	sltu	a0, a0, a1
	.endm
	.macro	SUMOP_19
	xor	a0, a0, a1
	.endm
	.macro	SUMOP_20
	srl	a0, a0, a1
	.endm
	.macro	SUMOP_21
	sra	a0, a0, a1
	.endm
	.macro	SUMOP_22
	or	a0, a0, a1
	.endm
	.macro	SUMOP_23
	and	a0, a0, a1
	.endm
	.macro	SUMOP_24
	addw	a0, a0, a1
	.endm
	.macro	SUMOP_25
	subw	a0, a0, a1
	.endm
	.macro	SUMOP_26
	sllw	a0, a0, a1
	.endm
	.macro	SUMOP_27
	srlw	a0, a0, a1
	.endm
	.macro	SUMOP_28
	sraw	a0, a0, a1
	.endm
	.macro	SUMOP_29
	c.li	a0, -32
	.endm
	.macro	SUMOP_30
	c.lui	a0, 0xfffe1
	.endm
	.macro	SUMOP_31
	c.addi	a0, -32
	.endm
	.macro	SUMOP_32
	c.addiw	a0, 31
	.endm
	.macro	SUMOP_33
	c.mv	a0, a1
	.endm
	.macro	SUMOP_34
	c.add	a0, a1
	.endm
	.macro	SUMOP_35
	c.sub	a0, a1
	.endm
	.macro	SUMOP_36
	c.xor	a0, a1
	.endm
	.macro	SUMOP_37
	c.or	a0, a1
	.endm
	.macro	SUMOP_38
	c.and	a0, a1
	.endm
	.macro	SUMOP_39
	c.subw	a0, a1
	.endm
	.macro	SUMOP_40
	c.addw	a0, a1
	.endm
	.macro	SUMOP_41
	c.andi	a0, -17
	.endm
	.macro	SUMOP_42
	c.srli	a0, 63
	.endm
	.macro	SUMOP_43
	c.srai	a0, 1
	.endm
	.macro	SUMOP_44
	c.slli	a0, 1
	.endm
	/* loads and stores of each width: a store, then the load under test */
	.macro	SUMOP_45
	sw	a0, 0(a2)
	lw	a0, 0(a2)
	.endm
	.macro	SUMOP_46
	sw	a0, 0(a2)
	lwu	a0, 0(a2)
	.endm
	.macro	SUMOP_47
	sh	a0, 2(a2)
	lh	a0, 2(a2)
	.endm
	.macro	SUMOP_48
	sh	a0, 6(a2)
	lhu	a0, 6(a2)
	.endm
	.macro	SUMOP_49
	sb	a0, 7(a2)
	lb	a0, 7(a2)
	.endm
	.macro	SUMOP_50
	sb	a0, 5(a2)
	lbu	a0, 5(a2)
	.endm
	.macro	SUMOP_51
	c.sw	a0, 4(a2)
	c.lw	a0, 4(a2)
	.endm
	.macro	SUMOP_52
	c.sd	a1, 8(a2)
	c.ld	a0, 8(a2)
	.endm
	.macro	SUMOP_53
	c.slli	a0, 4
	c.add	a0, a1
	c.srai	a0, 2
	xor	a0, a0, a1
	sltu	a1, a0, a1
	add	a0, a0, a1
	.endm
	/* auipc: its result less its own address, after the window */
	.globl	sum_win_auipc
	.balign	4
sum_win_auipc:
	lui	t0, 0x40
	csrs	sstatus, t0
1:	auipc	a0, 0x12345
	sd	a0, 0(a2)
	ld	a0, 0(a2)
	csrc	sstatus, t0
	lla	a1, 1b
	sub	a0, a0, a1
	ret

	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28
	SUMWIN	\n
	.endr
	.irp	n, 29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44
	SUMWIN	\n, 1
	.endr
	.irp	n, 45,46,47,48,49,50
	SUMWIN	\n
	.endr
	.irp	n, 51,52,53
	SUMWIN	\n, 1
	.endr

	.section .rodata
	.balign	8
	.globl	sum_wins
sum_wins:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53
	.dword	sum_win_\n
	.endr
	.dword	sum_win_auipc
	.text

/*
 * uint64_t sum_copy(void *dst, const void *src, uint64_t n) — a copy under
 * SUM in the shape of Linux 6.1's __asm_copy_to_user: blocks of 8 ld and 8
 * sd when both are 8-aligned and n >= 72, then bytes (lb, addi, sb, addi,
 * bltu).  Returns a5, the last value it loaded (0 when none).
 */
	.globl	sum_copy
	.balign	4
sum_copy:
	lui	t6, 0x40		/* SSTATUS_SUM */
	csrs	sstatus, t6
	li	a5, 0
	add	t0, a0, a2
	li	a3, 72
	bltu	a2, a3, 2f
	or	a3, a0, a1
	andi	a3, a3, 7
	bnez	a3, 2f
	addi	t0, t0, -64
1:	ld	a4, 0(a1)
	ld	a5, 8(a1)
	ld	a6, 16(a1)
	ld	a7, 24(a1)
	ld	t1, 32(a1)
	ld	t2, 40(a1)
	ld	t3, 48(a1)
	ld	t4, 56(a1)
	sd	a4, 0(a0)
	sd	a5, 8(a0)
	sd	a6, 16(a0)
	sd	a7, 24(a0)
	sd	t1, 32(a0)
	sd	t2, 40(a0)
	sd	t3, 48(a0)
	sd	t4, 56(a0)
	addi	a0, a0, 64
	addi	a1, a1, 64
	bltu	a0, t0, 1b
	addi	t0, t0, 64
2:	bgeu	a0, t0, 3f
4:	lb	a5, 0(a1)
	addi	a1, a1, 1
	sb	a5, 0(a0)
	addi	a0, a0, 1
	bltu	a0, t0, 4b
3:	csrc	sstatus, t6
	mv	a0, a5
	ret

/*
 * uint64_t sum_bytes(const uint8_t *p, uint64_t n) — under SUM, the sum of
 * n > 0 bytes: a loop that is no copy (lbu, add, addi, bltu), which popek
 * carries out a step at a time or leaves to the hart when it is long.
 */
	.globl	sum_bytes
	.balign	4
sum_bytes:
	lui	t6, 0x40
	csrs	sstatus, t6
	add	a1, a0, a1
	li	a2, 0
1:	lbu	a5, 0(a0)
	add	a2, a2, a5
	addi	a0, a0, 1
	bltu	a0, a1, 1b
	csrc	sstatus, t6
	mv	a0, a2
	ret
