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
#include "arch/riscv/riscv.h"
#include "arch/riscv/vcpu.h"
#include "core/emul.h"
#include "core/mem.h"
#include "core/vm.h"

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
	if ((v->csr.satp >> 60) == 0)
		return VIEW_BARE;
	if (v->mode == VMODE_U)
		return VIEW_U;
	return v->csr.sstatus & SSTATUS_SUM ? VIEW_S_SUM : VIEW_S;
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

static void flush_paged(struct vcpu *v)
{
	for (int view = VIEW_U; view < VIEW_COUNT; view++)
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
	for (int view = VIEW_U; view < VIEW_COUNT; view++)
		coarse |= s->coarse[view];
	if (all || coarse || !gwalk_sv39_canonical(va)) {
		flush_paged(v);
		return;
	}
	for (int view = VIEW_U; view < VIEW_COUNT; view++)
		unmap_page(s, view, va);
	sfence_vma_all();
}

/* Installs a leaf mapping va → hpa at `level` (0: 4 KiB, 1: 2 MiB, 2: 1 GiB). */
static void install(struct vcpu *v, enum shadow_view view, uint64_t va, uint64_t hpa, int level,
                    uint64_t perms)
{
	struct shadow *s = &v->shadow;
	if (s->pages + LEVELS > s->page_limit) {
		/* A guest churning through address space: start over rather than grow. */
		for (int i = 0; i < VIEW_COUNT; i++)
			flush_view(s, i);
		v->stats.shadow_flushes++;
		sfence_vma_all();
	}
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
	return vm_gpa_to_hva(ctx, gpa, 8);
}

/* Shadows a guest page of `level` at va → gpa, in RAM pieces if need be. */
static enum shadow_fault map_guest_page(struct vcpu *v, enum shadow_view view, uint64_t va,
                                        uint64_t page_va, uint64_t page_gpa, int level,
                                        uint64_t perms, uint64_t *gpa_out)
{
	struct vm *vm = v->vm;
	uint64_t span = PAGE_SIZE << (9 * level);
	uint64_t gpa = page_gpa + (va - page_va);
	if (vm_gpa_to_hva(vm, page_gpa, span)) {
		/* The host page must be as aligned as the guest's; else use smaller pieces. */
		int l = level;
		while (l > 0 &&
		       ((vm->ram_hpa + (page_gpa - vm->ram_gpa)) & ((PAGE_SIZE << (9 * l)) - 1)))
			l--;
		if (l < level)
			v->shadow.coarse[view] = true;
		uint64_t piece = PAGE_SIZE << (9 * l);
		uint64_t piece_va = va & ~(piece - 1), piece_gpa = gpa & ~(piece - 1);
		install(v, view, piece_va, vm->ram_hpa + (piece_gpa - vm->ram_gpa), l, perms);
		return SHADOW_FILLED;
	}
	uint64_t page = gpa & ~(PAGE_SIZE - 1);
	if (vm_gpa_to_hva(vm, page, PAGE_SIZE)) {
		/* Part RAM, part not: only this 4 KiB piece, and sfence must flush it all. */
		v->shadow.coarse[view] = true;
		install(v, view, va & ~(PAGE_SIZE - 1), vm->ram_hpa + (page - vm->ram_gpa), 0,
		        perms);
		return SHADOW_FILLED;
	}
	*gpa_out = gpa;
	return emul_find(&vm->emul, gpa) ? SHADOW_MMIO : SHADOW_ACCESS_FAULT;
}

enum shadow_fault shadow_fault(struct vcpu *v, uint64_t cause, uint64_t va, uint64_t *gpa)
{
	enum shadow_view view = shadow_view_of(v);
	if (view == VIEW_BARE) {
		/* Guest-physical = guest-virtual; RAM mapped in 2 MiB pieces where aligned. */
		int level = vm_gpa_to_hva(v->vm, va & ~((2UL << 20) - 1), 2UL << 20) ? 1 : 0;
		uint64_t page = va & ~((PAGE_SIZE << (9 * level)) - 1);
		return map_guest_page(v, view, va, page, page, level, PTE_R | PTE_W | PTE_X, gpa);
	}
	bool sum = v->csr.sstatus & SSTATUS_SUM, mxr = v->csr.sstatus & SSTATUS_MXR;
	struct gwalk_result r;
	switch (gwalk(guest_pte, v->vm, v->csr.satp, va, access_of(cause), v->mode, sum, mxr, true,
	              &r)) {
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
	return map_guest_page(v, view, va, r.page_va, r.page_gpa, r.level, perms, gpa);
}

int shadow_translate(struct vcpu *v, uint64_t va, bool fetch, uint64_t *gpa)
{
	if (shadow_view_of(v) == VIEW_BARE) {
		*gpa = va;
		return 0;
	}
	struct gwalk_result r;
	bool sum = v->csr.sstatus & SSTATUS_SUM, mxr = v->csr.sstatus & SSTATUS_MXR;
	if (gwalk(guest_pte, v->vm, v->csr.satp, va, fetch ? GW_FETCH : GW_LOAD, v->mode, sum, mxr,
	          false, &r) != GW_OK)
		return -1;
	*gpa = r.gpa;
	return 0;
}
