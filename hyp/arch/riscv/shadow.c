/*
 * Shadow page tables.  Each view is an Sv48 root whose slot 510 is popek's
 * (shared with popek's own table, U=0, out of the guest's reach) and whose
 * other slots hold what popek has copied from the guest's tables.  A guest
 * Sv39 address, sign-extended from bit 38, indexes exactly slots 0 and 511,
 * and below them Sv39 and Sv48 index alike; a guest Sv48 address indexes
 * the root as the guest's own root.  A space of an Sv57 guest has Sv57
 * trees: a root as the guest's, whose slot 511 leads to the tree's own
 * `upper` table, where slot 510 is popek's (the same address in Sv57).
 * Either way the guest's 512 GiB at 0xffffff00_00000000 is popek's: loads
 * and stores there are emulated, a fetch is an access fault
 * (docs/conformance.md).
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

#define LEVELS         4 /* Sv48: popek's own table, the unpaged views, Sv39 and Sv48 guests */
#define LEVELS_MAX     5 /* Sv57: the trees of an Sv57 guest */
#define SATP_MODE_SV57 (10UL << 60)
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

/* va lies in popek's direct map, where no shadow leaf may go (Sv48 and Sv57 guests can name it). */
static bool in_popek_slot(uint64_t va)
{
	return va - DIRECT_MAP_BASE < DIRECT_MAP_SIZE;
}

/* For CHECK(): compiled out with it in a normal build. */
__attribute__((unused)) static bool in_pool(const struct shadow *s, uint64_t pa)
{
	return pa >= s->pool_base && pa - s->pool_base < s->pool_pages * PAGE_SIZE &&
	       !(pa & (PAGE_SIZE - 1));
}

/* The link entry of pool page pa. */
static struct shadow_link *link_of(const struct shadow *s, uint64_t pa)
{
	return &s->link[(pa - s->pool_base) >> PAGE_SHIFT];
}

/* Entries [i, i + n) of pool table t may be non-zero now: pool_free() clears them. */
static void note_entries(struct shadow *s, const uint64_t *t, unsigned i, unsigned n)
{
	link_of(s, va_to_pa(t))->used |=
	    ((2UL << ((i + n - 1) >> 3)) - 1) & ~((1UL << (i >> 3)) - 1);
}

/* The entry at e, in a pool table, may be non-zero now. */
static void note_entry(struct shadow *s, const uint64_t *e)
{
	uint64_t pa = va_to_pa(e);
	link_of(s, pa)->used |= 1UL << ((pa & (PAGE_SIZE - 1)) >> 6);
}

/*
 * A zeroed page of the vCPU's own pool.  The page limit keeps the pool from
 * running dry (install() evicts or starts over first), so running dry is
 * popek's bug.  A freed page was cleared as it was freed (but for the free
 * list's word); a page from the bump index may hold a reset VM's old tables.
 */
static uint64_t pool_alloc(struct shadow *s)
{
	uint64_t pa = s->pool_free;
	uint64_t *t;
	if (pa) {
		t = table(pa);
		s->pool_free = t[0];
		t[0] = 0;
	} else {
		if (s->pool_used == s->pool_pages)
			panic("shadow: pool of %lu pages exhausted below the page limit",
			      s->pool_pages);
		pa = s->pool_base + s->pool_used++ * PAGE_SIZE;
		t = table(pa);
		for (int i = 0; i < 512; i += 8) { /* eight stores a turn */
			t[i] = t[i + 1] = t[i + 2] = t[i + 3] = 0;
			t[i + 4] = t[i + 5] = t[i + 6] = t[i + 7] = 0;
		}
	}
	CHECK(in_pool(s, pa), "shadow: free list holds %lx, outside the pool", pa);
#if POPEK_CHECKING
	for (int i = 0; i < 512; i++)
		CHECK(!t[i], "shadow: pool page %lx handed out with entry %d = %lx", pa, i, t[i]);
#endif
	link_of(s, pa)->used = 0;
	return pa;
}

/* Clears what pa's entries may hold (note_entry()) and hands it back. */
static void pool_free(struct shadow *s, uint64_t pa)
{
	CHECK(in_pool(s, pa), "shadow: freeing %lx, outside the pool", pa);
	uint64_t *t = table(pa), used = link_of(s, pa)->used;
	for (unsigned b = 0; b < 64 && used >> b; b++) {
		if (used >> b & 1) {
			uint64_t *e = &t[b * 8];
			e[0] = e[1] = e[2] = e[3] = e[4] = e[5] = e[6] = e[7] = 0;
		}
	}
	t[0] = s->pool_free;
	s->pool_free = pa;
}

/* ---- a tree's own table pages: a circular list, so that emptying it scans nothing ---- */

static uint32_t link_index(const struct shadow *s, uint64_t pa)
{
	return (uint32_t)((pa - s->pool_base) >> PAGE_SHIFT) + 1;
}

static uint64_t link_pa(const struct shadow *s, uint32_t i)
{
	return s->pool_base + (uint64_t)(i - 1) * PAGE_SIZE;
}

/* Table page pa becomes one of tr's own. */
static void own_add(struct shadow *s, struct shadow_tree *tr, uint64_t pa)
{
	uint32_t i = link_index(s, pa), h = tr->own;
	struct shadow_link *l = s->link;
	if (!h) {
		l[i - 1].next = l[i - 1].prev = i;
		tr->own = i;
	} else {
		uint32_t t = l[h - 1].prev;
		l[i - 1].next = h;
		l[i - 1].prev = t;
		l[t - 1].next = i;
		l[h - 1].prev = i;
	}
	tr->npages++;
	s->pages++;
}

/* Table page pa, one of tr's own, is freed. */
static void own_free(struct shadow *s, struct shadow_tree *tr, uint64_t pa)
{
	uint32_t i = link_index(s, pa);
	struct shadow_link *l = s->link;
	CHECK(tr->npages > 0 && s->pages > 0, "shadow: freeing more table pages than were taken");
	if (l[i - 1].next == i) {
		tr->own = 0;
	} else {
		uint32_t n = l[i - 1].next, p = l[i - 1].prev;
		l[p - 1].next = n;
		l[n - 1].prev = p;
		if (tr->own == i)
			tr->own = n;
	}
	tr->npages--;
	s->pages--;
	pool_free(s, pa);
}

/* Every own table page of tr is freed (its root's entries are the caller's to clear). */
static void own_free_all(struct shadow *s, struct shadow_tree *tr)
{
	uint32_t h = tr->own, i = h;
	CHECK(s->pages >= tr->npages, "shadow: freeing more table pages than were taken");
	for (uint32_t n = 0; h && n < tr->npages; n++) {
		uint32_t next = s->link[i - 1].next;
		pool_free(s, link_pa(s, i));
		i = next;
	}
	CHECK(!h || i == h, "shadow: a tree's list of %u table pages does not close", tr->npages);
	s->pages -= tr->npages;
	tr->own = 0;
	tr->npages = 0;
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

/* A pointer entry to the table at pa. */
static uint64_t table_pte(uint64_t pa)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
}

/*
 * An empty tree takes the shape of `levels` (4 or 5, §4.5, §4.6): popek's
 * map at root slot 510, or at slot 510 of the upper table below root slot
 * 511 (VA 0xffffff00_00000000 indexes both so).
 */
static void tree_format(struct shadow_tree *t, int levels)
{
	CHECK(!t->live, "shadow: reshaping a tree that holds leaves");
	uint64_t *root = table(t->root), popek = table(mmu_root())[DIRECT_MAP_SLOT];
	if (levels == LEVELS_MAX) {
		CHECK(t->upper, "shadow: an Sv57 tree without its upper table");
		table(t->upper)[DIRECT_MAP_SLOT] = popek;
		root[DIRECT_MAP_SLOT] = 0;
		root[511] = table_pte(t->upper);
	} else {
		root[511] = 0;
		root[DIRECT_MAP_SLOT] = popek;
	}
	t->levels = (uint8_t)levels;
	t->satp = (levels == LEVELS_MAX ? SATP_MODE_SV57 : SATP_MODE_SV48) |
	          (t->asid & mmu_asid_mask()) << 44 | t->root >> PAGE_SHIFT;
}

