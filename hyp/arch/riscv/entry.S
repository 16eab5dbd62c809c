/*
 * popek's first instructions and its trap vector.
 *
 * OpenSBI enters _start in S-mode with the MMU off: a0 = hart id, a1 = the
 * physical address of the device tree, pc = POPEK_LOAD_PA.  popek is linked
 * at its direct-map address (memlayout.h), so until paging is on only
 * pc-relative code may run here.
 */
#include "arch/riscv/memlayout.h"
#include "arch/riscv/trap_frame.h"
#include "arch/riscv/vcpu.h"

#define BOOT_PTE_RWX 0xcf /* V R W X A D: a 512 GiB leaf (Sv48 allows leaves at every level) */

	.section .text.entry, "ax"
	.globl _start
_start:
	lla	sp, boot_stack_top

	lla	t0, __bss_start
	lla	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	/*
	 * Boot page table: physical 0..512 GiB mapped twice, at itself (slot 0,
	 * for the next few instructions) and in the direct map (slot 510).
	 * mmu_init() replaces it with popek's real table, without slot 0.
	 */
	lla	t0, boot_pgtable
	li	t1, BOOT_PTE_RWX
	sd	t1, 0(t0)
	li	t2, DIRECT_MAP_SLOT * 8
	add	t2, t2, t0
	sd	t1, 0(t2)
	srli	t0, t0, 12
	li	t1, 9
	slli	t1, t1, 60 /* satp.MODE = Sv48 */
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma

	/* Jump to the direct-map alias of the next instruction; move sp there too. */
	lla	t0, .Lhigh_addr
	ld	t0, 0(t0)
	li	t1, DIRECT_MAP_BASE
	add	sp, sp, t1
	jr	t0
.Lhigh:
	csrw	sscratch, zero
	call	popek_main
3:	wfi
	j	3b

	.section .rodata
	.p2align 3
.Lhigh_addr:
	.dword	.Lhigh

/*
 * The trap vector (stvec, direct mode).  sscratch is 0 while popek runs and
 * points at the running vCPU while a guest runs.  A trap from popek itself
 * saves a struct trap_frame on the current stack and calls
 * trap_from_popek(frame); a trap from a guest saves the guest's registers
 * into its vCPU and returns from vcpu_enter() on popek's stack.
 */
	.section .text
	.p2align 2
	.globl trap_vector
trap_vector:
	csrrw	sp, sscratch, sp
	bnez	sp, .Lfrom_guest
	csrrw	sp, sscratch, sp
	addi	sp, sp, -TF_SIZE
	sd	x0, TF_X(0)(sp)
	sd	x1, TF_X(1)(sp)
	sd	x3, TF_X(3)(sp)
	sd	x4, TF_X(4)(sp)
	sd	x5, TF_X(5)(sp)
	sd	x6, TF_X(6)(sp)
	sd	x7, TF_X(7)(sp)
	sd	x8, TF_X(8)(sp)
	sd	x9, TF_X(9)(sp)
	sd	x10, TF_X(10)(sp)
	sd	x11, TF_X(11)(sp)
	sd	x12, TF_X(12)(sp)
	sd	x13, TF_X(13)(sp)
	sd	x14, TF_X(14)(sp)
	sd	x15, TF_X(15)(sp)
	sd	x16, TF_X(16)(sp)
	sd	x17, TF_X(17)(sp)
	sd	x18, TF_X(18)(sp)
	sd	x19, TF_X(19)(sp)
	sd	x20, TF_X(20)(sp)
	sd	x21, TF_X(21)(sp)
	sd	x22, TF_X(22)(sp)
	sd	x23, TF_X(23)(sp)
	sd	x24, TF_X(24)(sp)
	sd	x25, TF_X(25)(sp)
	sd	x26, TF_X(26)(sp)
	sd	x27, TF_X(27)(sp)
	sd	x28, TF_X(28)(sp)
	sd	x29, TF_X(29)(sp)
	sd	x30, TF_X(30)(sp)
	sd	x31, TF_X(31)(sp)
	addi	t0, sp, TF_SIZE
	sd	t0, TF_X(2)(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)

	mv	a0, sp
	call	trap_from_popek

	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	ld	x1, TF_X(1)(sp)
	ld	x3, TF_X(3)(sp)
	ld	x4, TF_X(4)(sp)
	ld	x5, TF_X(5)(sp)
	ld	x6, TF_X(6)(sp)
	ld	x7, TF_X(7)(sp)
	ld	x8, TF_X(8)(sp)
	ld	x9, TF_X(9)(sp)
	ld	x10, TF_X(10)(sp)
	ld	x11, TF_X(11)(sp)
	ld	x12, TF_X(12)(sp)
	ld	x13, TF_X(13)(sp)
	ld	x14, TF_X(14)(sp)
	ld	x15, TF_X(15)(sp)
	ld	x16, TF_X(16)(sp)
	ld	x17, TF_X(17)(sp)
	ld	x18, TF_X(18)(sp)
	ld	x19, TF_X(19)(sp)
	ld	x20, TF_X(20)(sp)
	ld	x21, TF_X(21)(sp)
	ld	x22, TF_X(22)(sp)
	ld	x23, TF_X(23)(sp)
	ld	x24, TF_X(24)(sp)
	ld	x25, TF_X(25)(sp)
	ld	x26, TF_X(26)(sp)
	ld	x27, TF_X(27)(sp)
	ld	x28, TF_X(28)(sp)
	ld	x29, TF_X(29)(sp)
	ld	x30, TF_X(30)(sp)
	ld	x31, TF_X(31)(sp)
	addi	sp, sp, TF_SIZE
	sret

