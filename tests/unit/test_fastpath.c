/*
 * The trap path's shortcuts (issue 17), on the host VM: emulate_ahead()'s
 * fetch cache must follow the guest's own remapping exactly as far as the
 * hardware would (after its sfence.vma, whatever form), and the fast lane
 * (emulate_fast) must finish only what changes nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/riscv/emulate.h"
#include "arch/riscv/inject.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/trap.h"
#include "hostvm.h"

#define MIB              (1UL << 20)
#define RAM              HOSTVM_RAM_GPA
#define CSRR_A0_SSCRATCH 0x14002573U /* csrrs a0, sscratch, x0 */
#define CSRR_A1_SEPC     0x141025f3U /* csrrs a1, sepc, x0 */
#define CSRR_A2_STVAL    0x14302673U /* csrrs a2, stval, x0 */
#define SFENCE_VMA_A3    0x12068073U /* sfence.vma a3, x0 */
#define CSRW_SSTATUS_A4  0x10071073U /* csrrw x0, sstatus, a4 */
#define NOP              0x00000013U
#define BEQ_SELF         0x00000063U /* beq x0, x0, . */
#define ADDI_A5_A5_1     0x00178793U /* addi a5, a5, 1 */
#define CSRC_SSTATUS_A6  0x10083073U /* csrrc x0, sstatus, a6 */
#define SRET             0x10200073U
#define CSRRW_SP_SSCR    0x14011173U /* csrrw sp, sscratch, sp: a trap vector's first */
#define SD_A0_0_A3       0x00a6b023U /* sd a0, 0(a3) */
#define CODE_VA          0x1000UL
#define DATA_VA          0x2000UL
#define DATA_PAGE        (RAM + 0x12000)
#define PAGE_1           (RAM + 0x10000)
#define PAGE_2           (RAM + 0x11000)

static void put32(uint64_t gpa, uint32_t insn)
{
	memcpy(hostvm_gpa(gpa), &insn, 4);
}

/* vS with Sv39 tables at RAM + 0x3000 mapping CODE_VA to `page`; returns its PTE. */
static uint64_t *vs_paged(struct vcpu **vp, uint64_t page)
{
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t *root = hostvm_gpa(RAM + 0x3000), *l1 = hostvm_gpa(RAM + 0x4000),
	         *l0 = hostvm_gpa(RAM + 0x5000);
	root[0] = ((RAM + 0x4000) >> 12) << 10 | PTE_V;
	l1[0] = ((RAM + 0x5000) >> 12) << 10 | PTE_V;
	l0[1] = (page >> 12) << 10 | PTE_V | PTE_R | PTE_X | PTE_A;
	v->csr.satp = SATP_MODE_SV39 | (RAM + 0x3000) >> 12;
	v->csr.sscratch = 11;
	v->csr.sepc = 22;
	v->csr.stval = 33;
	*vp = v;
	return &l0[1];
}

/* The guest's trap at CODE_VA on its first instruction, as trap.c takes it. */
static void trap_at_code(struct vcpu *v, uint32_t insn)
{
	v->pc = CODE_VA;
	assert_int_equal(emulate_illegal(v, CAUSE_ILLEGAL_INSN, insn), TRAP_RESUME);
	emulate_ahead(v);
}

/*
 * The guest points its code page elsewhere and fences that one page
 * (sfence.vma va, x0: no flush of a whole view is counted).  The next
 * instructions popek emulates ahead come from the new page, as the
 * hardware would fetch them.
 */
static void test_fetch_cache_follows_sfence_of_one_page(void **state)
{
	(void)state;
	struct vcpu *v;
	uint64_t *pte = vs_paged(&v, PAGE_1);
	put32(PAGE_1, CSRR_A0_SSCRATCH);
	put32(PAGE_1 + 4, CSRR_A1_SEPC);
	put32(PAGE_2, CSRR_A0_SSCRATCH);
	put32(PAGE_2 + 4, CSRR_A2_STVAL);
	trap_at_code(v, CSRR_A0_SSCRATCH);
	assert_int_equal(v->x[11], 22); /* emulated ahead from page 1 */
	assert_int_equal(v->pc, CODE_VA + 8);

	*pte = (PAGE_2 >> 12) << 10 | PTE_V | PTE_R | PTE_X | PTE_A;
	v->x[13] = CODE_VA;
	v->pc = 0x5000; /* wherever the fence is: its bits come with the trap */
	assert_int_equal(emulate_illegal(v, CAUSE_ILLEGAL_INSN, SFENCE_VMA_A3), TRAP_RESUME);
	v->x[11] = v->x[12] = 0;
	trap_at_code(v, CSRR_A0_SSCRATCH);
	assert_int_equal(v->x[11], 0);
	assert_int_equal(v->x[12], 33); /* page 2's second instruction */
	assert_int_equal(v->pc, CODE_VA + 8);
}

