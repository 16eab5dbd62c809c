/*
 * Shadow page tables.  Each view is an Sv48 root whose slot 510 is popek's
 * (shared with popek's own table, U=0, out of the guest's reach) and whose
 * slots 0 and 511 hold what popek has copied from the guest's Sv39 tables:
 * a guest Sv39 address, sign-extended from bit 38, indexes exactly those two
 * Sv48 slots, and below them Sv39 and Sv48 index alike.
 *
 * Leaves are filled one at a time on page faults, with the guest's own page
 * size when the whole (super)page is RAM, and with permissions no wider
 * than gwalk_shadow_perms() allows, so every access the guest's tables
 * would refuse — or that must set A or D — faults into popek first.
 */
#include "arch/riscv/shadow.h"
#include "arch/riscv/gwalk.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/mmu.h"
#include "arch/riscv/pmp.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/vcpu.h"
#include "core/check.h"
#include "core/emul.h"
#include "core/mem.h"
#include "core/panic.h"
#include "core/vm.h"

#include <stddef.h>

#define LEVELS         4 /* Sv48 */
#define PTE_TABLE(pte) (((pte) >> PTE_PPN_SHIFT) << PAGE_SHIFT)

static uint64_t *table(uint64_t pa)
{
	return pa_to_va(pa);
}

static unsigned vpn(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & 511;
}

static bool is_leaf(uint64_t pte)
{
	return pte & (PTE_R | PTE_W | PTE_X);
}

/* For CHECK(): compiled out with it in a normal build. */
__attribute__((unused)) static bool in_pool(const struct shadow *s, uint64_t pa)
{
	return pa >= s->pool_base && pa - s->pool_base < s->pool_pages * PAGE_SIZE &&
	       !(pa & (PAGE_SIZE - 1));
}

/*
 * A zeroed page of the vCPU's own pool.  The page limit keeps the pool from
 * running dry (install() evicts or starts over first), so running dry is
 * popek's bug.
 */
static uint64_t pool_alloc(struct shadow *s)
{
	uint64_t pa = s->pool_free;
	if (pa) {
		s->pool_free = table(pa)[0];
	} else {
		if (s->pool_used == s->pool_pages)
			panic("shadow: pool of %lu pages exhausted below the page limit",
			      s->pool_pages);
		pa = s->pool_base + s->pool_used++ * PAGE_SIZE;
	}
	CHECK(in_pool(s, pa), "shadow: free list holds %lx, outside the pool", pa);
	uint64_t *t = table(pa);
	for (int i = 0; i < 512; i++)
		t[i] = 0;
	return pa;
}

static void pool_free(struct shadow *s, uint64_t pa)
{
	CHECK(in_pool(s, pa), "shadow: freeing %lx, outside the pool", pa);
	table(pa)[0] = s->pool_free;
	s->pool_free = pa;
}

static bool is_paged(enum shadow_view view)
{
	return view >= SHADOW_PAGED_FIRST && view < SHADOW_PAGED_FIRST + SHADOW_PAGED;
}

/* The tree the hardware runs for `view` now: the current space's, for a paged view. */
static struct shadow_tree *tree_of(struct shadow *s, enum shadow_view view)
{
	return is_paged(view) ? &s->space[s->cur].tree[view - SHADOW_PAGED_FIRST] : &s->fixed[view];
}

static const struct shadow_tree *tree_of_const(const struct shadow *s, enum shadow_view view)
{
	return is_paged(view) ? &s->space[s->cur].tree[view - SHADOW_PAGED_FIRST] : &s->fixed[view];
}

static void tree_init(struct shadow *s, struct shadow_tree *t, unsigned asid)
{
	t->root = pool_alloc(s);
	table(t->root)[DIRECT_MAP_SLOT] = table(mmu_root())[DIRECT_MAP_SLOT];
	t->asid = (uint16_t)asid;
	t->stale = SHADOW_STALE_NONE;
	t->coarse = false;
	t->live = false;
}