/*
 * EXPRESS_NONE_PENDING: to .Lsave_rest when an interrupt is pending and
 * enabled (mip | the SEIP line, & mie): the fast lane decides whether it is
 * deliverable, and delivers it.  Clobbers t3-t4.
 */
.macro EXPRESS_NONE_PENDING
	ld	t4, VCPU_MIP(sp)
	lbu	t3, VCPU_SEIP_LINE(sp)
	slli	t3, t3, 9		/* IRQ_S_EXT */
	or	t4, t4, t3
	ld	t3, VCPU_MIE(sp)
	and	t4, t4, t3
	bnez	t4, .Lsave_rest
.endm

.macro EXPRESS_PEEK miss
	srli	t5, t6, 12		/* t5: its page */
	ld	t4, VCPU_SATP(sp)
	xor	t3, t5, t4
	andi	t3, t3, VCPU_FETCH_CACHE - 1
	slli	t2, t3, 5
	slli	t3, t3, 3
	add	t3, t3, t2		/* x 40: sizeof(struct fetch_cache_entry) */
	add	t3, t3, sp
	ld	t2, VCPU_FETCH_CACHE_AT + FETCH_VA(t3)
	bne	t2, t5, \miss
	ld	t2, VCPU_FETCH_CACHE_AT + FETCH_SATP(t3)
	bne	t2, t4, \miss
	ld	t2, VCPU_FETCH_CACHE_AT + FETCH_GEN(t3)
	addi	t4, sp, 2047
	ld	t4, VCPU_SHADOW_LOST - 2047(t4)
	bne	t2, t4, \miss
	ld	t4, VCPU_MSTATUS(sp)
	li	t2, EXPRESS_VIEW_BITS
	and	t4, t4, t2
	ori	t4, t4, 1		/* VMODE_S */
	ld	t2, VCPU_FETCH_CACHE_AT + FETCH_VIEW(t3)
	bne	t2, t4, \miss
	ld	t2, VCPU_FETCH_CACHE_AT + FETCH_HOST(t3)
	beqz	t2, \miss
	slli	t4, t6, 52
	srli	t4, t4, 52		/* its offset in the page */
	li	t3, 4096 - 3
	bgeu	t4, t3, .Lx_count	/* it would end on the next page */
	add	t2, t2, t4
	lhu	t0, 0(t2)
	lhu	t1, 2(t2)
	slli	t1, t1, 16
	or	t0, t0, t1		/* t0: the next instruction */
	andi	t1, t0, 0x7f
	addi	t1, t1, -0x73		/* SYSTEM */
	bnez	t1, .Lx_count
	srli	t1, t0, 12
	andi	t1, t1, 3
	beqz	t1, .Lx_count		/* not Zicsr */
	srli	t2, t0, 20
	addi	t2, t2, -0x140
	sltiu	t2, t2, 4
	beqz	t2, .Lx_count		/* not sscratch, sepc, scause or stval */
	j	trap_express_ahead
.endm

/*
 * A trap from the guest: sp = the vCPU, sscratch = the guest's sp.  t0-t6
 * first, which the express lane works in; then, unless it finishes the
 * trap, everything else, sscratch 0 again, and a return from vcpu_enter().
 */
