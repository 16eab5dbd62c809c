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
#include "core/emul.h"
#include "core/mem.h"
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

static uint64_t new_root(void)
{
	uint64_t root = page_alloc();
	table(root)[DIRECT_MAP_SLOT] = table(mmu_root())[DIRECT_MAP_SLOT];
	return root;
}

void shadow_init(struct shadow *s, uint64_t guest_ram, unsigned asid_base)
{
	s->asid_base = asid_base;
	for (int i = 0; i < VIEW_COUNT; i++) {
		s->root[i] = new_root();
		s->coarse[i] = false;
	}
	s->pages = 0;
	/* Enough for every view to map all of RAM with 4 KiB pages, and then some. */
	s->page_limit = VIEW_COUNT * (guest_ram >> 21) + 256;
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

uint64_t shadow_satp(const struct shadow *s, enum shadow_view view)
{
	return SATP_MODE_SV48 | (uint64_t)(s->asid_base + view) << 44 | s->root[view] >> PAGE_SHIFT;
}

/* Frees the table at `pa` (a level-`level` table) and everything below it. */
static void free_tree(struct shadow *s, uint64_t pa, int level)
{
	uint64_t *t = table(pa);
	for (int i = 0; level > 0 && i < 512; i++) {
		if ((t[i] & PTE_V) && !is_leaf(t[i]))
			free_tree(s, PTE_TABLE(t[i]), level - 1);
	}
	page_free(pa);
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

/* Installs a leaf mapping va → hpa at `level` (0: 4 KiB, 1: 2 MiB, 2: 1 GiB). */
static void install(struct vcpu *v, enum shadow_view view, uint64_t va, uint64_t hpa, int level,
                    uint64_t perms)
{
	struct shadow *s = &v->shadow;
	if (s->pages + LEVELS > s->page_limit)
		shadow_flush_all(v); /* a guest churning through address space: start over */
	uint64_t *t = table(s->root[view]);
	for (int l = LEVELS - 1; l > level; l--) {
		uint64_t *pte = &t[vpn(va, l)];
		if ((*pte & PTE_V) && is_leaf(*pte)) {
			*pte = 0; /* a stale larger leaf: replaced by a table */
			sfence_vma_all();
		}
		if (!(*pte & PTE_V)) {
			*pte = (page_alloc() >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
			s->pages++;
		}
		t = table(PTE_TABLE(*pte));
	}
	uint64_t *pte = &t[vpn(va, level)];
	if ((*pte & PTE_V) && !is_leaf(*pte) && level > 0) {
		free_tree(s, PTE_TABLE(*pte),
		          level - 1); /* stale smaller pages under a new superpage */
		*pte = 0;
		sfence_vma_all(); /* before the freed tables can be reused */
	}
	*pte = (hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT | perms | PTE_U | PTE_V | PTE_A | PTE_D;
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
	if (l < level)
		v->shadow.coarse[view] = true; /* and sfence must flush it all */
	uint64_t piece = PAGE_SIZE << (9 * l);
	uint64_t piece_va = va & ~(piece - 1), piece_gpa = gpa & ~(piece - 1);
	int pp = pmp_perms(&v->csr, pm, piece_gpa, piece);
	if (pp < 0) /* PMP finer than a page: each load and store is checked as it comes */
		return cause == CAUSE_FETCH_PAGE ? SHADOW_ACCESS_FAULT : SHADOW_EMULATE;
	perms &= (uint64_t)pp;
	if (!(perms & needs(cause)))
		return SHADOW_ACCESS_FAULT; /* the guest's tables allow it; its PMP does not */
	/* W without R is reserved in a PTE; such a shadow leaf can only be X or nothing. */
	if ((perms & (PTE_R | PTE_W)) == PTE_W)
		perms &= ~PTE_W;
	install(v, view, piece_va, vm->ram_hpa + (piece_gpa - vm->ram_gpa), l, perms);
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
