/*
 * The guest Sv39, Sv48 and Sv57 walker (priv spec 1.12 §4.3.2, §4.4-4.6): a table of page-table shapes and
 * accesses, each with the status, translation, leaf level and A/D update the board gives;
 * then the shadow permissions each guest leaf allows per view, and canonical addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/riscv/gwalk.h"
#include "arch/riscv/riscv.h"

/* Guest RAM: 64 page frames at guest-physical 0x80000000; nothing else is RAM. */
#define RAM_GPA    0x80000000UL
#define RAM_FRAMES 64
static uint64_t ram[RAM_FRAMES][512];

/* Frame PMP_FRAME stands for a table PMP forbids reading. */
#define PMP_FRAME 60
static uint64_t *pte_at(void *ctx, uint64_t gpa, enum gwalk_status *why)
{
	(void)ctx;
	*why = GW_PAGE_FAULT;
	if (gpa < RAM_GPA || gpa >= RAM_GPA + RAM_FRAMES * PAGE_SIZE || (gpa & 7))
		return NULL;
	*why = GW_ACCESS_FAULT;
	if ((gpa - RAM_GPA) >> PAGE_SHIFT == PMP_FRAME)
		return NULL;
	return &ram[(gpa - RAM_GPA) >> PAGE_SHIFT][(gpa & (PAGE_SIZE - 1)) / 8];
}

/*
 * Every case uses the same three table frames: the root in frame 0, the level-1 table in
 * frame 1, the level-0 table in frame 2.  A case gives the PTE to store at va's index in
 * each; whether the walk reaches it depends on the PTEs above.
 */
#define FRAME(n)      ((RAM_GPA >> PAGE_SHIFT) + (n)) /* a RAM frame's PPN */
#define PTR(ppn)      (((uint64_t)(ppn) << PTE_PPN_SHIFT) | PTE_V)
#define LEAF(ppn, fl) (((uint64_t)(ppn) << PTE_PPN_SHIFT) | PTE_V | (fl))
#define ROOT          (SATP_MODE_SV39 | FRAME(0))
#define T1            PTR(FRAME(1))
#define T2            PTR(FRAME(2))
#define DATA          FRAME(10) /* a 4 KiB data page in RAM */
#define PAGE(fl)                       \
	{                              \
		T1, T2, LEAF(DATA, fl) \
	}                      /* va → 4 KiB page at DATA */
#define VA        0x40201234UL /* VPN 1/1/1, offset 0x234 */
#define VA_GPA    (RAM_GPA + 10 * PAGE_SIZE + 0x234)
#define R         PTE_R
#define W         PTE_W
#define X         PTE_X
#define U         PTE_U
#define A         PTE_A
#define D         PTE_D
#define RSVD(bit) (1UL << (bit))

/* flags of a case */
#define SUM 1 /* sstatus.SUM */
#define MXR 2 /* sstatus.MXR */
#define UPD 4 /* update_ad: the walk serves a real access */

#define OK  GW_OK
#define PF  GW_PAGE_FAULT
#define AF  GW_ACCESS_FAULT
#define LD  GW_LOAD
#define ST  GW_STORE
#define IF  GW_FETCH
#define VS  VMODE_S
#define VU  VMODE_U

struct gw_case {
	const char *name;
	uint64_t satp;
	uint64_t pte[3]; /* at va's index in frames 0, 1, 2 (levels 2, 1, 0) */
	uint64_t va;
	enum gwalk_access acc;
	enum vmode mode;
	unsigned flags;
	enum gwalk_status status;
	uint64_t gpa; /* GW_OK: the translation */
	int level;    /* GW_OK: the leaf's level */
	uint64_t ad;  /* the bits the walk sets in the leaf (0: memory unchanged) */
};