.Lfrom_guest:
	sd	t0, VCPU_X(5)(sp)
	sd	t1, VCPU_X(6)(sp)
	sd	t2, VCPU_X(7)(sp)
	sd	t3, VCPU_X(28)(sp)
	sd	t4, VCPU_X(29)(sp)
	sd	t5, VCPU_X(30)(sp)
	sd	t6, VCPU_X(31)(sp)
	/*
	 * The express lane: a CSR access from vS of sstatus that changes no
	 * more than SIE, SPIE and SPP (Linux's interrupt toggles, two million
	 * traps in its bench workload), or of sscratch, sepc, scause, stval or
	 * scounteren (a context switch's, which changes nothing real in vS),
	 * done here as vcsr_fast() and vcsr.c do it, with no other register
	 * saved and no call.  Anything else goes on, untouched, to the fast lane, which
	 * is also where an access that enables an interrupt with one pending
	 * goes (the lane then delivers it), and where all go while the VM's
	 * fast lane is off (trace, watches).  What follows the access it
	 * emulates too only when that is another access of sscratch, sepc,
	 * scause or stval, found through the fetch cache (.Lpeek below);
	 * anything else traps as usual.
	 */
	csrr	t0, sepc
	sd	t0, VCPU_PC(sp)		/* the lanes' pc, until the exit writes sepc */
	csrr	t0, scause
	sb	t0, VCPU_LANE_CAUSE(sp)	/* for .Lx_count: each CSR access costs QEMU a lookup */
	addi	t0, t0, -2		/* CAUSE_ILLEGAL_INSN */
	bnez	t0, .Lx_ecall
	csrr	t0, stval		/* t0: the instruction, or 0 */
.Lx_decode:
	andi	t1, t0, 0x7f
	addi	t1, t1, -0x73		/* SYSTEM */
	bnez	t1, .Lsave_rest
	srli	t1, t0, 12
	andi	t1, t1, 3		/* t1: funct3's op, 1 RW, 2 RS, 3 RC; 0 not Zicsr */
	beqz	t1, .Lx_sret
	srli	t2, t0, 20
	addi	t2, t2, -0x100		/* t2: 0 sstatus, 1-4 sscratch, sepc, scause, stval */
	beqz	t2, 1f
	addi	t3, t2, -6		/* 6: scounteren, which follows satp in struct vcsr */
	beqz	t3, 1f
	addi	t2, t2, -0x3f
	addi	t3, t2, -1
	sltiu	t3, t3, 4
	beqz	t3, .Lsave_rest
1:	lw	t3, VCPU_MODE(sp)
	addi	t3, t3, -1		/* VMODE_S */
	bnez	t3, .Lsave_rest
	lbu	t3, VCPU_IRQ_STALE(sp)
	bnez	t3, .Lsave_rest
	ld	t3, VCPU_VM(sp)
	lbu	t3, VM_FAST_OFF(t3)
	bnez	t3, .Lsave_rest
	/* t4: whether it writes (RW, or rs1/uimm not 0); t3: the operand */
	srli	t3, t0, 15
	andi	t3, t3, 31
	addi	t4, t1, -1
	seqz	t4, t4
	or	t4, t4, t3
	srli	t5, t0, 12
	andi	t5, t5, 4		/* funct3 bit 2: uimm */
	bnez	t5, .Lread_done
	slli	t5, t3, 3
	lla	t6, .Lxread
	add	t6, t6, t5
	jr	t6
.Lread_done:
	bnez	t2, .Lx_field
	/* sstatus: the guest may have dirtied its FP state (trap_fast()) */
	ld	t2, VCPU_MSTATUS(sp)
	csrr	t5, sstatus
	li	t6, 0x6000		/* SSTATUS_FS */
	and	t5, t5, t6
	bne	t5, t6, 2f
	or	t2, t2, t6
	sd	t2, VCPU_MSTATUS(sp)
2:	/* t5: what the guest reads (vcsr_sstatus_read()) */
	li	t6, 0xc6122		/* SSTATUS_WRITABLE */
	and	t5, t2, t6
	li	t6, 1
	slli	t6, t6, 33		/* UXL = 64 */
	or	t5, t5, t6
	srli	t6, t2, 13
	andi	t6, t6, 3
	addi	t6, t6, -3
	seqz	t6, t6
	slli	t6, t6, 63		/* SD: FS is Dirty */
	or	t5, t5, t6
	beqz	t4, .Lx_done
	addi	t4, t1, -2
	mv	t6, t3			/* RW */
	bltz	t4, 3f
	or	t6, t5, t3		/* RS */
	beqz	t4, 3f
	not	t6, t3
	and	t6, t5, t6		/* RC */