/* The same through the fast lane: it finishes the trap from the new page. */
static void test_fast_lane_follows_sfence_of_one_page(void **state)
{
	(void)state;
	struct vcpu *v;
	uint64_t *pte = vs_paged(&v, PAGE_1);
	put32(PAGE_1, CSRR_A0_SSCRATCH);
	put32(PAGE_1 + 4, CSRR_A1_SEPC);
	put32(PAGE_1 + 8, NOP);
	put32(PAGE_2, CSRR_A0_SSCRATCH);
	put32(PAGE_2 + 4, CSRR_A2_STVAL);
	put32(PAGE_2 + 8, NOP);
	trap_at_code(v, CSRR_A0_SSCRATCH); /* fills the cache */
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRR_A0_SSCRATCH), EMULATE_FAST_DONE);
	assert_int_equal(v->x[11], 22);

	*pte = (PAGE_2 >> 12) << 10 | PTE_V | PTE_R | PTE_X | PTE_A;
	v->x[13] = CODE_VA;
	assert_int_equal(emulate_illegal(v, CAUSE_ILLEGAL_INSN, SFENCE_VMA_A3), TRAP_RESUME);
	v->x[11] = v->x[12] = 0;
	v->pc = CODE_VA;
	/*
	 * The cache says nothing now: the lane hands over after the first
	 * access, or finishes from page 2 when the fence filled it ahead.
	 */
	enum emulate_fast r = emulate_fast(v, CSRR_A0_SSCRATCH);
	if (r == EMULATE_FAST_AHEAD)
		emulate_ahead(v);
	else
		assert_int_equal(r, EMULATE_FAST_DONE);
	assert_int_equal(v->x[11], 0);
	assert_int_equal(v->x[12], 33);
	assert_int_equal(v->pc, CODE_VA + 8);
}

/*
 * sfence.vma takes the lane where the guest's mode may execute it (vS
 * without TVM, §3.1.6.5): the page it names loses its shadow leaf at once,
 * and the fetch cache follows (the next trap reads the new page).  vU and
 * TVM: the full path's (illegal).
 */
static void test_fast_lane_sfence(void **state)
{
	(void)state;
	struct vcpu *v;
	uint64_t *pte = vs_paged(&v, PAGE_1);
	put32(PAGE_1, CSRR_A0_SSCRATCH);
	put32(PAGE_1 + 4, CSRR_A1_SEPC);
	put32(PAGE_1 + 8, NOP);
	put32(PAGE_2, CSRR_A0_SSCRATCH);
	put32(PAGE_2 + 4, CSRR_A2_STVAL);
	put32(PAGE_2 + 8, NOP);
	trap_at_code(v, CSRR_A0_SSCRATCH); /* fills the shadow and the cache */
	*pte = (PAGE_2 >> 12) << 10 | PTE_V | PTE_R | PTE_X | PTE_A;
	v->x[13] = CODE_VA;
	v->pc = 0x5000;
	v->csr.mstatus |= MSTATUS_TVM;
	assert_int_equal(emulate_fast(v, SFENCE_VMA_A3), EMULATE_FAST_NONE);
	v->mode = VMODE_U;
	v->csr.mstatus &= ~MSTATUS_TVM;
	assert_int_equal(emulate_fast(v, SFENCE_VMA_A3), EMULATE_FAST_NONE);
	assert_int_equal(v->pc, 0x5000);
	assert_int_equal(v->stats.emulated[EMUL_SFENCE], 0);
	v->mode = VMODE_S;
	enum emulate_fast r = emulate_fast(v, SFENCE_VMA_A3);
	assert_true(r == EMULATE_FAST_DONE || r == EMULATE_FAST_AHEAD);
	assert_int_equal(v->pc, 0x5004);
	assert_int_equal(v->stats.emulated[EMUL_SFENCE], 1);
	v->x[11] = v->x[12] = 0;
	v->pc = CODE_VA;
	r = emulate_fast(v, CSRR_A0_SSCRATCH);
	if (r == EMULATE_FAST_AHEAD)
		emulate_ahead(v);
	else
		assert_int_equal(r, EMULATE_FAST_DONE);
	assert_int_equal(v->x[12], 33); /* page 2's second instruction */
	assert_int_equal(v->pc, CODE_VA + 8);
}

/*
 * sstatus writes take the lane only when nothing but SPP, SPIE, SIE and SUM
 * change (MXR or FS need the full path: shadow permissions, FP), say when
 * interrupts on made one deliverable, and when SUM selected the other vS
 * view (LOAD: the caller loads it).
 */