static const struct gw_case cases[] = {
    /* shapes: §4.3.2 steps 2-4, 6 */
    {"4K load", ROOT, PAGE(R | W | A | D), VA, LD, VS, UPD, OK, VA_GPA, 0, 0},
    {"4K fetch", ROOT, PAGE(R | X | A), VA, IF, VS, UPD, OK, VA_GPA, 0, 0},
    {"4K store", ROOT, PAGE(R | W | A | D), VA, ST, VS, UPD, OK, VA_GPA, 0, 0},
    {"2M leaf", ROOT, {T1, LEAF(0x80200, R | W | A | D), 0}, VA, LD, VS, UPD, OK, 0x80201234, 1, 0},
    {"1G leaf", ROOT, {LEAF(0x80000, R | W | A | D), 0, 0}, VA, ST, VS, UPD, OK, 0x80201234, 2, 0},
    {"2M leaf misaligned", ROOT, {T1, LEAF(0x80201, R | W | A | D), 0}, VA, LD, VS, UPD, PF},
    {"1G leaf misaligned", ROOT, {LEAF(0x80200, R | W | A | D), 0, 0}, VA, LD, VS, UPD, PF},
    {"1G leaf misaligned by one page", ROOT, {LEAF(0x80001, R | A), 0, 0}, VA, LD, VS, UPD, PF},
    {"root entry V=0", ROOT, {T1 & ~PTE_V, T2, LEAF(DATA, R | A)}, VA, LD, VS, UPD, PF},
    {"level-1 entry V=0", ROOT, {T1, T2 & ~PTE_V, LEAF(DATA, R | A)}, VA, LD, VS, UPD, PF},
    {"leaf V=0", ROOT, {T1, T2, LEAF(DATA, R | W | A | D) & ~PTE_V}, VA, LD, VS, UPD, PF},
    {"W without R", ROOT, PAGE(W | A | D), VA, ST, VS, UPD, PF},
    {"W and X without R", ROOT, PAGE(W | X | A | D), VA, IF, VS, UPD, PF},
    {"W without R at level 1", ROOT, {T1, LEAF(0x80200, W | A | D), 0}, VA, ST, VS, UPD, PF},
    {"reserved bit 63 (N) in a leaf", ROOT, PAGE(R | A | RSVD(63)), VA, LD, VS, UPD, PF},
    {"reserved bits 62:61 (PBMT) in a leaf", ROOT, PAGE(R | A | RSVD(61)), VA, LD, VS, UPD, PF},
    {"reserved bit 54 in a leaf", ROOT, PAGE(R | A | RSVD(54)), VA, LD, VS, UPD, PF},
    {"reserved bit 60 in a pointer",
     ROOT,
     {T1 | RSVD(60), T2, LEAF(DATA, R | A)},
     VA,
     LD,
     VS,
     UPD,
     PF},
    {"PPN bit 53 is not reserved", ROOT, PAGE(R | A | RSVD(53)), VA, LD, VS, UPD, OK,
     (1UL << 55) | VA_GPA, 0, 0},
    {"pointer at level 0", ROOT, {T1, T2, PTR(FRAME(3))}, VA, LD, VS, UPD, PF},
    {"satp ASID and MODE are not PPN", SATP_MODE_SV39 | (0xffffUL << 44) | FRAME(0), PAGE(R | A),
     VA, LD, VS, UPD, OK, VA_GPA, 0, 0},

    /*
     * outside RAM: the board's walk fails (a page fault) where a PTE load finds no memory,
     * PMP on a PTE is an access fault (step 2); the leaf's page is the caller's to check
     */
    {"root table outside RAM", SATP_MODE_SV39 | 0x1000, PAGE(R | A), VA, LD, VS, UPD, PF},
    {"level-1 table PMP forbids",
     ROOT,
     {PTR(FRAME(PMP_FRAME)), T2, LEAF(DATA, R | A)},
     VA,
     LD,
     VS,
     UPD,
     AF},
    /* §4.3.1: D, A, U are reserved in a pointer; the board's walk fails on each */
    {"pointer with A", ROOT, {T1 | A, T2, LEAF(DATA, R | A)}, VA, LD, VS, UPD, PF},
    {"pointer with D", ROOT, {T1, T2 | D, LEAF(DATA, R | A)}, VA, LD, VS, UPD, PF},
    {"pointer with U", ROOT, {T1 | U, T2, LEAF(DATA, R | A)}, VA, LD, VS, UPD, PF},
    {"pointer with G is fine",
     ROOT,
     {T1 | PTE_G, T2, LEAF(DATA, R | A)},
     VA,
     LD,
     VS,
     UPD,
     OK,
     VA_GPA,
     0,
     0},
    {"level-1 table just past RAM",
     ROOT,
     {PTR(FRAME(RAM_FRAMES)), T2, LEAF(DATA, R | A)},
     VA,
     LD,
     VS,
     UPD,
     PF},
    {"level-0 table below RAM", ROOT, {T1, PTR(0x10000), LEAF(DATA, R | A)}, VA, ST, VS, UPD, PF},
    {"leaf page outside RAM is still OK",
     ROOT,
     {T1, T2, LEAF(0x10000, R | W | A | D)},
     VA,
     ST,
     VS,
     UPD,
     OK,
     0x10000234,
     0,
     0},

    /* addresses: §4.4.1, bits 63:39 must equal bit 38 */
    {"non-canonical: bit 38 without 63:39", ROOT, PAGE(R | A), VA | (1UL << 38), LD, VS, UPD, PF},
    {"non-canonical: bit 39 alone", ROOT, PAGE(R | A), VA | (1UL << 39), LD, VS, UPD, PF},
    {"non-canonical: bit 63 alone", ROOT, PAGE(R | A), VA | (1UL << 63), IF, VS, UPD, PF},
    {"upper half walks", ROOT, PAGE(R | A), 0xffffffc000000000UL, LD, VS, UPD, OK,
     RAM_GPA + 10 * PAGE_SIZE, 0, 0},
    {"top of the upper half", ROOT, PAGE(R | X | A), UINT64_MAX, IF, VS, UPD, OK,
     RAM_GPA + 11 * PAGE_SIZE - 1, 0, 0},
    {"top of the lower half", ROOT, PAGE(R | A), 0x3fffffffffUL, LD, VS, UPD, OK,
     RAM_GPA + 11 * PAGE_SIZE - 1, 0, 0},

    /* permissions: step 5, with SUM and MXR (§4.1.1.2) */
    {"U page from vS, SUM=0, load", ROOT, PAGE(U | R | W | A | D), VA, LD, VS, UPD, PF},
    {"U page from vS, SUM=0, store", ROOT, PAGE(U | R | W | A | D), VA, ST, VS, UPD, PF},
    {"U page from vS, SUM=1, load", ROOT, PAGE(U | R | W | A | D), VA, LD, VS, SUM | UPD, OK,
     VA_GPA, 0, 0},
    {"U page from vS, SUM=1, store", ROOT, PAGE(U | R | W | A | D), VA, ST, VS, SUM | UPD, OK,
     VA_GPA, 0, 0},
    {"U page from vS, SUM=1, fetch", ROOT, PAGE(U | R | X | A), VA, IF, VS, SUM | UPD, PF},
    {"U page from vS, SUM=0, fetch", ROOT, PAGE(U | R | X | A), VA, IF, VS, UPD, PF},
    {"U page from vU, load", ROOT, PAGE(U | R | A), VA, LD, VU, UPD, OK, VA_GPA, 0, 0},
    {"U page from vU, fetch", ROOT, PAGE(U | X | A), VA, IF, VU, UPD, OK, VA_GPA, 0, 0},
    {"S page from vU, load", ROOT, PAGE(R | W | X | A | D), VA, LD, VU, UPD, PF},
    {"S page from vU, fetch, SUM irrelevant", ROOT, PAGE(R | X | A), VA, IF, VU, SUM | UPD, PF},
    {"S page from vU, 2M leaf", ROOT, {T1, LEAF(0x80200, R | A), 0}, VA, LD, VU, UPD, PF},
    {"X-only load, MXR=0", ROOT, PAGE(X | A), VA, LD, VS, UPD, PF},
    {"X-only load, MXR=1", ROOT, PAGE(X | A), VA, LD, VS, MXR | UPD, OK, VA_GPA, 0, 0},
    {"X-only store, MXR=1", ROOT, PAGE(X | A | D), VA, ST, VS, MXR | UPD, PF},
    {"X-only fetch", ROOT, PAGE(X | A), VA, IF, VS, UPD, OK, VA_GPA, 0, 0},
    {"U X-only load from vS, SUM=1 MXR=1", ROOT, PAGE(U | X | A), VA, LD, VS, SUM | MXR | UPD, OK,
     VA_GPA, 0, 0},
    {"U X-only load from vS, SUM=0 MXR=1", ROOT, PAGE(U | X | A), VA, LD, VS, MXR | UPD, PF},
    {"store to R-only", ROOT, PAGE(R | A | D), VA, ST, VS, UPD, PF},
    {"fetch from R-only", ROOT, PAGE(R | A), VA, IF, VS, UPD, PF},
    {"fetch from RW", ROOT, PAGE(R | W | A | D), VA, IF, VS, UPD, PF},

    /* A and D: step 7, the board sets them in the PTE itself */
    {"A=0 load sets A", ROOT, PAGE(R | W), VA, LD, VS, UPD, OK, VA_GPA, 0, A},
    {"A=0 fetch sets A", ROOT, PAGE(R | X), VA, IF, VS, UPD, OK, VA_GPA, 0, A},
    {"A=0 store sets A and D", ROOT, PAGE(R | W), VA, ST, VS, UPD, OK, VA_GPA, 0, A | D},
    {"D=0 store sets D", ROOT, PAGE(R | W | A), VA, ST, VS, UPD, OK, VA_GPA, 0, D},
    {"D=0 load leaves D", ROOT, PAGE(R | W | A), VA, LD, VS, UPD, OK, VA_GPA, 0, 0},
    {"A=0 on a 2M leaf",
     ROOT,
     {T1, LEAF(0x80200, R | W), 0},
     VA,
     ST,
     VS,
     UPD,
     OK,
     0x80201234,
     1,
     A | D},
    {"A=0 on a 1G leaf", ROOT, {LEAF(0x80000, R | X), 0, 0}, VA, IF, VS, UPD, OK, 0x80201234, 2, A},
    {"A=0 without update_ad", ROOT, PAGE(R | W), VA, LD, VS, 0, OK, VA_GPA, 0, 0},
    {"D=0 store without update_ad", ROOT, PAGE(R | W | A), VA, ST, VS, 0, OK, VA_GPA, 0, 0},
    {"A=0 on a faulting store", ROOT, PAGE(R), VA, ST, VS, UPD, PF},
    {"A=0 on a U page from vS", ROOT, PAGE(U | R), VA, LD, VS, UPD, PF},
    {"A=0 on a misaligned superpage", ROOT, {T1, LEAF(0x80201, R), 0}, VA, LD, VS, UPD, PF},
};