3:	xor	t6, t6, t2
	li	t4, 0xc6122
	and	t6, t6, t4		/* t6: the stored bits it changes */
	li	t4, 0xc6000		/* FS, SUM, MXR: the view or FP changes, the lane's */
	and	t4, t6, t4
	bnez	t4, .Lsave_rest
	xor	t2, t2, t6		/* t2: mstatus after it */
	andi	t4, t6, 2		/* SIE changes: with one enabled and pending, the lane's */
	beqz	t4, 4f
	EXPRESS_NONE_PENDING
4:	sd	t2, VCPU_MSTATUS(sp)
	j	.Lx_done
.Lx_field:
	slli	t6, t2, 3
	add	t6, t6, sp
	ld	t5, VCPU_SSCRATCH - 8(t6)
	beqz	t4, .Lx_done
	addi	t4, t1, -2
	bltz	t4, 5f			/* RW: the operand */
	bnez	t4, 6f
	or	t3, t5, t3		/* RS */
	j	5f
6:	not	t3, t3
	and	t3, t5, t3		/* RC */
5:	addi	t2, t2, -2
	bnez	t2, 8f
	andi	t3, t3, -2		/* sepc: bit 0 is always 0 (IALIGN = 16) */
8:	sd	t3, VCPU_SSCRATCH - 8(t6)	/* scounteren: all 64 bits, as the board keeps them */
.Lx_done:
	/* rd = t5 (.Lxwrite), pc past the access, the trap counted as the lane counts it */
	srli	t3, t0, 7
	andi	t3, t3, 31
	beqz	t3, .Lwrote
	slli	t3, t3, 3
	lla	t6, .Lxwrite
	add	t6, t6, t3
	jr	t6
.Lwrote:
	/* Named for bench/insn-count.c: a CSR access the express lane emulated. */
	.globl	trap_express_csr
trap_express_csr:
	ld	t6, VCPU_STAT_CSR(sp)
	addi	t6, t6, 1
	sd	t6, VCPU_STAT_CSR(sp)
	ld	t6, VCPU_PC(sp)
	addi	t6, t6, 4
	sd	t6, VCPU_PC(sp)
.Lpeek:
	/*
	 * .Lpeek: the next instruction (t6: its pc), when the fetch cache's
	 * first way holds its page (emulate.c cache_holds(): page, guest satp,
	 * the shadow's generation, the view's key) and it lies whole on that
	 * page.  When it is a Zicsr access of sscratch, sepc, scause or stval,
	 * which passes every check above (vS, nothing stale, the lane on: none
	 * of that changed), it is carried out now, as emulate_ahead() would,
	 * and counted as emulated ahead.  Its page came from the shadow's leaf
	 * for execution in this view, as the hart's fetch would.  On a miss,
	 * .Lx_fill asks emulate.c once to find the page and remember it.
	 */
	EXPRESS_PEEK .Lx_fill
.Lpeek_filled:
	EXPRESS_PEEK .Lx_count
	/* Named for bench/insn-count.c: a CSR access the express lane emulated ahead. */
	.globl	trap_express_ahead
trap_express_ahead:
	ld	t6, VCPU_STAT_AHEAD(sp)
	addi	t6, t6, 1
	sd	t6, VCPU_STAT_AHEAD(sp)
	j	.Lx_decode
.Lx_count:
	/*
	 * The trap counted by its cause as trap_from_guest() counts one; then
	 * a new view's satp (the lanes below), the last page popek touches
	 * before the guest's registers: the flush it costs QEMU leaves only
	 * this code's page and the vCPU's to refill.
	 */
	.globl	trap_express_counted
trap_express_counted:
	ld	t6, VCPU_STAT_TRAPS(sp)
	addi	t6, t6, 1
	sd	t6, VCPU_STAT_TRAPS(sp)
	lbu	t6, VCPU_LANE_CAUSE(sp)
	slli	t6, t6, 3
	add	t6, t6, sp
	ld	t5, VCPU_STAT_BY_CAUSE(t6)
	addi	t5, t5, 1
	sd	t5, VCPU_STAT_BY_CAUSE(t6)
	ld	t6, VCPU_PC(sp)
	csrw	sepc, t6
	ld	t6, VCPU_ENTER_SATP(sp)
	beqz	t6, 1f
	sd	zero, VCPU_ENTER_SATP(sp)
	csrw	satp, t6