static void test_fast_lane_sstatus_writes(void **state)
{
	(void)state;
	struct vcpu *v;
	vs_paged(&v, PAGE_1);
	put32(PAGE_1, CSRW_SSTATUS_A4);
	put32(PAGE_1 + 4, BEQ_SELF); /* not carried out under SUM (test_fast_lane_sum_window) */
	trap_at_code(v, CSRR_A0_SSCRATCH); /* fills the cache for the page */
	uint64_t before = v->csr.mstatus;
	v->x[14] = before | SSTATUS_SPP | SSTATUS_SPIE;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_DONE);
	assert_int_equal(v->csr.mstatus, before | SSTATUS_SPP | SSTATUS_SPIE);
	/*
	 * SUM on, off, on: the lane, and the view to load is the other one.  The
	 * next instruction is peeked at through the new view: the first time
	 * VIEW_S_SUM has no leaf for the code yet (AHEAD: emulate_ahead() fills
	 * it), then it has.
	 */
	for (int i = 0; i < 3; i++) {
		uint64_t now = v->csr.mstatus;
		enum shadow_view was = shadow_view_of(v);
		v->x[14] = now ^ SSTATUS_SUM;
		v->pc = CODE_VA;
		enum emulate_fast r = emulate_fast(v, CSRW_SSTATUS_A4);
		assert_int_equal(r, i == 0 ? EMULATE_FAST_AHEAD : EMULATE_FAST_LOAD);
		if (r == EMULATE_FAST_AHEAD)
			emulate_ahead(v);
		assert_int_equal(v->csr.mstatus, now ^ SSTATUS_SUM);
		assert_int_equal(v->pc, CODE_VA + 4);
		assert_int_equal(shadow_view_of(v), was == VIEW_S ? VIEW_S_SUM : VIEW_S);
	}
	/* MXR: the full path's (the shadow's permissions) */
	uint64_t now = v->csr.mstatus;
	v->x[14] = now ^ SSTATUS_MXR;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_NONE);
	assert_int_equal(v->csr.mstatus, now);
	assert_int_equal(v->pc, CODE_VA);
	/* FS off and on again (Linux's trap entry and return): LOAD, the real FS follows */
	for (int i = 0; i < 2; i++) {
		v->x[14] = now & ~SSTATUS_FS;
		if (i)
			v->x[14] |= SSTATUS_FS & (1UL << 13); /* Initial */
		v->pc = CODE_VA;
		assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_LOAD);
		assert_int_equal(v->csr.mstatus, v->x[14]);
		assert_int_equal(v->pc, CODE_VA + 4);
	}
	/* SIE: interrupts on with none pending, off, then on with one pending. */
	v->csr.mstatus &= ~SSTATUS_SIE;
	v->x[14] = v->csr.mstatus | SSTATUS_SIE;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_DONE);
	v->x[14] = v->csr.mstatus & ~SSTATUS_SIE;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_DONE);
	v->csr.mie = v->csr.mip = 1UL << IRQ_S_TIMER;
	v->x[14] = v->csr.mstatus | SSTATUS_SIE;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_IRQ);
	assert_int_equal(v->pc, CODE_VA + 4); /* done: the interrupt comes after it */
	/* the vPLIC's line alone pending (mip's stored bits clear): the same */
	v->csr.mip = 0;
	v->csr.mie = 1UL << IRQ_S_EXT;
	v->csr.seip_line = true;
	v->csr.mstatus &= ~SSTATUS_SIE;
	v->x[14] = v->csr.mstatus | SSTATUS_SIE;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_IRQ);
	v->csr.seip_line = false;
	/* And nothing in vU: its CSR accesses are for vcsr_rmw's rules. */
	v->mode = VMODE_U;
	v->x[14] = v->csr.mstatus;
	assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_NONE);
}

#define CSRR_S1_SSCRATCH 0x140024f3U /* csrrs s1, sscratch, x0 */

/*
 * The lane's re-entry (entry.S) loads s0-s11 only when popek wrote one of
 * them: a CSR read into s1 says so, one into a0 does not.
 */
static void test_fast_lane_sregs_written(void **state)
{
	(void)state;
	struct vcpu *v;
	vs_paged(&v, PAGE_1);
	put32(PAGE_1, CSRR_A0_SSCRATCH);
	put32(PAGE_1 + 4, NOP);
	trap_at_code(v, CSRR_A0_SSCRATCH); /* fills the cache for the page */
	v->sregs_written = false;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRR_A0_SSCRATCH), EMULATE_FAST_DONE);
	assert_int_equal(v->x[10], 11);
	assert_false(v->sregs_written);
	put32(PAGE_1, CSRR_S1_SSCRATCH);
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRR_S1_SSCRATCH), EMULATE_FAST_DONE);
	assert_int_equal(v->x[9], 11);
	assert_true(v->sregs_written);
}

/*
 * sret takes the lane (EMULATE_FAST_VIEW) where vS may execute it, and
 * leaves the vCPU as the full path does; with TSR, or from vU, it does not.
 */
/*
 * A user access's window under SUM (Linux's put_user): csrw sstatus (SUM
 * on), addi, sd to a U page, csrc sstatus (SUM off).  Once the SUM view has
 * the code's leaf and a leaf allowing the store, the lane carries the whole
 * window out and the view to load is VIEW_S again: no satp change.  The
 * lane fills nothing: the first time, emulate_ahead() does (as the fetch
 * would) and carries the window out.  Where the store has no such leaf (D
 * clear, or a non-canonical address), it stops there and the guest goes on
 * in VIEW_S_SUM, to store (and fault) itself.
 */