static void test_walks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gw_case *k = &cases[i];
		memset(ram, 0, sizeof(ram));
		uint64_t *slot[3];
		for (int l = 0; l < 3; l++) {
			unsigned idx = (k->va >> (PAGE_SHIFT + 9 * (2 - l))) & 511;
			slot[l] = &ram[l][idx];
			*slot[l] = k->pte[l];
		}
		struct gwalk_result r = {0};
		enum gwalk_status st = gwalk(pte_at, NULL, k->satp, k->va, k->acc, k->mode,
		                             k->flags & SUM, k->flags & MXR, k->flags & UPD, &r);
		if (st != k->status)
			fail_msg("%s: status %d, expected %d", k->name, st, k->status);
		for (int l = 0; l < 3; l++) {
			uint64_t want = k->pte[l] | (st == GW_OK && 2 - l == k->level ? k->ad : 0);
			if (*slot[l] != want)
				fail_msg("%s: level-%d PTE %#lx, expected %#lx", k->name, 2 - l,
				         (unsigned long)*slot[l], (unsigned long)want);
		}
		if (st != GW_OK)
			continue;
		uint64_t span = PAGE_SIZE << (9 * k->level);
		if (r.gpa != k->gpa || r.level != k->level)
			fail_msg("%s: gpa %#lx level %d, expected %#lx level %d", k->name,
			         (unsigned long)r.gpa, r.level, (unsigned long)k->gpa, k->level);
		if (r.page_gpa != (k->gpa & ~(span - 1)) || r.page_va != (k->va & ~(span - 1)))
			fail_msg("%s: page %#lx at va %#lx", k->name, (unsigned long)r.page_gpa,
			         (unsigned long)r.page_va);
		if (r.pte != (k->pte[2 - k->level] | k->ad))
			fail_msg("%s: result PTE %#lx", k->name, (unsigned long)r.pte);
	}
}