1:	ld	t0, VCPU_X(5)(sp)
	ld	t1, VCPU_X(6)(sp)
	ld	t2, VCPU_X(7)(sp)
	ld	t3, VCPU_X(28)(sp)
	ld	t4, VCPU_X(29)(sp)
	ld	t5, VCPU_X(30)(sp)
	ld	t6, VCPU_X(31)(sp)
	csrrw	sp, sscratch, sp	/* the guest's sp (rd may have been sp), sscratch = v */
	j	vcpu_enter_sret

/*
 * The two lanes that change the guest's mode, as the fast lane's
 * trap_fast_ecall() and sret do, when nothing else is involved: the
 * lane on (no trace, no watches), nothing stale, no interrupt pending and
 * enabled (vU takes every one at once; the fast lane delivers it), the
 * new view's real satp cached in the vCPU (vcpu_view_satp()), and views
 * with ASIDs of their own (no fence after the satp write).  Anything
 * else goes on, untouched, to the fast lane.
 *
 * EXPRESS_LANE_ON: to .Lsave_rest unless the lane is on and nothing is
 * stale or pending-and-enabled.  Clobbers t3-t4.
 */
.macro EXPRESS_LANE_ON
	lbu	t3, VCPU_IRQ_STALE(sp)
	bnez	t3, .Lsave_rest
	lbu	t3, VCPU_OWN_ASIDS(sp)
	beqz	t3, .Lsave_rest
	ld	t3, VCPU_VM(sp)
	lbu	t3, VM_FAST_OFF(t3)
	bnez	t3, .Lsave_rest
	EXPRESS_NONE_PENDING
.endm
/*
 * EXPRESS_VIEW_SATP: t4 = the cached real satp of view t3 (enum
 * shadow_view), or to .Lsave_rest when the cache is stale
 * (vcpu_view_satp()).  Clobbers t5-t6.
 */
.macro EXPRESS_VIEW_SATP
	addi	t6, sp, 2047
	ld	t4, VCPU_VIEW_CLOCK - 2047(t6)
	ld	t5, VCPU_SHADOW_CLOCK - 2047(t6)
	bne	t4, t5, .Lsave_rest
	ld	t4, VCPU_VIEW_LOST - 2047(t6)
	ld	t5, VCPU_SHADOW_LOST - 2047(t6)
	bne	t4, t5, .Lsave_rest
	lw	t4, VCPU_VIEW_VALID - 2047(t6)
	srl	t4, t4, t3
	andi	t4, t4, 1
	beqz	t4, .Lsave_rest
	slli	t4, t3, 3
	add	t4, t4, t6
	ld	t4, VCPU_VIEW_SATP - 2047(t4)
.endm
/*
 * EXPRESS_LOAD: the real scounteren and satp for the new mode, as
 * vcpu_load_view() would have them, without reading either (a CSR access
 * costs QEMU a return to its main loop): the hardware holds the old mode's.
 * scounteren: all counters in vS without vM, else mcounteren; in vU, and
 * scounteren; never `time` on a virtual clock; written when vU's and vS's
 * differ.  satp: t4, left for the exit, unless the view is VIEW_BARE (t3),
 * which both modes share; paged views are trees of their own.  Clobbers t5,
 * t6.
 */
.macro EXPRESS_LOAD to_u
	li	t6, -1
	srli	t6, t6, 32
	lbu	t5, VCPU_HAS_M(sp)
	beqz	t5, 1f
	ld	t6, VCPU_MCOUNTEREN(sp)
1:	lbu	t5, VCPU_CLOCK_VIRTUAL(sp)
	beqz	t5, 2f
	andi	t6, t6, -3		/* SCOUNTEREN_TM */
2:	ld	t5, VCPU_SCOUNTEREN(sp)
	not	t5, t5
	and	t5, t5, t6
	beqz	t5, 3f			/* vU's are vS's */
.if \to_u
	ld	t5, VCPU_SCOUNTEREN(sp)
	and	t6, t6, t5
.endif
	csrw	scounteren, t6
3:	beqz	t3, 4f			/* VIEW_BARE */
	sd	t4, VCPU_ENTER_SATP(sp)
	ld	t5, VCPU_STAT_SATP_WRITES(sp)
	addi	t5, t5, 1
	sd	t5, VCPU_STAT_SATP_WRITES(sp)
4:
.endm