/* `upper`: the tree may become an Sv57 one (a space's or a global tree). */
static void tree_init(struct shadow *s, struct shadow_tree *t, unsigned asid, bool upper,
                      uint16_t space_bit)
{
	/*
	 * A reset VM's hart may still be on one of its old roots (popek runs on
	 * the last view it loaded): each page handed out here had popek's slot,
	 * and gets it back at once, before the next page is taken.
	 */
	uint64_t popek = table(mmu_root())[DIRECT_MAP_SLOT];
	t->root = pool_alloc(s);
	table(t->root)[DIRECT_MAP_SLOT] = popek;
	t->upper = upper ? pool_alloc(s) : 0;
	if (upper)
		table(t->upper)[DIRECT_MAP_SLOT] = popek;
	t->live = false;
	t->asid = (uint16_t)asid;
	tree_format(t, LEVELS);
	t->stale = SHADOW_STALE_NONE;
	t->coarse = false;
	t->top_used = t->upper_used = 0;
	t->regions = t->huge = 0;
	t->space_bit = space_bit;
	t->own = t->npages = 0;
}

/* Every view and space empty, every pool page free: the roots are made anew. */
static void shadow_empty(struct shadow *s, unsigned asid_base)
{
	s->pages = 0;
	s->pool_used = 0; /* every page of the pool is free again, and zeroed as it is handed out */
	s->pool_free = 0;
	s->cur = 0;
	s->clock = 0;
	s->fences = s->space_hits = s->space_misses = s->ahead = s->kept = 0;
	s->lost++; /* the roots are made anew: nothing read from them before holds */
	s->ndue = 0;
	s->due_all = false;
	s->global_levels = 3;
	for (int i = 0; i < 64; i++)
		s->by_region[i] = s->by_huge[i] = 0;
	for (int i = 0; i < SHADOW_SPACES; i++)
		s->hint[i] = 0;
	s->by_all = 0;
	unsigned asid = asid_base;
	for (int view = 0; view < VIEW_COUNT; view++) {
		if (!is_paged(view))
			tree_init(s, &s->fixed[view], asid++, false, 0);
	}
	for (int i = 0; i < SHADOW_SPACES; i++) {
		s->space[i].key = SHADOW_NO_KEY;
		s->space[i].used = 0;
		s->space[i].recheck = 0;
		s->space[i].recheck_global = false;
		for (int p = 0; p < SHADOW_PAGED; p++)
			tree_init(s, &s->space[i].tree[p], asid++, true, (uint16_t)(1U << i));
	}
	for (int p = 0; p < SHADOW_PAGED; p++)
		tree_init(s, &s->global[p], 0, true, 0);
	/* never in satp: its leaves go through spaces */ /* never in satp: its leaves go through spaces */
}

int shadow_init(struct shadow *s, uint64_t guest_ram, unsigned asid_base)
{
	s->page_limit = SHADOW_PAGE_LIMIT(guest_ram);
	s->pool_pages = SHADOW_ROOTS + s->page_limit;
	s->pool_base = mem_alloc_range(
	    s->pool_pages * PAGE_SIZE + SHADOW_LINK_PAGES(guest_ram) * PAGE_SIZE, PAGE_SIZE);
	if (!s->pool_base)
		return -1;
	s->link = pa_to_va(s->pool_base + s->pool_pages * PAGE_SIZE);
	shadow_empty(s, asid_base); /* new ASIDs: nothing of them can be in the TLB */
	return 0;
}

void shadow_reset(struct shadow *s, unsigned asid_base)
{
	shadow_empty(s, asid_base);
	/* The new roots reuse the old ASIDs: the TLB may still hold the old trees' entries. */
	sfence_vma_all();
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
	return tree_of_const(s, view)->satp; /* made with the tree's shape (tree_format()) */
}

/* ---- fences: only for what the hardware could have cached, and sized to it ---- */

/* t's stale mark goes from none to `kind`: t joins the trees to fence. */
static void stale_due(struct shadow *s, struct shadow_tree *t)
{
	/* a global tree's leaves may be cached under the ASID of every space that linked it */
	if (t >= s->global && t < s->global + SHADOW_PAGED)
		s->due_all = true;
	else if (s->ndue < SHADOW_FENCES_MAX)
		s->due[s->ndue++] = t;
	else
		s->due_all = true;
}

/* The TLB may hold anything under t's ASID that t no longer has. */
static void stale_asid(struct shadow *s, struct shadow_tree *t)
{
	s->lost++;
	if (t->stale == SHADOW_STALE_NONE)
		stale_due(s, t);
	t->stale = SHADOW_STALE_ASID;
}

/* The TLB may hold the entry for va under t's ASID, which t no longer has. */
static void stale_page(struct shadow *s, struct shadow_tree *t, uint64_t va)
{
	va &= ~(PAGE_SIZE - 1);
	s->lost++;
	if (t->stale == SHADOW_STALE_NONE) {
		stale_due(s, t);
		t->stale = SHADOW_STALE_PAGE;
		t->stale_va = va;
	} else if (t->stale_va != va) {
		t->stale = SHADOW_STALE_ASID;
	}
}

/*
 * Fences what the trees marked stale (fence_stale()), before the guest runs
 * again or a freed table page is reused (§4.2.1).  By page and ASID, or by ASID; one
 * global fence instead when more than a few are due, since on QEMU every
 * sfence.vma empties the whole software TLB: the count is what costs there.
 * The trees due are listed as they are marked, so nothing is scanned.
 */
static __attribute__((noinline)) void fence_due(struct shadow *s)
{
	if (s->due_all) {
		sfence_vma_all();
		s->fences++;
		for (int view = 0; view < VIEW_COUNT; view++)
			s->fixed[view].stale = SHADOW_STALE_NONE;
		for (int i = 0; i < SHADOW_SPACES; i++)
			for (int p = 0; p < SHADOW_PAGED; p++)
				s->space[i].tree[p].stale = SHADOW_STALE_NONE;
		for (int p = 0; p < SHADOW_PAGED; p++)
			s->global[p].stale = SHADOW_STALE_NONE;
	}
	for (unsigned i = 0; i < s->ndue && !s->due_all; i++) {
		struct shadow_tree *t = s->due[i];
		if (t->stale == SHADOW_STALE_PAGE)
			sfence_vma_page(t->stale_va, real_asid(t));
		else
			mmu_fence_asid(real_asid(t));
		t->stale = SHADOW_STALE_NONE;
		s->fences++;
	}
	s->ndue = 0;
	s->due_all = false;
}

/* fence_due() when anything is due: most guest fences by address remove nothing. */
static inline void fence_stale(struct shadow *s)
{
	if (s->ndue || s->due_all)
		fence_due(s);
}

/*
 * The bit of va's 2 MiB region in a tree's `regions` filter, and of its
 * 1 GiB region in `huge`: a fence by address looks into a tree only when a
 * bit says it may map something there (every Linux process is a cached
 * space, and its fences name every page it maps).  A 1 GiB leaf sets its
 * bit in `huge` alone, so the guest kernel's linear map (1 GiB leaves in
 * the global trees) does not draw every fence of a user page into them.
 */
static unsigned region_hash(uint64_t r)
{
	return (r ^ r >> 6 ^ r >> 12) & 63; /* a process's text, heap and stack differ */
}

static unsigned region_of(uint64_t va)
{
	return region_hash(va >> 21);
}

static unsigned huge_of(uint64_t va)
{
	return region_hash(va >> 30);
}

static uint64_t region_bit(uint64_t va)
{
	return 1UL << region_of(va);
}

static uint64_t huge_bit(uint64_t va)
{
	return 1UL << huge_of(va);
}

/* What a fence may reach, in the terms of a tree's two filters, and the spaces to look into. */
struct shadow_reach {
	uint64_t regions, huge;
	uint16_t spaces;
};

/*
 * What a fence of [va, va + pages) may reach: its regions' bits and the
 * spaces that may have them, or everything when an address is not
 * canonical (the trees are emptied then).
 */
static struct shadow_reach reach_of(const struct shadow *s, int levels, uint64_t va, uint64_t pages)
{
	struct shadow_reach m = {0, 0, s->by_all};
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t a = va + i * PAGE_SIZE;
		if (!gwalk_canonical(levels, a))
			return (struct shadow_reach){~0UL, ~0UL, 0xffff};
		m.regions |= region_bit(a);
		m.huge |= huge_bit(a);
		m.spaces |= s->by_region[region_of(a)] | s->by_huge[huge_of(a)];
	}
	return m;
}

/* Whether tr's filters let a fence reaching m in. */
static bool may_hold(const struct shadow_tree *tr, struct shadow_reach m)
{
	return (tr->regions & m.regions) | (tr->huge & m.huge);
}

/* tr's filters let every fence in. */
static void add_all(struct shadow *s, struct shadow_tree *tr)
{
	tr->regions = tr->huge = ~0UL;
	s->by_all |= tr->space_bit;
}

