/*
 * entry.S — the differential runtime's entry, its M-mode trap vector and
 * the switch into a generated block.  tp always holds &diff_ctx and gp is
 * the handler's scratch: generated code uses neither, nor sp.
 */
#include "../layout.h"

#define SAVE(r)  sd x##r, (CTX_X + 8 * r)(tp)
#define LOAD(r)  ld x##r, (CTX_X + 8 * r)(tp)
#define GUEST_REGS(OP) OP(1); OP(5); OP(6); OP(7); OP(8); OP(9); OP(10); OP(11); \
	OP(12); OP(13); OP(14); OP(15); OP(16); OP(17); OP(18); OP(19); OP(20); \
	OP(21); OP(22); OP(23); OP(24); OP(25); OP(26); OP(27); OP(28); OP(29); \
	OP(30); OP(31)

	.section .text.entry
	.globl _start
_start:
	csrw mie, zero
	la sp, rt_stack_top
	la tp, diff_ctx
	sd sp, CTX_STACK(tp)
	la t0, m_trap
	csrw mtvec, t0
	call rt_main
1:	j 1b

	.text
/*
 * Every trap into M.  MPRV goes off first, so that the handler's own
 * loads and stores are physical (MPP now names the trapping mode).
 */
	.align 8
	.globl m_trap
m_trap:
	lui gp, 0x20 /* mstatus.MPRV */
	csrrc gp, mstatus, gp
	sd gp, CTX_MST(tp)
	GUEST_REGS(SAVE)
	ld sp, CTX_STACK(tp)
	mv a0, tp
	call rt_mtrap
	bnez a0, 1f
	GUEST_REGS(LOAD)
	mret
1:	/* the block is over: back to rt_enter's caller */
	ld ra, (CTX_RT + 0)(tp)
	ld sp, (CTX_RT + 8)(tp)
	ld s0, (CTX_RT + 16)(tp)
	ld s1, (CTX_RT + 24)(tp)
	ld s2, (CTX_RT + 32)(tp)
	ld s3, (CTX_RT + 40)(tp)
	ld s4, (CTX_RT + 48)(tp)
	ld s5, (CTX_RT + 56)(tp)
	ld s6, (CTX_RT + 64)(tp)
	ld s7, (CTX_RT + 72)(tp)
	ld s8, (CTX_RT + 80)(tp)
	ld s9, (CTX_RT + 88)(tp)
	ld s10, (CTX_RT + 96)(tp)
	ld s11, (CTX_RT + 104)(tp)
	ret

/* mtvec in vectored mode: every cause to the same handler */
	.align 8
	.globl m_vec
m_vec:
	.rept 16
	j m_trap
	.endr

/*
 * S-mode's vector: one ecall, which M (rt_mtrap) recognises by its address
 * and answers for S: log the trap, skip or end, and return as sret would.
 */
	.align 8
	.globl s_vec, s_trap, s_end
s_vec:
	.rept 16
	ecall
	.endr
s_trap:
	ecall
s_end:

/* rt_enter(ctx): mepc and mstatus.MPP are set; load the guest registers and go */
	.globl rt_enter
rt_enter:
	sd ra, (CTX_RT + 0)(tp)
	sd sp, (CTX_RT + 8)(tp)
	sd s0, (CTX_RT + 16)(tp)
	sd s1, (CTX_RT + 24)(tp)
	sd s2, (CTX_RT + 32)(tp)
	sd s3, (CTX_RT + 40)(tp)
	sd s4, (CTX_RT + 48)(tp)
	sd s5, (CTX_RT + 56)(tp)
	sd s6, (CTX_RT + 64)(tp)
	sd s7, (CTX_RT + 72)(tp)
	sd s8, (CTX_RT + 80)(tp)
	sd s9, (CTX_RT + 88)(tp)
	sd s10, (CTX_RT + 96)(tp)
	sd s11, (CTX_RT + 104)(tp)
	GUEST_REGS(LOAD)
	mret

/* FP state: rt_fp_zero() clears f0-f31 and fcsr, rt_fp_save(u64[33]) reads them (FS on) */
	.option push
	.option arch, +d
	.globl rt_fp_zero, rt_fp_save
rt_fp_zero:
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fmv.d.x f\r, zero
	.endr
	fscsr zero
	ret
rt_fp_save:
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd f\r, (8 * \r)(a0)
	.endr
	frcsr t0
	sd t0, 256(a0)
	ret
	.option pop

	.section .bss
	.align 12
	.space 16384
rt_stack_top:
