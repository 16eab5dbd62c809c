/*
 * Shadow page tables and the emulation next to them, run for real on the
 * host (tests/fuzz/hostvm.c): each case is an attack a hostile guest can
 * make, with what the board would do, and the invariants checked after.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/riscv/emulate.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "core/vm.h"
#include "hostvm.h"

#define MIB       (1UL << 20)
#define RAM       HOSTVM_RAM_GPA
#define INSN_SD   0x00b53023U /* sd a1, 0(a0) */
#define INSN_LD   0x0005b503U /* ld a0, 0(a1) */
#define INSN_CSR  0x14002573U /* csrr a0, sscratch */
#define CFG_NAPOT 0x18
#define PTE_LEAF  (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

static void put32(uint64_t gpa, uint32_t insn)
{
	memcpy(hostvm_gpa(gpa), &insn, 4);
}

static void put16(uint64_t gpa, uint16_t insn)
{
	memcpy(hostvm_gpa(gpa), &insn, 2);
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;
	memcpy(&v, hostvm_gpa(gpa), 8);
	return v;
}

/* PMP entry i: NAPOT over [base, base + size) with cfg bits (R 1, W 2, X 4, L 0x80). */
static void pmp_napot(struct vcpu *v, int i, uint64_t base, uint64_t size, uint8_t cfg)
{
	v->csr.pmpaddr[i] = size == 0 ? ~0UL >> 10 : (base >> 2) | ((size >> 3) - 1);
	v->csr.pmpcfg[i] = (uint8_t)(CFG_NAPOT | cfg);
}

/* A vM guest gone down to vS with paging off, PMP: `page` gets cfg, the rest RWX. */
static struct vcpu *vs_with_pmp_page(uint64_t page, uint8_t cfg)
{
	struct vcpu *v = hostvm_create(4 * MIB, true, 8);
	pmp_napot(v, 0, page, 4096, cfg);
	pmp_napot(v, 1, 0, 0, 7);
	v->mode = VMODE_S;
	return v;
}

/*
 * Issue 15 item 2: PMP R = 0, W = 1 (reserved; the board keeps it and lets
 * stores through).  popek used to strip W, install a V entry with no R/W/X
 * (a table pointer into guest RAM) and free the guest's page on the next
 * flush.  Now: the store is emulated, no such entry exists, and a flush is
 * harmless.
 */
static void test_pmp_write_only_page(void **state)
{
	(void)state;
	uint64_t page = RAM + 0x100000;
	struct vcpu *v = vs_with_pmp_page(page, 2 /* W */);
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, page + 8), SHADOW_EMULATE);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, page + 8), SHADOW_ACCESS_FAULT);
	assert_int_equal(shadow_fault(v, CAUSE_FETCH_PAGE, page), SHADOW_ACCESS_FAULT);
	hostvm_check_shadow(v);

	/* The store itself, through the trap path: it lands, as on the board. */
	v->pc = RAM + 0x1000;
	put32(v->pc, INSN_SD);
	v->x[10] = page + 8;
	v->x[11] = 0x1122334455667788UL;
	assert_int_equal(emulate_load_store(v, CAUSE_STORE_PAGE, page + 8), TRAP_RESUME);
	assert_int_equal(get64(page + 8), 0x1122334455667788UL);
	assert_int_equal(v->pc, RAM + 0x1004);
	assert_int_equal(v->mode, VMODE_S);
	/* The load is refused: a load access fault into vM, mtval = the address. */
	put32(v->pc, INSN_LD);
	v->x[11] = page + 8;
	emulate_load_store(v, CAUSE_LOAD_PAGE, page + 8);
	assert_int_equal(v->mode, VMODE_M);
	assert_int_equal(v->csr.mcause, CAUSE_LOAD_ACCESS);
	assert_int_equal(v->csr.mtval, page + 8);

	/* A later flush frees only popek's tables; the guest's page is untouched. */
	shadow_flush_all(v);
	hostvm_check_shadow(v);
	assert_int_equal(get64(page + 8), 0x1122334455667788UL);
	assert_int_equal(v->shadow.pages, 0);
}

/* W|X: the leaf is X only, and a store must be emulated rather than filled forever. */
static void test_pmp_write_exec_page(void **state)
{
	(void)state;
	uint64_t page = RAM + 0x200000;
	struct vcpu *v = vs_with_pmp_page(page, 6 /* W|X */);
	assert_int_equal(shadow_fault(v, CAUSE_FETCH_PAGE, page), SHADOW_FILLED);
	uint64_t hpa;
	assert_int_equal(shadow_lookup(v, page, PTE_X, &hpa), 0);
	assert_int_equal(shadow_lookup(v, page, PTE_R, &hpa), -1);
	assert_int_equal(shadow_lookup(v, page, PTE_W, &hpa), -1);
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, page), SHADOW_EMULATE);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, page), SHADOW_ACCESS_FAULT);
	hostvm_check_shadow(v);
	/* The same for vM itself under a locked W-only entry. */
	v->mode = VMODE_M;
	pmp_napot(v, 0, page, 4096, 0x80 | 2);
	shadow_flush_all(v);
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, page), SHADOW_EMULATE);
	assert_int_equal(shadow_fault(v, CAUSE_FETCH_PAGE, page), SHADOW_ACCESS_FAULT);
	hostvm_check_shadow(v);
}

/* Guest Sv39 root at `root` mapping every gigapage g to RAM's gigapage, with `u`. */
static uint64_t guest_gigapages(uint64_t root, bool u)
{
	uint64_t *t = hostvm_gpa(root);
	for (int g = 0; g < 512; g++)
		t[g] = (RAM >> 12) << 10 | PTE_LEAF | (u ? PTE_U : 0);
	return SATP_MODE_SV39 | root >> 12;
}

/* Touches sparse addresses in view-selecting state until `n` restarts have happened. */
static void churn(struct vcpu *v, uint64_t restarts)
{
	uint64_t start = v->stats.shadow_flushes;
	for (unsigned i = 0; v->stats.shadow_flushes - start < restarts; i++) {
		/* A different gigapage each time, the first 4 MiB of it (RAM's 4 MiB). */
		uint64_t g = i % 512, off = (i / 512 * 4096 + (i % 7) * 0x3000) % (4 * MIB);
		uint64_t va = g << 30 | off;
		if (g & 256)
			va |= ~0UL << 39;
		enum shadow_fault f =
		    shadow_fault(v, i % 3 ? CAUSE_LOAD_PAGE : CAUSE_STORE_PAGE, va);
		assert_int_equal(f, SHADOW_FILLED);
		assert_true(v->shadow.pages <= v->shadow.page_limit);
		if (i % 64 == 0)
			hostvm_check_shadow(v);
		assert_true(i < 100000);
	}
	hostvm_check_shadow(v);
}

/*
 * Issue 15 item 4: shadow tables come from the vCPU's own pool, reserved when
 * the VM is made.  A guest touching sparse addresses in every view, until
 * the limit and again, never takes a page of popek's own (page_alloc()) and
 * never another VM's; the restart is all it causes.
 */
static void test_pool_churn_every_view(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, true, 4 /* popek's own pages */);
	struct vcpu *other = hostvm_create_second(2 * MIB);
	uint64_t other_pages = other->shadow.pages, other_used = other->shadow.pool_used;
	pmp_napot(v, 0, 0, 0, 7);
	uint64_t user = guest_gigapages(RAM + 0x3000, true);
	uint64_t kern = guest_gigapages(RAM + 0x4000, false);
	static const struct {
		enum vmode mode;
		uint64_t satp, status;
	} views[] = {
	    {VMODE_U, 1, 0},           /* VIEW_U */
	    {VMODE_S, 2, 0},           /* VIEW_S */
	    {VMODE_S, 1, SSTATUS_SUM}, /* VIEW_S_SUM */
	    {VMODE_S, 0, 0},           /* VIEW_BARE */
	    {VMODE_M, 0, 0},           /* VIEW_M */
	};
	for (int round = 0; round < 2; round++) {
		for (unsigned i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
			v->mode = views[i].mode;
			v->csr.satp = views[i].satp == 1 ? user : views[i].satp == 2 ? kern : 0;
			v->csr.mstatus = views[i].status;
			shadow_flush(v, true, 0);
			if (views[i].satp)
				churn(v, 2);
			else /* RAM only: every 4 KiB and 2 MiB piece, then flush */
				for (uint64_t a = RAM; a < RAM + 4 * MIB; a += 4096)
					assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, a),
					                 SHADOW_FILLED);
			hostvm_check_shadow(v);
		}
	}
	assert_int_equal(hostvm_stats.shared_pages_taken, 0);
	assert_true(v->shadow.pool_used <= v->shadow.pool_pages);
	assert_int_equal(other->shadow.pages, other_pages);
	assert_int_equal(other->shadow.pool_used, other_used);
	hostvm_check_shadow(other);
}

