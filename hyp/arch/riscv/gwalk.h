/*
 * Walking a guest's own Sv39, Sv48 or Sv57 page table, exactly as the
 * hardware would (priv spec 1.12 §4.3.2, §4.5, §4.6), and deciding what a shadow leaf may allow.
 * Pure logic: guest memory is reached through a callback, so the walker is
 * unit tested on the host with a table of PTE cases.
 */
#ifndef POPEK_ARCH_RISCV_GWALK_H
#define POPEK_ARCH_RISCV_GWALK_H

#include <stdbool.h>
#include <stdint.h>

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

/*
 * Translates `va` for an access of kind `acc` from virtual mode `mode`
 * (vS or vU) with sstatus.SUM/MXR as given.  With `update_ad`, sets A (and
 * D for a store) in the guest's PTE as the board's hardware does; without,
 * the walk has no side effect (popek reading the guest's instruction).
 */
enum gwalk_status gwalk(gwalk_pte_fn pte_at, void *ctx, uint64_t satp, uint64_t va,
                        enum gwalk_access acc, enum vmode mode, bool sum, bool mxr, bool update_ad,
                        struct gwalk_result *r);

/*
 * The R/W/X bits a shadow leaf for this guest leaf may carry in the view
 * for (mode, sum, mxr): everything the guest could do through this PTE
 * without the walk faulting or changing A/D.  0 means the view has no
 * mapping (every access must fault).
 */
uint64_t gwalk_shadow_perms(uint64_t pte, enum vmode mode, bool sum, bool mxr);

/*
 * The guest-physical page of a 4 KiB leaf that gwalk() would accept at
 * level 0 (V, R or X, not W without R, no reserved bits), or -1: for
 * reading a table's neighbouring leaves as the hardware would.
 */
uint64_t gwalk_leaf_gpa(uint64_t pte);

/* Levels of the guest table satp selects: 3 (Sv39), 4 (Sv48), 5 (Sv57), 0 (Bare or other). */
int gwalk_levels(uint64_t satp);
/* True if va is canonical for a table of `levels` levels (bits 63 down to 12 + 9 * levels equal). */
bool gwalk_canonical(int levels, uint64_t va);
/* True if va is a canonical Sv39 address (bits 63:39 equal bit 38). */
bool gwalk_sv39_canonical(uint64_t va);

#endif