/* tr may hold a leaf of `level` at va from now on. */
static void add_region(struct shadow *s, struct shadow_tree *tr, uint64_t va, int level)
{
	if (level >= 3) { /* 512 GiB or more: every region */
		add_all(s, tr);
	} else if (level == 2) {
		tr->huge |= huge_bit(va);
		s->by_huge[huge_of(va)] |= tr->space_bit;
	} else {
		tr->regions |= region_bit(va);
		s->by_region[region_of(va)] |= tr->space_bit;
	}
}

/*
 * A guest superpage was shadowed in pieces in tr: any fence by address
 * empties it, so its filters let every fence in.
 */
static void set_coarse(struct shadow *s, struct shadow_tree *tr, bool coarse)
{
	if (coarse) {
		tr->coarse = true;
		add_all(s, tr);
	}
}

static void fill_fenced(struct vcpu *v, uint64_t va);

/* ---- emptying ---- */

/* A pointer to a table of this tree's own (not a global tree's). */
static bool is_own_table(uint64_t pte)
{
	return (pte & PTE_V) && !is_leaf(pte) && !(pte & SHADOW_PTE_SHARED);
}

/* Frees tr's table at `pa` (a level-`level` table) and everything below it of tr's own. */
static void free_tree(struct shadow *s, struct shadow_tree *tr, uint64_t pa, int level)
{
	uint64_t *t = table(pa);
	for (int i = 0; level > 0 && i < 512; i++) {
		if (is_own_table(t[i]))
			free_tree(s, tr, PTE_TABLE(t[i]), level - 1);
	}
	own_free(s, tr, pa);
}

/*
 * The root slots a guest mapping uses, eight to a bit of top_used (and of
 * upper_used, in an Sv57 tree's upper table): a canonical Sv39 address
 * indexes 0 or 511, guest RAM (the unpaged views) lies in slot 0, an Sv48
 * or Sv57 address indexes any.  Emptying and linking visit only those.
 * Never popek's slot (put_leaf() CHECKs it).
 */
static uint64_t slot_bit(unsigned i)
{
	return 1UL << (i >> 3);
}

/* va's slots in tr's root and upper table are (or may become) in use. */
static void mark_slots(struct shadow_tree *tr, uint64_t va)
{
	tr->top_used |= slot_bit(vpn(va, tr->levels - 1));
	if (tr->levels == LEVELS_MAX && vpn(va, LEVELS_MAX - 1) == 511)
		tr->upper_used |= slot_bit(vpn(va, LEVELS_MAX - 2));
}

/* The slot a tree's table t keeps for popek: the direct map, or the upper table. */
static unsigned popek_slot(const struct shadow_tree *tr, const uint64_t *t)
{
	return tr->levels == LEVELS_MAX && t == table(tr->root) ? 511 : DIRECT_MAP_SLOT;
}

/* Clears the slots of `used` in tr's table t, never popek's; the tables below are freed apart. */
static void clear_slots(const struct shadow_tree *tr, uint64_t *t, uint64_t used)
{
	unsigned skip = popek_slot(tr, t);
	for (unsigned b = 0; b < 64 && used >> b; b++) {
		if (!(used >> b & 1))
			continue;
		unsigned first = b * 8;
		for (unsigned i = first; i < first + 8; i++) {
			if (i != skip)
				t[i] = 0;
		}
	}
}

/*
 * Empties one tree: every guest slot, never popek's, and its own tables
 * freed by their list, unread.  The caller fences.
 */
static void empty_tree(struct shadow *s, struct shadow_tree *tr)
{
	if (!tr->live)
		return; /* nothing installed since it was last emptied (and fenced) */
	clear_slots(tr, table(tr->root), tr->top_used);
	if (tr->levels == LEVELS_MAX) /* the upper table itself stays */
		clear_slots(tr, table(tr->upper), tr->upper_used);
	own_free_all(s, tr);
	tr->coarse = false;
	tr->live = false;
	tr->top_used = tr->upper_used = 0;
	tr->regions = tr->huge = 0;
	stale_asid(s, tr);
}

static void empty_space(struct shadow *s, struct shadow_space *sp)
{
	for (int p = 0; p < SHADOW_PAGED; p++)
		empty_tree(s, &sp->tree[p]);
}

/* Empties paged view p's global tree, and first every space's tree that may link it. */
static void empty_global(struct shadow *s, int p)
{
	if (!s->global[p].live)
		return;
	for (int i = 0; i < SHADOW_SPACES; i++)
		empty_tree(s, &s->space[i].tree[p]);
	empty_tree(s, &s->global[p]);
}

/*
 * The entry of tr's own tables holding the leaf that maps va, and its
 * level, or NULL (none, or one of a global tree's tables: fenced there, by
 * a fence that reaches it).
 */
static uint64_t *own_leaf(struct shadow_tree *tr, uint64_t va, int *level)
{
	if (in_popek_slot(va))
		return NULL; /* popek's own map: never the guest's */
	uint64_t *t = table(tr->root);
	for (int l = tr->levels - 1; l >= 0; l--) {
		uint64_t *pte = &t[vpn(va, l)];
		if (!(*pte & PTE_V) || (*pte & SHADOW_PTE_SHARED))
			return NULL;
		if (is_leaf(*pte)) {
			*level = l;
			return pte;
		}
		t = table(PTE_TABLE(*pte));
	}
	return NULL;
}

/*
 * MODE, guest ASID and root PPN of a paged satp: the key of its space (the
 * same root read as Sv39 and as Sv48 translates differently).
 */
static uint64_t key_of(uint64_t satp)
{
	return satp;
}

/* A key's place in shadow.hint: its ASID and root mixed. */
static unsigned key_hash(uint64_t key)
{
	return (unsigned)(key ^ key >> 7 ^ key >> 44 ^ key >> 51) & (SHADOW_SPACES - 1);
}

static uint64_t key_asid(uint64_t key)
{
	return key >> 44 & 0xffff;
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
		old->recheck = 0;
		old->recheck_global = false;
	}
}

/*
 * Links the entries of global table g in the slots of `used` into tr's
 * table t where t has none (never popek's slot); returns the slots linked.
 */
static uint64_t link_table(struct shadow_tree *tr, uint64_t *t, const uint64_t *g, uint64_t used)
{
	unsigned skip = popek_slot(tr, t);
	uint64_t linked = 0;
	for (unsigned b = 0; b < 64 && used >> b; b++) {
		if (!(used >> b & 1))
			continue;
		unsigned first = b * 8;
		for (unsigned i = first; i < first + 8; i++) {
			if (i == skip || !(g[i] & PTE_V) || t[i])
				continue;
			t[i] = g[i] | SHADOW_PTE_SHARED;
			tr->live = true;
			linked |= slot_bit(i);
		}
	}
	return linked;
}

/*
 * An empty space starts with the global trees linked at its roots (the
 * slots its mode can index): a new process reaches every global page
 * filled so far, the guest kernel's, without a fault.  The global trees
 * hold leaves of one mode only (s->global_levels, shadow_switch()): a
 * space of another mode links nothing.
 */
static void link_roots(struct shadow *s, struct shadow_space *sp)
{
	if (gwalk_levels(sp->key) != s->global_levels)
		return;
	for (int p = 0; p < SHADOW_PAGED; p++) {
		const struct shadow_tree *g = &s->global[p];
		struct shadow_tree *tr = &sp->tree[p];
		CHECK(tr->levels == g->levels, "shadow: a space of %d levels, global trees of %d",
		      tr->levels, g->levels);
		tr->top_used |= link_table(tr, table(tr->root), table(g->root), g->top_used);
		if (g->levels == LEVELS_MAX)
			tr->upper_used |=
			    link_table(tr, table(tr->upper), table(g->upper), g->upper_used);
	}
}

/* The tree shape for a guest satp's mode: Sv57 gets five levels, the rest four. */
static int tree_levels(uint64_t satp)
{
	return gwalk_levels(satp) == LEVELS_MAX ? LEVELS_MAX : LEVELS;
}

/*
 * shadow_switch() for a key the hint does not find: the global trees
 * reshaped for a new guest mode, a scan of the spaces, or the oldest made
 * anew.  Out of line, so that a process coming back saves no registers.
 */