int shadow_init(struct shadow *s, uint64_t guest_ram, unsigned asid_base)
{
	s->pages = 0;
	s->page_limit = SHADOW_PAGE_LIMIT(guest_ram);
	s->pool_pages = SHADOW_ROOTS + s->page_limit;
	s->pool_base = mem_alloc_range(s->pool_pages * PAGE_SIZE, PAGE_SIZE);
	s->pool_used = 0;
	s->pool_free = 0;
	s->cur = 0;
	s->clock = 0;
	s->fences = s->space_hits = s->space_misses = 0;
	if (!s->pool_base)
		return -1;
	unsigned asid = asid_base;
	for (int view = 0; view < VIEW_COUNT; view++) {
		if (!is_paged(view))
			tree_init(s, &s->fixed[view], asid++);
	}
	for (int i = 0; i < SHADOW_SPACES; i++) {
		s->space[i].key = SHADOW_NO_KEY;
		s->space[i].used = 0;
		for (int p = 0; p < SHADOW_PAGED; p++)
			tree_init(s, &s->space[i].tree[p], asid++);
	}
	return 0;
}

enum shadow_view shadow_view_of(const struct vcpu *v)
{
	if (v->mode == VMODE_M)
		return vcsr_data_mode(&v->csr, VMODE_M) == VMODE_M ? VIEW_M : VIEW_M_MPRV;
	if ((v->csr.satp >> 60) == 0)
		return VIEW_BARE;
	if (v->mode == VMODE_U)
		return VIEW_U;
	return v->csr.mstatus & SSTATUS_SUM ? VIEW_S_SUM : VIEW_S;
}

static uint64_t real_asid(const struct shadow_tree *t)
{
	return t->asid & mmu_asid_mask();
}

uint64_t shadow_asid(const struct shadow *s, enum shadow_view view)
{
	return real_asid(tree_of_const(s, view));
}

uint64_t shadow_satp(const struct shadow *s, enum shadow_view view)
{
	const struct shadow_tree *t = tree_of_const(s, view);
	return SATP_MODE_SV48 | real_asid(t) << 44 | t->root >> PAGE_SHIFT;
}

/* ---- fences: only for what the hardware could have cached, and sized to it ---- */

/* The TLB may hold the entry for va under t's ASID, which t no longer has. */
static void stale_page(struct shadow_tree *t, uint64_t va)
{
	va &= ~(PAGE_SIZE - 1);
	if (t->stale == SHADOW_STALE_NONE) {
		t->stale = SHADOW_STALE_PAGE;
		t->stale_va = va;
	} else if (t->stale_va != va) {
		t->stale = SHADOW_STALE_ASID;
	}
}

/*
 * Fences what every tree marked stale, before the guest runs again or a
 * freed table page is reused (§4.2.1).  By page and ASID, or by ASID; one
 * global fence instead when more than a few are due, since on QEMU every
 * sfence.vma empties the whole software TLB: the count is what costs there.
 */
#define FENCES_MAX 3
static void fence_stale(struct shadow *s)
{
	struct shadow_tree *due[FENCES_MAX];
	unsigned n = 0;
	bool global = false;
	for (int view = 0; view < VIEW_COUNT && !global; view++) {
		if (!is_paged(view) && s->fixed[view].stale != SHADOW_STALE_NONE) {
			global = n == FENCES_MAX;
			if (!global)
				due[n++] = &s->fixed[view];
		}
	}
	for (int i = 0; i < SHADOW_SPACES && !global; i++) {
		for (int p = 0; p < SHADOW_PAGED && !global; p++) {
			struct shadow_tree *t = &s->space[i].tree[p];
			if (t->stale != SHADOW_STALE_NONE) {
				global = n == FENCES_MAX;
				if (!global)
					due[n++] = t;
			}
		}
	}
	if (global) {
		sfence_vma_all();
		s->fences++;
		for (int view = 0; view < VIEW_COUNT; view++)
			s->fixed[view].stale = SHADOW_STALE_NONE;
		for (int i = 0; i < SHADOW_SPACES; i++)
			for (int p = 0; p < SHADOW_PAGED; p++)
				s->space[i].tree[p].stale = SHADOW_STALE_NONE;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (due[i]->stale == SHADOW_STALE_PAGE)
			sfence_vma_page(due[i]->stale_va, real_asid(due[i]));
		else
			mmu_fence_asid(real_asid(due[i]));
		due[i]->stale = SHADOW_STALE_NONE;
		s->fences++;
	}
}

/* ---- emptying ---- */

/* Frees the table at `pa` (a level-`level` table) and everything below it. */
static void free_tree(struct shadow *s, uint64_t pa, int level)
{
	uint64_t *t = table(pa);
	for (int i = 0; level > 0 && i < 512; i++) {
		if ((t[i] & PTE_V) && !is_leaf(t[i]))
			free_tree(s, PTE_TABLE(t[i]), level - 1);
	}
	CHECK(s->pages > 0, "shadow: freeing more table pages than were taken");
	pool_free(s, pa);
	s->pages--;
}

