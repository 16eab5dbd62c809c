/*
 * Walking a guest's own Sv39, Sv48 or Sv57 page table, exactly as the
 * hardware would (priv spec 1.12 §4.3.2, §4.5, §4.6), and deciding what a shadow leaf may allow.
 * Pure logic: guest memory is reached through a callback, so the walker is
 * unit tested on the host with a table of PTE cases.  Inline: each caller
 * inlines its PTE reader into the walk (a call per level was a third of it).
 */
#ifndef POPEK_ARCH_RISCV_GWALK_H
#define POPEK_ARCH_RISCV_GWALK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/riscv/riscv.h"
#include "arch/riscv/vcsr.h"

enum gwalk_access {
	GW_FETCH,
	GW_LOAD,
	GW_STORE,
};

enum gwalk_status {
	GW_OK,
	GW_PAGE_FAULT,   /* the guest gets a page fault of the access type */
	GW_ACCESS_FAULT, /* PMP forbids reading a page-table entry */
};

/*
 * The 8-byte word at guest-physical `gpa` (a PTE), or NULL with *why the
 * fault: GW_ACCESS_FAULT where PMP forbids the read (§4.3.2 step 2),
 * GW_PAGE_FAULT where no memory answers (the board's walk fails then).
 */
typedef uint64_t *(*gwalk_pte_fn)(void *ctx, uint64_t gpa, enum gwalk_status *why);

struct gwalk_result {
	uint64_t gpa;      /* the translation of va */
	uint64_t page_gpa; /* start of the leaf's (super)page */
	uint64_t page_va;  /* the same page's virtual start */
	int level;         /* 0: 4 KiB, 1: 2 MiB, 2: 1 GiB, 3: 512 GiB, 4: 256 TiB */
	uint64_t pte;      /* the leaf, after any A/D update */
	uint64_t pte_gpa;  /* where the leaf lies in the guest's table */
};

#define GWALK_PTE_RSVD (0x3ffUL << 54) /* PBMT, N and reserved bits: no Svpbmt/Svnapot here */
#define GWALK_PPN(pte) (((pte) >> PTE_PPN_SHIFT) & ((1UL << 44) - 1))

/* Levels of the guest table satp selects: 3 (Sv39), 4 (Sv48), 5 (Sv57), 0 (Bare or other). */
static inline int gwalk_levels(uint64_t satp)
{
	/* §4.1.11: MODE 8, 9, 10 are Sv39, Sv48, Sv57: 3, 4, 5 levels of 9 VPN bits */
	uint64_t mode = satp >> 60;
	return mode >= 8 && mode <= 10 ? (int)mode - 5 : 0;
}

/* True if va is canonical for a table of `levels` levels (bits 63 down to 12 + 9 * levels equal). */
static inline bool gwalk_canonical(int levels, uint64_t va)
{
	/* §4.4-4.6: bits 63 down to the top VPN bit all equal that bit */
	unsigned unused = 64 - (PAGE_SHIFT + 9 * (unsigned)levels);
	int64_t s = (int64_t)(va << unused) >> unused;
	return (uint64_t)s == va;
}

/* True if va is a canonical Sv39 address (bits 63:39 equal bit 38). */
bool gwalk_sv39_canonical(uint64_t va);

/* §4.3.2 step 5: may this leaf serve this access in this mode? */
static inline bool gwalk_leaf_allows(uint64_t pte, enum gwalk_access acc, enum vmode mode, bool sum,
                                     bool mxr)
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

/*
 * Translates `va` for an access of kind `acc` from virtual mode `mode`
 * (vS or vU) with sstatus.SUM/MXR as given.  With `update_ad`, sets A (and
 * D for a store) in the guest's PTE as the board's hardware does; without,
 * the walk has no side effect (popek reading the guest's instruction).
 */
static inline __attribute__((always_inline)) enum gwalk_status
gwalk(gwalk_pte_fn pte_at, void *ctx, uint64_t satp, uint64_t va, enum gwalk_access acc,
      enum vmode mode, bool sum, bool mxr, bool update_ad, struct gwalk_result *r)
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
		if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte & GWALK_PTE_RSVD))
			return GW_PAGE_FAULT;
		if (!(pte & (PTE_R | PTE_X))) { /* pointer to the next level */
			/* §4.3.1: D, A, U of a pointer are reserved; the board's walk fails on them */
			if (pte & (PTE_D | PTE_A | PTE_U))
				return GW_PAGE_FAULT;
			table = GWALK_PPN(pte) << PAGE_SHIFT;
			continue;
		}
		if (!gwalk_leaf_allows(pte, acc, mode, sum, mxr))
			return GW_PAGE_FAULT;
		uint64_t span_pages = 1UL << (9 * level);
		if (GWALK_PPN(pte) & (span_pages - 1))
			return GW_PAGE_FAULT; /* step 6: misaligned superpage */
		/* step 7: the board sets A, and D on a store, in the PTE itself */
		uint64_t want = PTE_A | (acc == GW_STORE ? PTE_D : 0);
		if (update_ad && (pte & want) != want) {
			pte |= want;
			*p = pte;
		}
		uint64_t span = span_pages << PAGE_SHIFT;
		r->page_gpa = GWALK_PPN(pte) << PAGE_SHIFT;
		r->page_va = va & ~(span - 1);
		r->gpa = r->page_gpa | (va & (span - 1));
		r->level = level;
		r->pte = pte;
		r->pte_gpa = table + idx * 8;
		return GW_OK;
	}
	return GW_PAGE_FAULT; /* step 4: a pointer at level 0 */
}

/*
 * The R/W/X bits a shadow leaf for this guest leaf may carry in the view
 * for (mode, sum, mxr): everything the guest could do through this PTE
 * without the walk faulting or changing A/D.  0 means the view has no
 * mapping (every access must fault).
 */
static inline uint64_t gwalk_shadow_perms(uint64_t pte, enum vmode mode, bool sum, bool mxr)
{
	uint64_t perms = 0;
	/* Without A the first access must fault so the walk can set it; likewise D for stores. */
	if (!(pte & PTE_A))
		return 0;
	if (gwalk_leaf_allows(pte, GW_LOAD, mode, sum, mxr))
		perms |= PTE_R;
	if (gwalk_leaf_allows(pte, GW_STORE, mode, sum, mxr) && (pte & PTE_D))
		perms |= PTE_W;
	if (gwalk_leaf_allows(pte, GW_FETCH, mode, sum, mxr))
		perms |= PTE_X;
	/* W without R is reserved in a PTE; such a shadow leaf can only be X or nothing. */
	if ((perms & (PTE_R | PTE_W)) == PTE_W)
		perms &= ~PTE_W;
	return perms;
}

/*
 * The guest-physical page of a 4 KiB leaf that gwalk() would accept at
 * level 0 (V, R or X, not W without R, no reserved bits), or -1: for
 * reading a table's neighbouring leaves as the hardware would.
 */
static inline uint64_t gwalk_leaf_gpa(uint64_t pte)
{
	if (!(pte & PTE_V) || !(pte & (PTE_R | PTE_X)) || (!(pte & PTE_R) && (pte & PTE_W)) ||
	    (pte & GWALK_PTE_RSVD))
		return ~0UL;
	return GWALK_PPN(pte) << PAGE_SHIFT;
}

#endif