static __attribute__((noinline)) void switch_find(struct shadow *s, uint64_t key, unsigned h)
{
	int levels = gwalk_levels(key);
	if (levels != s->global_levels) {
		/* §4.1.11: global leaves of the other mode translate nothing of this one */
		for (int p = 0; p < SHADOW_PAGED; p++) {
			empty_global(s, p);
			tree_format(&s->global[p], tree_levels(key));
		}
		fence_stale(s);
		s->global_levels = levels;
	}
	if (s->space[s->cur].key == key)
		return;
	int hit = -1, oldest = 0;
	for (int i = 0; i < SHADOW_SPACES && hit < 0; i++) {
		if (s->space[i].key == key)
			hit = i;
		else if (s->space[i].used < s->space[oldest].used)
			oldest = i;
	}
	s->cur = (unsigned)(hit >= 0 ? hit : oldest);
	struct shadow_space *sp = &s->space[s->cur];
	if (hit >= 0) {
		s->space_hits++;
	} else {
		/* the oldest space goes: its tables back to the pool, its ASIDs fenced */
		s->space_misses++;
		empty_space(s, sp);
		fence_stale(s);
		sp->key = key;
		sp->recheck = 0;
		sp->recheck_global = false;
		for (int p = 0; p < SHADOW_PAGED; p++)
			tree_format(&sp->tree[p], tree_levels(key));
		link_roots(s, sp);
	}
	s->hint[h] = (uint8_t)s->cur;
}

static void space_recheck(struct vcpu *v, struct shadow_space *sp);

void shadow_switch(struct vcpu *v)
{
	struct shadow *s = &v->shadow;
	uint64_t key = key_of(v->csr.satp);
	if ((key >> 60) == 0)
		return; /* Bare: no paged view runs; the current space stays as it is */
	if (s->space[s->cur].key != key || gwalk_levels(key) != s->global_levels) {
		/* a process coming back: its space is where its key's hash last led */
		unsigned h = key_hash(key);
		if (s->space[s->hint[h]].key == key && gwalk_levels(key) == s->global_levels) {
			s->cur = s->hint[h];
			s->space_hits++;
		} else {
			switch_find(s, key, h);
		}
	}
	s->space[s->cur].used = ++s->clock;
	if (s->space[s->cur].recheck)
		space_recheck(v, &s->space[s->cur]);
}

/* A matching space's trees lose the pages [va, va + pages): stale entries marked. */
/* Empties tr: a space's tree, or global tree p (>= 0) with every space's tree linking it. */
static void empty_any(struct shadow *s, struct shadow_tree *tr, int global_p)
{
	if (global_p >= 0)
		empty_global(s, global_p);
	else
		empty_tree(s, tr);
}

static inline __attribute__((always_inline)) uint64_t *guest_pte(void *ctx, uint64_t gpa,
                                                                 enum gwalk_status *why)
{
	struct vcpu *v = ctx;
	/* §3.7.1: the table walk's own reads are checked by PMP as S-mode loads */
	if (v->csr.has_m && !pmp_readable(&v->csr, VMODE_S, gpa, 8)) {
		*why = GW_ACCESS_FAULT;
		return NULL;
	}
	*why = GW_PAGE_FAULT; /* no RAM: the board's PTE load fails, a page fault */
	return vm_gpa_to_hva(v->vm, gpa, 8);
}

/* The privilege a view's accesses are made with, for the guest's tables and for PMP. */
static enum vmode view_mode(const struct vcpu *v, enum shadow_view view)
{
	static const enum vmode modes[VIEW_COUNT] = {[VIEW_U] = VMODE_U,
	                                             [VIEW_S] = VMODE_S,
	                                             [VIEW_S_SUM] = VMODE_S,
	                                             [VIEW_M] = VMODE_M,
	                                             [VIEW_M_MPRV] = VMODE_M};
	return view == VIEW_BARE ? v->mode : modes[view];
}

static inline __attribute__((always_inline)) uint64_t
leaf_ahead(struct vcpu *v, enum shadow_view view, uint64_t pte);

/*
 * Whether `leaf`, a 4 KiB leaf of space sp's view p at va, is exactly what a
 * fill would install now: the guest's tables of that space still give a
 * non-global 4 KiB leaf with A set that shadows to the same entry.  A fence
 * needs it gone only if it is stale (§4.2.1); a TLB refilled right after the
 * fence would hold the same translation (§4.3.2: walks may be speculative),
 * so keeping it is exact, and costs one walk against a fault and a real
 * fence.  Linux fences every page it maps with every ASID: the other
 * processes' leaves at that address stay.  Out of line: a fence that finds
 * a leaf is rare, and the walk's registers would be saved on every one.
 */
static __attribute__((noinline)) bool leaf_unchanged(struct vcpu *v, const struct shadow_space *sp,
                                                     int p, uint64_t va, uint64_t leaf)
{
	enum shadow_view view = (enum shadow_view)(SHADOW_PAGED_FIRST + p);
	struct gwalk_result r = {0};
	if (leaf & SHADOW_PTE_GLOBAL ||
	    gwalk(guest_pte, v, sp->key, va, leaf & PTE_R ? GW_LOAD : GW_FETCH, view_mode(v, view),
	          view == VIEW_S_SUM, v->csr.mstatus & SSTATUS_MXR, false, &r) != GW_OK)
		return false;
	return r.level == 0 && !(r.pte & PTE_G) && leaf_ahead(v, view, r.pte) == leaf;
}

/* The leaf at canonical va leaves tr (not coarse), unless unchanged (leaf_unchanged()). */
static void flush_page(struct vcpu *v, struct shadow_tree *tr, const struct shadow_space *sp, int p,
                       uint64_t va)
{
	struct shadow *s = &v->shadow;
	int level;
	uint64_t *e = own_leaf(tr, va, &level);
	if (!e)
		return;
	if (sp && level == 0 && leaf_unchanged(v, sp, p, va, *e)) {
		s->kept++;
		return;
	}
	*e = 0;
	stale_page(s, tr, va);
}

/*
 * tr loses the pages [va, va + pages) (stale entries marked), but for the
 * leaves of space sp (NULL: a global tree, p its view) still unchanged.
 */
static void flush_tree(struct vcpu *v, struct shadow_tree *tr, const struct shadow_space *sp, int p,
                       int levels, uint64_t va, uint64_t pages)
{
	struct shadow *s = &v->shadow;
	if (!tr->live)
		return;
	/* A coarse tree may hold the guest superpage at va in pieces: empty it all. */
	if (tr->coarse) {
		empty_any(s, tr, sp ? -1 : p);
		return;
	}
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t a = va + i * PAGE_SIZE; /* wraps past the top as the guest's range does */
		if (!gwalk_canonical(levels, a)) {
			/* the board (QEMU) flushes everything here */
			empty_any(s, tr, sp ? -1 : p);
			return;
		}
		if ((tr->regions & region_bit(a)) | (tr->huge & huge_bit(a)))
			flush_page(v, tr, sp, p, a);
	}
}

/* A tree with more table pages of its own than this is emptied, not read whole (space_keep()). */
#define SHADOW_KEEP_PAGES 32

/*
 * The guest's level-0 table of space `key` for the 2 MiB region at va, as
 * the hardware walk reaches it (§4.3.2: pointers only, each read checked by
 * PMP, and the table's own entries readable alike), or NULL.
 */
static const uint64_t *guest_table0(struct vcpu *v, uint64_t key, uint64_t va)
{
	int levels = gwalk_levels(key);
	if (!levels || !gwalk_canonical(levels, va))
		return NULL;
	uint64_t gpa = (key & ((1UL << 44) - 1)) << PAGE_SHIFT;
	for (int level = levels - 1; level > 0; level--) {
		enum gwalk_status why;
		const uint64_t *e = guest_pte(v, gpa + vpn(va, level) * 8, &why);
		/* a pointer: V alone of R, W, X, D, A, U (§4.3.1), no reserved bits */
		if (!e || (*e & (PTE_V | PTE_R | PTE_W | PTE_X | PTE_D | PTE_A | PTE_U)) != PTE_V ||
		    (*e & GWALK_PTE_RSVD))
			return NULL;
		gpa = GWALK_PPN(*e) << PAGE_SHIFT;
	}
	if (v->csr.has_m && !pmp_readable(&v->csr, VMODE_S, gpa, PAGE_SIZE))
		return NULL;
	return vm_gpa_to_hva(v->vm, gpa, PAGE_SIZE);
}

/* A pass over one tree: whose tables decide, where it reads, what it kept, whether any went. */
struct shadow_keep {
	struct vcpu *v;
	uint64_t key; /* the guest satp whose tables decide */
	enum shadow_view view;
	bool all_asid;    /* a fence with rs2 = x0 came: copies of global leaves are read too */
	uint64_t regions; /* the 2 MiB regions whose leaves are read (a region_bit() filter) */
	uint64_t kept;
	bool dropped;
};

