/*
 * Shadow page tables (docs/shadow.md).  The guest's own tables never reach
 * the hardware: popek keeps one Sv48 root per *view* of the guest's memory
 * and fills it lazily from the guest's tables on page faults.
 */
#ifndef POPEK_ARCH_RISCV_SHADOW_H
#define POPEK_ARCH_RISCV_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/riscv/gwalk.h"

enum shadow_view {
	VIEW_BARE,   /* satp = Bare: guest-virtual = guest-physical */
	VIEW_U,      /* vU with paging: guest U=1 pages only */
	VIEW_S,      /* vS, SUM = 0: guest U=0 pages */
	VIEW_S_SUM,  /* vS, SUM = 1: U=0 pages, and U=1 pages for loads and stores */
	VIEW_M,      /* vM: guest-physical, as PMP lets M reach it */
	VIEW_M_MPRV, /* vM with MPRV and MPP below M: fetches only; loads and stores emulated */
	VIEW_COUNT,
};

/* The views built from the guest's page tables: cached per guest address space. */
#define SHADOW_PAGED_FIRST VIEW_U
#define SHADOW_PAGED       3 /* VIEW_U, VIEW_S, VIEW_S_SUM */
/* Guest address spaces (satp root and ASID) whose shadows a vCPU keeps (a bit each in a uint16_t). */
#define SHADOW_SPACES 16
/* Real ASIDs of one vCPU: each unpaged view, each paged view of each space. */
#define SHADOW_ASIDS (VIEW_COUNT - SHADOW_PAGED + SHADOW_SPACES * SHADOW_PAGED)
/* Paged trees: each space's, and the global tree of each paged view (never in satp). */
#define SHADOW_PAGED_TREES ((SHADOW_SPACES + 1) * SHADOW_PAGED)
/* Pages made with the trees: a root each, and each paged tree's upper table (Sv57). */
#define SHADOW_ROOTS (SHADOW_ASIDS + SHADOW_PAGED + SHADOW_PAGED_TREES)

/*
 * RSW bits of shadow entries (priv spec §4.3.1: the hardware ignores them).
 * SHARED on a pointer in a space's tree: the table is the view's global
 * tree's, reached by every space that links it, never freed with a space.
 * GLOBAL on a leaf: it shadows a guest leaf with G = 1.
 */
#define SHADOW_PTE_SHARED (1UL << 8)
#define SHADOW_PTE_GLOBAL (1UL << 9)

/* What the TLB may still hold under a tree's ASID that the tree itself no longer has. */
enum shadow_stale {
	SHADOW_STALE_NONE,
	SHADOW_STALE_PAGE, /* one page (stale_va): sfence.vma va, asid */
	SHADOW_STALE_ASID, /* any: sfence.vma x0, asid */
};

/* One Sv48 or Sv57 root and what popek knows of it. */
struct shadow_tree {
	uint64_t root;      /* physical address */
	uint64_t satp;      /* the real satp that runs it (shadow_satp()) */
	uint64_t upper;     /* a paged tree's table below root slot 511 when it is Sv57 (or 0) */
	uint64_t stale_va;  /* with stale == SHADOW_STALE_PAGE: the one page to fence */
	uint16_t asid;      /* its real ASID, before masking to the hart's width */
	uint8_t stale;      /* enum shadow_stale: what the TLB may hold that the tree lost */
	uint8_t levels;     /* 4 (Sv48: popek at root slot 510) or 5 (Sv57: at upper slot 510) */
	uint16_t space_bit; /* a space's tree: 1 << the space's index (0: a fixed or global tree) */
	bool coarse;        /* a guest superpage was shadowed in pieces */
	bool live;          /* a leaf was installed since the tree was last emptied */
	uint64_t top_used;  /* root slots that may hold entries: bit i for slots 8i to 8i + 7 */
	uint64_t upper_used; /* the same for an Sv57 tree's upper table */
	uint64_t regions;    /* 2 MiB regions that may hold a leaf of 4 KiB or 2 MiB: a filter */
	uint64_t huge;       /* the same for 1 GiB regions holding a 1 GiB leaf */
	/*
	 * Its own table pages below the root (and upper table): a circular list
	 * through shadow.link, by pool page index + 1 (0: none), so that
	 * emptying the tree frees them without scanning them.
	 */
	uint32_t own;
	uint32_t npages; /* how many */
};

/*
 * A pool page's place in its tree's list of own tables (pool page index +
 * 1), and which of its entries may be non-zero (bit i: entries 8i to 8i + 7),
 * so that freeing it clears only those and the pool hands out zeroed tables
 * without zeroing 4 KiB.
 */
struct shadow_link {
	uint32_t next, prev;
	uint64_t used;
};

/* Trees fenced one by one at most; past this, one global fence. */
#define SHADOW_FENCES_MAX 3

/* A guest address space: its satp's MODE, ASID and PPN, and its paged views. */
struct shadow_space {
	uint64_t key;  /* its satp (MODE, ASID, PPN); SHADOW_NO_KEY while unused */
	uint64_t used; /* LRU stamp */
	/*
	 * Fences that reached the space while another ran: its leaves in these
	 * 2 MiB regions (shadow_tree.regions' bits; all: ~0) are read against
	 * its tables when it runs again (shadow_switch()), its copies of global
	 * leaves too if recheck_global (a fence with rs2 = x0).
	 */
	uint64_t recheck;
	bool recheck_global;
	struct shadow_tree tree[SHADOW_PAGED];
};

struct shadow {
	/*
	 * Scalars first, arrays after: the trap path reads cur, lost and hint,
	 * and struct vcpu puts this struct's start on the page it touches.
	 */
	uint8_t hint[SHADOW_SPACES]; /* by a hash of a key: the space that last had it */
	unsigned cur;                /* the space of the guest's satp (when it is paged) */
	int global_levels;   /* the guest mode (gwalk_levels()) the global trees' leaves are of */
	uint64_t clock;      /* LRU stamps handed out */
	uint64_t pages;      /* table pages in use below the roots */
	uint64_t page_limit; /* past this, other spaces are evicted, then every view flushed */
	/* Counters (docs/shadow.md): real sfence.vma, satp switches found cached / made anew. */
	uint64_t fences, space_hits, space_misses;
	/* The trees marked stale since the last fence_stale(); due_all: too many to list. */
	struct shadow_tree *due[SHADOW_FENCES_MAX];
	unsigned ndue;
	bool due_all;
	/* Leaves installed ahead of a fault: fault-around, and the page a guest fence names. */
	uint64_t ahead;
	/* Leaves a fence by address found unchanged in the guest's tables and kept. */
	uint64_t kept;
	/*
	 * Counts the times a tree lost what the TLB may hold (each stale mark):
	 * a translation read from the trees before stays good while it is
	 * unchanged (emulate.c's fetch cache).  Never reset: it only grows.
	 */
	uint64_t lost;
	/*
	 * The vCPU's own pool, reserved when its VM is created: the roots and
	 * page_limit table pages, so no guest can take another VM's memory or
	 * popek's.  Pages come from the bump index, then back through the list.
	 */
	uint64_t pool_base;       /* host-physical, page-aligned */
	uint64_t pool_pages;      /* SHADOW_ROOTS + page_limit */
	uint64_t pool_used;       /* pages handed out from the bump index so far */
	uint64_t pool_free;       /* freed table pages, linked through their first word */
	struct shadow_link *link; /* per pool page, after the pool: SHADOW_LINK_PAGES */
	struct shadow_tree fixed[VIEW_COUNT]; /* the unpaged views (VIEW_BARE, VIEW_M, ...) */
	struct shadow_space space[SHADOW_SPACES];
	/*
	 * Per paged view, the leaves of guest mappings with G = 1, whichever
	 * space filled them: a space links its tables (SHADOW_PTE_SHARED), so a
	 * new process finds the guest kernel's pages already there (§4.3.1:
	 * a global mapping exists in every address space).
	 */
	struct shadow_tree global[SHADOW_PAGED];
	/*
	 * Per filter bit (shadow_tree.regions, .huge), the spaces a tree of
	 * which may have it, and the spaces whose filters have every bit: a
	 * one-page fence looks only into those.  A superset: bits are set as
	 * the trees' filters grow, cleared when a fence finds them stale.
	 */
	uint16_t by_region[64], by_huge[64], by_all;
};

#define SHADOW_NO_KEY (~0UL)

/*
 * Table pages a vCPU with `ram` bytes of guest RAM may hold below its roots:
 * enough for every view to map all of RAM with 4 KiB pages, and then some,
 * plus 32 pages for each cached address space (a Linux process takes ~10-20).
 */
#define SHADOW_PAGE_LIMIT(ram) (VIEW_COUNT * ((ram) >> 21) + 256 + 32 * SHADOW_SPACES)
/* Pages after the pool for its struct shadow_link array. */
#define SHADOW_LINK_PAGES(ram) \
	(((SHADOW_PAGE_LIMIT(ram) + SHADOW_ROOTS) * sizeof(struct shadow_link) + 4095) / 4096)
/* Bytes reserved for one vCPU's shadow pool (roots and links included): the launcher plans for it. */
#define SHADOW_POOL_BYTES(ram) \
	((SHADOW_PAGE_LIMIT(ram) + SHADOW_ROOTS + SHADOW_LINK_PAGES(ram)) * 4096)

struct vcpu;

/* Reserves the pool and makes empty roots; -1 when the machine has no room for the pool. */
int shadow_init(struct shadow *s, uint64_t guest_ram, unsigned asid_base);
/* Empties every view and space, keeping the pool: a reset VM's shadows start as new. */
void shadow_reset(struct shadow *s, unsigned asid_base);
/* The view the vCPU's current mode, satp and SUM select. */
enum shadow_view shadow_view_of(const struct vcpu *v);
/* satp value that installs `view` (Sv48, its root, its own ASID). */
uint64_t shadow_satp(const struct shadow *s, enum shadow_view view);

/* Result of a guest page fault, once popek has looked at it. */
enum shadow_fault {
	SHADOW_FILLED,       /* a shadow leaf now exists: resume */
	SHADOW_PAGE_FAULT,   /* the guest's own tables say fault: reflect a page fault */
	SHADOW_ACCESS_FAULT, /* no RAM or device there: reflect an access fault */
	SHADOW_EMULATE, /* a guest device, MPRV, or PMP finer than a page: emulate the access */
};

/* `cause` is the real page-fault cause. */
enum shadow_fault shadow_fault(struct vcpu *v, uint64_t cause, uint64_t va);
/*
 * Guest sfence.vma (priv spec 1.12 §4.2.1) and what stands for one: removes
 * the shadows of `pages` pages from va (or of every address, all_va) in the
 * cached spaces of guest ASID `asid` (or of every space, all_asid), and
 * fences the real TLB for what was removed.
 */
void shadow_fence(struct vcpu *v, bool all_va, uint64_t va, uint64_t pages, bool all_asid,
                  uint64_t asid);
/* shadow_fence() in every space: all = true for rs1 = x0; otherwise just the page at va. */
void shadow_flush(struct vcpu *v, bool all, uint64_t va);
/* The guest's satp changed: select its cached space, or make one (evicting the oldest). */
void shadow_switch(struct vcpu *v);
/* A PMP entry changed: every view, paged or not, is stale. */
void shadow_flush_all(struct vcpu *v);
/*
 * Translates va for an access of kind `acc` (gwalk.h) made with privilege
 * `mode` through the guest's own tables (none in vM), PMP applied to the
 * table walk; with update_ad it sets A and D as the hardware would.
 */
enum gwalk_status shadow_walk(struct vcpu *v, uint64_t va, enum gwalk_access acc, enum vmode mode,
                              bool update_ad, uint64_t *gpa);
/* Translate va for popek's own use (reading the guest's instruction): gpa or -1. */
int shadow_translate(struct vcpu *v, uint64_t va, bool fetch, uint64_t *gpa);
/*
 * The host-physical address the hardware would reach at va right now, with
 * the installed view, for an access needing `perm` (PTE_R, PTE_W or PTE_X):
 * a U=1 shadow leaf allowing it, or -1.  What a real fetch would do.
 */
int shadow_lookup(const struct vcpu *v, uint64_t va, uint64_t perm, uint64_t *hpa);
/* The real ASID of a view in the current space (its satp's, masked to the hart's ASID bits). */
uint64_t shadow_asid(const struct shadow *s, enum shadow_view view);

#endif