static int leaf_count;
static void count_leaf(void *ctx, int view, uint64_t va, int level, uint64_t pte)
{
	(void)ctx, (void)view, (void)va, (void)level, (void)pte;
	leaf_count++;
}

/*
 * Issue 15 item 5: a piece of a guest superpage installed by the restart at
 * the page limit must still mark the view coarse, so that sfence.vma of any
 * address in the superpage removes every piece.
 */
static void test_coarse_survives_restart(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	v->csr.satp = guest_gigapages(RAM + 0x3000, false);
	/* Fill to the brink of the limit with pieces elsewhere. */
	for (unsigned i = 0; v->shadow.pages + 4 <= v->shadow.page_limit; i++) {
		uint64_t g = (i + 1) % 512, va = g << 30 | (i % 512) * 4096;
		if (g & 256)
			va |= ~0UL << 39; /* the upper half: canonical */
		assert_true(g != 0);
		assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, va), SHADOW_FILLED);
	}
	uint64_t flushes = v->stats.shadow_flushes;
	/* A piece of gigapage 0 (only its first 4 MiB is RAM): the restart comes first. */
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	assert_int_equal(v->stats.shadow_flushes, flushes + 1);
	assert_true(v->shadow.space[v->shadow.cur].tree[VIEW_S - SHADOW_PAGED_FIRST].coarse);
	/* The guest remaps its gigapage (here: unmaps it) and fences another address inside it. */
	*(uint64_t *)hostvm_gpa(RAM + 0x3000) = 0;
	shadow_flush(v, false, 0x2000);
	leaf_count = 0;
	hostvm_each_leaf(v, VIEW_S, count_leaf, NULL);
	assert_int_equal(leaf_count, 0);
	hostvm_check_shadow(v);
}

/* Issue 15 item 7: a valid leaf widened in place is fenced, for its va and ASID. */
static void test_widen_fences(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t *root = hostvm_gpa(RAM + 0x3000), *l1 = hostvm_gpa(RAM + 0x4000),
	         *l0 = hostvm_gpa(RAM + 0x5000);
	root[0] = ((RAM + 0x4000) >> 12) << 10 | PTE_V;
	l1[0] = ((RAM + 0x5000) >> 12) << 10 | PTE_V;
	l0[1] = ((RAM + 0x10000) >> 12) << 10 | PTE_V | PTE_R | PTE_W; /* clean, unaccessed */
	v->csr.satp = SATP_MODE_SV39 | (RAM + 0x3000) >> 12;
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	assert_int_equal(l0[1] & (PTE_A | PTE_D), PTE_A);
	uint64_t hpa;
	assert_int_equal(shadow_lookup(v, 0x1000, PTE_W, &hpa), -1);
	uint64_t pages = hostvm_stats.fence_page;
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, 0x1008), SHADOW_FILLED);
	assert_int_equal(l0[1] & (PTE_A | PTE_D), PTE_A | PTE_D);
	assert_int_equal(shadow_lookup(v, 0x1000, PTE_W, &hpa), 0);
	assert_int_equal(hostvm_stats.fence_page, pages + 1);
	assert_int_equal(hostvm_stats.last_va, 0x1000);
	assert_int_equal(hostvm_stats.last_asid, shadow_asid(&v->shadow, VIEW_S));
	assert_int_equal(hostvm_stats.last_asid, 1 + 3 + VIEW_S - SHADOW_PAGED_FIRST);
	hostvm_check_shadow(v);
}

/*
 * Issue 15 item 7: a misaligned load straddling two pages whose second page
 * faulted (stval = that page, as QEMU reports it) is carried out from the
 * start the instruction names, not from stval.
 */
static void test_misaligned_second_page(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t second = RAM + 0x21000;
	for (int i = 0; i < 8; i++)
		*(uint8_t *)hostvm_gpa(second - 4 + (uint64_t)i) = (uint8_t)(0x10 + i);
	v->pc = RAM + 0x1000;
	put32(v->pc, INSN_LD);
	v->x[11] = second - 4;
	assert_int_equal(emulate_load_store(v, CAUSE_LOAD_PAGE, second), TRAP_RESUME);
	assert_int_equal(v->x[10], 0x1716151413121110UL);
	assert_int_equal(v->pc, RAM + 0x1004);
	/* And a store the same way. */
	put32(v->pc, INSN_SD);
	v->x[10] = second - 2;
	v->x[11] = 0xa1a2a3a4a5a6a7a8UL;
	assert_int_equal(emulate_load_store(v, CAUSE_STORE_PAGE, second), TRAP_RESUME);
	assert_int_equal(get64(second - 2), 0xa1a2a3a4a5a6a7a8UL);
}

/*
 * Issue 15 item 7: emulating ahead fetches exactly as the hardware would.
 * A code page whose guest PTE has A = 0 is not fetched behind the guest's
 * back (the hardware would have set A first); nor is a page PMP denies X.
 */
static void test_ahead_fetch_as_hardware(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t *root = hostvm_gpa(RAM + 0x3000), *l1 = hostvm_gpa(RAM + 0x4000),
	         *l0 = hostvm_gpa(RAM + 0x5000);
	root[0] = ((RAM + 0x4000) >> 12) << 10 | PTE_V;
	l1[0] = ((RAM + 0x5000) >> 12) << 10 | PTE_V;
	l0[1] = ((RAM + 0x10000) >> 12) << 10 | PTE_V | PTE_R | PTE_X; /* A = 0 */
	v->csr.satp = SATP_MODE_SV39 | (RAM + 0x3000) >> 12;
	put32(RAM + 0x10000, INSN_CSR);
	v->pc = 0x1000;
	v->csr.sscratch = 42;
	/* The fetch the hardware makes next sets A, and then the CSR read is emulated. */
	emulate_ahead(v);
	assert_int_equal(l0[1] & PTE_A, PTE_A);
	assert_int_equal(v->pc, 0x1004);
	assert_int_equal(v->x[10], 42);
	/* Not executable for the guest: ahead stops, and the guest takes its own page fault. */
	l0[2] = ((RAM + 0x11000) >> 12) << 10 | PTE_V | PTE_R | PTE_A;
	put32(RAM + 0x11000, INSN_CSR);
	v->pc = 0x2000;
	emulate_ahead(v);
	assert_int_equal(v->pc, 0x2000);

	/* vS under vM, paging off, PMP: RAM readable and writable, not executable. */
	v = hostvm_create(4 * MIB, true, 4);
	pmp_napot(v, 0, RAM, 4 * MIB, 3);
	v->mode = VMODE_S;
	v->pc = RAM + 0x10000;
	put32(v->pc, INSN_CSR);
	emulate_ahead(v);
	assert_int_equal(v->pc, RAM + 0x10000);
	assert_int_equal(shadow_fault(v, CAUSE_FETCH_PAGE, v->pc), SHADOW_ACCESS_FAULT);
	emulate_ahead(v);
	assert_int_equal(v->pc, RAM + 0x10000);
}

/* popek's own map (slot 510, U = 0) is never fetched from for the guest. */
static void test_lookup_never_popek(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(2 * MIB, false, 4);
	uint64_t hpa;
	assert_int_equal(shadow_lookup(v, 0xffffff0080000000UL, PTE_X, &hpa), -1);
	assert_int_equal(shadow_lookup(v, 0xffffff0080000000UL, PTE_R, &hpa), -1);
}

/*
 * Issue 17: address spaces.  Guest tables at `root` (one per space) mapping
 * va 0x1000 to `page`, a 4 KiB leaf, G as given.
 */