/* Empties one tree: every guest slot, never popek's.  The caller fences. */
static void empty_tree(struct shadow *s, struct shadow_tree *tr)
{
	if (!tr->live)
		return; /* nothing installed since it was last emptied (and fenced) */
	uint64_t *root = table(tr->root);
	for (int i = 0; i < 512; i++) {
		if (i == DIRECT_MAP_SLOT || !(root[i] & PTE_V))
			continue;
		if (!is_leaf(root[i]))
			free_tree(s, PTE_TABLE(root[i]), LEVELS - 2);
		root[i] = 0;
	}
	tr->coarse = false;
	tr->live = false;
	tr->stale = SHADOW_STALE_ASID;
}

static void empty_space(struct shadow *s, struct shadow_space *sp)
{
	for (int p = 0; p < SHADOW_PAGED; p++)
		empty_tree(s, &sp->tree[p]);
}

/* Removes whatever leaf maps va in `tr`; true if there was one. */
static bool unmap_page(struct shadow_tree *tr, uint64_t va)
{
	uint64_t *t = table(tr->root);
	for (int level = LEVELS - 1; level >= 0; level--) {
		uint64_t *pte = &t[vpn(va, level)];
		if (!(*pte & PTE_V))
			return false;
		if (is_leaf(*pte)) {
			*pte = 0;
			return true;
		}
		t = table(PTE_TABLE(*pte));
	}
	return false;
}

/* Guest ASID and root PPN of an Sv39 satp: the key of its space. */
static uint64_t key_of(uint64_t satp)
{
	return satp & ((0xffffUL << 44) | ((1UL << 44) - 1));
}

static uint64_t key_asid(uint64_t key)
{
	return key >> 44;
}

/* The tree pages of every space but the current one, oldest first, until `need` fit. */
static void evict_for(struct shadow *s, uint64_t need)
{
	while (s->pages + need > s->page_limit) {
		struct shadow_space *old = NULL;
		for (int i = 0; i < SHADOW_SPACES; i++) {
			struct shadow_space *sp = &s->space[i];
			bool has = sp->tree[0].live || sp->tree[1].live || sp->tree[2].live;
			if ((unsigned)i != s->cur && has && (!old || sp->used < old->used))
				old = sp;
		}
		if (!old)
			return;
		empty_space(s, old);
		old->key = SHADOW_NO_KEY;
		old->used = 0; /* the first to be reused */
	}
}

void shadow_switch(struct vcpu *v)
{
	struct shadow *s = &v->shadow;
	if ((v->csr.satp >> 60) == 0)
		return; /* Bare: no paged view runs; the current space stays as it is */
	uint64_t key = key_of(v->csr.satp);
	struct shadow_space *sp = &s->space[s->cur];
	if (sp->key != key) {
		int hit = -1, oldest = 0;
		for (int i = 0; i < SHADOW_SPACES && hit < 0; i++) {
			if (s->space[i].key == key)
				hit = i;
			else if (s->space[i].used < s->space[oldest].used)
				oldest = i;
		}
		s->cur = (unsigned)(hit >= 0 ? hit : oldest);
		sp = &s->space[s->cur];
		if (hit >= 0) {
			s->space_hits++;
		} else {
			/* the oldest space goes: its tables back to the pool, its ASIDs fenced */
			s->space_misses++;
			empty_space(s, sp);
			fence_stale(s);
			sp->key = key;
		}
	}
	sp->used = ++s->clock;
}

/* A matching space's trees lose the pages [va, va + pages): stale entries marked. */
static void flush_pages(struct shadow *s, struct shadow_space *sp, uint64_t va, uint64_t pages)
{
	for (int p = 0; p < SHADOW_PAGED; p++) {
		struct shadow_tree *tr = &sp->tree[p];
		if (!tr->live)
			continue;
		/* A coarse tree may hold the guest superpage at va in pieces: empty it all. */
		if (tr->coarse) {
			empty_tree(s, tr);
			continue;
		}
		for (uint64_t i = 0; i < pages; i++) {
			uint64_t a =
			    va + i * PAGE_SIZE; /* wraps past the top as the guest's range does */
			if (!gwalk_sv39_canonical(a)) {
				empty_tree(s, tr); /* the board (QEMU) flushes everything here */
				break;
			}
			if (unmap_page(tr, a))
				stale_page(tr, a);
		}
	}
}