/*
 * The entries of `used` in table t (of `level`, mapping from `base`; slot
 * `skip` is popek's) and below: a 4 KiB leaf stays when the guest's table
 * gives the leaf a fill would install now (leaf_unchanged()'s rule, a whole
 * table per walk), a copy of a global one only from a G = 1 leaf; after
 * fences by ASID alone a copy of a global leaf stays unread (§4.2.1: such a
 * fence need not remove it); links stay; any other leaf goes.
 */
static void keep_table(struct shadow_keep *k, const struct shadow_tree *tr, uint64_t *t, int level,
                       uint64_t base, uint64_t used, unsigned skip)
{
	struct shadow *s = &k->v->shadow;
	if (level == 0 && !(k->regions & region_bit(base)))
		return; /* no fence reached this table */
	const uint64_t *g = level == 0 ? guest_table0(k->v, k->key, base) : NULL;
	bool top = level == tr->levels - 1;
	for (unsigned b = 0; b < 64 && used >> b; b++) {
		if (!(used >> b & 1))
			continue;
		for (unsigned i = b * 8; i < b * 8 + 8; i++) {
			uint64_t e = t[i];
			if (!(e & PTE_V) || (e & SHADOW_PTE_SHARED) || i == skip)
				continue;
			uint64_t va = base | (uint64_t)i << (PAGE_SHIFT + 9 * level);
			if (top && i >= 256) /* the upper half, sign-extended (§4.5, §4.6) */
				va |= ~0UL << (PAGE_SHIFT + 9 * tr->levels);
			if (!is_leaf(e)) {
				/* an Sv57 tree's upper table has popek's slot, and its own used bits */
				bool upper = top && tr->levels == LEVELS_MAX && i == 511;
				keep_table(k, tr, table(PTE_TABLE(e)), level - 1, va,
				           upper ? tr->upper_used : link_of(s, PTE_TABLE(e))->used,
				           upper ? DIRECT_MAP_SLOT : 512);
				continue;
			}
			if ((e & SHADOW_PTE_GLOBAL) && !k->all_asid)
				continue;
			uint64_t want = 0;
			if (g) {
				want = leaf_ahead(k->v, k->view, g[i]);
				want |= g[i] & PTE_G ? SHADOW_PTE_GLOBAL : 0;
			}
			if (want == e) {
				k->kept++;
			} else {
				t[i] = 0;
				k->dropped = true;
			}
		}
	}
}

/*
 * Tree tr of paged view p read where `regions` say, against the guest
 * tables of satp `key`: the leaves those still give unchanged stay, the
 * rest go with one fence of the tree's ASID.  Exact for the reason
 * leaf_unchanged() is: right after a fence a TLB may refill from the same
 * tables (§4.3.2), and a space that did not run since has had no walk.
 * A coarse tree, or one too large to read whole, is not read (-1: the
 * caller empties it).  Returns the leaves kept; the tables stay.
 */
static int64_t keep_tree(struct vcpu *v, struct shadow_tree *tr, int p, uint64_t key, bool all_asid,
                         uint64_t regions)
{
	struct shadow *s = &v->shadow;
	if (!tr->live)
		return 0;
	if (tr->coarse || (regions == ~0UL && tr->npages > SHADOW_KEEP_PAGES) ||
	    gwalk_levels(key) == 0 || tree_levels(key) != tr->levels)
		return -1;
	struct shadow_keep k = {
	    v, key, (enum shadow_view)(SHADOW_PAGED_FIRST + p), all_asid, regions, 0, false};
	keep_table(&k, tr, table(tr->root), tr->levels - 1, 0, tr->top_used,
	           tr->levels == LEVELS ? DIRECT_MAP_SLOT : 512);
	s->kept += k.kept;
	if (k.dropped)
		stale_asid(s, tr);
	return (int64_t)k.kept;
}

/* Space sp's trees read (keep_tree()); one read whole that keeps nothing is emptied. */
static void space_keep(struct vcpu *v, struct shadow_space *sp, bool all_asid, uint64_t regions)
{
	for (int p = 0; p < SHADOW_PAGED; p++) {
		int64_t n = keep_tree(v, &sp->tree[p], p, sp->key, all_asid, regions);
		if (n < 0 || (n == 0 && regions == ~0UL))
			empty_tree(&v->shadow, &sp->tree[p]);
	}
}

/* A fence reached space sp, which does not run: it is read when it does (space_recheck()). */
static void recheck_later(struct shadow_space *sp, uint64_t regions, bool all_asid)
{
	sp->recheck |= regions;
	sp->recheck_global |= all_asid;
}

/*
 * sfence.vma x0, rs2 (§4.2.1): every space of ASID rs2 (every space, and
 * the global trees, with rs2 = x0) emptied.  Reading them instead, as a
 * fence by address does, was measured and cost more than the faults it
 * saved: Linux on one hart makes every whole fence with rs2 = x0 (after
 * fork, exit, every multi-page unmap), and the global trees, which every
 * space links, had to be read at each (docs/shadow.md).
 */
static void fence_whole(struct vcpu *v, bool all_asid, uint64_t asid)
{
	struct shadow *s = &v->shadow;
	for (int i = 0; i < SHADOW_SPACES; i++) {
		struct shadow_space *sp = &s->space[i];
		if (sp->key == SHADOW_NO_KEY || (!all_asid && key_asid(sp->key) != asid))
			continue;
		empty_space(s, sp);
		sp->recheck = 0; /* nothing left to read */
		sp->recheck_global = false;
		if (!all_asid)
			link_roots(s, sp); /* the global trees stay (§4.2.1): linked again */
	}
	for (int p = 0; p < SHADOW_PAGED && all_asid; p++)
		empty_global(s, p);
}

/* A space fences reached while it did not run comes back: its trees are read there now. */
static __attribute__((noinline)) void space_recheck(struct vcpu *v, struct shadow_space *sp)
{
	uint64_t regions = sp->recheck;
	bool all_asid = sp->recheck_global;
	sp->recheck = 0;
	sp->recheck_global = false;
	space_keep(v, sp, all_asid, regions);
	link_roots(&v->shadow, sp); /* the global trees, where a tree was emptied */
	fence_stale(&v->shadow);
}

/*
 * The index of x's lowest set bit (x != 0, a set of SHADOW_SPACES): the
 * hart has no ctz, and a table would be one more page to refill after each
 * flush.
 */
static unsigned lowest_bit(uint32_t x)
{
	unsigned i = 0;
	while (!(x >> i & 1))
		i++;
	return i;
}

/* Whether the guest's fence of one page in space sp may make popek fill it (fill_fenced()). */
static bool fills_fenced(const struct vcpu *v, const struct shadow_space *sp, bool all_asid,
                         uint64_t asid)
{
	return (v->csr.satp >> 60) != 0 && sp->key == key_of(v->csr.satp) &&
	       (all_asid || key_asid(sp->key) == asid);
}

/*
 * sfence.vma va of one page, canonical in the guest's `levels`: shadow_fence()'s work for it, with
 * no loop over pages and a look only at the spaces the index names, one by
 * one.  Linux makes one after every page it maps and unmaps.
 */
static void fence_page(struct vcpu *v, int levels, uint64_t va, bool all_asid, uint64_t asid)
{
	struct shadow *s = &v->shadow;
	uint64_t rb = region_bit(va), hb = huge_bit(va);
	uint32_t spaces = s->by_all | s->by_region[region_of(va)] | s->by_huge[huge_of(va)];
	while (spaces) {
		unsigned i = lowest_bit(spaces);
		struct shadow_space *sp = &s->space[i];
		spaces &= spaces - 1;
		if (sp->key == SHADOW_NO_KEY || (!all_asid && key_asid(sp->key) != asid))
			continue;
		bool hit = false;
		for (int p = 0; p < SHADOW_PAGED; p++) {
			struct shadow_tree *tr = &sp->tree[p];
			if (!tr->live || !((tr->regions & rb) | (tr->huge & hb)))
				continue;
			hit = true;
			/* another space is read when it runs again: most never do, or fence again first */
			if (i != s->cur) {
				recheck_later(sp, rb, all_asid);
				break;
			}
			if (tr->coarse) /* it may hold the guest superpage at va in pieces */
				empty_tree(s, tr);
			else
				flush_page(v, tr, sp, p, va);
		}
		if (!hit) { /* the index was stale for this page */
			s->by_region[region_of(va)] &= (uint16_t) ~(1U << i);
			s->by_huge[huge_of(va)] &= (uint16_t) ~(1U << i);
			s->by_all &= (uint16_t) ~(1U << i);
		}
	}
	for (int p = 0; p < SHADOW_PAGED && all_asid; p++) {
		struct shadow_tree *g = &s->global[p];
		if (g->live && ((g->regions & rb) | (g->huge & hb)))
			flush_tree(v, g, NULL, p, levels, va, 1);
	}
	fence_stale(s);
	if (fills_fenced(v, &s->space[s->cur], all_asid, asid))
		fill_fenced(v, va);
}