static uint64_t space_table(uint64_t root, uint64_t page, bool global, uint16_t asid)
{
	uint64_t *r = hostvm_gpa(root), *l1 = hostvm_gpa(root + 0x1000),
	         *l0 = hostvm_gpa(root + 0x2000);
	r[0] = ((root + 0x1000) >> 12) << 10 | PTE_V;
	l1[0] = ((root + 0x2000) >> 12) << 10 | PTE_V;
	l0[1] = (page >> 12) << 10 | PTE_LEAF | (global ? PTE_G : 0);
	return SATP_MODE_SV39 | (uint64_t)asid << 44 | root >> 12;
}

/* The guest unmaps va 0x1000 in space_table()'s table at `root`. */
static void unmap_guest(uint64_t root)
{
	((uint64_t *)hostvm_gpa(root + 0x2000))[1] = 0;
}

static void set_satp(struct vcpu *v, uint64_t satp)
{
	v->csr.satp = satp;
	shadow_switch(v); /* what emulate_csr() does on VCSR_SATP */
}

/* The page va 0x1000 reaches in the current space's shadow, or 0. */
static uint64_t shadow_page(struct vcpu *v)
{
	uint64_t hpa;
	return shadow_lookup(v, 0x1000, PTE_R, &hpa) < 0 ? 0 : hpa;
}

#define SPACE_A RAM + 0x100000
#define SPACE_B RAM + 0x110000

/* A satp write back to a recent space reuses its shadow: no refill, no flush, no fence. */
static void test_space_reused(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t a = space_table(SPACE_A, RAM + 0x200000, false, 1);
	uint64_t b = space_table(SPACE_B, RAM + 0x300000, false, 2);
	set_satp(v, a);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	set_satp(v, b);
	assert_int_equal(shadow_page(v), 0); /* never A's page */
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	uint64_t fills = v->stats.shadow_fills, fences = v->shadow.fences;
	set_satp(v, a);
	assert_int_equal(shadow_page(v), v->vm->ram_hpa + 0x200000);
	set_satp(v, b);
	assert_int_equal(shadow_page(v), v->vm->ram_hpa + 0x300000);
	assert_int_equal(v->stats.shadow_fills, fills);
	assert_int_equal(v->stats.shadow_flushes, 0);
	assert_int_equal(v->shadow.fences, fences);
	assert_int_equal(hostvm_stats.fence_all, 0);
	assert_int_equal(v->shadow.space_hits, 2);
	/* each space its own real ASID */
	set_satp(v, a);
	uint64_t asid_a = shadow_asid(&v->shadow, VIEW_S);
	set_satp(v, b);
	assert_int_not_equal(asid_a, shadow_asid(&v->shadow, VIEW_S));
	hostvm_check_shadow(v);
}

/*
 * Every sfence.vma form removes exactly what §4.2.1 requires, in the cached
 * spaces it names, never less: (rs1, rs2) and whether A's and B's leaves
 * must be gone afterwards.  A and B are ASIDs 1 and 2; the leaves non-global.
 */
static void test_sfence_forms(void **state)
{
	(void)state;
	static const struct {
		bool all_va, all_asid;
		uint64_t va, asid;
		bool global, a_gone, b_gone;
	} cases[] = {
	    {true, true, 0, 0, false, true, true},           /* x0, x0 */
	    {true, false, 0, 1, false, true, false},         /* x0, asid A */
	    {true, false, 0, 2, false, false, true},         /* x0, asid B */
	    {false, true, 0x1000, 0, false, true, true},     /* va, x0 */
	    {false, false, 0x1000, 1, false, true, false},   /* va, asid A */
	    {false, false, 0x1abc, 2, false, false, true},   /* va (any byte of it), asid B */
	    {false, true, 0x600000, 0, false, false, false}, /* a page in another region */
	    {false, true, 0x1000, 0, true, true, true},      /* va, x0: global ones too */
	    {true, true, 0, 0, true, true, true},            /* x0, x0: global ones too */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcpu *v = hostvm_create(4 * MIB, false, 4);
		uint64_t a = space_table(SPACE_A, RAM + 0x200000, cases[i].global, 1);
		uint64_t b = space_table(SPACE_B, RAM + 0x300000, cases[i].global, 2);
		set_satp(v, a);
		assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
		set_satp(v, b);
		assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
		/* the guest unmaps the page in both tables, then fences (a fence of a page still
		 * mapped may refill it at once: test_fence_fills_ahead) */
		unmap_guest(SPACE_A);
		unmap_guest(SPACE_B);
		uint64_t fences =
		    hostvm_stats.fence_all + hostvm_stats.fence_page + hostvm_stats.fence_asid;
		shadow_fence(v, cases[i].all_va, cases[i].va, 1, cases[i].all_asid, cases[i].asid);
		assert_int_equal(shadow_page(v) == 0, cases[i].b_gone);
		/* A, fenced by address while B ran, is read as it runs again */
		set_satp(v, a);
		assert_int_equal(shadow_page(v) == 0, cases[i].a_gone);
		uint64_t fenced = hostvm_stats.fence_all + hostvm_stats.fence_page +
		                  hostvm_stats.fence_asid - fences;
		/* a fence for what went, none when nothing did */
		assert_int_equal(fenced != 0, cases[i].a_gone || cases[i].b_gone);
		hostvm_check_shadow(v);
	}
}

/* One page fenced in one space: sfence.vma va, that space's real ASID, nothing global. */
static void test_page_fence_sized(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	set_satp(v, space_table(SPACE_A, RAM + 0x200000, false, 1));
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	unmap_guest(SPACE_A);
	shadow_fence(v, false, 0x1000, 1, false, 1);
	assert_int_equal(hostvm_stats.fence_all, 0);
	assert_int_equal(hostvm_stats.fence_page, 1);
	assert_int_equal(hostvm_stats.last_va, 0x1000);
	assert_int_equal(hostvm_stats.last_asid, shadow_asid(&v->shadow, VIEW_S));
	/* Nothing there any more: no fence at all. */
	shadow_fence(v, false, 0x1000, 1, true, 0);
	assert_int_equal(hostvm_stats.fence_page + hostvm_stats.fence_asid + hostvm_stats.fence_all,
	                 1);
	/* Its tables freed: one fence of its ASID (a walk cache may hold them), then none. */
	shadow_fence(v, true, 0, 0, true, 0);
	assert_int_equal(hostvm_stats.fence_asid, 1);
	shadow_fence(v, true, 0, 0, true, 0);
	set_satp(v, space_table(SPACE_B, RAM + 0x300000, false, 2)); /* an empty space: none */
	assert_int_equal(hostvm_stats.fence_page + hostvm_stats.fence_asid + hostvm_stats.fence_all,
	                 2);
	hostvm_check_shadow(v);
}

/*
 * Linux's ASID roll-over: a full flush, then an old ASID on a new table.
 * The new (root, ASID) never sees the old one's leaves.
 */
static void test_asid_rollover(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	set_satp(v, space_table(SPACE_A, RAM + 0x200000, false, 5));
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	shadow_fence(v, true, 0, 0, true, 0);
	set_satp(v, space_table(SPACE_B, RAM + 0x300000, false, 5));
	assert_int_equal(shadow_page(v), 0);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	assert_int_equal(shadow_page(v), v->vm->ram_hpa + 0x300000);
	/* and A's table, changed and fenced by the roll-over, is read afresh */
	set_satp(v, space_table(SPACE_A, RAM + 0x240000, false, 5));
	assert_int_equal(shadow_page(v), 0);
	hostvm_check_shadow(v);
}

/*
 * More address spaces than the cache holds, under a pool that must evict:
 * the oldest space goes (tables freed, ASIDs fenced), popek never panics,
 * and a space that went is refilled from its guest table.
 */