static void test_fast_lane_sum_window(void **state)
{
	(void)state;
	struct vcpu *v;
	uint64_t *pte = vs_paged(&v, PAGE_1);
	pte[1] = (DATA_PAGE >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D;
	put32(PAGE_1, CSRW_SSTATUS_A4);
	put32(PAGE_1 + 4, ADDI_A5_A5_1);
	put32(PAGE_1 + 8, SD_A0_0_A3);
	put32(PAGE_1 + 12, CSRC_SSTATUS_A6);
	put32(PAGE_1 + 16, BEQ_SELF);
	trap_at_code(v, CSRR_A0_SSCRATCH); /* VIEW_S's leaf for the code */
	v->x[13] = DATA_VA;
	v->x[16] = SSTATUS_SUM;
	for (int round = 0; round < 5; round++) {
		if (round == 3) /* non-canonical: the hardware faults, no alias of DATA_VA's leaf */
			v->x[13] = DATA_VA | 1UL << 50;
		if (round == 4) { /* the U page not dirty: no leaf allows the store */
			v->x[13] = DATA_VA;
			pte[1] &= ~PTE_D;
			shadow_fence(v, false, DATA_VA, 1, true, 0);
		}
		v->csr.mstatus &= ~SSTATUS_SUM;
		v->x[14] = v->csr.mstatus | SSTATUS_SUM;
		v->x[10] = 0x1234 + (uint64_t)round;
		v->x[15] = 100;
		v->pc = CODE_VA;
		enum emulate_fast r = emulate_fast(v, CSRW_SSTATUS_A4);
		if (round == 0) { /* VIEW_S_SUM has no leaf for the code: the lane fills nothing */
			assert_int_equal(r, EMULATE_FAST_AHEAD);
			emulate_ahead(v); /* trap_fast's next step: it fills, as the fetch would */
		} else {
			assert_int_equal(r, EMULATE_FAST_LOAD);
		}
		assert_int_equal(v->x[15], 101);
		uint64_t stored;
		memcpy(&stored, hostvm_gpa(DATA_PAGE), 8);
		if (round >= 3) {
			assert_int_equal(v->pc, CODE_VA + 8);
			assert_int_equal(shadow_view_of(v), VIEW_S_SUM);
			assert_int_equal(stored, 0x1234 + 2);
			continue;
		}
		assert_int_equal(v->pc, CODE_VA + 16); /* the whole window, the csrc included */
		assert_int_equal(shadow_view_of(v), VIEW_S);
		assert_int_equal(stored, 0x1234 + (uint64_t)round);
	}
}

static void put16(uint64_t gpa, uint16_t insn)
{
	memcpy(hostvm_gpa(gpa), &insn, 2);
}

/*
 * Linux's copy to and from user memory under SUM, its byte loop (6.1
 * __asm_copy_from_user, what a 64-byte copy takes): csrs sstatus; add;
 * bgeu; lb, c.addi, sb, c.addi, bltu back; csrc sstatus.  The window runs
 * in popek, loop and all (the SUM view's leaves for both buffers came with
 * the code's, filled around it); a page without one stops it at that
 * access, and a long copy at the loop's start, each with the registers the
 * hardware would have there.
 */
#define SRC_VA 0x3000UL
static void test_fast_lane_sum_copy_loop(void **state)
{
	(void)state;
	struct vcpu *v;
	uint64_t *pte = vs_paged(&v, PAGE_1);
	pte[1] = (DATA_PAGE >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D;
	pte[2] = (PAGE_2 >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D; /* the kernel's */
	put32(PAGE_1, 0x100fa073U);      /* csrs sstatus, t6 */
	put32(PAGE_1 + 4, 0x00c502b3U);  /* add t0, a0, a2 */
	put32(PAGE_1 + 8, 0x00557a63U);  /* bgeu a0, t0, +20 */
	put32(PAGE_1 + 12, 0x00058783U); /* lb a5, 0(a1) */
	put16(PAGE_1 + 16, 0x0585);      /* c.addi a1, 1 */
	put32(PAGE_1 + 18, 0x00f50023U); /* sb a5, 0(a0) */
	put16(PAGE_1 + 22, 0x0505);      /* c.addi a0, 1 */
	put32(PAGE_1 + 24, 0xfe556ae3U); /* bltu a0, t0, -12 */
	put32(PAGE_1 + 28, 0x100fb073U); /* csrc sstatus, t6 */
	put32(PAGE_1 + 32, BEQ_SELF);
	uint8_t *src = hostvm_gpa(PAGE_2), *dst = hostvm_gpa(DATA_PAGE);
	for (int i = 0; i < 4096; i++)
		src[i] = (uint8_t)(i * 7 + 0x80);
	trap_at_code(v, CSRR_A0_SSCRATCH); /* VIEW_S's leaf for the code */
	struct {
		uint64_t from, to, len, stop_pc, done;
	} rounds[] = {
	    {SRC_VA + 5, DATA_VA + 8, 64, CODE_VA + 32, 64},         /* the whole window */
	    {SRC_VA + 0xff0, DATA_VA + 0x100, 64, CODE_VA + 12, 16}, /* 0x4000: no page */
	    {SRC_VA, DATA_VA, 1000, CODE_VA + 12, 410},              /* 2048 instructions: stops */
	    {SRC_VA + 9, DATA_VA + 3, 0, CODE_VA + 32, 0},           /* nothing to copy */
	};
	for (unsigned r = 0; r < sizeof(rounds) / sizeof(rounds[0]); r++) {
		memset(dst, 0, 4096);
		v->csr.mstatus &= ~SSTATUS_SUM;
		v->x[31] = SSTATUS_SUM;
		v->x[10] = rounds[r].to;
		v->x[11] = rounds[r].from;
		v->x[12] = rounds[r].len;
		v->x[15] = 0x55;
		v->pc = CODE_VA;
		/* the lane fills nothing; trap_fast's emulate_ahead() does, as the accesses would */
		if (emulate_fast(v, 0x100fa073U) == EMULATE_FAST_AHEAD)
			emulate_ahead(v);
		/* a long copy: the first round by steps, then 409 rounds of 5 in 2048 */
		uint64_t done = rounds[r].done;
		assert_int_equal(v->pc, rounds[r].stop_pc);
		assert_int_equal(v->x[10], rounds[r].to + done);
		assert_int_equal(v->x[11], rounds[r].from + done);
		if (done)
			assert_int_equal(
			    v->x[15],
			    (uint64_t)(int64_t)(int8_t)src[rounds[r].from - SRC_VA + done - 1]);
		assert_memory_equal(dst + (rounds[r].to - DATA_VA), src + (rounds[r].from - SRC_VA),
		                    done);
		assert_int_equal(dst[rounds[r].to - DATA_VA + done], 0);
		assert_int_equal(shadow_view_of(v),
		                 rounds[r].stop_pc == CODE_VA + 32 ? VIEW_S : VIEW_S_SUM);
	}
}

static void test_fast_lane_sret(void **state)
{
	(void)state;
	struct vcpu *v;
	vs_paged(&v, PAGE_1);
	v->csr.sepc = 0x4000;
	v->csr.mstatus = (v->csr.mstatus & ~(SSTATUS_SPP | SSTATUS_SIE)) | SSTATUS_SPIE;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, SRET), EMULATE_FAST_VIEW);
	assert_int_equal(v->mode, VMODE_U);
	assert_int_equal(v->pc, 0x4000);
	assert_true(v->csr.mstatus & SSTATUS_SIE);
	assert_int_equal(v->stats.emulated[EMUL_SRET], 1);
	assert_int_equal(emulate_fast_resume(v), EMULATE_FAST_DONE);
	/* vU: illegal, the full path's */
	assert_int_equal(emulate_fast(v, SRET), EMULATE_FAST_NONE);
	/* vS with TSR: illegal too (§3.1.6.5) */
	v->mode = VMODE_S;
	v->csr.mstatus |= MSTATUS_TSR;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, SRET), EMULATE_FAST_NONE);
	assert_int_equal(v->mode, VMODE_S);
	assert_int_equal(v->pc, CODE_VA);
}