/*
 * The walker reads only the entries va selects: every other entry in RAM is a valid 1 GiB
 * leaf elsewhere, which a walk through a wrong index would happily return.
 */
static void test_reads_only_va_index(void **state)
{
	(void)state;
	for (int f = 0; f < RAM_FRAMES; f++)
		for (int e = 0; e < 512; e++)
			ram[f][e] = LEAF(0x40000, R | W | X | A | D);
	ram[0][1] = T1;
	ram[1][1] = T2;
	ram[2][1] = LEAF(DATA, R | A);
	struct gwalk_result r;
	assert_int_equal(gwalk(pte_at, NULL, ROOT, VA, GW_LOAD, VMODE_S, false, false, true, &r),
	                 GW_OK);
	assert_int_equal(r.gpa, VA_GPA);
	assert_int_equal(r.level, 0);
}

/* gwalk_shadow_perms(): what a shadow leaf may allow without skipping a guest fault or A/D. */
static const struct {
	const char *name;
	uint64_t pte;
	enum vmode mode;
	unsigned flags;
	uint64_t perms;
} perm_cases[] = {
    {"RWX, A and D", LEAF(DATA, R | W | X | A | D), VS, 0, R | W | X},
    {"A=0: nothing until the walk sets A", LEAF(DATA, R | W | X | D), VS, 0, 0},
    {"A=0 on an X-only page", LEAF(DATA, X), VS, MXR, 0},
    {"D=0: no W until the walk sets D", LEAF(DATA, R | W | A), VS, 0, R},
    {"D=0 RWX", LEAF(DATA, R | W | X | A), VS, 0, R | X},
    {"R-only", LEAF(DATA, R | A | D), VS, 0, R},
    {"X-only, MXR=0", LEAF(DATA, X | A), VS, 0, X},
    {"X-only, MXR=1: R too", LEAF(DATA, X | A), VS, MXR, R | X},
    {"vS, U page, SUM=0", LEAF(DATA, U | R | W | X | A | D), VS, 0, 0},
    {"vS, U page, SUM=1: R/W, never X", LEAF(DATA, U | R | W | X | A | D), VS, SUM, R | W},
    {"vS, U X-only page, SUM=1 MXR=1", LEAF(DATA, U | X | A), VS, SUM | MXR, R},
    {"vS, U X-only page, SUM=0 MXR=1", LEAF(DATA, U | X | A), VS, MXR, 0},
    {"vU, U page", LEAF(DATA, U | R | W | X | A | D), VU, 0, R | W | X},
    {"vU, U page, D=0", LEAF(DATA, U | R | W | A), VU, 0, R},
    {"vU, S page", LEAF(DATA, R | W | X | A | D), VU, SUM | MXR, 0},
    {"W without R never gives a W-only leaf", LEAF(DATA, W | X | A | D), VS, 0, X},
};