static void test_space_eviction(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 2 * SHADOW_SPACES; i++) {
			uint64_t root = RAM + 0x100000 + i * 0x4000;
			set_satp(v, space_table(root, RAM + 0x200000 + i * 4096, false,
			                        (uint16_t)(i + 1)));
			if (!shadow_page(v))
				assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000),
				                 SHADOW_FILLED);
			assert_int_equal(shadow_page(v), v->vm->ram_hpa + 0x200000 + i * 4096);
			hostvm_check_shadow(v);
		}
	}
	assert_true(v->shadow.space_misses >= 2 * SHADOW_SPACES);
	/* a tiny page limit: other spaces are evicted for the current one's tables */
	v->shadow.page_limit = v->shadow.pages + 6;
	for (unsigned i = 0; i < 8; i++) {
		uint64_t root = RAM + 0x100000 + i * 0x4000;
		set_satp(v, space_table(root, RAM + 0x200000 + i * 4096, false, (uint16_t)(i + 1)));
		if (!shadow_page(v))
			assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
		assert_true(v->shadow.pages <= v->shadow.page_limit);
		hostvm_check_shadow(v);
	}
	assert_int_equal(hostvm_stats.shared_pages_taken, 0);
}

/* A U leaf of 4 KiB page `page` with A (and D, W) as given, at l0[i] of space_table()'s table. */
static void map_user(uint64_t root, unsigned i, uint64_t page, uint64_t bits)
{
	((uint64_t *)hostvm_gpa(root + 0x2000))[i] =
	    (page >> 12) << 10 | PTE_V | PTE_R | PTE_U | bits;
}

static uint64_t user_page(struct vcpu *v, uint64_t va, uint64_t perm)
{
	uint64_t hpa;
	return shadow_lookup(v, va, perm, &hpa) < 0 ? 0 : hpa;
}

/*
 * A page the guest maps after a fault and fences (Linux fences every page
 * it maps) is in the shadow at once, as a TLB refilled at the fence would
 * hold it: the guest's retry does not fault again.  Not when A is clear
 * (the access must set it), not for a fence naming another ASID.
 */
static void test_fence_fills_ahead(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t a = space_table(SPACE_A, RAM + 0x200000, false, 1);
	unmap_guest(SPACE_A);
	set_satp(v, a);
	v->mode = VMODE_U;
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, 0x1000), SHADOW_PAGE_FAULT);
	v->mode = VMODE_S; /* the guest's handler maps the page and fences it */
	map_user(SPACE_A, 1, RAM + 0x200000, PTE_W | PTE_A | PTE_D);
	shadow_fence(v, false, 0x1000, 1, true, 0);
	v->mode = VMODE_U;
	assert_int_equal(user_page(v, 0x1000, PTE_W), v->vm->ram_hpa + 0x200000);
	assert_int_equal(v->shadow.ahead, 1);
	/* the kernel's own view got nothing: a U page is no kernel fetch */
	v->mode = VMODE_S;
	assert_int_equal(user_page(v, 0x1000, PTE_R), 0);
	/* clean: R only, the first store must fault to set D */
	map_user(SPACE_A, 2, RAM + 0x201000, PTE_W | PTE_A);
	shadow_fence(v, false, 0x2000, 1, false, 1);
	v->mode = VMODE_U;
	assert_int_not_equal(user_page(v, 0x2000, PTE_R), 0);
	assert_int_equal(user_page(v, 0x2000, PTE_W), 0);
	/* not accessed yet, or fenced under another ASID: nothing ahead */
	v->mode = VMODE_S;
	map_user(SPACE_A, 3, RAM + 0x202000, PTE_W);
	shadow_fence(v, false, 0x3000, 1, true, 0);
	map_user(SPACE_A, 4, RAM + 0x203000, PTE_W | PTE_A | PTE_D);
	shadow_fence(v, false, 0x4000, 1, false, 7);
	v->mode = VMODE_U;
	assert_int_equal(user_page(v, 0x3000, PTE_R), 0);
	assert_int_equal(user_page(v, 0x4000, PTE_R), 0);
	assert_int_equal(get64(SPACE_A + 0x2000 + 3 * 8) & PTE_A, 0); /* no A set by popek */
	assert_int_equal(v->shadow.ahead, 2);
	hostvm_check_shadow(v);
}

/* What the installed view lets the guest do at va: R, W, X of its shadow leaf, and the page. */
static uint64_t view_leaf(struct vcpu *v, uint64_t va)
{
	uint64_t r = user_page(v, va, PTE_R), w = user_page(v, va, PTE_W),
	         x = user_page(v, va, PTE_X);
	uint64_t page = r | w | x;
	assert_true((!r || r == page) && (!w || w == page) && (!x || x == page));
	return page | (r ? PTE_R : 0) | (w ? PTE_W : 0) | (x ? PTE_X : 0);
}

/*
 * A fenced page whose level-0 shadow table is there already is written in
 * place, with no table made (shadow.pages stays): for every kind of guest
 * leaf, in the view the fill picks, the leaf a fill that makes its tables
 * gives, and nothing where that fill gives nothing.
 */
static void test_fence_fill_in_place(void **state)
{
	(void)state;
	static const uint64_t kinds[] = {
	    PTE_R | PTE_U | PTE_A,
	    PTE_R | PTE_W | PTE_U | PTE_A | PTE_D,
	    PTE_R | PTE_W | PTE_U | PTE_A,
	    PTE_R | PTE_X | PTE_U | PTE_A,
	    PTE_X | PTE_U | PTE_A,
	    PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D,
	    PTE_R | PTE_A,
	    PTE_R | PTE_W | PTE_A | PTE_D,
	    PTE_R | PTE_X | PTE_A,
	    PTE_X | PTE_A,
	    PTE_R | PTE_U,
	    PTE_R | PTE_W | PTE_D,
	};
	enum { N = sizeof kinds / sizeof kinds[0] };
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t *l0 = hostvm_gpa(SPACE_A + 0x2000);
	set_satp(v, space_table(SPACE_A, RAM + 0x200000, false, 1));
	uint64_t in_place[N];
	for (int pass = 0; pass < 2; pass++) {
		unmap_guest(SPACE_A);
		v->mode = VMODE_S;
		for (unsigned k = 0; k < N; k++) {
			uint64_t va = (k + 2) * 4096UL;
			l0[k + 2] = ((RAM + 0x200000 + va) >> 12) << 10 | PTE_V | kinds[k];
			if (pass == 0) { /* both views' tables made first, by a U and an S page */
				l0[0] = ((RAM + 0x300000) >> 12) << 10 | PTE_V | PTE_R | PTE_A;
				l0[1] =
				    ((RAM + 0x301000) >> 12) << 10 | PTE_V | PTE_R | PTE_U | PTE_A;
				shadow_fence(v, false, 0, 1, true, 0);
				shadow_fence(v, false, 0x1000, 1, true, 0);
			}
			uint64_t pages = v->shadow.pages;
			shadow_fence(v, false, va, 1, true, 0);
			if (pass == 0 || !(kinds[k] & PTE_A))
				assert_int_equal(v->shadow.pages, pages); /* in place, or nothing */
			else
				assert_int_not_equal(v->shadow.pages, pages); /* tables made */
			v->mode = kinds[k] & PTE_U ? VMODE_U : VMODE_S;
			uint64_t leaf = view_leaf(v, va);
			v->mode = VMODE_S;
			if (pass == 0)
				in_place[k] = leaf;
			else
				assert_int_equal(leaf, in_place[k]);
			assert_int_equal(leaf != 0, (kinds[k] & PTE_A) != 0);
			hostvm_check_shadow(v);
			shadow_fence(v, true, 0, 0, true, 0); /* every table goes */
			l0[k + 2] = 0;
		}
	}
}

/*
 * Fault-around: a fill brings in the accessed leaves of its aligned 16-page
 * window of the guest's table, each no wider than its own fill would be,
 * and nothing outside the window, not accessed, or over no RAM.
 */