/*
 * sret from vS to vU (SPP = 0; with vM, TSR clear), emulate.c
 * emulate_xret(): SIE = SPIE, SPIE = 1, MPRV = 0, the pc = sepc.  vU
 * executes nothing sensitive, so nothing is emulated after it.
 */
.Lx_sret:
	li	t1, 0x10200073		/* sret */
	bne	t0, t1, .Lsave_rest
	lw	t1, VCPU_MODE(sp)
	addi	t1, t1, -1		/* VMODE_S */
	bnez	t1, .Lsave_rest
	ld	t2, VCPU_MSTATUS(sp)
	li	t1, 0x400100		/* TSR, SPP */
	and	t1, t2, t1
	bnez	t1, .Lsave_rest
	EXPRESS_LANE_ON
	ld	t3, VCPU_SATP(sp)
	srli	t3, t3, 60
	snez	t3, t3			/* VIEW_U, or VIEW_BARE when satp is Bare */
	EXPRESS_VIEW_SATP
	andi	t5, t2, 0x20		/* SPIE */
	srli	t5, t5, 4
	andi	t2, t2, -3		/* SIE = SPIE */
	or	t2, t2, t5
	ori	t2, t2, 0x20		/* SPIE = 1 */
	li	t5, 1
	slli	t5, t5, 17
	not	t5, t5
	and	t2, t2, t5		/* MPRV = 0 */
	sd	t2, VCPU_MSTATUS(sp)
	sw	zero, VCPU_MODE(sp)	/* VMODE_U */
	ld	t5, VCPU_SEPC(sp)
	sd	t5, VCPU_PC(sp)
	sd	zero, VCPU_FAULT_LOOP(sp)	/* it returned from a trap: progress */
	ld	t5, VCPU_STAT_SRET(sp)
	addi	t5, t5, 1
	sd	t5, VCPU_STAT_SRET(sp)
	EXPRESS_LOAD 1
	j	.Lx_count

/*
 * A system call: ecall from vU, which goes to vS (no vM, or medeleg
 * delegates it), trap.c reflect() and inject.c vcpu_inject_trap(); then
 * the handler's first instruction through .Lpeek, as the fast lane
 * emulates it ahead, when it is an access of sscratch (both Linux's and
 * the teaching kernel's are).  t0 = scause - 2.
 */
.Lx_ecall:
	addi	t0, t0, -6		/* CAUSE_ECALL_U */
	bnez	t0, .Lsave_rest
	lw	t1, VCPU_MODE(sp)
	bnez	t1, .Lsave_rest		/* VMODE_U */
	lbu	t1, VCPU_HAS_M(sp)
	beqz	t1, 1f
	ld	t1, VCPU_MEDELEG(sp)
	andi	t1, t1, 0x100
	beqz	t1, .Lsave_rest		/* to vM */
1:	ld	t1, VCPU_FAULT_LOOP(sp)
	li	t2, WEDGED_AFTER - 1
	bgeu	t1, t2, .Lsave_rest	/* the full path stops a wedged VM */
	EXPRESS_LANE_ON
	ld	t2, VCPU_MSTATUS(sp)
	andi	t5, t2, 2		/* SIE */
	slli	t5, t5, 4
	andi	t2, t2, ~0x122		/* SPP = 0 (from vU), SIE = 0 */
	or	t2, t2, t5		/* SPIE = SIE */
	ld	t3, VCPU_SATP(sp)
	srli	t3, t3, 60
	beqz	t3, 2f			/* VIEW_BARE */
	srli	t3, t2, 18
	andi	t3, t3, 1
	addi	t3, t3, 2		/* VIEW_S, or VIEW_S_SUM with SUM */
2:	EXPRESS_VIEW_SATP
	sd	t2, VCPU_MSTATUS(sp)
	li	t5, 1
	sw	t5, VCPU_MODE(sp)	/* VMODE_S */
	ld	t5, VCPU_PC(sp)
	sd	t5, VCPU_SEPC(sp)
	li	t5, 8
	sd	t5, VCPU_SCAUSE(sp)
	sd	zero, VCPU_STVAL(sp)
	ld	t5, VCPU_FAULT_LOOP(sp)
	addi	t5, t5, 1
	sd	t5, VCPU_FAULT_LOOP(sp)
	ld	t5, VCPU_STAT_REFLECTED(sp)
	addi	t5, t5, 1
	sd	t5, VCPU_STAT_REFLECTED(sp)
	EXPRESS_LOAD 0
	/* Named for bench/insn-count.c: a system call the express lane reflected. */
	.globl	trap_express_reflect