void shadow_fence(struct vcpu *v, bool all_va, uint64_t va, uint64_t pages, bool all_asid,
                  uint64_t asid)
{
	struct shadow *s = &v->shadow;
	asid &= 0xffff; /* §4.2.1: rs2 bits past ASIDMAX are ignored */
	va &= ~(PAGE_SIZE - 1);
	/* the guest's addresses are canonical by its current mode; Bare: Sv39's rule, as before */
	int levels = gwalk_levels(v->csr.satp) ? gwalk_levels(v->csr.satp) : 3;
	if (!all_va && pages == 1 && gwalk_canonical(levels, va)) {
		fence_page(v, levels, va, all_asid, asid);
		return;
	}
	struct shadow_reach m =
	    all_va ? (struct shadow_reach){0, 0, 0} : reach_of(s, levels, va, pages);
	if (all_va)
		fence_whole(v, all_asid, asid);
	for (unsigned i = 0; m.spaces >> i; i++) {
		struct shadow_space *sp = &s->space[i];
		/*
		 * By ASID, only that space's non-global entries need go (§4.2.1):
		 * its own copies of global leaves go too (more than asked, never
		 * less), the global trees stay.  With rs2 = x0, every space and
		 * the global trees.
		 */
		if (!(m.spaces >> i & 1) || sp->key == SHADOW_NO_KEY ||
		    (!all_asid && key_asid(sp->key) != asid))
			continue;
		bool hit = false;
		for (int p = 0; p < SHADOW_PAGED; p++) {
			if (!may_hold(&sp->tree[p], m) || !sp->tree[p].live)
				continue;
			hit = true;
			if (i == s->cur)
				flush_tree(v, &sp->tree[p], sp, p, levels, va, pages);
			else /* read when it runs again: most never do, or fence again first */
				recheck_later(sp, m.regions, all_asid);
		}
		if (!hit && pages == 1) { /* the index was stale for this page */
			s->by_region[region_of(va)] &= (uint16_t) ~(1U << i);
			s->by_huge[huge_of(va)] &= (uint16_t) ~(1U << i);
			s->by_all &= (uint16_t) ~(1U << i);
		}
	}
	for (int p = 0; p < SHADOW_PAGED && all_asid && !all_va; p++) {
		if (may_hold(&s->global[p], m))
			flush_tree(v, &s->global[p], NULL, p, levels, va, pages);
	}
	if (all_va)
		v->stats.shadow_flushes++;
	fence_stale(s);
	if (!all_va && pages == 1 && fills_fenced(v, &s->space[s->cur], all_asid, asid))
		fill_fenced(v, va);
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
	for (int p = 0; p < SHADOW_PAGED; p++)
		empty_global(s, p);
	for (int i = 0; i < SHADOW_SPACES; i++)
		empty_space(s, &s->space[i]);
	v->stats.shadow_flushes++;
	fence_stale(s);
}

/* A new table of tr's own. */
static uint64_t new_table(struct shadow *s, struct shadow_tree *tr)
{
	uint64_t pa = pool_alloc(s);
	own_add(s, tr, pa);
	return table_pte(pa);
}

/*
 * A table of tr's own holding what global tree g's table `src` holds: its
 * tables linked (SHARED), its leaves copied.  The same translations, so no
 * fence; a space's table made where the global tree has one starts so (the
 * teaching kernel's global megapages share a table with its user pages).
 */
static uint64_t copy_table(struct shadow *s, struct shadow_tree *tr, const struct shadow_tree *g,
                           const uint64_t *src)
{
	uint64_t pte = new_table(s, tr);
	uint64_t *dst = table(PTE_TABLE(pte));
	for (int i = 0; i < 512; i++) {
		uint64_t e = src[i];
		if (!(e & PTE_V))
			continue;
		if (is_leaf(e)) {
			add_all(s, tr); /* leaves anywhere below: the filters give up */
			set_coarse(s, tr, g && g->coarse);
		} else {
			e |= SHADOW_PTE_SHARED;
		}
		dst[i] = e;
		note_entry(s, &dst[i]);
	}
	return pte;
}

/* The table below entry e, or NULL when e is no pointer. */
static const uint64_t *next_table(uint64_t e)
{
	return (e & PTE_V) && !is_leaf(e) ? table(PTE_TABLE(e)) : NULL;
}

/*
 * Writes `leaf` at va, `level` into tree tr, making tables of its own on
 * the way; a table of global tree g (for a space's tree of a paged view,
 * else NULL) on the way is copied first.  True when tables were freed
 * (a superpage over smaller pages): for a global tree, spaces may link them.
 */
static bool put_leaf(struct shadow *s, struct shadow_tree *tr, const struct shadow_tree *g,
                     uint64_t va, int level, uint64_t leaf)
{
	CHECK(!in_popek_slot(va), "shadow: a leaf for %lx in popek's root slot", va);
	tr->live = true;
	mark_slots(tr, va);
	CHECK(tr->levels == LEVELS_MAX || (int64_t)va >> 47 == 0 || (int64_t)va >> 47 == -1,
	      "shadow: %lx in a tree of four levels", va);
	add_region(s, tr, va, level);
	uint64_t *t = table(tr->root);
	const uint64_t *gt = g ? table(g->root) : NULL; /* g's table at the same place */
	for (int l = tr->levels - 1; l > level; l--) {
		uint64_t *pte = &t[vpn(va, l)];
		gt = gt ? next_table(gt[vpn(va, l)]) : NULL;
		if ((*pte & PTE_V) && is_leaf(*pte)) {
			*pte = 0; /* a stale larger leaf: replaced by a table */
			stale_page(s, tr, va);
			fence_stale(s);
		}
		if (*pte & SHADOW_PTE_SHARED) /* a leaf of this space's own below: its own copy */
			*pte = copy_table(s, tr, g, table(PTE_TABLE(*pte))); /* noted before */
		if (!(*pte & PTE_V)) {
			*pte = gt ? copy_table(s, tr, g, gt) : new_table(s, tr);
			note_entry(s, pte);
		}
		CHECK(in_pool(s, PTE_TABLE(*pte)), "shadow: table %lx outside the pool",
		      PTE_TABLE(*pte));
		t = table(PTE_TABLE(*pte));
	}
	uint64_t *pte = &t[vpn(va, level)];
	if (*pte == leaf)
		return false; /* there already (a global leaf another space filled) */
	bool replaced = (*pte & PTE_V) && is_leaf(*pte), freed = false;
	if ((*pte & PTE_V) && !is_leaf(*pte)) {
		if (is_own_table(*pte)) /* stale smaller pages under a new superpage */
			free_tree(s, tr, PTE_TABLE(*pte), level - 1);
		*pte = 0;
		stale_asid(s, tr); /* every one of them, before the tables are reused */
		fence_stale(s);
		freed = true;
	}
	*pte = leaf;
	note_entry(s, pte);
	/* §4.2.1: a valid leaf changed (widened) in place; the old one may be cached */
	if (replaced) {
		stale_page(s, tr, va);
		fence_stale(s);
	}
	return freed;
}

/*
 * Makes global tree g's leaf at va reachable from space tree tr: a link
 * (SHARED) to g's table where tr has none, or, where tr has a table of its
 * own all the way down, a copy of the leaf.
 */
static void link_global(struct shadow *s, struct shadow_tree *tr, const struct shadow_tree *g,
                        uint64_t va, int level, uint64_t leaf)
{
	tr->live = true;
	mark_slots(tr, va);
	uint64_t *t = table(tr->root);
	const uint64_t *gt = table(g->root);
	CHECK(tr->levels == g->levels, "shadow: linking a global tree of another shape");
	for (int l = tr->levels - 1; l > level; l--) {
		uint64_t *pte = &t[vpn(va, l)];
		uint64_t ge = gt[vpn(va, l)]; /* put_leaf() has just made g's path */
		if (*pte & SHADOW_PTE_SHARED)
			return; /* g's table, which holds the leaf now */
		if (!is_own_table(*pte)) {
			if (*pte & PTE_V) { /* a stale larger leaf of this space */
				*pte = 0;
				stale_page(s, tr, va);
				fence_stale(s);
			}
			*pte = ge | SHADOW_PTE_SHARED;
			note_entry(s, pte);
			return;
		}
		t = table(PTE_TABLE(*pte));
		gt = table(PTE_TABLE(ge));
	}
	put_leaf(s, tr, NULL, va, level, leaf); /* the last table is tr's own */
	set_coarse(s, tr, g->coarse);
}