static void test_fault_around(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t a = space_table(SPACE_A, RAM + 0x200000, false, 1);
	for (unsigned i = 0; i < 40; i++)
		map_user(SPACE_A, i, RAM + 0x200000 + i * 4096, PTE_W | PTE_A | PTE_D);
	map_user(SPACE_A, 20, RAM + 0x214000, PTE_W);             /* not accessed */
	map_user(SPACE_A, 21, RAM + 0x215000, PTE_W | PTE_A);     /* clean */
	map_user(SPACE_A, 22, 0x10000000, PTE_A | PTE_D);         /* no RAM there */
	((uint64_t *)hostvm_gpa(SPACE_A + 0x2000))[23] &= ~PTE_U; /* the kernel's */
	set_satp(v, a);
	v->mode = VMODE_U;
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x13000), SHADOW_FILLED);
	for (unsigned i = 0; i < 40; i++) {
		uint64_t va = i * 4096UL, r = user_page(v, va, PTE_R), w = user_page(v, va, PTE_W);
		bool in = i >= 16 && i < 32 && i != 20 && i != 22 && i != 23;
		assert_int_equal(r, in ? v->vm->ram_hpa + 0x200000 + va : 0);
		assert_int_equal(w, in && i != 21 ? r : 0);
	}
	assert_int_equal(v->shadow.ahead, 12);
	/* fences take the leaves ahead away like any other */
	shadow_fence(v, false, 0x11000, 1, false, 1);
	hostvm_check_shadow(v);
	assert_int_equal(user_page(v, 0x11000, PTE_R), v->vm->ram_hpa + 0x211000); /* refilled */
	shadow_fence(v, true, 0, 0, true, 0);
	assert_int_equal(user_page(v, 0x12000, PTE_R), 0);
	hostvm_check_shadow(v);
}

/*
 * Guest mappings with G = 1 are shared between cached spaces (§4.3.1): a
 * new space reaches the kernel pages another filled without a fault of its
 * own, a fence by ASID leaves them (§4.2.1), a fence by address with
 * rs2 = x0 removes them from every space, and a non-global leaf never
 * leaves its space.
 */
static void test_global_shared(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t a = space_table(SPACE_A, RAM + 0x200000, false, 1);
	uint64_t b = space_table(SPACE_B, RAM + 0x300000, false, 2);
	/* the kernel's page at 0x5000, global in both tables */
	uint64_t kernel = (RAM + 0x240000) >> 12 << 10 | PTE_LEAF | PTE_G;
	((uint64_t *)hostvm_gpa(SPACE_A + 0x2000))[5] = kernel;
	((uint64_t *)hostvm_gpa(SPACE_B + 0x2000))[5] = kernel;
	set_satp(v, a);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x5000), SHADOW_FILLED);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	uint64_t fills = v->stats.shadow_fills;
	set_satp(v, b);
	assert_int_equal(user_page(v, 0x5000, PTE_R), v->vm->ram_hpa + 0x240000);
	assert_int_equal(shadow_page(v), 0); /* A's own page: never B's */
	assert_int_equal(v->stats.shadow_fills, fills);
	/* B's own fill beside the kernel's page keeps both */
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	assert_int_equal(shadow_page(v), v->vm->ram_hpa + 0x300000);
	assert_int_equal(user_page(v, 0x5000, PTE_R), v->vm->ram_hpa + 0x240000);
	hostvm_check_shadow(v);
	/* by ASID: B's own leaves go, the global one stays for A and comes back for B */
	uint64_t all = hostvm_stats.fence_all;
	shadow_fence(v, true, 0, 0, false, 2);
	assert_int_equal(shadow_page(v), 0);
	set_satp(v, a);
	assert_int_equal(user_page(v, 0x5000, PTE_R), v->vm->ram_hpa + 0x240000);
	set_satp(v, b);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x5000), SHADOW_FILLED);
	assert_int_equal(hostvm_stats.fence_all, all); /* the same leaf again: no fence */
	hostvm_check_shadow(v);
	/* by address, every ASID: gone from every space, fenced in every ASID */
	((uint64_t *)hostvm_gpa(SPACE_A + 0x2000))[5] = 0;
	((uint64_t *)hostvm_gpa(SPACE_B + 0x2000))[5] = 0;
	shadow_fence(v, false, 0x5000, 1, true, 0);
	assert_int_equal(hostvm_stats.fence_all, all + 1);
	assert_int_equal(user_page(v, 0x5000, PTE_R), 0);
	set_satp(v, a);
	assert_int_equal(user_page(v, 0x5000, PTE_R), 0);
	assert_int_equal(shadow_page(v), v->vm->ram_hpa + 0x200000);
	hostvm_check_shadow(v);
	/* x0, x0: nothing left anywhere */
	((uint64_t *)hostvm_gpa(SPACE_A + 0x2000))[5] = kernel;
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x5000), SHADOW_FILLED);
	shadow_fence(v, true, 0, 0, true, 0);
	assert_int_equal(user_page(v, 0x5000, PTE_R), 0);
	assert_int_equal(v->shadow.pages, 0);
	hostvm_check_shadow(v);
}

/*
 * The region filter lets a fence by address skip trees that map nothing
 * near it, never one that does: a leaf in another 2 MiB region stays, the
 * leaf fenced goes, and a coarse tree (a guest gigapage in pieces) is
 * emptied by a fence anywhere in the gigapage, far from every piece.
 */
static void test_fence_filter(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t a = space_table(SPACE_A, RAM + 0x200000, false, 1);
	((uint64_t *)hostvm_gpa(SPACE_A + 0x1000))[3] =
	    (RAM + 0x200000) >> 12 << 10 | PTE_LEAF; /* a 2 MiB page at 6 MiB */
	set_satp(v, a);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x600000), SHADOW_FILLED);
	unmap_guest(SPACE_A);
	shadow_fence(v, false, 0x1000, 1, true, 0);
	assert_int_equal(shadow_page(v), 0);
	assert_int_equal(user_page(v, 0x600000, PTE_R), v->vm->ram_hpa + 0x200000);
	assert_int_equal(hostvm_stats.fence_page, 1);
	hostvm_check_shadow(v);
	/* a guest gigapage over 4 MiB of RAM: shadowed in pieces (coarse) */
	struct vcpu *w = hostvm_create(4 * MIB, false, 4);
	w->csr.satp = guest_gigapages(RAM + 0x3000, false);
	assert_int_equal(shadow_fault(w, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	*(uint64_t *)hostvm_gpa(RAM + 0x3000) = 0; /* the guest remaps it */
	shadow_fence(w, false, 0x3ff00000, 1, true, 0);
	leaf_count = 0;
	hostvm_each_leaf(w, VIEW_S, count_leaf, NULL);
	assert_int_equal(leaf_count, 0);
	hostvm_check_shadow(w);
}

/*
 * A fence by address keeps another space's leaf while that space's own
 * table still gives it unchanged (a TLB refilled at once would hold it):
 * no fault, no real fence.  Once the table changes, the same fence takes it.
 */
static void test_fence_keeps_unchanged(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t a = space_table(SPACE_A, RAM + 0x200000, false, 1);
	uint64_t b = space_table(SPACE_B, RAM + 0x300000, false, 2);
	set_satp(v, a);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	set_satp(v, b);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	/* B remaps its page and fences it with every ASID: A's leaf is still A's */
	((uint64_t *)hostvm_gpa(SPACE_B + 0x2000))[1] = (RAM + 0x280000) >> 12 << 10 | PTE_LEAF;
	uint64_t fences =
	    hostvm_stats.fence_all + hostvm_stats.fence_page + hostvm_stats.fence_asid;
	shadow_fence(v, false, 0x1000, 1, true, 0);
	/* B's old leaf went, with one real fence; the fenced page is filled ahead */
	assert_int_equal(hostvm_stats.fence_all + hostvm_stats.fence_page + hostvm_stats.fence_asid,
	                 fences + 1);
	assert_int_equal(shadow_page(v), v->vm->ram_hpa + 0x280000);
	hostvm_check_shadow(v);
	uint64_t fills = v->stats.shadow_fills;
	set_satp(v, a); /* A, fenced while B ran, is read as it comes back */
	assert_int_equal(v->shadow.kept, 1);
	assert_int_equal(shadow_page(v), v->vm->ram_hpa + 0x200000);
	assert_int_equal(v->stats.shadow_fills, fills);
	/* A's table changes while B runs: the next fence takes A's leaf */
	set_satp(v, b);
	((uint64_t *)hostvm_gpa(SPACE_A + 0x2000))[1] &= ~PTE_W;
	shadow_fence(v, false, 0x1000, 1, true, 0);
	set_satp(v, a);
	assert_int_equal(shadow_page(v), 0);
	hostvm_check_shadow(v);
}

/*
 * A fence by address that reaches a space which does not run marks it, and
 * the space is read where the fence reached when it runs again: no walk and
 * no real fence while it waits (Linux fences every page it maps in every
 * ASID: the other processes' leaves there were each walked at once), what
 * its table changed goes then, with its fence, and what it did not stays.
 */
static void test_fence_read_later(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t a = space_table(SPACE_A, RAM + 0x200000, false, 1);
	uint64_t b = space_table(SPACE_B, RAM + 0x300000, false, 2);
	((uint64_t *)hostvm_gpa(SPACE_A + 0x2000))[2] =
	    (RAM + 0x202000) >> 12 << 10 | PTE_V | PTE_R | PTE_A;
	set_satp(v, a);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	assert_int_equal(user_page(v, 0x2000, PTE_R), v->vm->ram_hpa + 0x202000); /* around */
	set_satp(v, b);
	/* A's page at 0x1000 changes while B runs; B maps and fences 0x1000 */
	((uint64_t *)hostvm_gpa(SPACE_A + 0x2000))[1] &= ~PTE_W;
	uint64_t fences =
	    hostvm_stats.fence_all + hostvm_stats.fence_page + hostvm_stats.fence_asid;
	shadow_fence(v, false, 0x1000, 1, true, 0);
	assert_int_equal(hostvm_stats.fence_all + hostvm_stats.fence_page + hostvm_stats.fence_asid,
	                 fences); /* B had nothing there; A waits */
	hostvm_check_shadow(v);
	set_satp(v, a);
	assert_true(hostvm_stats.fence_all + hostvm_stats.fence_page + hostvm_stats.fence_asid >
	            fences); /* A's old leaf is fenced before A runs */
	assert_int_equal(user_page(v, 0x1000, PTE_W), 0);
	assert_int_equal(user_page(v, 0x2000, PTE_R), v->vm->ram_hpa + 0x202000); /* unchanged */
	hostvm_check_shadow(v);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x1000), SHADOW_FILLED);
	assert_int_equal(user_page(v, 0x1000, PTE_R), v->vm->ram_hpa + 0x200000);
	assert_int_equal(user_page(v, 0x1000, PTE_W), 0);
	hostvm_check_shadow(v);
}