trap_express_reflect:
	ld	t6, VCPU_STVEC(sp)
	andi	t6, t6, -4		/* an exception goes to the base */
	sd	t6, VCPU_PC(sp)
	j	.Lpeek

/*
 * .Lpeek missed the fetch cache: emulate.c express_fetch_fill(v, pc) finds
 * the page through the shadow as it is and remembers it, on popek's
 * stack with sscratch 0 as for any call, the registers C may change kept
 * in the vCPU (t0-t6 are there already).  Then the peek once more, which
 * goes to .Lx_count whatever it finds.
 */
.Lx_fill:
	sd	ra, VCPU_X(1)(sp)
	sd	a0, VCPU_X(10)(sp)
	sd	a1, VCPU_X(11)(sp)
	sd	a2, VCPU_X(12)(sp)
	sd	a3, VCPU_X(13)(sp)
	sd	a4, VCPU_X(14)(sp)
	sd	a5, VCPU_X(15)(sp)
	sd	a6, VCPU_X(16)(sp)
	sd	a7, VCPU_X(17)(sp)
	csrr	t0, sscratch
	sd	t0, VCPU_X(2)(sp)
	csrw	sscratch, zero
	mv	a0, sp
	mv	a1, t6
	ld	sp, VCPU_POPEK_SP(a0)
	addi	sp, sp, -16
	sd	a0, 0(sp)
	call	express_fetch_fill
	mv	t1, a0
	ld	sp, 0(sp)
	ld	t0, VCPU_X(2)(sp)
	csrw	sscratch, t0
	ld	ra, VCPU_X(1)(sp)
	ld	a0, VCPU_X(10)(sp)
	ld	a1, VCPU_X(11)(sp)
	ld	a2, VCPU_X(12)(sp)
	ld	a3, VCPU_X(13)(sp)
	ld	a4, VCPU_X(14)(sp)
	ld	a5, VCPU_X(15)(sp)
	ld	a6, VCPU_X(16)(sp)
	ld	a7, VCPU_X(17)(sp)
	beqz	t1, .Lx_count		/* no page to find */
	ld	t6, VCPU_PC(sp)
	j	.Lpeek_filled

/*
 * The express lane's register file by number: t3 = x[i] (.Lxread), x[i] =
 * t5 (.Lxwrite), 8 bytes an entry.  sp is the guest's in sscratch; t0-t6
 * wait in the vCPU.
 */
#define EXPRESS_IN_VCPU(i) (((i) >= 5 && (i) <= 7) || (i) >= 28)
.macro XREAD i
.if \i == 0
	li	t3, 0
.elseif \i == 2
	csrr	t3, sscratch
.elseif EXPRESS_IN_VCPU(\i)
	ld	t3, VCPU_X(\i)(sp)
.else
	mv	t3, x\i
.endif
	j	.Lread_done
.endm
.macro XWRITE i
.if \i == 0
	j	.Lwrote
.elseif \i == 2
	csrw	sscratch, t5
.elseif EXPRESS_IN_VCPU(\i)
	sd	t5, VCPU_X(\i)(sp)
.else
	mv	x\i, t5
.endif
.if \i != 0
	j	.Lwrote
.else
	nop
.endif
.endm
	.option	push
	.option	norvc
	.option	norelax
.Lxread:
	.irp	i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	XREAD	\i
	.endr
	.org	.Lxread + 32 * 8		/* each entry 8 bytes: none longer (rvc is off) */
.Lxwrite:
	.irp	i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	XWRITE	\i
	.endr
	.org	.Lxwrite + 32 * 8		/* each entry 8 bytes: none longer (rvc is off) */
	.option	pop