void shadow_fence(struct vcpu *v, bool all_va, uint64_t va, uint64_t pages, bool all_asid,
                  uint64_t asid)
{
	struct shadow *s = &v->shadow;
	asid &= 0xffff; /* §4.2.1: rs2 bits past ASIDMAX are ignored */
	for (int i = 0; i < SHADOW_SPACES; i++) {
		struct shadow_space *sp = &s->space[i];
		/*
		 * By ASID, only that space's non-global entries need go (§4.2.1);
		 * popek drops its global ones too (more than asked, never less).
		 * By address with rs2 = x0, every space: global mappings included.
		 */
		if (sp->key == SHADOW_NO_KEY || (!all_asid && key_asid(sp->key) != asid))
			continue;
		if (all_va)
			empty_space(s, sp);
		else
			flush_pages(s, sp, va & ~(PAGE_SIZE - 1), pages);
	}
	if (all_va)
		v->stats.shadow_flushes++;
	fence_stale(s);
}

void shadow_flush(struct vcpu *v, bool all, uint64_t va)
{
	shadow_fence(v, all, va, 1, true, 0);
	/* the satp may have changed without shadow_switch() (or this is its flush): follow it */
	shadow_switch(v);
}

void shadow_flush_all(struct vcpu *v)
{
	struct shadow *s = &v->shadow;
	for (int view = 0; view < VIEW_COUNT; view++) {
		if (!is_paged(view))
			empty_tree(s, &s->fixed[view]);
	}
	for (int i = 0; i < SHADOW_SPACES; i++)
		empty_space(s, &s->space[i]);
	v->stats.shadow_flushes++;
	fence_stale(s);
}

/*
 * Installs a leaf mapping va → hpa at `level` (0: 4 KiB, 1: 2 MiB, 2: 1 GiB)
 * in `view`; `coarse`: it is a piece of a larger guest page.
 */