/*
 * Back in vU after the lane's sret, a pending enabled interrupt is taken at
 * once (in vU S-level interrupts are always enabled, §3.1.6.1): IRQ.
 */
static void test_fast_lane_sret_then_irq(void **state)
{
	(void)state;
	struct vcpu *v;
	vs_paged(&v, PAGE_1);
	v->csr.sepc = 0x4000;
	v->csr.mstatus &= ~(SSTATUS_SPP | SSTATUS_SIE);
	v->csr.mie = v->csr.mip = 1UL << IRQ_S_TIMER;
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, SRET), EMULATE_FAST_VIEW);
	assert_int_equal(emulate_fast_resume(v), EMULATE_FAST_IRQ);
	assert_int_equal(v->pc, 0x4000);
}

/*
 * A system call from vU, reflected as trap.c's lane reflects it: the
 * handler's first CSR access (csrrw sp, sscratch, sp) is emulated at once,
 * as emulate_ahead() would, and nothing is deliverable (SIE = 0 now).
 */
static void test_fast_lane_syscall(void **state)
{
	(void)state;
	struct vcpu *v;
	vs_paged(&v, PAGE_1);
	put32(PAGE_1, CSRRW_SP_SSCR);
	put32(PAGE_1 + 4, NOP);
	v->csr.stvec = CODE_VA;
	v->csr.mstatus |= SSTATUS_SIE;
	v->csr.mie = v->csr.mip = 1UL << IRQ_S_TIMER; /* masked in vS by SIE = 0 */
	v->mode = VMODE_U;
	v->pc = 0x4000;
	v->x[2] = 0x7000;
	assert_int_equal(trap_reflect(v, CAUSE_ECALL_U, 0), TRAP_RESUME);
	/* AHEAD: the vector's page is in no shadow yet, emulate_ahead() fills it */
	assert_int_equal(emulate_fast_resume(v), EMULATE_FAST_AHEAD);
	assert_int_equal(v->pc, CODE_VA);
	emulate_ahead(v);
	assert_int_equal(v->mode, VMODE_S);
	assert_int_equal(v->csr.sepc, 0x4000);
	assert_int_equal(v->csr.scause, CAUSE_ECALL_U);
	assert_int_equal(v->x[2], 11); /* the old sscratch */
	assert_int_equal(v->csr.sscratch, 0x7000);
	assert_int_equal(v->pc, CODE_VA + 4);
	assert_int_equal(v->stats.ahead, 1);
	/* Again, the page now filled: the lane's own fetch, through its cache. */
	v->mode = VMODE_U;
	v->pc = 0x4000;
	assert_int_equal(trap_reflect(v, CAUSE_ECALL_U, 0), TRAP_RESUME);
	assert_int_equal(emulate_fast_resume(v), EMULATE_FAST_DONE);
	assert_int_equal(v->x[2], 0x7000);
	assert_int_equal(v->pc, CODE_VA + 4);
	assert_int_equal(v->stats.ahead, 2);
}

