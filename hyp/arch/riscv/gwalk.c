#include "arch/riscv/gwalk.h"
#include "arch/riscv/riscv.h"

#define PTE_RSVD_MASK (0x3ffUL << 54) /* PBMT, N and reserved bits: no Svpbmt/Svnapot here */
#define PTE_PPN(pte)  (((pte) >> PTE_PPN_SHIFT) & ((1UL << 44) - 1))

int gwalk_levels(uint64_t satp)
{
	/* §4.1.11: MODE 8, 9, 10 are Sv39, Sv48, Sv57: 3, 4, 5 levels of 9 VPN bits */
	uint64_t mode = satp >> 60;
	return mode >= 8 && mode <= 10 ? (int)mode - 5 : 0;
}

bool gwalk_canonical(int levels, uint64_t va)
{
	/* §4.4-4.6: bits 63 down to the top VPN bit all equal that bit */
	unsigned unused = 64 - (PAGE_SHIFT + 9 * (unsigned)levels);
	int64_t s = (int64_t)(va << unused) >> unused;
	return (uint64_t)s == va;
}

bool gwalk_sv39_canonical(uint64_t va)
{
	return gwalk_canonical(3, va);
}

/* §4.3.2 step 5: may this leaf serve this access in this mode? */
static bool leaf_allows(uint64_t pte, enum gwalk_access acc, enum vmode mode, bool sum, bool mxr)
{
	if (pte & PTE_U) {
		if (mode == VMODE_S && (acc == GW_FETCH || !sum))
			return false;
	} else if (mode == VMODE_U) {
		return false;
	}
	switch (acc) {
	case GW_FETCH:
		return pte & PTE_X;
	case GW_LOAD:
		return (pte & PTE_R) || (mxr && (pte & PTE_X));
	case GW_STORE:
		return pte & PTE_W;
	}
	return false;
}

enum gwalk_status gwalk(gwalk_pte_fn pte_at, void *ctx, uint64_t satp, uint64_t va,
                        enum gwalk_access acc, enum vmode mode, bool sum, bool mxr, bool update_ad,
                        struct gwalk_result *r)
{
	int levels = gwalk_levels(satp);
	if (!levels || !gwalk_canonical(levels, va))
		return GW_PAGE_FAULT;
	uint64_t table = (satp & ((1UL << 44) - 1)) << PAGE_SHIFT;
	for (int level = levels - 1; level >= 0; level--) {
		unsigned idx = (va >> (PAGE_SHIFT + 9 * level)) & 511;
		enum gwalk_status why = GW_ACCESS_FAULT;
		uint64_t *p = pte_at(ctx, table + idx * 8, &why);
		if (!p)
			return why; /* §4.3.2 step 2: PMP on the PTE; the board's failed load */
		uint64_t pte = *p;
		if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & PTE_RSVD_MASK))
			return GW_PAGE_FAULT;
		if (!(pte & (PTE_R | PTE_X))) { /* pointer to the next level */
			/* §4.3.1: D, A, U of a pointer are reserved; the board's walk fails on them */
			if (pte & (PTE_D | PTE_A | PTE_U))
				return GW_PAGE_FAULT;
			table = PTE_PPN(pte) << PAGE_SHIFT;
			continue;
		}
		if (!leaf_allows(pte, acc, mode, sum, mxr))
			return GW_PAGE_FAULT;
		uint64_t span_pages = 1UL << (9 * level);
		if (PTE_PPN(pte) & (span_pages - 1))
			return GW_PAGE_FAULT; /* step 6: misaligned superpage */
		/* step 7: the board sets A, and D on a store, in the PTE itself */
		uint64_t want = PTE_A | (acc == GW_STORE ? PTE_D : 0);
		if (update_ad && (pte & want) != want) {
			pte |= want;
			*p = pte;
		}
		uint64_t span = span_pages << PAGE_SHIFT;
		r->page_gpa = PTE_PPN(pte) << PAGE_SHIFT;
		r->page_va = va & ~(span - 1);
		r->gpa = r->page_gpa | (va & (span - 1));
		r->level = level;
		r->pte = pte;
		r->pte_gpa = table + idx * 8;
		return GW_OK;
	}
	return GW_PAGE_FAULT; /* step 4: a pointer at level 0 */
}

uint64_t gwalk_leaf_gpa(uint64_t pte)
{
	if (!(pte & PTE_V) || !(pte & (PTE_R | PTE_X)) || (!(pte & PTE_R) && (pte & PTE_W)) ||
	    (pte & PTE_RSVD_MASK))
		return ~0UL;
	return PTE_PPN(pte) << PAGE_SHIFT;
}

uint64_t gwalk_shadow_perms(uint64_t pte, enum vmode mode, bool sum, bool mxr)
{
	uint64_t perms = 0;
	/* Without A the first access must fault so the walk can set it; likewise D for stores. */
	if (!(pte & PTE_A))
		return 0;
	if (leaf_allows(pte, GW_LOAD, mode, sum, mxr))
		perms |= PTE_R;
	if (leaf_allows(pte, GW_STORE, mode, sum, mxr) && (pte & PTE_D))
		perms |= PTE_W;
	if (leaf_allows(pte, GW_FETCH, mode, sum, mxr))
		perms |= PTE_X;
	/* W without R is reserved in a PTE; such a shadow leaf can only be X or nothing. */
	if ((perms & (PTE_R | PTE_W)) == PTE_W)
		perms &= ~PTE_W;
	return perms;
}