static void install(struct vcpu *v, enum shadow_view view, uint64_t va, uint64_t hpa, int level,
                    uint64_t perms, bool coarse)
{
	struct shadow *s = &v->shadow;
	/* A V entry with no R, W or X is a pointer to a table: never one into guest RAM. */
	CHECK((perms & (PTE_R | PTE_W | PTE_X)) && !(perms & ~(PTE_R | PTE_W | PTE_X)) &&
	          (perms & (PTE_R | PTE_W)) != PTE_W,
	      "shadow: leaf perms %lx", perms);
	CHECK(hpa >= v->vm->ram_hpa && hpa - v->vm->ram_hpa < v->vm->ram_size &&
	          (PAGE_SIZE << (9 * level)) <= v->vm->ram_size - (hpa - v->vm->ram_hpa) &&
	          !(hpa & ((PAGE_SIZE << (9 * level)) - 1)),
	      "shadow: level-%d leaf at %lx outside the VM's RAM", level, hpa);
	if (s->pages + LEVELS > s->page_limit) {
		evict_for(s, LEVELS); /* other address spaces first, oldest first */
		fence_stale(s);
		if (s->pages + LEVELS > s->page_limit)
			shadow_flush_all(v); /* this space alone churns: start over */
	}
	struct shadow_tree *tr = tree_of(s, view);
	if (coarse)
		tr->coarse = true; /* after any flush, which clears it: sfence must empty all */
	tr->live = true;
	uint64_t *t = table(tr->root);
	for (int l = LEVELS - 1; l > level; l--) {
		uint64_t *pte = &t[vpn(va, l)];
		if ((*pte & PTE_V) && is_leaf(*pte)) {
			*pte = 0; /* a stale larger leaf: replaced by a table */
			stale_page(tr, va);
			fence_stale(s);
		}
		if (!(*pte & PTE_V)) {
			*pte = (pool_alloc(s) >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
			s->pages++;
		}
		CHECK(in_pool(s, PTE_TABLE(*pte)), "shadow: table %lx outside the pool",
		      PTE_TABLE(*pte));
		t = table(PTE_TABLE(*pte));
	}
	uint64_t *pte = &t[vpn(va, level)];
	bool replaced = (*pte & PTE_V) && is_leaf(*pte);
	if ((*pte & PTE_V) && !is_leaf(*pte) && level > 0) {
		free_tree(s, PTE_TABLE(*pte),
		          level - 1); /* stale smaller pages under a new superpage */
		*pte = 0;
		tr->stale = SHADOW_STALE_ASID; /* every one of them, before the tables are reused */
		fence_stale(s);
	}
	*pte = (hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT | perms | PTE_U | PTE_V | PTE_A | PTE_D;
	/* §4.2.1: a valid leaf changed (widened) in place; the old one may be cached */
	if (replaced) {
		stale_page(tr, va);
		fence_stale(s);
	}
	v->stats.shadow_fills++;
	v->note = "shadow filled";
}

static enum gwalk_access access_of(uint64_t cause)
{
	return cause == CAUSE_FETCH_PAGE ? GW_FETCH : cause == CAUSE_LOAD_PAGE ? GW_LOAD : GW_STORE;
}

static uint64_t *guest_pte(void *ctx, uint64_t gpa)
{
	struct vcpu *v = ctx;
	/* §3.7.1: the table walk's own reads are checked by PMP as S-mode loads */
	if (v->csr.has_m && (pmp_perms(&v->csr, VMODE_S, gpa, 8) & PMP_R) == 0)
		return NULL;
	return vm_gpa_to_hva(v->vm, gpa, 8);
}

/* The privilege PMP checks a view's accesses with. */
static enum vmode pmp_mode(const struct vcpu *v, enum shadow_view view)
{
	return view == VIEW_M || view == VIEW_M_MPRV ? VMODE_M : v->mode;
}

static uint64_t needs(uint64_t cause)
{
	return cause == CAUSE_FETCH_PAGE ? PTE_X : cause == CAUSE_LOAD_PAGE ? PTE_R : PTE_W;
}

/*
 * Shadows the guest page of `level` holding va → gpa with at most `perms`,
 * in pieces where the host RAM is less aligned than the guest's page or PMP
 * decides parts of it differently.
 */
static enum shadow_fault map_guest_page(struct vcpu *v, enum shadow_view view, uint64_t cause,
                                        uint64_t va, uint64_t page_va, uint64_t page_gpa, int level,
                                        uint64_t perms)
{
	struct vm *vm = v->vm;
	uint64_t gpa = page_gpa + (va - page_va);
	enum vmode pm = pmp_mode(v, view);
	int l;
	if (vm_gpa_to_hva(vm, page_gpa, PAGE_SIZE << (9 * level))) {
		for (l = level; l > 0; l--) {
			uint64_t size = PAGE_SIZE << (9 * l);
			uint64_t piece_gpa = gpa & ~(size - 1);
			/* The host page must be as aligned as the guest's, and PMP must not split it. */
			if (!((vm->ram_hpa + (piece_gpa - vm->ram_gpa)) & (size - 1)) &&
			    pmp_perms(&v->csr, pm, piece_gpa, size) >= 0)
				break;
		}
	} else if (vm_gpa_to_hva(vm, gpa & ~(PAGE_SIZE - 1), PAGE_SIZE)) {
		l = 0; /* part RAM, part not: only this 4 KiB piece */
	} else {
		/* a device, or nothing: emulate_load_store() reports the fault as the board does */
		return cause != CAUSE_FETCH_PAGE ? SHADOW_EMULATE : SHADOW_ACCESS_FAULT;
	}
	uint64_t piece = PAGE_SIZE << (9 * l);
	uint64_t piece_va = va & ~(piece - 1), piece_gpa = gpa & ~(piece - 1);
	int pp = pmp_perms(&v->csr, pm, piece_gpa, piece);
	if (pp < 0) /* PMP finer than a page: each load and store is checked as it comes */
		return cause == CAUSE_FETCH_PAGE ? SHADOW_ACCESS_FAULT : SHADOW_EMULATE;
	perms &= (uint64_t)pp;
	if (!(perms & needs(cause)))
		return SHADOW_ACCESS_FAULT; /* the guest's tables allow it; its PMP does not */
	/*
	 * W without R is reserved in a PTE (§4.3.1), but the board keeps PMP's
	 * reserved R = 0, W = 1 (QEMU 7.2 stores pmpcfg as written) and lets such
	 * stores through: the leaf gets X or nothing, and each store is emulated.
	 */
	if ((perms & (PTE_R | PTE_W)) == PTE_W) {
		perms &= ~PTE_W;
		if (cause == CAUSE_STORE_PAGE)
			return SHADOW_EMULATE;
	}
	install(v, view, piece_va, vm->ram_hpa + (piece_gpa - vm->ram_gpa), l, perms, l < level);
	return SHADOW_FILLED;
}

enum gwalk_status shadow_walk(struct vcpu *v, uint64_t va, enum gwalk_access acc, enum vmode mode,
                              bool update_ad, uint64_t *gpa)
{
	if (mode == VMODE_M || (v->csr.satp >> 60) == 0) {
		*gpa = va;
		return GW_OK;
	}
	struct gwalk_result r;
	bool sum = v->csr.mstatus & SSTATUS_SUM, mxr = v->csr.mstatus & SSTATUS_MXR;
	enum gwalk_status st =
	    gwalk(guest_pte, v, v->csr.satp, va, acc, mode, sum, mxr, update_ad, &r);
	*gpa = r.gpa;
	return st;
}

enum shadow_fault shadow_fault(struct vcpu *v, uint64_t cause, uint64_t va)
{
	enum shadow_view view = shadow_view_of(v);
	if (is_paged(view) && v->shadow.space[v->shadow.cur].key != key_of(v->csr.satp))
		shadow_switch(v); /* satp set behind emulate_csr()'s back (tests, fuzzing) */
	if (view == VIEW_M_MPRV && cause != CAUSE_FETCH_PAGE)
		return SHADOW_EMULATE; /* loads and stores translated as MPP would translate them */
	if (view == VIEW_BARE || view == VIEW_M || view == VIEW_M_MPRV) {
		/* Guest-physical = guest-virtual; RAM mapped in 2 MiB pieces where aligned. */
		int level = vm_gpa_to_hva(v->vm, va & ~((2UL << 20) - 1), 2UL << 20) ? 1 : 0;
		uint64_t page = va & ~((PAGE_SIZE << (9 * level)) - 1);
		uint64_t perms = view == VIEW_M_MPRV ? PTE_X : PTE_R | PTE_W | PTE_X;
		return map_guest_page(v, view, cause, va, page, page, level, perms);
	}
	bool sum = v->csr.mstatus & SSTATUS_SUM, mxr = v->csr.mstatus & SSTATUS_MXR;
	struct gwalk_result r;
	switch (
	    gwalk(guest_pte, v, v->csr.satp, va, access_of(cause), v->mode, sum, mxr, true, &r)) {
	case GW_PAGE_FAULT:
		return SHADOW_PAGE_FAULT;
	case GW_ACCESS_FAULT:
		return SHADOW_ACCESS_FAULT;
	case GW_OK:
		break;
	}
	uint64_t perms = gwalk_shadow_perms(r.pte, v->mode, sum, mxr);
	if (!perms) /* cannot follow a walk that allowed the access; never install V with no R/W/X */
		return SHADOW_PAGE_FAULT;
	return map_guest_page(v, view, cause, va, r.page_va, r.page_gpa, r.level, perms);
}

int shadow_translate(struct vcpu *v, uint64_t va, bool fetch, uint64_t *gpa)
{
	return shadow_walk(v, va, fetch ? GW_FETCH : GW_LOAD, v->mode, false, gpa) == GW_OK ? 0
	                                                                                    : -1;
}

int shadow_lookup(const struct vcpu *v, uint64_t va, uint64_t perm, uint64_t *hpa)
{
	uint64_t *t = table(tree_of_const(&v->shadow, shadow_view_of(v))->root);
	for (int level = LEVELS - 1; level >= 0; level--) {
		uint64_t pte = t[vpn(va, level)];
		if (!(pte & PTE_V))
			return -1;
		if (is_leaf(pte)) {
			/* U = 0 is popek's own map (slot 510): never the guest's */
			if ((pte & (PTE_U | perm)) != (PTE_U | perm))
				return -1;
			uint64_t size = PAGE_SIZE << (9 * level);
			*hpa = PTE_TABLE(pte) + (va & (size - 1));
			CHECK(*hpa >= v->vm->ram_hpa && *hpa - v->vm->ram_hpa < v->vm->ram_size,
			      "shadow: leaf for %lx reaches %lx, outside the VM's RAM", va, *hpa);
			return 0;
		}
		t = table(PTE_TABLE(pte));
	}
	return -1;
}