/*
 * A trap handler's store between two CSR accesses (csrr a0, sscratch;
 * sd a0, 0(a3); csrr a1, sepc) costs no trap of its own: the lane carries it
 * out through the shadow, as the hardware would, and serves the next access.
 * Where the shadow has no leaf that allows the store yet, the lane stops
 * before it: the guest stores (and faults) itself.
 */
static void test_fast_lane_store_between(void **state)
{
	(void)state;
	struct vcpu *v;
	uint64_t *pte = vs_paged(&v, PAGE_1);
	/* DATA_VA, not accessed yet: no fill maps it ahead of the guest's own access */
	pte[1] = (DATA_PAGE >> 12) << 10 | PTE_V | PTE_R | PTE_W;
	put32(PAGE_1, CSRR_A0_SSCRATCH);
	put32(PAGE_1 + 4, SD_A0_0_A3);
	put32(PAGE_1 + 8, CSRR_A1_SEPC);
	put32(PAGE_1 + 12, NOP);
	v->x[13] = DATA_VA + 8;
	trap_at_code(v, CSRR_A0_SSCRATCH); /* fills the code page; the store stops it */
	assert_int_equal(v->pc, CODE_VA + 4);

	uint64_t stored = 0;
	v->pc = CODE_VA;
	v->x[11] = 0;
	assert_int_equal(emulate_fast(v, CSRR_A0_SSCRATCH), EMULATE_FAST_DONE);
	assert_int_equal(v->pc, CODE_VA + 4); /* no leaf for the data page yet */
	assert_int_equal(v->x[11], 0);
	memcpy(&stored, hostvm_gpa(DATA_PAGE + 8), 8);
	assert_int_equal(stored, 0);

	/* the guest's own store: A and D set, the leaf filled */
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, DATA_VA + 8), SHADOW_FILLED);
	assert_true((pte[1] & (PTE_A | PTE_D)) == (PTE_A | PTE_D));
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRR_A0_SSCRATCH), EMULATE_FAST_DONE);
	assert_int_equal(v->pc, CODE_VA + 12);
	assert_int_equal(v->x[11], 22); /* sepc, one more access without a trap */
	memcpy(&stored, hostvm_gpa(DATA_PAGE + 8), 8);
	assert_int_equal(stored, 11); /* sscratch, as the guest's sd stores it */
}

#define DATA_PAGE_B (RAM + 0x13000)
#define ROOT_B      (RAM + 0x23000) /* its page number as the first's modulo 16: one set */

/*
 * A second address space (satp B, its tables at ROOT_B) mapping CODE_VA to
 * PAGE_2 and DATA_VA to DATA_PAGE_B, where the first maps them to PAGE_1
 * and DATA_PAGE; returns satp B.
 */