/*
 * Fault-around reads the guest's table as the walk would, PMP checking each
 * read (§3.7.1): where a PMP entry covers part of the 16-entry window (an
 * unreadable PTE in it), nothing is filled ahead.  pmp_perms() says -1 for
 * such a window, which popek took for "readable".
 */
static void test_fault_around_pmp_split(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, true, 8);
	uint64_t a = space_table(SPACE_A, RAM + 0x200000, false, 1);
	for (unsigned i = 16; i < 32; i++)
		map_user(SPACE_A, i, RAM + 0x200000 + i * 4096, PTE_W | PTE_A | PTE_D);
	/* entry 0: the 8 bytes of PTE 16, no access for S; entry 1: the rest, RWX */
	pmp_napot(v, 0, SPACE_A + 0x2000 + 16 * 8, 8, 0);
	pmp_napot(v, 1, 0, 0, 7);
	v->mode = VMODE_U;
	set_satp(v, a);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x11000), SHADOW_FILLED);
	assert_int_equal(user_page(v, 0x11000, PTE_R), v->vm->ram_hpa + 0x211000);
	assert_int_equal(user_page(v, 0x10000, PTE_R), 0); /* its PTE: an access fault */
	assert_int_equal(user_page(v, 0x12000, PTE_R), 0);
	assert_int_equal(v->shadow.ahead, 0);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 0x10000), SHADOW_ACCESS_FAULT);
	hostvm_check_shadow(v);
}

/*
 * Guest tables of `levels` levels at `root` mapping va to the 4 KiB page at
 * `page`, G as given: one path per call, its tables from `tables` on (one
 * page each below the root, where an earlier path has none).
 */
static void deep_map(int levels, uint64_t root, uint64_t tables, uint64_t va, uint64_t page,
                     bool global)
{
	uint64_t t = root;
	for (int level = levels - 1; level > 0; level--) {
		uint64_t *e = &((uint64_t *)hostvm_gpa(t))[(va >> (12 + 9 * level)) & 511];
		uint64_t next = tables + (uint64_t)(levels - 1 - level) * 0x1000;
		if (*e & PTE_V) /* a table an earlier path made: shared */
			next = (*e >> 10) << 12;
		*e = (next >> 12) << 10 | PTE_V;
		t = next;
	}
	((uint64_t *)hostvm_gpa(t))[(va >> 12) & 511] =
	    (page >> 12) << 10 | PTE_LEAF | (global ? PTE_G : 0);
}

#define SV48_LOW   0x28000001000UL      /* root slot 5: no Sv39 address */
#define SV48_HOLE  0xffffff0000002000UL /* root slot 510: popek's */
#define SV48_SLOT0 0x4000003000UL       /* slot 0, bit 38 set: Sv48 only */

/*
 * A guest in Sv48 (§4.5): its addresses index every root slot but popek's
 * own, and their shadows stay apart from popek's map and from any Sv39
 * space of the same root.  In popek's slot a load or store is emulated and
 * a fetch is an access fault (docs/conformance.md); a fence there leaves
 * popek's map alone.
 */
static void test_sv48_guest(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t root = RAM + 0x100000;
	deep_map(4, root, RAM + 0x101000, SV48_LOW, RAM + 0x200000, false);
	deep_map(4, root, RAM + 0x104000, SV48_HOLE, RAM + 0x201000, false);
	deep_map(4, root, RAM + 0x107000, SV48_SLOT0, RAM + 0x202000, true);
	uint64_t sv48 = SATP_MODE_SV48 | 1UL << 44 | root >> 12;
	set_satp(v, sv48);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, SV48_LOW), SHADOW_FILLED);
	assert_int_equal(user_page(v, SV48_LOW, PTE_W), v->vm->ram_hpa + 0x200000);
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, SV48_SLOT0), SHADOW_FILLED);
	assert_int_equal(user_page(v, SV48_SLOT0, PTE_R), v->vm->ram_hpa + 0x202000);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, SV48_HOLE), SHADOW_EMULATE);
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, SV48_HOLE), SHADOW_EMULATE);
	assert_int_equal(shadow_fault(v, CAUSE_FETCH_PAGE, SV48_HOLE), SHADOW_ACCESS_FAULT);
	assert_int_equal(user_page(v, SV48_HOLE, PTE_R), 0);
	uint64_t gpa;
	assert_int_equal(shadow_walk(v, SV48_HOLE, GW_LOAD, VMODE_S, false, &gpa), GW_OK);
	assert_int_equal(gpa, RAM + 0x201000);
	hostvm_check_shadow(v);
	/* a fence by address in popek's slot removes nothing of popek's */
	shadow_fence(v, false, SV48_HOLE, 1, true, 0);
	shadow_fence(v, false, SV48_HOLE, 1, false, 1);
	hostvm_check_shadow(v);
	assert_int_equal(user_page(v, SV48_LOW, PTE_R), v->vm->ram_hpa + 0x200000);
	/* the guest unmaps the page in slot 5 and fences it: gone */
	((uint64_t *)hostvm_gpa(RAM + 0x103000))[(SV48_LOW >> 12) & 511] = 0;
	shadow_fence(v, false, SV48_LOW, 1, true, 0);
	assert_int_equal(user_page(v, SV48_LOW, PTE_R), 0);
	deep_map(4, root, RAM + 0x101000, SV48_LOW, RAM + 0x200000, false);
	hostvm_check_shadow(v);

	/* the same root as Sv39: another space, where neither address is canonical */
	set_satp(v, SATP_MODE_SV39 | 1UL << 44 | root >> 12);
	assert_int_equal(user_page(v, SV48_LOW, PTE_R), 0);
	assert_int_equal(user_page(v, SV48_SLOT0, PTE_R), 0); /* the global leaf is Sv48's */
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, SV48_LOW), SHADOW_PAGE_FAULT);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, SV48_SLOT0), SHADOW_PAGE_FAULT);
	hostvm_check_shadow(v);
	/* and back: a fresh Sv48 space; emptying every tree frees every table page */
	set_satp(v, sv48);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, SV48_LOW), SHADOW_FILLED);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, SV48_SLOT0), SHADOW_FILLED);
	hostvm_check_shadow(v);
	shadow_fence(v, true, 0, 0, true, 0);
	assert_int_equal(v->shadow.pages, 0);
	hostvm_check_shadow(v);
}

