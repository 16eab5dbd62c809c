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
 * running dry (install() starts over first), so running dry is popek's bug.
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

int shadow_init(struct shadow *s, uint64_t guest_ram, unsigned asid_base)
{
	s->asid_base = asid_base;
	s->pages = 0;
	s->page_limit = SHADOW_PAGE_LIMIT(guest_ram);
	s->pool_pages = VIEW_COUNT + s->page_limit;
	s->pool_base = mem_alloc_range(s->pool_pages * PAGE_SIZE, PAGE_SIZE);
	s->pool_used = 0;
	s->pool_free = 0;
	if (!s->pool_base)
		return -1;
	for (int i = 0; i < VIEW_COUNT; i++) {
		s->root[i] = pool_alloc(s);
		table(s->root[i])[DIRECT_MAP_SLOT] = table(mmu_root())[DIRECT_MAP_SLOT];
		s->coarse[i] = false;
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

uint64_t shadow_asid(const struct shadow *s, enum shadow_view view)
{
	return (s->asid_base + view) & mmu_asid_mask();
}

uint64_t shadow_satp(const struct shadow *s, enum shadow_view view)
{
	return SATP_MODE_SV48 | shadow_asid(s, view) << 44 | s->root[view] >> PAGE_SHIFT;
}

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

/* Empties one view: every guest slot, never popek's. */
static void flush_view(struct shadow *s, enum shadow_view view)
{
	uint64_t *root = table(s->root[view]);
	for (int i = 0; i < 512; i++) {
		if (i == DIRECT_MAP_SLOT || !(root[i] & PTE_V))
			continue;
		if (!is_leaf(root[i]))
			free_tree(s, PTE_TABLE(root[i]), LEVELS - 2);
		root[i] = 0;
	}
	s->coarse[view] = false;
}

/* The views built from the guest's page tables: U, S and S with SUM. */
#define PAGED_FIRST VIEW_U
#define PAGED_END   (VIEW_S_SUM + 1)

static void flush_paged(struct vcpu *v)
{
	for (int view = PAGED_FIRST; view < PAGED_END; view++)
		flush_view(&v->shadow, view);
	v->stats.shadow_flushes++;
	sfence_vma_all();
}

/* Removes whatever leaf maps va in `view`. */
static void unmap_page(struct shadow *s, enum shadow_view view, uint64_t va)
{
	uint64_t *t = table(s->root[view]);
	for (int level = LEVELS - 1; level >= 0; level--) {
		uint64_t *pte = &t[vpn(va, level)];
		if (!(*pte & PTE_V))
			return;
		if (is_leaf(*pte)) {
			*pte = 0;
			return;
		}
		t = table(PTE_TABLE(*pte));
	}
}

void shadow_flush(struct vcpu *v, bool all, uint64_t va)
{
	struct shadow *s = &v->shadow;
	bool coarse = false;
	for (int view = PAGED_FIRST; view < PAGED_END; view++)
		coarse |= s->coarse[view];
	if (all || coarse || !gwalk_sv39_canonical(va)) {
		flush_paged(v);
		return;
	}
	for (int view = PAGED_FIRST; view < PAGED_END; view++)
		unmap_page(s, view, va);
	sfence_vma_all();
}

void shadow_flush_all(struct vcpu *v)
{
	for (int view = 0; view < VIEW_COUNT; view++)
		flush_view(&v->shadow, view);
	v->stats.shadow_flushes++;
	sfence_vma_all();
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
	if (s->pages + LEVELS > s->page_limit)
		shadow_flush_all(v); /* a guest churning through address space: start over */
	if (coarse)
		s->coarse[view] =
		    true; /* after any flush, which clears it: sfence must empty all */
	uint64_t *t = table(s->root[view]);
	for (int l = LEVELS - 1; l > level; l--) {
		uint64_t *pte = &t[vpn(va, l)];
		if ((*pte & PTE_V) && is_leaf(*pte)) {
			*pte = 0; /* a stale larger leaf: replaced by a table */
			sfence_vma_all();
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
		sfence_vma_all(); /* before the freed tables can be reused */
	}
	*pte = (hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT | perms | PTE_U | PTE_V | PTE_A | PTE_D;
	/* §4.2.1: a valid leaf changed (widened) in place; the old one may be cached */
	if (replaced)
		sfence_vma_page(va, shadow_asid(s, view));
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
		return emul_find(&vm->emul, gpa) && cause != CAUSE_FETCH_PAGE ? SHADOW_EMULATE
		                                                              : SHADOW_ACCESS_FAULT;
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
	const struct shadow *s = &v->shadow;
	uint64_t *t = table(s->root[shadow_view_of(v)]);
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