static uint64_t space_b(void)
{
	uint64_t *root = hostvm_gpa(ROOT_B), *l1 = hostvm_gpa(ROOT_B + 0x1000),
	         *l0 = hostvm_gpa(ROOT_B + 0x2000);
	root[0] = ((ROOT_B + 0x1000) >> 12) << 10 | PTE_V;
	l1[0] = ((ROOT_B + 0x2000) >> 12) << 10 | PTE_V;
	l0[1] = (PAGE_2 >> 12) << 10 | PTE_V | PTE_R | PTE_X | PTE_A;
	l0[2] = (DATA_PAGE_B >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
	return SATP_MODE_SV39 | ROOT_B >> 12;
}

static void write_satp(struct vcpu *v, uint64_t satp)
{
	uint64_t old;
	assert_int_equal(emulate_csr_rmw(v, VMODE_S, CSR_SATP, VCSR_RW, satp, true, &old), 0);
}

/*
 * A context switch back and forth: the same code and data addresses reach
 * other pages in each space.  The fetch and store caches keep entries of
 * both (two ways), and every access goes to its own space's page, as the
 * hardware's would after its satp write.
 */
static void test_fast_lane_two_spaces(void **state)
{
	(void)state;
	struct vcpu *v;
	uint64_t *pte = vs_paged(&v, PAGE_1);
	pte[1] = (DATA_PAGE >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
	uint64_t satp[2] = {v->csr.satp, space_b()};
	uint64_t data[2] = {DATA_PAGE, DATA_PAGE_B};
	put32(PAGE_1, CSRR_A0_SSCRATCH);
	put32(PAGE_1 + 4, SD_A0_0_A3);
	put32(PAGE_1 + 8, CSRR_A1_SEPC);
	put32(PAGE_1 + 12, NOP);
	put32(PAGE_2, CSRR_A0_SSCRATCH);
	put32(PAGE_2 + 4, SD_A0_0_A3);
	put32(PAGE_2 + 8, CSRR_A2_STVAL);
	put32(PAGE_2 + 12, NOP);
	v->x[13] = DATA_VA + 8;
	for (int s = 0; s < 2; s++) { /* each space's pages in its shadow */
		write_satp(v, satp[s]);
		trap_at_code(v, CSRR_A0_SSCRATCH);
		assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, DATA_VA + 8), SHADOW_FILLED);
	}
	for (int i = 0; i < 6; i++) {
		int s = i & 1;
		write_satp(v, satp[s]);
		v->x[11] = v->x[12] = 0;
		v->csr.sscratch = 100 + (uint64_t)i;
		v->pc = CODE_VA;
		assert_int_equal(emulate_fast(v, CSRR_A0_SSCRATCH), EMULATE_FAST_DONE);
		assert_int_equal(v->pc, CODE_VA + 12);
		assert_int_equal(v->x[11], s ? 0 : 22); /* PAGE_1's csrr a1, sepc */
		assert_int_equal(v->x[12], s ? 33 : 0); /* PAGE_2's csrr a2, stval */
		uint64_t stored;
		memcpy(&stored, hostvm_gpa(data[s] + 8), 8);
		assert_int_equal(stored, 100 + (uint64_t)i);
		memcpy(&stored, hostvm_gpa(data[!s] + 8), 8);
		assert_true(i == 0 ? stored != 100 : stored == 100 + (uint64_t)i - 1);
	}
}

#define CSRW_SATP_A0       0x18051073U /* csrrw x0, satp, a0 */
#define CSRW_SCOUNTEREN_A1 0x10659073U /* csrrw x0, scounteren, a1 */
#define CSRR_A0_SCOUNTEREN 0x10602573U /* csrrs a0, scounteren, x0 */

/*
 * A context switch (csrw satp, then csrw scounteren) on the lane: the satp
 * write switches to the new space's shadow and asks for the view to be
 * loaded (LOAD); the next access is fetched through the new space, as the
 * hardware fetches it, and served too.  A scounteren write alone changes
 * nothing the hardware runs vS with: DONE.  What the lane leaves to the
 * full path (vU, and sstatus beyond the lane's bits: MXR) it does not touch.
 */
static void test_fast_lane_context_switch(void **state)
{
	(void)state;
	struct vcpu *v;
	vs_paged(&v, PAGE_1);
	uint64_t satp_a = v->csr.satp, satp_b = space_b();
	put32(PAGE_1, CSRW_SATP_A0);
	put32(PAGE_1 + 4, NOP);
	put32(PAGE_2, NOP);
	put32(PAGE_2 + 4, CSRW_SCOUNTEREN_A1);
	put32(PAGE_2 + 8, NOP);
	/* each space's code page in its shadow, as after the guest ran in both */
	write_satp(v, satp_b);
	trap_at_code(v, CSRR_A0_SSCRATCH);
	uint64_t real_b = shadow_satp(&v->shadow, shadow_view_of(v));
	write_satp(v, satp_a);
	trap_at_code(v, CSRR_A0_SSCRATCH);
	uint64_t real_a = shadow_satp(&v->shadow, shadow_view_of(v));
	assert_true(real_a != real_b);

	v->pc = CODE_VA;
	v->x[10] = satp_b;
	v->x[11] = 5;
	uint64_t ahead = v->stats.ahead;
	assert_int_equal(emulate_fast(v, CSRW_SATP_A0), EMULATE_FAST_LOAD);
	assert_int_equal(v->csr.satp, satp_b);
	assert_int_equal(shadow_satp(&v->shadow, shadow_view_of(v)), real_b);
	assert_int_equal(v->csr.scounteren, 5); /* PAGE_2's, through space B */
	assert_int_equal(v->pc, CODE_VA + 8);
	assert_int_equal(v->stats.ahead, ahead + 1);

	v->pc = CODE_VA + 4;
	v->x[11] = 7;
	assert_int_equal(emulate_fast(v, CSRW_SCOUNTEREN_A1), EMULATE_FAST_DONE);
	assert_int_equal(v->csr.scounteren, 7);
	assert_int_equal(v->pc, CODE_VA + 8);

	/* vU's access is emulate_illegal()'s (an illegal instruction, or a counter read) */
	v->mode = VMODE_U;
	v->pc = CODE_VA + 4;
	assert_int_equal(emulate_fast(v, CSRR_A0_SCOUNTEREN), EMULATE_FAST_NONE);
	assert_int_equal(v->pc, CODE_VA + 4);
	/* MXR empties every view: the full path's */
	v->mode = VMODE_S;
	v->x[14] = v->csr.mstatus | SSTATUS_MXR;
	assert_int_equal(emulate_fast(v, CSRW_SSTATUS_A4), EMULATE_FAST_NONE);
	assert_int_equal(v->csr.mstatus & SSTATUS_MXR, 0);
	assert_int_equal(v->pc, CODE_VA + 4);
}