#define SV57_LOW    0x5028000001000UL    /* root slot 5, then Sv48's slot 5 */
#define SV57_KERNEL 0xffffffff80001000UL /* root slot 511, upper slot 511: Linux's kernel */
#define SV57_HOLE   0xffffff0000002000UL /* root slot 511, upper slot 510: popek's */
#define SV57_HIGH   0xff60000000003000UL /* root slot 0x160: Linux's Sv57 direct map */

/*
 * A guest in Sv57 (§4.6): its space's trees are Sv57 roots, popek's map
 * reached below root slot 511 in each tree's own upper table; a global
 * leaf there is linked into a new process's space; going back to Sv39
 * gives Sv48 trees again, and nothing leaks.
 */
static void test_sv57_guest(void **state)
{
	(void)state;
	struct vcpu *v = hostvm_create(4 * MIB, false, 4);
	uint64_t root = RAM + 0x100000, root2 = RAM + 0x140000;
	deep_map(5, root, RAM + 0x101000, SV57_LOW, RAM + 0x200000, false);
	deep_map(5, root, RAM + 0x105000, SV57_KERNEL, RAM + 0x201000, true);
	deep_map(5, root, RAM + 0x109000, SV57_HOLE, RAM + 0x202000, false);
	deep_map(5, root, RAM + 0x10d000, SV57_HIGH, RAM + 0x203000, false);
	deep_map(5, root2, RAM + 0x141000, SV57_KERNEL, RAM + 0x201000, true);
	uint64_t a = 10UL << 60 | 1UL << 44 | root >> 12, b = 10UL << 60 | 2UL << 44 | root2 >> 12;
	set_satp(v, a);
	assert_int_equal(shadow_satp(&v->shadow, VIEW_S) >> 60, 10);
	assert_int_equal(shadow_satp(&v->shadow, VIEW_BARE) >> 60, 9);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, SV57_LOW), SHADOW_FILLED);
	assert_int_equal(shadow_fault(v, CAUSE_STORE_PAGE, SV57_KERNEL), SHADOW_FILLED);
	assert_int_equal(shadow_fault(v, CAUSE_FETCH_PAGE, SV57_HIGH), SHADOW_FILLED);
	assert_int_equal(user_page(v, SV57_LOW, PTE_R), v->vm->ram_hpa + 0x200000);
	assert_int_equal(user_page(v, SV57_KERNEL, PTE_W), v->vm->ram_hpa + 0x201000);
	assert_int_equal(user_page(v, SV57_HIGH, PTE_X), v->vm->ram_hpa + 0x203000);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, SV57_HOLE), SHADOW_EMULATE);
	assert_int_equal(shadow_fault(v, CAUSE_FETCH_PAGE, SV57_HOLE), SHADOW_ACCESS_FAULT);
	assert_int_equal(shadow_fault(v, CAUSE_LOAD_PAGE, 1UL << 56), SHADOW_PAGE_FAULT);
	hostvm_check_shadow(v);
	/* another process: the kernel's global page is there already, linked */
	uint64_t fills = v->stats.shadow_fills;
	set_satp(v, b);
	assert_int_equal(user_page(v, SV57_KERNEL, PTE_W), v->vm->ram_hpa + 0x201000);
	assert_int_equal(user_page(v, SV57_LOW, PTE_R), 0);
	assert_int_equal(v->stats.shadow_fills, fills);
	hostvm_check_shadow(v);
	/* fences: by address in popek's slot (nothing of popek's goes), by ASID, everything */
	shadow_fence(v, false, SV57_HOLE, 1, true, 0);
	shadow_fence(v, true, 0, 0, false, 1);
	hostvm_check_shadow(v);
	set_satp(v, a);
	assert_int_equal(user_page(v, SV57_LOW, PTE_R), 0);
	assert_int_equal(user_page(v, SV57_KERNEL, PTE_W), v->vm->ram_hpa + 0x201000);
	/* back to Sv39 (same root): four levels again, the Sv57 globals gone */
	set_satp(v, SATP_MODE_SV39 | 1UL << 44 | root >> 12);
	assert_int_equal(shadow_satp(&v->shadow, VIEW_S) >> 60, 9);
	assert_int_equal(user_page(v, SV57_KERNEL, PTE_R), 0);
	hostvm_check_shadow(v);
	shadow_fence(v, true, 0, 0, true, 0);
	assert_int_equal(v->shadow.pages, 0);
	hostvm_check_shadow(v);
}

/* A vM guest in vM with MPRV on, MPP = S, satp Bare, PMP giving S everything. */
static struct vcpu *vm_mprv(void)
{
	struct vcpu *v = hostvm_create(4 * MIB, true, 8);
	pmp_napot(v, 0, 0, 0, 7);
	v->mode = VMODE_M;
	v->csr.mstatus |= MSTATUS_MPRV | 1UL << MSTATUS_MPP_SHIFT;
	v->pc = RAM + 0x1000;
	return v;
}

/*
 * Issue 18: c.fld, c.fsd, c.fldsp and c.fsdsp under MPRV are carried out as
 * the board does them (popek used to give them a load or store access
 * fault): 8 bytes, the pc 2 on.
 */
static void test_compressed_fp_mprv(void **state)
{
	(void)state;
	static const struct {
		uint16_t insn; /* unpriv §16.3, RV64 */
		bool store;
		unsigned base, f;
		uint64_t off;
	} c[] = {
	    {0xa504, true, 10, 9, 8},    /* c.fsd fs1, 8(a0) */
	    {0x2504, false, 10, 9, 8},   /* c.fld fs1, 8(a0) */
	    {0xbfaa, true, 2, 10, 504},  /* c.fsdsp fa0, 504(sp) */
	    {0x347e, false, 2, 8, 504},  /* c.fldsp fs0, 504(sp) */
	    {0x3fe0, false, 15, 8, 248}, /* c.fld fs0, 248(a5) */
	};
	struct vcpu *v = vm_mprv();
	uint64_t data = RAM + 0x100000;
	memset(hostvm_gpa(data), 0, 4096);
	for (unsigned i = 0; i < sizeof c / sizeof c[0]; i++) {
		uint64_t pc = v->pc, val = 0x1122334455667788UL + i;
		put16(pc, c[i].insn);
		v->x[c[i].base] = data;
		if (c[i].store) {
			v->fp[c[i].f] = val;
		} else {
			memcpy(hostvm_gpa(data + c[i].off), &val, 8);
			v->fp[c[i].f] = 0;
		}
		uint64_t cause = c[i].store ? CAUSE_STORE_PAGE : CAUSE_LOAD_PAGE;
		assert_int_equal(emulate_load_store(v, cause, data + c[i].off), TRAP_RESUME);
		assert_int_equal(v->mode, VMODE_M); /* no trap */
		assert_int_equal(v->pc, pc + 2);
		assert_int_equal(c[i].store ? get64(data + c[i].off) : v->fp[c[i].f], val);
	}
}

/* An AMO of unpriv §8.2, .d: funct5 f5, rd, rs1, rs2. */
static uint32_t amo_d(unsigned f5, unsigned rd, unsigned rs1, unsigned rs2)
{
	return 0x2fU | rd << 7 | 3U << 12 | rs1 << 15 | rs2 << 20 | f5 << 27;
}

/*
 * Issue 18: an LR popek carries out (here under MPRV) leaves the hardware
 * without a reservation, so the guest's SC right after it failed where the
 * board's succeeds: popek carries that SC out too.  And an SC whose store
 * faulted had passed the hardware's reservation check: popek stores for it
 * (it used to fail it without an access).
 */