static void test_shadow_perms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(perm_cases) / sizeof(perm_cases[0]); i++) {
		uint64_t p =
		    gwalk_shadow_perms(perm_cases[i].pte, perm_cases[i].mode,
		                       perm_cases[i].flags & SUM, perm_cases[i].flags & MXR);
		if (p != perm_cases[i].perms)
			fail_msg("%s: perms %#lx, expected %#lx", perm_cases[i].name,
			         (unsigned long)p, (unsigned long)perm_cases[i].perms);
	}
}

static void test_canonical(void **state)
{
	(void)state;
	static const struct {
		uint64_t va;
		bool canonical;
	} rows[] = {
	    {0, true},
	    {0x3fffffffffUL, true},
	    {0x4000000000UL, false},
	    {0x8000000000UL, false},
	    {0xffffffbfffffffffUL, false},
	    {0xffffffc000000000UL, true},
	    {UINT64_MAX, true},
	    {1UL << 63, false},
	    {0x7fffffc000000000UL, false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (gwalk_sv39_canonical(rows[i].va) != rows[i].canonical)
			fail_msg("%#lx: canonical should be %d", (unsigned long)rows[i].va,
			         rows[i].canonical);
}

/*
 * Sv48 and Sv57 (§4.5, §4.6): the same walk with 4 and 5 levels, a leaf at
 * every level, each level's alignment rule, and each mode's canonical rule.
 * Tables in frames 20-24, top level first; va's index at each level is 1.
 */
static void test_deeper_modes(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		unsigned mode,
		    leaf_level; /* satp MODE; the level of the leaf (the rest are pointers) */
		uint64_t ppn;   /* the leaf's PPN */
		uint64_t va;
		enum gwalk_status status;
		uint64_t gpa;
	} rows[] = {
	    {"Sv48 4K", 9, 0, FRAME(10), 0x8040201234UL, OK, RAM_GPA + 10 * PAGE_SIZE + 0x234},
	    {"Sv48 2M", 9, 1, 0x80200, 0x8040201234UL, OK, 0x80201234UL},
	    {"Sv48 1G", 9, 2, 0x80000, 0x8040201234UL, OK, 0x80201234UL},
	    {"Sv48 512G", 9, 3, 1UL << 27, 0x8040201234UL, OK, (1UL << 39) | 0x40201234UL},
	    {"Sv48 512G misaligned", 9, 3, (1UL << 27) | 0x80000, 0x8040201234UL, PF, 0},
	    {"Sv48 upper half", 9, 0, FRAME(10), 0xffff808040201234UL, OK,
	     RAM_GPA + 10 * PAGE_SIZE + 0x234},
	    {"Sv48 not canonical", 9, 0, FRAME(10), 0x0000808040201234UL, PF, 0},
	    {"Sv48 bit 47 from the top", 9, 0, FRAME(10), 0xffff008040201234UL, PF, 0},
	    {"Sv57 4K", 10, 0, FRAME(10), 0x1008040201234UL, OK, RAM_GPA + 10 * PAGE_SIZE + 0x234},
	    {"Sv57 256T", 10, 4, 1UL << 36, 0x1008040201234UL, OK, (1UL << 48) | 0x8040201234UL},
	    {"Sv57 256T misaligned", 10, 4, (1UL << 36) | (1UL << 27), 0x1008040201234UL, PF, 0},
	    {"Sv57 512G", 10, 3, 1UL << 27, 0x1008040201234UL, OK, (1UL << 39) | 0x40201234UL},
	    {"Sv57 not canonical", 10, 0, FRAME(10), 0x0101008040201234UL, PF, 0},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(ram, 0, sizeof(ram));
		int levels = (int)rows[i].mode - 5;
		for (int l = levels - 1; l >= 0; l--) {
			uint64_t *t = ram[20 + (levels - 1 - l)];
			unsigned idx = (rows[i].va >> (PAGE_SHIFT + 9 * l)) & 511;
			if (l == (int)rows[i].leaf_level) {
				t[idx] = LEAF(rows[i].ppn, R | W | A | D);
				break;
			}
			t[idx] = PTR(FRAME(20 + (levels - l)));
		}
		struct gwalk_result r;
		uint64_t satp = (uint64_t)rows[i].mode << 60 | FRAME(20);
		enum gwalk_status st =
		    gwalk(pte_at, NULL, satp, rows[i].va, GW_LOAD, VS, false, false, true, &r);
		if (st != rows[i].status)
			fail_msg("%s: status %d, expected %d", rows[i].name, st, rows[i].status);
		if (st == OK && (r.gpa != rows[i].gpa || r.level != (int)rows[i].leaf_level))
			fail_msg("%s: gpa %#lx level %d, expected %#lx level %u", rows[i].name,
			         (unsigned long)r.gpa, r.level, (unsigned long)rows[i].gpa,
			         rows[i].leaf_level);
	}
	/* the canonical rule of each mode, and Bare or a reserved MODE has no levels */
	assert_true(gwalk_canonical(4, 0x00007fffffffffffUL));
	assert_false(gwalk_canonical(4, 0x0000800000000000UL));
	assert_true(gwalk_canonical(4, 0xffff800000000000UL));
	assert_true(gwalk_canonical(5, 0x00ffffffffffffffUL));
	assert_false(gwalk_canonical(5, 0x0100000000000000UL));
	assert_true(gwalk_canonical(5, 0xff00000000000000UL));
	assert_int_equal(gwalk_levels(0), 0);
	assert_int_equal(gwalk_levels(SATP_MODE_SV39), 3);
	assert_int_equal(gwalk_levels(SATP_MODE_SV48), 4);
	assert_int_equal(gwalk_levels(10UL << 60), 5);
	assert_int_equal(gwalk_levels(11UL << 60), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walks),        cmocka_unit_test(test_reads_only_va_index),
	    cmocka_unit_test(test_shadow_perms), cmocka_unit_test(test_canonical),
	    cmocka_unit_test(test_deeper_modes),
	};
	return cmocka_run_group_tests_name("gwalk", tests, NULL, NULL);
}