/*
 * The guest points its data page elsewhere and fences it: the lane's next
 * store goes to the new page once the guest's own store filled its leaf,
 * never through the page the store cache held.
 */
static void test_fast_lane_store_after_sfence(void **state)
{
	(void)state;
	struct vcpu *v;
	uint64_t *pte = vs_paged(&v, PAGE_1);
	pte[1] = (DATA_PAGE >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
	put32(PAGE_1, CSRR_A0_SSCRATCH);
	put32(PAGE_1 + 4, SD_A0_0_A3);
	put32(PAGE_1 + 8, CSRR_A1_SEPC);
	put32(PAGE_1 + 12, NOP);
	v->x[13] = DATA_VA + 8;
	trap_at_code(v, CSRR_A0_SSCRATCH);
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, DATA_VA + 8), SHADOW_FILLED);
	v->pc = CODE_VA;
	assert_int_equal(emulate_fast(v, CSRR_A0_SSCRATCH), EMULATE_FAST_DONE);
	assert_int_equal(v->pc, CODE_VA + 12); /* the store went through the cache's page */
	uint64_t stored;
	memcpy(&stored, hostvm_gpa(DATA_PAGE + 8), 8);
	assert_int_equal(stored, 11);

	pte[1] = (DATA_PAGE_B >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
	v->x[14] = DATA_VA;
	v->pc = 0x5000;
	assert_int_equal(emulate_illegal(v, CAUSE_ILLEGAL_INSN, 0x12070073U /* sfence.vma a4 */),
	                 TRAP_RESUME);
	v->csr.sscratch = 44;
	v->pc = CODE_VA;
	enum emulate_fast r = emulate_fast(v, CSRR_A0_SSCRATCH);
	assert_true(r == EMULATE_FAST_DONE || r == EMULATE_FAST_AHEAD);
	if (v->pc == CODE_VA + 4) { /* no leaf yet: the guest stores itself, filling it */
		assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, DATA_VA + 8), SHADOW_FILLED);
		v->pc = CODE_VA;
		assert_int_equal(emulate_fast(v, CSRR_A0_SSCRATCH), EMULATE_FAST_DONE);
	}
	assert_int_equal(v->pc, CODE_VA + 12);
	memcpy(&stored, hostvm_gpa(DATA_PAGE_B + 8), 8);
	assert_int_equal(stored, 44);
	memcpy(&stored, hostvm_gpa(DATA_PAGE + 8), 8);
	assert_int_equal(stored, 11);
}

#define CSRSI_SSTATUS_SIE 0x10016073U /* csrrsi x0, sstatus, 2 */
#define CSRCI_SSTATUS_SIE 0x10017073U /* csrrci x0, sstatus, 2 */

/*
 * A device access has just raised a line (irq_stale: the vPLIC's S context
 * pending, not yet in mip).  The guest's csrsi sstatus.SIE opens the window
 * and its csrci closes it: the interrupt comes in between, before the
 * csrci, as on the board, not after both were emulated ahead.
 */
static void test_ahead_sees_a_line_raised(void **state)
{
	(void)state;
	struct vcpu *v;
	vs_paged(&v, PAGE_1);
	put32(PAGE_1, CSRSI_SSTATUS_SIE);
	put32(PAGE_1 + 4, CSRCI_SSTATUS_SIE);
	v->csr.mie |= 1UL << IRQ_S_EXT;
	v->csr.mstatus &= ~SSTATUS_SIE;
	hostvm_line_seip = true;
	v->irq_stale = true;
	v->pc = CODE_VA;
	emulate_ahead(v);
	assert_int_equal(v->pc, CODE_VA + 4);
	assert_true(v->csr.mstatus & SSTATUS_SIE);
	assert_int_equal(vcpu_deliverable_irq(v), CAUSE_INTERRUPT | IRQ_S_EXT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ahead_sees_a_line_raised),
	    cmocka_unit_test(test_fetch_cache_follows_sfence_of_one_page),
	    cmocka_unit_test(test_fast_lane_follows_sfence_of_one_page),
	    cmocka_unit_test(test_fast_lane_sfence),
	    cmocka_unit_test(test_fast_lane_sstatus_writes),
	    cmocka_unit_test(test_fast_lane_sum_window),
	    cmocka_unit_test(test_fast_lane_sum_copy_loop),
	    cmocka_unit_test(test_fast_lane_sret),
	    cmocka_unit_test(test_fast_lane_sret_then_irq),
	    cmocka_unit_test(test_fast_lane_syscall),
	    cmocka_unit_test(test_fast_lane_store_between),
	    cmocka_unit_test(test_fast_lane_two_spaces),
	    cmocka_unit_test(test_fast_lane_context_switch),
	    cmocka_unit_test(test_fast_lane_store_after_sfence),
	    cmocka_unit_test(test_fast_lane_sregs_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