.Lsave_rest:
	sd	x1, VCPU_X(1)(sp)
	sd	x3, VCPU_X(3)(sp)
	sd	x4, VCPU_X(4)(sp)
	sd	x8, VCPU_X(8)(sp)
	sd	x9, VCPU_X(9)(sp)
	sd	x10, VCPU_X(10)(sp)
	sd	x11, VCPU_X(11)(sp)
	sd	x12, VCPU_X(12)(sp)
	sd	x13, VCPU_X(13)(sp)
	sd	x14, VCPU_X(14)(sp)
	sd	x15, VCPU_X(15)(sp)
	sd	x16, VCPU_X(16)(sp)
	sd	x17, VCPU_X(17)(sp)
	sd	x18, VCPU_X(18)(sp)
	sd	x19, VCPU_X(19)(sp)
	sd	x20, VCPU_X(20)(sp)
	sd	x21, VCPU_X(21)(sp)
	sd	x22, VCPU_X(22)(sp)
	sd	x23, VCPU_X(23)(sp)
	sd	x24, VCPU_X(24)(sp)
	sd	x25, VCPU_X(25)(sp)
	sd	x26, VCPU_X(26)(sp)
	sd	x27, VCPU_X(27)(sp)
	csrr	t0, sscratch
	sd	t0, VCPU_X(2)(sp)
	csrw	sscratch, zero		/* the pc is in v->pc already */
	/*
	 * The fast lane: trap_fast(v) on popek's stack, below the registers
	 * vcpu_enter() saved there (s1 is one of them: free until they come
	 * back).  TRAP_REENTER: the guest runs on at once.  trap_fast()
	 * preserved s0 and s2-s11 (psABI): they are the guest's still, unless
	 * popek wrote one in v->x (sregs_written), and only s1, which held v,
	 * is loaded with the registers C may have changed.
	 */
	mv	a0, sp
	ld	sp, VCPU_POPEK_SP(a0)
	mv	s1, a0
	call	trap_fast
	li	t0, VCPU_TRAP_REENTER
	bne	a0, t0, 1f
	mv	a0, s1
	lbu	t0, VCPU_SREGS_WRITTEN(a0)
	bnez	t0, .Lenter_guest
	ld	x9, VCPU_X(9)(a0)
	j	.Lenter_lane
1:	/* vcpu_enter() returns trap_fast()'s answer */
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

/*
 * enum trap_action vcpu_enter(struct vcpu *v): run the guest until a trap
 * the fast lane (trap_fast) does not finish.  popek's callee-saved registers
 * wait on popek's stack; the caller has set up sstatus (SPP = U), satp and
 * the timer.
 */
	.globl vcpu_enter
vcpu_enter:
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
	sd	sp, VCPU_POPEK_SP(a0)
.Lenter_guest:
	/* every register from v->x: first s0-s11, which the lane's re-entry skips */
	sb	zero, VCPU_SREGS_WRITTEN(a0)
	ld	x8, VCPU_X(8)(a0)
	ld	x9, VCPU_X(9)(a0)
	ld	x18, VCPU_X(18)(a0)
	ld	x19, VCPU_X(19)(a0)
	ld	x20, VCPU_X(20)(a0)
	ld	x21, VCPU_X(21)(a0)
	ld	x22, VCPU_X(22)(a0)
	ld	x23, VCPU_X(23)(a0)
	ld	x24, VCPU_X(24)(a0)
	ld	x25, VCPU_X(25)(a0)
	ld	x26, VCPU_X(26)(a0)
	ld	x27, VCPU_X(27)(a0)
.Lenter_lane:
	csrw	sscratch, a0
	ld	t0, VCPU_PC(a0)
	csrw	sepc, t0
	/* a new view: its satp last, so that only the registers' page is refilled after the flush */
	ld	t0, VCPU_ENTER_SATP(a0)
	beqz	t0, 1f
	sd	zero, VCPU_ENTER_SATP(a0)
	csrw	satp, t0
1:	ld	x1, VCPU_X(1)(a0)
	ld	x2, VCPU_X(2)(a0)
	ld	x3, VCPU_X(3)(a0)
	ld	x4, VCPU_X(4)(a0)
	ld	x5, VCPU_X(5)(a0)
	ld	x6, VCPU_X(6)(a0)
	ld	x7, VCPU_X(7)(a0)
	ld	x11, VCPU_X(11)(a0)
	ld	x12, VCPU_X(12)(a0)
	ld	x13, VCPU_X(13)(a0)
	ld	x14, VCPU_X(14)(a0)
	ld	x15, VCPU_X(15)(a0)
	ld	x16, VCPU_X(16)(a0)
	ld	x17, VCPU_X(17)(a0)
	ld	x28, VCPU_X(28)(a0)
	ld	x29, VCPU_X(29)(a0)
	ld	x30, VCPU_X(30)(a0)
	ld	x31, VCPU_X(31)(a0)
	ld	x10, VCPU_X(10)(a0)
	/* Named for bench/insn-count.c: a trap into popek ends here. */
	.globl	vcpu_enter_sret
vcpu_enter_sret:
	sret

	.section .bss
	.p2align 12
	.globl boot_pgtable
boot_pgtable:
	.space	4096
	/* boot_stack and boot_stack_top: hyp.ld places the stack, its top on .data's page */