static void test_sc_after_emulated_lr(void **state)
{
	(void)state;
	struct vcpu *v = vm_mprv();
	uint64_t data = RAM + 0x100000, pc = v->pc;
	memset(hostvm_gpa(data), 0, 4096);
	*(uint64_t *)hostvm_gpa(data) = 5;
	put32(pc, amo_d(0x02, 12, 10, 0));      /* lr.d a2, (a0) */
	put32(pc + 4, amo_d(0x03, 13, 10, 11)); /* sc.d a3, a1, (a0) */
	v->x[10] = data;
	v->x[11] = 9;
	v->x[13] = 7;
	/* the hardware fetched the LR: its page is in the view */
	assert_int_equal(shadow_fault(v, CAUSE_FETCH_PAGE, pc), SHADOW_FILLED);
	assert_int_equal(emulate_load_store(v, CAUSE_LOAD_PAGE, data), TRAP_RESUME);
	assert_int_equal(v->mode, VMODE_M); /* no trap */
	assert_int_equal(v->x[12], 5);
	assert_int_equal(v->x[13], 0); /* the SC succeeded */
	assert_int_equal(get64(data), 9);
	assert_int_equal(v->pc, pc + 8);

	/* an SC alone whose store faulted: the reservation was the hardware's */
	v->pc = pc + 4;
	v->x[11] = 11;
	v->x[13] = 7;
	assert_int_equal(emulate_load_store(v, CAUSE_STORE_PAGE, data), TRAP_RESUME);
	assert_int_equal(v->x[13], 0);
	assert_int_equal(get64(data), 11);
	assert_int_equal(v->pc, pc + 8);

	/* something else after the LR: the guest runs on (its SC fails, as after any trap) */
	put32(pc + 4, 0x13); /* nop */
	v->pc = pc;
	assert_int_equal(emulate_load_store(v, CAUSE_LOAD_PAGE, data), TRAP_RESUME);
	assert_int_equal(v->x[12], 11);
	assert_int_equal(v->pc, pc + 4);
}

static void csrw(struct vcpu *v, unsigned csr, uint64_t val)
{
	uint64_t old;
	assert_int_equal(emulate_csr_rmw(v, VMODE_M, csr, VCSR_RW, val, true, &old), 0);
}

/* Trigger t: tdata2 then tdata1, as a guest writes them. */
static void trigger(struct vcpu *v, unsigned t, uint64_t tdata1, uint64_t tdata2)
{
	csrw(v, CSR_TSELECT, t);
	csrw(v, CSR_TSELECT + 2, tdata2);
	csrw(v, CSR_TSELECT + 1, tdata1);
}

#define MC_LOAD  1UL
#define MC_STORE 2UL
#define MC_EXEC  4UL
#define MC_U     (1UL << 3)
#define MC_S     (1UL << 4)
#define MC_M     (1UL << 6)
#define MC2(f)   (2UL << 60 | (f))

/* One load or store of insn at the pc on va; true when a trigger's breakpoint was taken. */
static bool access_breaks(struct vcpu *v, uint32_t insn, bool store, uint64_t va)
{
	uint64_t pc = v->pc;
	v->mode = VMODE_M;
	v->csr.mcause = 0;
	put32(pc, insn);
	emulate_load_store(v, store ? CAUSE_STORE_PAGE : CAUSE_LOAD_PAGE, va);
	if (v->csr.mcause != CAUSE_BREAKPOINT) {
		assert_int_equal(v->csr.mcause, 0); /* no trap at all */
		assert_int_equal(v->pc, pc + 4);
		v->pc = pc;
		return false;
	}
	assert_int_equal(v->csr.mtval, 0); /* the board's tval for a trigger */
	assert_int_equal(v->csr.mepc, pc);
	v->pc = pc;
	return true;
}

/*
 * Issue 18: load and store triggers fire as the board's (QEMU 7.2
 * debug.c): before the access, on any overlap with tdata2 and the size's
 * encoding as a length (8 for any), by mode, with the board's pairing of a
 * watchpoint with any trigger at its address.  popek used to never fire.
 */
static void test_trigger_load_store(void **state)
{
	(void)state;
	struct vcpu *v = vm_mprv();
	v->csr.mstatus &= ~MSTATUS_MPRV; /* M's own loads and stores: untranslated */
	uint64_t data = RAM + 0x100000;
	*(uint64_t *)hostvm_gpa(data) = 0x0102030405060708UL;
	trigger(v, 0, MC2(MC_M | MC_LOAD | 1UL << 16 /* 1 byte */), data + 4);
	v->x[11] = data;
	assert_true(access_breaks(v, INSN_LD, false, data)); /* ld a0, 0(a1) covers data+4 */
	assert_int_equal(v->x[10], 0);                       /* not loaded */
	v->x[10] = data;                                     /* sd a1, 0(a0) */
	v->x[11] = 7;
	assert_false(access_breaks(v, INSN_SD, true, data)); /* a load trigger: stores pass */
	assert_int_equal(get64(data), 7);
	/* S and U only: M's load passes */
	trigger(v, 0, MC2(MC_S | MC_U | MC_LOAD), data);
	v->x[11] = data;
	assert_false(access_breaks(v, INSN_LD, false, data));
	assert_int_equal(v->x[10], 7);
	/* a store trigger at data + 8, size any (8 bytes): sd at data misses it, at data + 4 not */
	trigger(v, 1, MC2(MC_M | MC_STORE), data + 8);
	v->x[10] = data;
	assert_false(access_breaks(v, INSN_SD, true, data));
	v->x[10] = data + 4;
	assert_true(access_breaks(v, INSN_SD, true, data + 4));
	assert_int_equal(get64(data + 8), 0); /* nothing stored */
	/* off again: the page is no longer watched */
	trigger(v, 0, MC2(0), 0);
	trigger(v, 1, MC2(0), 0);
	assert_false(v->trig.on);
	assert_int_equal(v->vm->watch.count, 0);
}

/*
 * The board pairs a breakpoint with any execute trigger whose mode bit
 * matches: an M-only trigger at a and a U-only one at b fire at a in U.
 */
static void test_trigger_exec_pairing(void **state)
{
	(void)state;
	struct vcpu *v = vm_mprv();
	uint64_t a = RAM + 0x2000, b = RAM + 0x3000;
	trigger(v, 0, MC2(MC_M | MC_EXEC), a);
	trigger(v, 1, MC2(MC_U | MC_EXEC), b);
	v->mode = VMODE_U;
	assert_true(vtrig_exec_fires(v, a));
	assert_true(vtrig_exec_fires(v, b));
	assert_false(vtrig_exec_fires(v, a + 4));
	v->mode = VMODE_S;
	assert_false(vtrig_exec_fires(v, a));
	v->mode = VMODE_M;
	assert_true(vtrig_exec_fires(v, b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pmp_write_only_page),
	    cmocka_unit_test(test_pmp_write_exec_page),
	    cmocka_unit_test(test_pool_churn_every_view),
	    cmocka_unit_test(test_coarse_survives_restart),
	    cmocka_unit_test(test_widen_fences),
	    cmocka_unit_test(test_misaligned_second_page),
	    cmocka_unit_test(test_ahead_fetch_as_hardware),
	    cmocka_unit_test(test_lookup_never_popek),
	    cmocka_unit_test(test_space_reused),
	    cmocka_unit_test(test_sfence_forms),
	    cmocka_unit_test(test_page_fence_sized),
	    cmocka_unit_test(test_asid_rollover),
	    cmocka_unit_test(test_space_eviction),
	    cmocka_unit_test(test_fence_fills_ahead),
	    cmocka_unit_test(test_fence_fill_in_place),
	    cmocka_unit_test(test_fault_around),
	    cmocka_unit_test(test_global_shared),
	    cmocka_unit_test(test_fence_filter),
	    cmocka_unit_test(test_fence_keeps_unchanged),
	    cmocka_unit_test(test_fence_read_later),
	    cmocka_unit_test(test_fault_around_pmp_split),
	    cmocka_unit_test(test_sv48_guest),
	    cmocka_unit_test(test_sv57_guest),
	    cmocka_unit_test(test_compressed_fp_mprv),
	    cmocka_unit_test(test_sc_after_emulated_lr),
	    cmocka_unit_test(test_trigger_load_store),
	    cmocka_unit_test(test_trigger_exec_pairing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