/*
 * Installs a leaf mapping va → hpa at `level` (0: 4 KiB, 1: 2 MiB, 2: 1 GiB)
 * in `view`; `coarse`: it is a piece of a larger guest page; `global`: the
 * guest's leaf has G = 1, and in a paged view it goes into the view's
 * global tree, for every space (§4.3.1: a TLB may use a global entry in any
 * address space; a guest whose global mappings differ between its spaces
 * gets either, as the spec allows).
 */
static void install(struct vcpu *v, enum shadow_view view, uint64_t va, uint64_t hpa, int level,
                    uint64_t perms, bool coarse, bool global)
{
	struct shadow *s = &v->shadow;
	/* A V entry with no R, W or X is a pointer to a table: never one into guest RAM. */
	CHECK((perms & (PTE_R | PTE_W | PTE_X)) && !(perms & ~(PTE_R | PTE_W | PTE_X)) &&
	          (perms & (PTE_R | PTE_W)) != PTE_W,
	      "shadow: leaf perms %lx", perms);
	CHECK((hpa >= v->vm->ram_hpa && hpa - v->vm->ram_hpa < v->vm->ram_size &&
	       (PAGE_SIZE << (9 * level)) <= v->vm->ram_size - (hpa - v->vm->ram_hpa) &&
	       !(hpa & ((PAGE_SIZE << (9 * level)) - 1))) ||
	          (level == 0 && perms == PTE_X && watch_is_copy(v->vm, hpa)),
	      "shadow: level-%d leaf at %lx outside the VM's RAM", level, hpa);
	/* at most LEVELS new tables below a root, Sv57's included (its upper table is made with it) */
	if (s->pages + LEVELS > s->page_limit) {
		evict_for(s, LEVELS); /* other address spaces first, oldest first */
		fence_stale(s);
		if (s->pages + LEVELS > s->page_limit)
			shadow_flush_all(v); /* this space alone churns: start over */
	}
	struct shadow_tree *tr = tree_of(s, view);
	uint64_t leaf =
	    (hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT | perms | PTE_U | PTE_V | PTE_A | PTE_D;
	if (!is_paged(view)) {
		set_coarse(s, tr,
		           coarse); /* after any flush, which clears it: sfence empties all */
		put_leaf(s, tr, NULL, va, level, leaf);
	} else if (global) {
		int p = view - SHADOW_PAGED_FIRST;
		struct shadow_tree *g = &s->global[p];
		set_coarse(s, g, coarse);
		if (put_leaf(s, g, NULL, va, level, leaf | SHADOW_PTE_GLOBAL)) {
			/* g freed tables that spaces may link: they start over */
			for (int i = 0; i < SHADOW_SPACES; i++)
				empty_tree(s, &s->space[i].tree[p]);
			fence_stale(s);
		}
		link_global(s, tr, g, va, level, leaf | SHADOW_PTE_GLOBAL);
	} else {
		set_coarse(s, tr, coarse);
		put_leaf(s, tr, &s->global[view - SHADOW_PAGED_FIRST], va, level, leaf);
	}
	v->stats.shadow_fills++;
	v->note = "shadow filled";
}

static enum gwalk_access access_of(uint64_t cause)
{
	return cause == CAUSE_FETCH_PAGE ? GW_FETCH : cause == CAUSE_LOAD_PAGE ? GW_LOAD : GW_STORE;
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
                                        uint64_t perms, bool global)
{
	struct vm *vm = v->vm;
	uint64_t gpa = page_gpa + (va - page_va);
	enum vmode pm = view_mode(v, view);
	int l;
	if (vm_gpa_to_hva(vm, page_gpa, PAGE_SIZE << (9 * level))) {
		for (l = level; l > 0; l--) {
			uint64_t size = PAGE_SIZE << (9 * l);
			uint64_t piece_gpa = gpa & ~(size - 1);
			/* The host page must be as aligned as the guest's, and PMP must not split it. */
			if (!((vm->ram_hpa + (piece_gpa - vm->ram_gpa)) & (size - 1)) &&
			    pmp_perms(&v->csr, pm, piece_gpa, size) >= 0 &&
			    !(vm->watch_on && watch_in(vm, piece_gpa, size)))
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
	uint64_t hpa = vm->ram_hpa + (piece_gpa - vm->ram_gpa);
	if (vm->watch_on) {
		/* a watched page: fewer permissions, and fetches from its private copy */
		perms = watch_shadow_perms(vm, piece_gpa, perms, &hpa);
		if (!(perms & needs(cause)))
			return SHADOW_EMULATE; /* a load or store: carried out and checked by emulate.c */
	}
	install(v, view, piece_va, hpa, l, perms, l < level, global);
	return SHADOW_FILLED;
}

/* ---- filling ahead: translations the hardware could have cached already ---- */

/*
 * The shadow leaf for a neighbouring guest 4 KiB leaf `pte` in `view`, or
 * 0: only what a fill of it would install (A set, RAM, PMP deciding the
 * page whole, no wider than the walk allows), never an A or D update.
 */
static inline __attribute__((always_inline)) uint64_t
leaf_ahead(struct vcpu *v, enum shadow_view view, uint64_t pte)
{
	if ((pte & (PTE_V | PTE_A)) != (PTE_V | PTE_A))
		return 0; /* most neighbours: nothing to fill (gwalk_shadow_perms() says so too) */
	/* the bits first (a paged view: vU for VIEW_U, else vS), then the memory behind */
	enum vmode mode = view == VIEW_U ? VMODE_U : VMODE_S;
	uint64_t perms =
	    gwalk_shadow_perms(pte, mode, view == VIEW_S_SUM, v->csr.mstatus & SSTATUS_MXR);
	uint64_t gpa = gwalk_leaf_gpa(pte);
	if (!perms || gpa == ~0UL || !vm_gpa_to_hva(v->vm, gpa, PAGE_SIZE) ||
	    (v->vm->watch_on && watch_in(v->vm, gpa, PAGE_SIZE)))
		return 0; /* a watched page is filled on its own fault */
	if (v->csr.has_m) {
		int pp = pmp_perms(&v->csr, mode, gpa, PAGE_SIZE);
		perms &= pp < 0 ? 0 : (uint64_t)pp;
		if ((perms & (PTE_R | PTE_W)) == PTE_W)
			perms &=
			    ~PTE_W; /* PMP's reserved W-only: stores are emulated (map_guest_page()) */
		if (!perms)
			return 0;
	}
	uint64_t hpa = v->vm->ram_hpa + (gpa - v->vm->ram_gpa);
	return (hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT | perms | PTE_U | PTE_V | PTE_A | PTE_D;
}

/*
 * Fault-around: after a 4 KiB fill, the other leaves of its aligned
 * AROUND_PAGES window of the guest's level-0 table that the guest has
 * already accessed (A = 1) go into empty slots of the same shadow table.
 * The hardware may cache any valid translation whose A bit is set, at any
 * time (priv spec §4.3.2: walks may be speculative), so this is a TLB the
 * board could have; fences remove these leaves like any other.  A process
 * touching its pages in order (exec, fork's copies) faults once per window.
 */
#define AROUND_PAGES 16
static void fill_around(struct vcpu *v, enum shadow_view view, uint64_t va, uint64_t pte_gpa)
{
	uint64_t win = pte_gpa & ~(AROUND_PAGES * 8UL - 1);
	/* §3.7.1: the guest's table is read as S-mode loads, as the walk reads it */
	if (v->csr.has_m && !pmp_readable(&v->csr, VMODE_S, win, AROUND_PAGES * 8))
		return; /* a window PMP splits included (-1: no & with PMP_R) */
	const uint64_t *g = vm_gpa_to_hva(v->vm, win, AROUND_PAGES * 8);
	const struct shadow_tree *tr = tree_of(&v->shadow, view);
	uint64_t *t = table(tr->root);
	bool shared = false; /* the table is a global tree's: only global leaves go there */
	for (int level = tr->levels - 1; level > 0 && g; level--) {
		uint64_t pte = t[vpn(va, level)];
		if (!(pte & PTE_V) || is_leaf(pte))
			return;
		shared |= pte & SHADOW_PTE_SHARED;
		t = table(PTE_TABLE(pte));
	}
	unsigned first = vpn(va, 0) & ~(AROUND_PAGES - 1U);
	for (unsigned i = 0; g && i < AROUND_PAGES; i++) {
		bool global = g[i] & PTE_G;
		uint64_t leaf =
		    (t[first + i] & PTE_V) || (shared && !global) ? 0 : leaf_ahead(v, view, g[i]);
		if (!leaf)
			continue;
		if (global)
			leaf |= SHADOW_PTE_GLOBAL;
		CHECK(PTE_TABLE(leaf) - v->vm->ram_hpa < v->vm->ram_size,
		      "shadow: leaf ahead %lx outside the VM's RAM", leaf);
		t[first + i] = leaf;
		v->shadow.ahead++;
	}
	note_entries(&v->shadow, t, first, AROUND_PAGES);
}

/*
 * The guest fenced one page of its current space: the translation its
 * tables now give (it has just changed them, typically mapping a page after
 * a fault: Linux fences every page it maps, §4.2.1 requires it) goes into
 * the view that will use it, U for a U page, S otherwise, when it is
 * accessed already.  Saves the fault on the guest's retry; the fence has
 * taken the old leaf away, so this is what a TLB refilled at once would hold.
 */
/* Whether tr maps va at all (through any table, its own or linked). */
static bool has_leaf(const struct shadow_tree *tr, uint64_t va)
{
	const uint64_t *t = table(tr->root);
	for (int level = tr->levels - 1; level >= 0; level--) {
		uint64_t pte = t[vpn(va, level)];
		if (!(pte & PTE_V))
			return false;
		if (is_leaf(pte))
			return true;
		t = table(PTE_TABLE(pte));
	}
	return false;
}

/*
 * The leaf of walk r (guest leaf at va) in paged view `view` too, ahead of
 * its fault, when that view allows anything, has no leaf there yet (a
 * narrower one widens on its own fault: replacing it would cost a fence),
 * and no eviction is needed.
 */
static void fill_view(struct vcpu *v, enum shadow_view view, uint64_t va,
                      const struct gwalk_result *r)
{
	if (v->shadow.pages + LEVELS > v->shadow.page_limit ||
	    has_leaf(tree_of(&v->shadow, view), va))
		return;
	uint64_t perms = gwalk_shadow_perms(r->pte, view_mode(v, view), view == VIEW_S_SUM,
	                                    v->csr.mstatus & SSTATUS_MXR);
	if (!perms)
		return;
	/* a cause the leaf serves, so that map_guest_page() installs it or declines */
	uint64_t cause = perms & PTE_R ? CAUSE_LOAD_PAGE : CAUSE_FETCH_PAGE;
	if (map_guest_page(v, view, cause, va, r->page_va, r->page_gpa, r->level, perms,
	                   r->pte & PTE_G) == SHADOW_FILLED)
		v->shadow.ahead++;
}

/*
 * fill_view() for a 4 KiB non-global guest leaf whose level-0 table the
 * view's tree has of its own already (the common case: Linux maps the
 * page it has just faulted on): the leaf written in place, with no table
 * to make, copy or link.  True when done (filled, or a leaf is there
 * already); false leaves it to fill_view(), as does anything PMP or a
 * watch narrows.
 */
static bool fill_in_place(struct vcpu *v, enum shadow_view view, uint64_t va, uint64_t pte)
{
	struct shadow *s = &v->shadow;
	struct shadow_tree *tr = tree_of(s, view);
	uint64_t *t = table(tr->root);
	for (int l = tr->levels - 1; l > 0; l--) {
		uint64_t e = t[vpn(va, l)];
		/* a table of its own: V alone of V, R, W, X and SHARED */
		if ((e & (PTE_V | PTE_R | PTE_W | PTE_X | SHADOW_PTE_SHARED)) != PTE_V)
			return false;
		t = table(PTE_TABLE(e));
	}
	uint64_t *e = &t[vpn(va, 0)];
	if (*e & PTE_V)
		return true; /* a narrower leaf widens on its own fault (fill_view()) */
	uint64_t leaf = leaf_ahead(v, view, pte);
	if (!leaf || (leaf & (PTE_R | PTE_W | PTE_X)) !=
	                 gwalk_shadow_perms(pte, view_mode(v, view), view == VIEW_S_SUM,
	                                    v->csr.mstatus & SSTATUS_MXR))
		return false;
	CHECK(tr->live && (tr->top_used & slot_bit(vpn(va, tr->levels - 1))),
	      "shadow: a table for %lx in a tree that does not mark it", va);
	add_region(s, tr, va, 0);
	*e = leaf;
	note_entry(s, e);
	v->stats.shadow_fills++;
	v->note = "shadow filled";
	s->ahead++;
	return true;
}

static void fill_fenced(struct vcpu *v, uint64_t va)
{
	struct gwalk_result r = {0};
	if (in_popek_slot(va))
		return;
	/* one walk that accepts any leaf, U or not: vS with SUM, MXR letting X-only pages in */
	if (gwalk(guest_pte, v, v->csr.satp, va, GW_LOAD, VMODE_S, true, true, false, &r) != GW_OK)
		return;
	enum shadow_view view = r.pte & PTE_U ? VIEW_U : VIEW_S;
	if (r.level == 0 && !(r.pte & PTE_G) && fill_in_place(v, view, va, r.pte))
		return;
	fill_view(v, view, va, &r);
}

enum gwalk_status shadow_walk(struct vcpu *v, uint64_t va, enum gwalk_access acc, enum vmode mode,
                              bool update_ad, uint64_t *gpa)
{
	if (mode == VMODE_M || (v->csr.satp >> 60) == 0) {
		*gpa = va;
		return GW_OK;
	}
	struct gwalk_result r = {0};
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
		return map_guest_page(v, view, cause, va, page, page, level, perms, false);
	}
	bool sum = v->csr.mstatus & SSTATUS_SUM, mxr = v->csr.mstatus & SSTATUS_MXR;
	struct gwalk_result r = {0};
	switch (
	    gwalk(guest_pte, v, v->csr.satp, va, access_of(cause), v->mode, sum, mxr, true, &r)) {
	case GW_PAGE_FAULT:
		return SHADOW_PAGE_FAULT;
	case GW_ACCESS_FAULT:
		return SHADOW_ACCESS_FAULT;
	case GW_OK:
		break;
	}
	if (in_popek_slot(va)) /* an Sv48 guest's page where popek's map is: no shadow leaf */
		return cause == CAUSE_FETCH_PAGE ? SHADOW_ACCESS_FAULT : SHADOW_EMULATE;
	uint64_t perms = gwalk_shadow_perms(r.pte, v->mode, sum, mxr);
	if (!perms) /* cannot follow a walk that allowed the access; never install V with no R/W/X */
		return SHADOW_PAGE_FAULT;
	enum shadow_fault f = map_guest_page(v, view, cause, va, r.page_va, r.page_gpa, r.level,
	                                     perms, r.pte & PTE_G);
	if (f == SHADOW_EMULATE) /* emulate_load_store() needs this walk: no second one */
		v->xlate = (struct emulate_xlate){va >> PAGE_SHIFT, r.gpa >> PAGE_SHIFT, v->mode,
		                                  cause == CAUSE_STORE_PAGE, true};
	if (f == SHADOW_FILLED && r.level == 0)
		fill_around(v, view, va, r.pte_gpa);
	return f;
}

int shadow_translate(struct vcpu *v, uint64_t va, bool fetch, uint64_t *gpa)
{
	return shadow_walk(v, va, fetch ? GW_FETCH : GW_LOAD, v->mode, false, gpa) == GW_OK ? 0
	                                                                                    : -1;
}

int shadow_lookup(const struct vcpu *v, uint64_t va, uint64_t perm, uint64_t *hpa)
{
	const struct shadow_tree *tr = tree_of_const(&v->shadow, shadow_view_of(v));
	/* the hardware's own rule for the tree's mode: bits above its top index are no alias */
	if (!gwalk_canonical(tr->levels, va))
		return -1;
	const uint64_t *t = table(tr->root);
	for (int level = tr->levels - 1; level >= 0; level--) {
		uint64_t pte = t[vpn(va, level)];
		if (!(pte & PTE_V))
			return -1;
		if (is_leaf(pte)) {
			/* U = 0 is popek's own map (slot 510): never the guest's */
			if ((pte & (PTE_U | perm)) != (PTE_U | perm))
				return -1;
			uint64_t size = PAGE_SIZE << (9 * level);
			*hpa = PTE_TABLE(pte) + (va & (size - 1));
			CHECK((*hpa >= v->vm->ram_hpa && *hpa - v->vm->ram_hpa < v->vm->ram_size) ||
			          watch_is_copy(v->vm, *hpa),
			      "shadow: leaf for %lx reaches %lx, outside the VM's RAM", va, *hpa);
			return 0;
		}
		t = table(PTE_TABLE(pte));
	}
	return -1;
}
