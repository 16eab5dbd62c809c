/*
 * Emulation of sensitive instructions.  On RV64 every one of them traps in
 * U-mode (Popek & Goldberg's condition holds for U versus S and M): CSR
 * accesses to S- and M-level CSRs, sret, mret, sfence.vma and wfi raise
 * illegal instruction.  And of the loads and stores popek must carry out
 * itself: to device windows, under MPRV, and where PMP is finer than a page.
 */
#include "arch/riscv/emulate.h"
#include "arch/riscv/inject.h"
#include "arch/riscv/insn.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/pmp.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/trap.h"
#include "core/check.h"
#include "core/emul.h"
#include "core/vm.h"

#define EMULATE_AHEAD_MAX 16
#define EMULATE_PLAIN_MAX 4   /* stores carried out to reach a sensitive instruction */
#define EMULATE_SUM_MAX   160 /* instructions carried out under SUM to reach one, copy loops aside */
#define LOOP_OPS_MAX      18  /* instructions in a loop's body that sum_loop() reads */
#define LOOP_INSNS_MAX    2048 /* instructions it runs before the hardware goes on */

_Static_assert(EMUL_KIND_COUNT <= sizeof(((struct vcpu_stats *)0)->emulated) / sizeof(uint64_t),
               "vcpu_stats.emulated has a counter for every enum emul_kind");

/*
 * The instruction at pc, its halfwords read one at a time through `half`
 * (they may lie on two pages): the first says whether there is a second.
 * 0 when a half cannot be read.
 */
static inline __attribute__((always_inline)) uint32_t
fetch_insn(struct vcpu *v, uint64_t pc, const uint16_t *(*half)(struct vcpu *, uint64_t))
{
	const uint16_t *p = half(v, pc);
	if (!p)
		return 0;
	uint32_t insn = *p;
	if (insn_length((uint16_t)insn) == 2)
		return insn;
	if (!(p = half(v, pc + 2)))
		return 0;
	return insn | (uint32_t)*p << 16;
}

/* A halfword of guest code through the guest's own tables (no A set), for popek's reading. */
static const uint16_t *fetch_half_walk(struct vcpu *v, uint64_t va)
{
	uint64_t gpa;
	if (shadow_translate(v, va, true, &gpa) < 0)
		return NULL;
	return vm_gpa_to_hva(v->vm, gpa, 2);
}

uint32_t emulate_fetch(struct vcpu *v, uint64_t pc)
{
	return fetch_insn(v, pc, fetch_half_walk);
}

/*
 * A fetch_cache entry holds while no shadow tree has lost a leaf since it
 * was filled (shadow.lost: a fill that only adds leaves, and a fence that
 * finds nothing to remove — Linux fences every page it maps — keep it).
 * The cache is a TLB: it is invalidated exactly when the hart's is.
 */
/*
 * What selects the installed view besides the mode and satp (shadow_view_of):
 * SUM in vS, MPRV and MPP in vM.  A superset of its inputs keys the cache.
 */
#define FETCH_VIEW_BITS (SSTATUS_SUM | MSTATUS_MPRV | MSTATUS_MPP)
_Static_assert(!(FETCH_VIEW_BITS & 3), "the mode fits below the view bits");

/* The view key of an entry: FETCH_VIEW_BITS and the mode, one compare. */
static inline uint64_t fetch_view(const struct vcpu *v)
{
	return (v->csr.mstatus & FETCH_VIEW_BITS) | (uint64_t)v->mode;
}

static uint64_t fetch_gen(const struct vcpu *v)
{
	return v->shadow.lost;
}

/*
 * The fetch and store caches are two-way set-associative, a set's second
 * way `sets` entries after its first, indexed by the page and the guest's
 * satp: a kernel's page is reached under each process's satp in turn (a
 * context switch), and the entries of two stay apart or in one set.
 */
static inline unsigned cache_set(const struct vcpu *v, unsigned sets, uint64_t va)
{
	return ((va >> PAGE_SHIFT) ^ v->csr.satp) % sets;
}

/* The fetch cache's set for va's page: its first way. */
static inline struct fetch_cache_entry *fetch_entry(struct vcpu *v, uint64_t va)
{
	return &v->fetch_cache[cache_set(v, VCPU_FETCH_CACHE, va)];
}

/* With POPEK_CHECK, every fetch cache hit is what a walk of the shadow finds. */
#if POPEK_CHECKING
#define CHECK_FETCH_CACHE(v, e, va)                                                                \
	do {                                                                                       \
		uint64_t hpa_;                                                                     \
		CHECK(shadow_lookup((v), (va), PTE_X, &hpa_) == 0 &&                               \
		          (const uint8_t *)pa_to_va(hpa_) == (e)->host + ((va) & (PAGE_SIZE - 1)), \
		      "vm %s: the fetch cache for %lx is stale", (v)->vm->name, (va));             \
	} while (0)
#else
#define CHECK_FETCH_CACHE(v, e, va) ((void)0)
#endif

/* Whether entry e of the fetch or store cache holds va's page. */
static inline bool cache_holds(const struct vcpu *v, const struct fetch_cache_entry *e, uint64_t va)
{
	return e->host && e->va == va >> PAGE_SHIFT && e->gen == fetch_gen(v) &&
	       e->view == fetch_view(v) && e->guest_satp == v->csr.satp;
}

/* Entry e now holds va's page, at host address hpa (va's). */
static void cache_remember(struct vcpu *v, struct fetch_cache_entry *e, uint64_t va, uint64_t hpa)
{
	e->va = va >> PAGE_SHIFT;
	e->view = fetch_view(v);
	e->guest_satp = v->csr.satp;
	e->gen = fetch_gen(v);
	e->host = (uint8_t *)pa_to_va(hpa) - (va & (PAGE_SIZE - 1));
}

/* Whether set e's second way holds va's page: then the two ways swap, the next hit is first. */
static bool cache_promote(const struct vcpu *v, struct fetch_cache_entry *e, unsigned sets,
                          uint64_t va)
{
	if (!cache_holds(v, &e[sets], va))
		return false;
	struct fetch_cache_entry first = *e;
	*e = e[sets];
	e[sets] = first;
	return true;
}

/* Set e's first way now holds va's page, at host address hpa (va's); what it held goes second. */
static void cache_fill(struct vcpu *v, struct fetch_cache_entry *e, unsigned sets, uint64_t va,
                       uint64_t hpa)
{
	e[sets] = *e;
	cache_remember(v, e, va, hpa);
}

/* The fetch cache now holds va's page, at host address hpa (va's). */
static void fetch_remember(struct vcpu *v, uint64_t va, uint64_t hpa)
{
	cache_fill(v, fetch_entry(v, va), VCPU_FETCH_CACHE, va, hpa);
}

/*
 * A miss in the fetch cache's first way: its second (the two swapped: the
 * next fetches from the page hit first), else a walk of the shadow,
 * remembered.  Out of line: hits save registers.
 */
__attribute__((noinline)) static const uint16_t *fetch_refill(struct vcpu *v, uint64_t va)
{
	struct fetch_cache_entry *e = fetch_entry(v, va);
	if (cache_promote(v, e, VCPU_FETCH_CACHE, va)) {
		CHECK_FETCH_CACHE(v, e, va);
		return (const uint16_t *)(e->host + (va & (PAGE_SIZE - 1)));
	}
	uint64_t hpa;
	if (shadow_lookup(v, va, PTE_X, &hpa) < 0)
		return NULL;
	fetch_remember(v, va, hpa);
	return pa_to_va(hpa);
}

/*
 * The halfword at va through the installed view's shadow as it is, or NULL:
 * the fetch cache, else a walk of the shadow (remembered), never a fill:
 * nothing the guest could see.
 */
static inline __attribute__((always_inline)) const uint16_t *fetch_half_cached(struct vcpu *v,
                                                                               uint64_t va)
{
	const struct fetch_cache_entry *e = fetch_entry(v, va);
	if (!cache_holds(v, e, va))
		return fetch_refill(v, va);
	CHECK_FETCH_CACHE(v, e, va);
	return (const uint16_t *)(e->host + (va & (PAGE_SIZE - 1)));
}

/*
 * The host address of the halfword at va exactly as the hardware would fetch
 * it next: only through a shadow leaf of the installed view that allows
 * execution.  When there is none yet, the fill the hardware's own fetch would
 * cause is made now (the fetch is certain: no interrupt is deliverable),
 * setting A in the guest's PTE as that fetch would.  When the fill says
 * fault (no A to set, a page fault, PMP denying X), NULL, and the guest takes
 * the fault itself.  The pages found are remembered (vcpu.h fetch_cache):
 * the guest traps from the same few code pages again and again.
 */
static const uint16_t *fetch_half(struct vcpu *v, uint64_t va)
{
	const uint16_t *p = fetch_half_cached(v, va);
	if (p)
		return p;
	uint64_t hpa;
	if (shadow_fault(v, CAUSE_FETCH_PAGE, va) != SHADOW_FILLED ||
	    shadow_lookup(v, va, PTE_X, &hpa) < 0)
		return NULL;
	fetch_remember(v, va, hpa);
	return pa_to_va(hpa);
}

/*
 * entry.S's express lane peeked at va and missed the fetch cache: whether
 * the page is reachable for execution through the installed view's shadow
 * as it is (a walk, never a fill), now remembered.
 */
bool express_fetch_fill(struct vcpu *v, uint64_t va)
{
	return fetch_half_cached(v, va) != NULL;
}

/* The instruction at pc through the shadow as it is (both halves, fetch_half_cached), or 0. */
static inline __attribute__((always_inline)) uint32_t fetch_cached(struct vcpu *v, uint64_t pc)
{
	const uint16_t *p = fetch_half_cached(v, pc);
	if (!p)
		return 0;
	uint32_t insn = *p;
	if (insn_length((uint16_t)insn) == 2)
		return insn;
	if ((pc & (PAGE_SIZE - 1)) == PAGE_SIZE - 2) /* its second half is on the next page */
		return 0;
	return insn | (uint32_t)p[1] << 16;
}

/* The instruction at pc as the hardware would fetch it next (fetch_half), or 0. */
static uint32_t fetch_next(struct vcpu *v, uint64_t pc)
{
	return fetch_insn(v, pc, fetch_half);
}

/*
 * Whether insn may be an integer store: opcode STORE, or c.sw, c.sd, c.swsp,
 * c.sdsp (funct3 6 or 7 in quadrants 0 and 2).  A cheap filter before
 * insn_decode_mem(): only stores start a run (a handler saving what it read).
 */
static inline bool maybe_store(uint32_t insn)
{
	if ((insn & 3) == 3)
		return (insn & 0x7f) == 0x23;
	return (insn & 3) != 1 && ((insn >> 14) & 3) == 3;
}

static void set_reg(struct vcpu *v, unsigned r, uint64_t val);

/* With POPEK_CHECK, every store cache hit is what a walk of the shadow finds. */
#if POPEK_CHECKING
#define CHECK_STORE_CACHE(v, va, p)                                                    \
	do {                                                                           \
		uint64_t hpa_;                                                         \
		CHECK(shadow_lookup((v), (va), PTE_W, &hpa_) == 0 &&                   \
		          (uint8_t *)pa_to_va(hpa_) == (p),                            \
		      "vm %s: the store cache for %lx is stale", (v)->vm->name, (va)); \
	} while (0)
#else
#define CHECK_STORE_CACHE(v, va, p) ((void)0)
#endif

/*
 * The host address of the guest's data at va through a leaf of the
 * installed view that allows `need` (PTE_R or PTE_W), or NULL.  Stores go
 * through the store cache, whose entry holds as a fetch cache entry does.
 */
static uint8_t *plain_host(struct vcpu *v, uint64_t va, uint64_t need)
{
	struct fetch_cache_entry *e = &v->store_cache[cache_set(v, VCPU_STORE_CACHE, va)];
	uint64_t hpa;
	if (need == PTE_W && (cache_holds(v, e, va) || cache_promote(v, e, VCPU_STORE_CACHE, va))) {
		uint8_t *p = e->host + (va & (PAGE_SIZE - 1));
		CHECK_STORE_CACHE(v, va, p);
		return p;
	}
	if (shadow_lookup(v, va, need, &hpa) < 0)
		return NULL;
	if (need == PTE_W)
		cache_fill(v, e, VCPU_STORE_CACHE, va, hpa);
	return pa_to_va(hpa);
}

/*
 * plain_host() for an access the guest is certain to make next (no
 * interrupt comes first): a page without a leaf is filled as its fault
 * would fill it (A and D set as the hardware sets them), and the leaf
 * taken; NULL when the fault is the guest's, or a device's.
 */
static uint8_t *plain_host_fill(struct vcpu *v, uint64_t va, uint64_t need)
{
	uint8_t *p = plain_host(v, va, need);
	if (p || shadow_fault(v, need == PTE_W ? CAUSE_STORE_PAGE : CAUSE_LOAD_PAGE, va) !=
	             SHADOW_FILLED)
		return p;
	return plain_host(v, va, need);
}

/*
 * The guest pages a window's run (emulate_sum_run()) reached last, for its
 * fetches, loads and stores: each translation holds for the run, as the
 * hart's TLB would hold it (the run only fills leaves; the guest's tables
 * change only by its own stores, and the hart needs its fence to see that).
 */
struct run_pages {
	uint64_t code_page, load_page, store_page; /* va >> PAGE_SHIFT, or ~0 */
	const uint8_t *code;
	uint8_t *load, *store; /* the pages' host addresses */
};

/* plain_host_fill() through the run's pages. */
static uint8_t *run_host(struct vcpu *v, struct run_pages *rp, uint64_t va, uint64_t need,
                         bool fill)
{
	uint64_t *page = need == PTE_W ? &rp->store_page : &rp->load_page;
	uint8_t **host = need == PTE_W ? &rp->store : &rp->load;
	if (va >> PAGE_SHIFT != *page) {
		uint8_t *p = fill ? plain_host_fill(v, va, need) : plain_host(v, va, need);
		if (!p)
			return NULL;
		*page = va >> PAGE_SHIFT;
		*host = p - (va & (PAGE_SIZE - 1));
	}
	return *host + (va & (PAGE_SIZE - 1));
}

/*
 * The instruction at the pc through the run's code page (found again on
 * another page: with `fill`, filled as the hart's fetch would fill it), or
 * 0.  One on two pages is read through the fetch cache.
 */
static uint32_t run_fetch(struct vcpu *v, struct run_pages *rp, bool fill)
{
	uint64_t off = v->pc & (PAGE_SIZE - 1);
	if (v->pc >> PAGE_SHIFT != rp->code_page) {
		const uint16_t *h = fill ? fetch_half(v, v->pc) : fetch_half_cached(v, v->pc);
		if (!h)
			return 0;
		rp->code_page = v->pc >> PAGE_SHIFT;
		rp->code = (const uint8_t *)h - off;
	}
	const uint16_t *p = (const uint16_t *)(rp->code + off);
	if (insn_length(*p) == 2)
		return *p;
	if (off == PAGE_SIZE - 2) /* its second half is on the next page */
		return fill ? fetch_next(v, v->pc) : fetch_cached(v, v->pc);
	return *p | (uint32_t)p[1] << 16;
}

/*
 * One integer load or store of the guest's in vS, carried out as the hardware
 * would: naturally aligned, through a leaf of the installed view that allows
 * it (so the guest's A and D bits are set already, PMP allows it, and it is
 * RAM); with the pages of a run (rp), a leaf its fault would install first
 * (plain_host_fill()).  false, with nothing done but that fill, for anything
 * else.
 */
static bool plain_one(struct vcpu *v, uint32_t insn, struct run_pages *rp, bool fill)
{
	struct insn_mem m;
	/* the stores a handler saves registers with, without the table */
	if (insn_decode_store(insn, &m) < 0 && insn_decode_mem(insn, &m) < 0)
		return false;
	uint64_t va = v->x[m.base] + (uint64_t)m.offset;
	if (va & (m.width - 1))
		return false;
	uint64_t need = m.is_store ? PTE_W : PTE_R;
	void *p = rp ? run_host(v, rp, va, need, fill) : plain_host(v, va, need);
	if (!p)
		return false;
	uint64_t val = v->x[m.reg];
	if (m.is_store) {
		switch (m.width) {
		case 1:
			*(uint8_t *)p = (uint8_t)val;
			break;
		case 2:
			*(uint16_t *)p = (uint16_t)val;
			break;
		case 4:
			*(uint32_t *)p = (uint32_t)val;
			break;
		default:
			*(uint64_t *)p = val;
			break;
		}
	} else {
		switch (m.width) {
		case 1:
			val = *(const uint8_t *)p;
			break;
		case 2:
			val = *(const uint16_t *)p;
			break;
		case 4:
			val = *(const uint32_t *)p;
			break;
		default:
			val = *(const uint64_t *)p;
			break;
		}
		set_reg(v, m.reg, insn_extend(val, &m));
	}
	v->pc += m.len;
	v->stats.ahead++;
	return true;
}

/*
 * OP and OP-IMM's operation by funct3 (unpriv §2.4): `alt` is funct7's bit 5
 * (sub, sra).  The shift amount is b's low 6 bits; the W forms pass 32-bit
 * operands and sign-extend the result themselves.
 */
static uint64_t alu_op(unsigned f3, bool alt, uint64_t a, uint64_t b)
{
	switch (f3) {
	case 0:
		return alt ? a - b : a + b;
	case 1:
		return a << (b & 63);
	case 2:
		return (int64_t)a < (int64_t)b;
	case 3:
		return a < b;
	case 4:
		return a ^ b;
	case 5:
		return alt ? (uint64_t)((int64_t)a >> (b & 63)) : a >> (b & 63);
	case 6:
		return a | b;
	default:
		return a & b;
	}
}

/* The W forms (OP-32, OP-IMM-32): addw, subw, sllw, srlw, sraw on 32 bits; -1: not one */
static int alu_op32(unsigned f3, bool alt, uint64_t a, uint64_t b, uint64_t *out)
{
	uint32_t x = (uint32_t)a;
	unsigned sh = b & 31;
	switch (f3) {
	case 0:
		*out = insn_sext32(alt ? x - (uint32_t)b : x + (uint32_t)b);
		return 0;
	case 1:
		*out = alt ? 0 : insn_sext32(x << sh);
		return alt ? -1 : 0;
	case 5:
		*out = insn_sext32(alt ? (uint32_t)((int32_t)x >> sh) : x >> sh);
		return 0;
	}
	return -1;
}

/* A 32-bit instruction plain_alu() carries out: rd's new value, or -1. */
static int alu_32(const struct vcpu *v, uint32_t insn, uint64_t *val)
{
	unsigned f3 = (insn >> 12) & 7, rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	unsigned f7 = insn >> 25;
	uint64_t a = v->x[rs1], imm = insn_sext(insn >> 20, 12);
	switch (insn & 0x7f) {
	case 0x37: /* LUI */
		*val = insn_sext32(insn & 0xfffff000U);
		return 0;
	case 0x17: /* AUIPC */
		*val = v->pc + insn_sext32(insn & 0xfffff000U);
		return 0;
	case 0x13: /* OP-IMM: slli needs imm[11:6] = 0, srli 0 and srai 0x10 */
		if ((f3 == 1 && insn >> 26) || (f3 == 5 && (insn >> 26) & ~0x10U))
			return -1;
		*val = alu_op(f3, f3 == 5 && (insn >> 30), a, f3 == 1 || f3 == 5 ? imm & 63 : imm);
		return 0;
	case 0x1b: /* OP-IMM-32: addiw, slliw, srliw, sraiw */
		if (f3 == 0) {
			*val = insn_sext32(a + imm);
			return 0;
		}
		if (f7 & ~0x20U || (f3 == 1 && f7))
			return -1;
		return alu_op32(f3, f7 != 0, a, rs2, val);
	case 0x33: /* OP, not M: sub and sra are funct7 0x20 */
		if (f7 & ~0x20U || (f7 && f3 != 0 && f3 != 5))
			return -1;
		*val = alu_op(f3, f7 != 0, a, v->x[rs2]);
		return 0;
	case 0x3b: /* OP-32 */
		if (f7 & ~0x20U || (f7 && f3 != 0 && f3 != 5))
			return -1;
		return alu_op32(f3, f7 != 0, a, v->x[rs2], val);
	}
	return -1;
}

/*
 * A compressed instruction plain_alu() carries out (unpriv §16.5, RV64C):
 * its rd, *val its new value; -1 for anything else (jumps, branches,
 * loads, stores, c.addi4spn, c.addi16sp, reserved encodings).
 */
static int alu_16(const struct vcpu *v, uint32_t insn, uint64_t *val)
{
	unsigned f3 = (insn >> 13) & 7, rd = (insn >> 7) & 31, rs2 = (insn >> 2) & 31;
	unsigned rdp = 8 + ((insn >> 7) & 7), rs2p = 8 + ((insn >> 2) & 7);
	uint64_t imm6 = insn_sext(((insn >> 7) & 0x20) | ((insn >> 2) & 0x1f), 6);
	uint64_t sh = ((insn >> 7) & 0x20) | ((insn >> 2) & 0x1f);
	if ((insn & 3) == 1) {
		switch (f3) {
		case 0: /* c.addi (c.nop) */
			*val = v->x[rd] + imm6;
			return (int)rd;
		case 1: /* c.addiw: rd = 0 reserved */
			*val = insn_sext32(v->x[rd] + imm6);
			return rd ? (int)rd : -1;
		case 2: /* c.li */
			*val = imm6;
			return (int)rd;
		case 3: /* c.lui: not sp (c.addi16sp), nzimm */
			*val = imm6 << 12;
			return rd != 2 && imm6 ? (int)rd : -1;
		case 4:
			switch ((insn >> 10) & 3) {
			case 0: /* c.srli */
				*val = v->x[rdp] >> sh;
				return (int)rdp;
			case 1: /* c.srai */
				*val = (uint64_t)((int64_t)v->x[rdp] >> sh);
				return (int)rdp;
			case 2: /* c.andi */
				*val = v->x[rdp] & imm6;
				return (int)rdp;
			}
			/* c.sub c.xor c.or c.and (funct3 0, 4, 6, 7); with bit 12, c.subw c.addw */
			unsigned op = (insn >> 5) & 3, f3 = (0x7640U >> (op * 4)) & 0xf;
			if (insn & 0x1000)
				return op < 2 &&
				               alu_op32(0, op == 0, v->x[rdp], v->x[rs2p], val) == 0
				           ? (int)rdp
				           : -1;
			*val = alu_op(f3, op == 0, v->x[rdp], v->x[rs2p]);
			return (int)rdp;
		}
		return -1;
	}
	if ((insn & 3) == 2 && f3 == 0) { /* c.slli */
		*val = v->x[rd] << sh;
		return (int)rd;
	}
	if ((insn & 3) == 2 && f3 == 4 && rs2) { /* c.mv, c.add (rs2 = 0: c.jr, c.jalr, c.ebreak) */
		*val = (insn & 0x1000 ? v->x[rd] : 0) + v->x[rs2];
		return (int)rd;
	}
	return -1;
}

/*
 * An ordinary integer instruction that reads and writes only registers
 * (RV64I's OP-IMM, OP-IMM-32, OP, OP-32, LUI, AUIPC and their compressed
 * forms; not M): its rd, *val its new value; -1 for anything else.  Which
 * instructions it takes depends on their bits alone, never on the values.
 */
static int alu_value(const struct vcpu *v, uint32_t insn, uint64_t *val)
{
	unsigned len = insn_length((uint16_t)insn);
	if (len == 4)
		return alu_32(v, insn, val) < 0 ? -1 : (int)((insn >> 7) & 31);
	if (len == 2)
		return alu_16(v, insn & 0xffff, val);
	return -1;
}

/* alu_value()'s instruction carried out, the pc moved past it; false, with nothing done, for others. */
static bool plain_alu(struct vcpu *v, uint32_t insn)
{
	uint64_t val;
	int rd = alu_value(v, insn, &val);
	if (rd < 0)
		return false;
	set_reg(v, (unsigned)rd, val);
	v->pc += (uint64_t)insn_length((uint16_t)insn);
	v->stats.ahead++;
	return true;
}

/*
 * A conditional branch or a jump that links nothing (insn_decode_branch():
 * jal x0 but no other jal), carried out: whether it was taken; -1, with
 * nothing done, for anything else.  Targets are even, and the hart has C
 * (misa is fixed): none is misaligned.
 */
static int plain_branch(struct vcpu *v, uint32_t insn, struct insn_branch *b)
{
	if (insn_decode_branch(insn, b) < 0 || b->rd)
		return -1;
	bool taken = insn_branch_taken(b, v->x[b->rs1], v->x[b->rs2]);
	v->pc += taken ? (uint64_t)b->off : b->len;
	v->stats.ahead++;
	return taken;
}

/* One instruction of a loop's body (sum_loop()). */
enum loop_kind { LOOP_LOAD, LOOP_STORE, LOOP_ADDI };
struct loop_op {
	uint8_t kind; /* enum loop_kind */
	uint8_t reg;  /* rd; a store's rs2 */
	uint8_t base; /* rs1 */
	uint8_t width;
	bool sign_extend;
	int64_t imm; /* the offset, or addi's immediate */
};

/* insn as a loop_op: 0, or -1 for anything but integer loads, stores, addi and c.addi. */
static int loop_decode(uint32_t insn, struct loop_op *op)
{
	struct insn_mem m;
	if (insn_decode_store(insn, &m) == 0 || insn_decode_mem(insn, &m) == 0) {
		op->kind = m.is_store ? LOOP_STORE : LOOP_LOAD;
		op->reg = m.reg;
		op->base = m.base;
		op->width = m.width;
		op->sign_extend = m.sign_extend;
		op->imm = m.offset;
	} else if ((insn & 0x707f) == 0x13) { /* addi */
		op->kind = LOOP_ADDI;
		op->reg = (insn >> 7) & 31;
		op->base = (insn >> 15) & 31;
		op->imm = (int64_t)insn_sext(insn >> 20, 12);
	} else if ((insn & 0xe003) == 0x0001 && !(insn >> 16)) { /* c.addi */
		op->kind = LOOP_ADDI;
		op->reg = op->base = (insn >> 7) & 31;
		op->imm = (int64_t)insn_sext(((insn >> 7) & 0x20) | ((insn >> 2) & 0x1f), 6);
	} else {
		return -1;
	}
	return 0;
}

static inline bool is_addi(const struct loop_op *op, unsigned r, int64_t imm)
{
	return op->kind == LOOP_ADDI && op->reg == r && op->base == r && op->imm == imm;
}

/*
 * The copy loops sum_loop() knows: with `to` and `from` the registers
 * holding the two addresses, `unit` the bytes of a round, `words` the
 * loads (and stores) of a round (0: the byte loop).  -1 for any other body.
 *
 *   byte:  lb/lbu r, 0(from); addi from, 1; sb r, 0(to); addi to, 1
 *   block: ld r0..rk-1, 0..8(k-1)(from); sd r0..rk-1, 0..8(k-1)(to);
 *          addi to, 8k; addi from, 8k            (k = 1..8)
 *
 * The registers are distinct and none is x0; the loop closes with bltu to, end.
 */
struct copy_loop {
	unsigned to, from, unit, words;
	uint8_t regs[8];
	bool sign_extend;
};
static int copy_loop_match(const struct loop_op *ops, unsigned n, const struct insn_branch *b,
                           struct copy_loop *c)
{
	uint32_t seen = 1; /* x0 may be none of them */
	if (b->cond != 6 || n < 3)
		return -1;
	c->to = b->rs1;
	if (n == 4 && ops[0].kind == LOOP_LOAD && ops[0].width == 1 && !ops[0].imm &&
	    ops[2].kind == LOOP_STORE && ops[2].width == 1 && !ops[2].imm &&
	    ops[2].reg == ops[0].reg && ops[2].base == c->to) {
		c->from = ops[0].base;
		c->unit = 1;
		c->words = 0;
		c->regs[0] = ops[0].reg;
		c->sign_extend = ops[0].sign_extend;
		if (!is_addi(&ops[1], c->from, 1) || !is_addi(&ops[3], c->to, 1))
			return -1;
	} else {
		unsigned k = (n - 2) / 2;
		if (n != 2 * k + 2 || k > 8 || ops[0].kind != LOOP_LOAD)
			return -1;
		c->from = ops[0].base;
		c->unit = 8 * k;
		c->words = k;
		c->sign_extend = false;
		for (unsigned i = 0; i < k; i++) {
			const struct loop_op *l = &ops[i], *st = &ops[k + i];
			if (l->kind != LOOP_LOAD || l->width != 8 || l->base != c->from ||
			    l->imm != 8 * (int64_t)i || st->kind != LOOP_STORE || st->width != 8 ||
			    st->base != c->to || st->imm != 8 * (int64_t)i || st->reg != l->reg ||
			    (seen >> l->reg & 1))
				return -1;
			seen |= 1U << l->reg;
			c->regs[i] = l->reg;
		}
		if (!is_addi(&ops[n - 2], c->to, c->unit) ||
		    !is_addi(&ops[n - 1], c->from, c->unit))
			return -1;
	}
	if (!c->words && (seen >> c->regs[0] & 1))
		return -1;
	seen |= c->words ? 0 : 1U << c->regs[0];
	if ((seen >> c->to & 1) || (seen >> c->from & 1) || c->to == c->from ||
	    (seen >> b->rs2 & 1) || b->rs2 == c->to || b->rs2 == c->from)
		return -1;
	return 0;
}

/*
 * Rounds of copy loop c, up to `rounds`, that stay on the pages `to` and
 * `from` are on now, carried out as the guest's own instructions would,
 * in their order (overlapping buffers included): the rounds done, 0 when
 * the hardware must make the next one (a page without a leaf allowing it,
 * a round across a page's end, a misaligned word).
 */
static uint64_t copy_rounds(struct vcpu *v, const struct copy_loop *c, uint64_t rounds, bool fill)
{
	uint64_t to = v->x[c->to], from = v->x[c->from];
	uint64_t room_to = PAGE_SIZE - (to & (PAGE_SIZE - 1)),
	         room_from = PAGE_SIZE - (from & (PAGE_SIZE - 1));
	uint64_t room = room_to < room_from ? room_to : room_from;
	if (rounds > room / c->unit)
		rounds = room / c->unit;
	if (!rounds || (c->words && ((to | from) & 7)))
		return 0;
	const uint8_t *src = fill ? plain_host_fill(v, from, PTE_R) : plain_host(v, from, PTE_R);
	uint8_t *dst = !src   ? NULL
	               : fill ? plain_host_fill(v, to, PTE_W)
	                      : plain_host(v, to, PTE_W);
	if (!dst)
		return 0;
	if (!c->words) {
		uint8_t last = 0;
		for (uint64_t i = 0; i < rounds; i++)
			dst[i] = last = src[i];
		set_reg(v, c->regs[0], c->sign_extend ? (uint64_t)(int64_t)(int8_t)last : last);
	} else {
		uint64_t w[8];
		for (uint64_t r = 0; r < rounds; r++) {
			for (unsigned i = 0; i < c->words; i++)
				w[i] = ((const uint64_t *)(const void *)src)[r * c->words + i];
			for (unsigned i = 0; i < c->words; i++)
				((uint64_t *)(void *)dst)[r * c->words + i] = w[i];
		}
		for (unsigned i = 0; i < c->words; i++)
			set_reg(v, c->regs[i], w[i]);
	}
	set_reg(v, c->to, to + rounds * c->unit);
	set_reg(v, c->from, from + rounds * c->unit);
	return rounds;
}

/*
 * The guest took backward branch b at bpc, and the pc is at its target: a
 * loop.  When it is one of the copy loops copy_loop_match() knows (Linux's
 * copies to and from user memory: a user buffer of 64 bytes takes its byte
 * loop 320 instructions), its rounds are carried out here, a page at a
 * time, as plain_one() would carry out each access.  1 when the loop
 * ended (the pc past the branch); 0 for another loop (nothing done); -1
 * where the hardware goes on, at the start of the loop's next round: a
 * round copy_rounds() leaves to it, or LOOP_INSNS_MAX instructions run.
 * Stores never change the instructions it read: the guest needs fence.i
 * for that.
 */
static int sum_loop(struct vcpu *v, uint64_t bpc, const struct insn_branch *b, bool fill)
{
	struct loop_op ops[LOOP_OPS_MAX];
	struct copy_loop c;
	unsigned n = 0;
	for (uint64_t pc = v->pc; pc != bpc; n++) {
		uint32_t insn;
		if (n == LOOP_OPS_MAX || pc > bpc || !(insn = fetch_cached(v, pc)) ||
		    loop_decode(insn, &ops[n]) < 0)
			return 0;
		pc += (uint64_t)insn_length((uint16_t)insn);
	}
	if (copy_loop_match(ops, n, b, &c) < 0)
		return 0;
	/* bltu to, end after each round: the rounds left, the one the branch just began included */
	uint64_t end = v->x[b->rs2], budget = LOOP_INSNS_MAX / (n + 1);
	while (budget) {
		uint64_t to = v->x[c.to];
		uint64_t left = to < end ? (end - to + c.unit - 1) / c.unit : 1;
		uint64_t done = copy_rounds(v, &c, left < budget ? left : budget, fill);
		if (!done)
			return -1;
		v->stats.ahead += done * (n + 1);
		budget -= done;
		if (done == left) {
			v->pc = bpc + b->len;
			return 1;
		}
	}
	return -1;
}

/*
 * Under SUM, a vS kernel reaching its user's memory: Linux's get_user and
 * put_user are `csrs sstatus, SUM`, a register move or two and one load or
 * store, `csrc sstatus, SUM`.  Run by the hardware, that window costs two
 * view changes (satp writes: two flushes of QEMU's TLB and the refills
 * after them).  Carried out here, through the SUM view's own leaves
 * (shadow_lookup() follows the view SUM selects), the installed view stays.
 * Up to EMULATE_SUM_MAX instructions plain_alu(), plain_one() or
 * plain_branch() carry out, exactly as the hardware would, and the loops a
 * backward branch closes (sum_loop(): Linux's copies to and from user
 * memory): any other, or an access without a leaf that allows it (a fault,
 * a device, a page not yet filled), stops the run where it is and the
 * guest goes on from there in the SUM view.  The SYSTEM instruction it
 * reached (the csrc), now at the pc, or 0.
 */
static inline bool sum_window(const struct vcpu *v)
{
	return v->mode == VMODE_S && (v->csr.mstatus & SSTATUS_SUM);
}

__attribute__((noinline)) static uint32_t emulate_sum_run(struct vcpu *v, bool fill)
{
	uint64_t *skip = &v->sum_skip[(v->pc >> 1) % VCPU_SUM_HINTS];
	/* a trigger may fire on any access or at any target: the hardware checks */
	if (*skip == v->pc || v->trig.on)
		return 0;
	uint64_t start = v->pc;
	struct run_pages rp = {~0UL, ~0UL, ~0UL, NULL, NULL, NULL};
	for (int n = 0; n < EMULATE_SUM_MAX; n++) {
		/* the hart fetches it next (no interrupt comes first): its page may be filled */
		uint32_t insn = run_fetch(v, &rp, fill);
		if (!insn)
			return 0;
		if ((insn & 0x7f) == 0x73)
			return insn;
		if (plain_alu(v, insn) || plain_one(v, insn, &rp, fill))
			continue;
		uint64_t at = v->pc;
		struct insn_branch b;
		int taken = plain_branch(v, insn, &b);
		if (taken < 0) {
			struct insn_mem m;
			/* a load or store the hardware must make (a page to fill) says nothing of the next */
			if (insn_decode_mem(insn, &m) < 0)
				*skip = start;
			return 0;
		}
		/* a copy loop runs whole here; any other goes on a step at a time */
		if (taken && v->pc < at && sum_loop(v, at, &b, fill) < 0)
			return 0;
	}
	return 0; /* a longer window: the next one from here may be shorter */
}

/* Whether stores alone lead from pc to a SYSTEM instruction, read through the fetch cache. */
static bool plain_worth(struct vcpu *v)
{
	uint64_t pc = v->pc;
	for (int n = 0; n <= EMULATE_PLAIN_MAX; n++) {
		uint32_t insn = fetch_cached(v, pc);
		struct insn_mem m;
		if (insn && (insn & 0x7f) == 0x73)
			return n > 0;
		if (!insn || !maybe_store(insn) || insn_decode_mem(insn, &m) < 0)
			return false;
		pc += m.len;
	}
	return false;
}

/* The hint for a run at the guest's pc. */
static inline struct plain_hint *plain_hint_at(struct vcpu *v)
{
	return &v->plain_hint[(v->pc >> 1) % VCPU_PLAIN_HINTS];
}

/* Whether the hint already says that no run at the pc reaches a sensitive instruction. */
static inline bool plain_known_unworthy(struct vcpu *v)
{
	const struct plain_hint *h = plain_hint_at(v);
	return h->pc == v->pc && h->gen == fetch_gen(v) && !h->worth;
}

/*
 * At the guest's pc, an ordinary instruction.  A trap handler saves what it
 * reads (csrr t0, sscratch; sd t0, 16(sp); csrw sscratch, zero; csrr t0,
 * sepc; sd t0, ...): when stores alone lead to the next sensitive
 * instruction, carrying them out saves its trap.  (Runs of loads, a
 * handler's restore, were measured twice with cheap traps: carrying the
 * teaching kernel's `ld t0; csrw sstatus` saved one trap per system call
 * but cost some 780 popek instructions more, the decode and shadow walk of
 * the load; with a decoder without the table and the store cache's pages,
 * 186 more, and its system calls and context switches were no faster:
 * bench/README.md.)  Returns that SYSTEM instruction, now at the
 * pc; 0 when the guest runs on from where it is (perhaps after some of
 * them).  Out of line: rare.
 */
__attribute__((noinline)) static uint32_t emulate_plain(struct vcpu *v)
{
	if (v->mode != VMODE_S)
		return 0;
	struct plain_hint *h = plain_hint_at(v);
	uint64_t gen = fetch_gen(v);
	if (h->pc != v->pc || h->gen != gen) {
		h->pc = v->pc;
		h->gen = gen;
		h->worth = plain_worth(v);
	}
	if (!h->worth)
		return 0;
	/* the run's instructions through its code page: a store changes neither the view nor the shadow */
	struct run_pages rp = {~0UL, ~0UL, ~0UL, NULL, NULL, NULL};
	for (int n = 0; n <= EMULATE_PLAIN_MAX; n++) {
		uint32_t insn = run_fetch(v, &rp, false);
		if (!insn)
			return 0;
		if ((insn & 0x7f) == 0x73)
			return insn;
		if (!plain_one(v, insn, NULL, false))
			return 0;
	}
	return 0;
}

/*
 * The instruction at pc unless it is ordinary (after emulate_plain): 0
 * unknown, 1 ordinary.  Its first halfword tells most: SYSTEM is a 32-bit
 * opcode, and a store shows in the low bits too (maybe_store).
 */
#define NEXT_ORDINARY 1U
static inline __attribute__((always_inline)) uint32_t next_system(struct vcpu *v)
{
	const uint16_t *p = fetch_half_cached(v, v->pc);
	if (!p)
		return 0;
	uint32_t low = *p;
	if ((low & 0x7f) == 0x73) /* unknown when its second half is on the next page */
		return (v->pc & (PAGE_SIZE - 1)) == PAGE_SIZE - 2 ? 0 : low | (uint32_t)p[1] << 16;
	/* the hint is read here: most stores start no run, and the call saves registers */
	if (maybe_store(low) && !plain_known_unworthy(v) && (low = emulate_plain(v)))
		return low;
	/* a user access's window under SUM (emulate_sum_run) */
	if (sum_window(v) && (low = emulate_sum_run(v, false)))
		return low;
	return NEXT_ORDINARY;
}

static enum trap_action illegal(struct vcpu *v, uint64_t tval)
{
	return trap_reflect(v, CAUSE_ILLEGAL_INSN, tval);
}

/* s0-s11 (x8, x9, x18-x27), which the psABI has C preserve */
#define SREGS 0x0ffc0300U

static void set_reg(struct vcpu *v, unsigned r, uint64_t val)
{
	if (r) {
		v->x[r] = val;
		v->sregs_written |=
		    (SREGS >> r) & 1; /* the lane's re-entry must load it (vcpu.h) */
	}
}

/* A counter read the guest may make: cycle and instret as its writes moved them, time, or 0. */
static uint64_t counter_value(const struct vcpu *v, unsigned csr)
{
	switch (csr & 0x1f) {
	case 0:
		return vcsr_counter_read(&v->csr, 0, csr_read(cycle));
	case 1:
		return vcpu_guest_time(v);
	case 2:
		return vcsr_counter_read(&v->csr, 2, csr_read(instret));
	}
	return 0; /* hpmcounter3..31: no events are counted */
}

/*
 * emulate_csr_rmw(), inline in emulate_csr(): the trap path keeps its code.
 * The access's effects (enum vcsr_effect, those done here included), or -1.
 */
static inline __attribute__((always_inline)) int csr_rmw(struct vcpu *v, enum vmode mode,
                                                         unsigned csr, enum vcsr_op op,
                                                         uint64_t operand, bool write,
                                                         uint64_t *old)
{
	bool counters = vcsr_is_counter_control(csr);
	if (counters)
		vcsr_counters_now(&v->csr, csr_read(cycle), csr_read(instret));
	unsigned fx = vcsr_rmw(&v->csr, mode, csr, op, operand, write, old);
	if (counters) /* the access's input only: an illegal one changes nothing (fuzz_emulate) */
		vcsr_counters_now(&v->csr, 0, 0);
	if (fx & VCSR_ILLEGAL)
		return -1;
	if (fx & VCSR_COUNTER)
		*old = counter_value(v, csr);
	if (fx & VCSR_PMP)
		shadow_flush_all(v);
	else if (fx & VCSR_MXR) /* R on X-only pages depended on it, in every space */
		shadow_flush(v, true, 0);
	else if (fx & VCSR_SATP) /* another address space: its cached shadow, if any */
		shadow_switch(v);
	if ((fx & VCSR_TRIG) || ((fx & VCSR_SATP) && v->trig.on))
		vtrig_sync(v); /* the triggers, or the pages their addresses reach, changed */
	return (int)fx;
}

int emulate_csr_rmw(struct vcpu *v, enum vmode mode, unsigned csr, enum vcsr_op op,
                    uint64_t operand, bool write, uint64_t *old)
{
	return csr_rmw(v, mode, csr, op, operand, write, old) < 0 ? -1 : 0;
}

/*
 * Emulates one CSR instruction (`op` VCSR_RW, _RS or _RC; `operand` the
 * register's value or the uimm): its effects, or -1 (and nothing changed)
 * when it is illegal.
 */
static int emulate_csr_op(struct vcpu *v, unsigned csr, enum vcsr_op op, uint64_t operand,
                          bool write, unsigned rd)
{
	uint64_t old;
	int fx = csr_rmw(v, v->mode, csr, op, operand, write, &old);
	if (fx < 0)
		return -1;
	set_reg(v, rd, old);
	v->stats.emulated[EMUL_CSR]++;
	v->note = "emulated csr";
	v->pc += 4;
	return fx;
}

/*
 * emulate_csr_op() for a decoded CSR instruction; false when it is illegal.
 * Out of line and unchanged in shape (used: no clone of another name):
 * hyp.ld packs it by name (bench/run --check-layout).
 */
__attribute__((noinline, used)) static bool emulate_csr(struct vcpu *v, const struct insn_sys *s)
{
	/* the same order: no table (a page of its own to refill after each flush) */
	_Static_assert((int)INSN_CSR_RW == (int)VCSR_RW && (int)INSN_CSR_RS == (int)VCSR_RS &&
	                   (int)INSN_CSR_RC == (int)VCSR_RC,
	               "insn_csr_op and vcsr_op agree");
	uint64_t operand = s->is_imm ? s->rs1 : v->x[s->rs1];
	return emulate_csr_op(v, s->csr, (enum vcsr_op)s->op, operand, s->does_write, s->rd) >= 0;
}

/*
 * Whether the lane may serve an access of csr that vcsr_fast() does not:
 * not sstatus and mstatus beyond its bits (MXR empties every view), PMP
 * (0x3a0-0x3ef: every view again), nor the triggers (0x7a0-0x7af: the VM's
 * watches follow them), which the full path keeps.
 */
static inline bool fast_general_csr(unsigned csr)
{
	return csr != CSR_SSTATUS && csr != CSR_MSTATUS && csr - CSR_PMPCFG0 >= 0x50 &&
	       (csr & ~0xfU) != CSR_TSELECT;
}

/*
 * A CSR access that vcsr_fast() leaves to the general path, on the lane:
 * from vS or vM (vU's counter reads go to emulate_illegal(), as its other
 * accesses), of a CSR fast_general_csr() allows (a context switch's satp
 * and scounteren, vM's own CSRs), by emulate_csr_op(), with
 * VCSR_INTERRUPTS added (the lane then asks whether an interrupt became
 * deliverable, whatever the CSR).  -1 with nothing done otherwise.  Out of
 * line and given only the bits: the hottest accesses keep their registers.
 */
__attribute__((noinline)) static int fast_csr_general(struct vcpu *v, uint32_t insn)
{
	unsigned f3 = (insn >> 12) & 7, rs1 = (insn >> 15) & 31, csr = insn >> 20;
	if ((insn & 0x7f) != 0x73 || (f3 & 3) == 0 || v->mode == VMODE_U || !fast_general_csr(csr))
		return -1;
	enum vcsr_op op = (enum vcsr_op)((f3 & 3) - 1);
	uint64_t operand = f3 & 4 ? rs1 : v->x[rs1];
	int fx = emulate_csr_op(v, csr, op, operand, op == VCSR_RW || rs1 != 0, (insn >> 7) & 31);
	return fx < 0 ? -1 : fx | VCSR_INTERRUPTS;
}

/*
 * One CSR access at the guest's pc that vcsr_fast() serves: its effects (0
 * or VCSR_INTERRUPTS, VCSR_VIEW, VCSR_FS), or -1 with nothing done.
 */
static inline __attribute__((always_inline)) int emulate_fast_csr(struct vcpu *v, uint32_t insn)
{
	/* Zicsr (unpriv §9.1): funct3 1..3 and 5..7, its low two bits RW, RS, RC */
	_Static_assert(VCSR_RW == 0 && VCSR_RS == 1 && VCSR_RC == 2, "funct3's order");
	unsigned f3 = (insn >> 12) & 7, rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31;
	if ((insn & 0x7f) != 0x73 || (f3 & 3) == 0)
		return -1;
	enum vcsr_op op = (enum vcsr_op)((f3 & 3) - 1);
	uint64_t old, operand = f3 & 4 ? rs1 : v->x[rs1];
	unsigned fx =
	    vcsr_fast(&v->csr, v->mode, insn >> 20, op, operand, op == VCSR_RW || rs1 != 0, &old);
	if (fx & VCSR_SLOW)
		return -1;
	set_reg(v, rd, old);
	v->stats.emulated[EMUL_CSR]++; /* no note: the lane is off while trace = on reads them */
	v->pc += 4;
	return (int)fx;
}

/*
 * vcpu_deliverable_irq() on the lane, whose usual answer (nothing pending
 * and enabled at all: vcsr_pending_irq's first test) is found inline.
 */
static inline bool fast_irq(const struct vcpu *v)
{
	return (vcsr_mip(&v->csr) & v->csr.mie) && vcpu_deliverable_irq(v);
}

/*
 * emulate_fast_csr(), else fast_csr_general(), after the first; out of
 * line: bench/insn-count.c counts its calls.
 */
__attribute__((noinline)) static int emulate_fast_ahead_csr(struct vcpu *v, uint32_t insn)
{
	int fx = emulate_fast_csr(v, insn);
	return fx >= 0 ? fx : fast_csr_general(v, insn);
}

/*
 * What a lane's access may change that vcpu_load_view() sets up: the view
 * (SUM; satp: another space) and the real sstatus.FS, so that the guest's
 * FP instructions trap exactly while its FS is Off.  Not the real
 * scounteren: in vS and vM it is the same whatever scounteren says, and
 * mcounteren, which does count in vS, is written in vM (vcpu_load_view()).
 */
#define FAST_LOAD_FX (VCSR_VIEW | VCSR_FS | VCSR_SATP)

/* DONE, or LOAD when an access changed what vcpu_load_view() sets up. */
static inline enum emulate_fast fast_done(unsigned fx)
{
	return fx & FAST_LOAD_FX ? EMULATE_FAST_LOAD : EMULATE_FAST_DONE;
}

/*
 * The accesses after the first, as emulate_ahead() would emulate them,
 * stopping where an interrupt becomes deliverable; `fx`: the effects so far.
 * Out of line: the common case (the next instruction is an ordinary one)
 * saves no registers.
 */
__attribute__((noinline)) static enum emulate_fast emulate_fast_more(struct vcpu *v, uint32_t next,
                                                                     unsigned fx)
{
	for (int n = 0; n < EMULATE_AHEAD_MAX; n++) {
		int f = next ? emulate_fast_ahead_csr(v, next) : -1;
		if (f < 0)
			return EMULATE_FAST_AHEAD;
		v->stats.ahead++;
		fx |= (unsigned)f;
		if ((f & VCSR_INTERRUPTS) && fast_irq(v))
			return EMULATE_FAST_IRQ;
		next = next_system(v);
		if (next == NEXT_ORDINARY)
			return fast_done(fx);
	}
	return EMULATE_FAST_AHEAD;
}

enum emulate_fast emulate_fast_resume(struct vcpu *v)
{
	if (fast_irq(v))
		return EMULATE_FAST_IRQ;
	if (v->mode == VMODE_U)
		return EMULATE_FAST_DONE; /* vU's accesses trap: emulate_ahead() stops there too */
	uint32_t next = next_system(v);
	if (next == NEXT_ORDINARY)
		return EMULATE_FAST_DONE;
	return emulate_fast_more(v, next, 0);
}

static enum trap_action emulate_xret(struct vcpu *v, bool mret);

#define INSN_SRET 0x10200073U /* priv spec §3.3.2 */
/* sfence.vma rs1, rs2 (§4.2.1): funct7 0x09, rd = 0, funct3 = 0 */
#define INSN_SFENCE_MASK 0xfe007fffU
#define INSN_SFENCE_VMA  0x12000073U

/* sfence.vma rs1, rs2, which the guest's mode may execute. */
static void emulate_sfence(struct vcpu *v, unsigned rs1, unsigned rs2)
{
	/* rs1 = x0: every address; rs2 = x0: every address space (§4.2.1) */
	shadow_fence(v, rs1 == 0, v->x[rs1], 1, rs2 == 0, v->x[rs2]);
	if (v->trig.on)
		vtrig_sync(v); /* a trigger's page may translate elsewhere now */
	v->stats.emulated[EMUL_SFENCE]++;
	v->note = "emulated sfence.vma";
	v->pc += 4;
}

/*
 * The lane's sfence.vma (Linux fences every page it maps): in vS unless
 * TVM, or in vM (§3.1.6.5); then what follows, as after an sret.  The fence
 * changes no interrupt and not the view; it may fill the page it names.
 * Out of line: the lane's CSR accesses keep their registers.
 */
__attribute__((noinline)) static enum emulate_fast emulate_fast_sfence(struct vcpu *v,
                                                                       uint32_t insn)
{
	if (v->mode == VMODE_U || (v->mode == VMODE_S && (v->csr.mstatus & MSTATUS_TVM)))
		return EMULATE_FAST_NONE;
	emulate_sfence(v, (insn >> 15) & 31, (insn >> 20) & 31);
	return emulate_fast_resume(v);
}

enum emulate_fast emulate_fast(struct vcpu *v, uint64_t tval)
{
	CHECK(!vcpu_deliverable_irq(v), "vm %s: entered with an interrupt to deliver", v->vm->name);
	int fx = emulate_fast_csr(v, (uint32_t)tval);
	if (fx < 0) {
		if (((uint32_t)tval & INSN_SFENCE_MASK) == INSN_SFENCE_VMA)
			return emulate_fast_sfence(v, (uint32_t)tval);
		/* A return from the guest's trap handler: allowed in vS unless TSR (§3.1.6.5). */
		if (tval == INSN_SRET) {
			if (v->mode != VMODE_S || (v->csr.mstatus & MSTATUS_TSR))
				return EMULATE_FAST_NONE;
			emulate_xret(v, false);
			return EMULATE_FAST_VIEW;
		}
		if ((fx = fast_csr_general(v, (uint32_t)tval)) < 0)
			return EMULATE_FAST_NONE;
	}
	/* Interrupts on, or one enabled: the one now deliverable is taken first (§3.1.9). */
	if ((fx & VCSR_INTERRUPTS) && fast_irq(v))
		return EMULATE_FAST_IRQ;
	/* the next instruction is peeked at through the new view after a SUM change */
	uint32_t next = next_system(v);
	if (next == NEXT_ORDINARY)
		return fast_done((unsigned)fx);
	return emulate_fast_more(v, next, (unsigned)fx);
}

/*
 * §3.3.2: xRET returns to xPP with xIE = xPIE, xPIE = 1, xPP = U; leaving
 * M-mode it also clears MPRV.
 */
static enum trap_action emulate_xret(struct vcpu *v, bool mret)
{
	struct vcsr *c = &v->csr;
	if (mret) {
		v->mode = (enum vmode)((c->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
		c->mstatus &= ~(MSTATUS_MIE | MSTATUS_MPP);
		if (c->mstatus & MSTATUS_MPIE)
			c->mstatus |= MSTATUS_MIE;
		c->mstatus |= MSTATUS_MPIE;
		v->pc = c->mepc;
	} else {
		v->mode = c->mstatus & SSTATUS_SPP ? VMODE_S : VMODE_U;
		c->mstatus &= ~(SSTATUS_SIE | SSTATUS_SPP);
		if (c->mstatus & SSTATUS_SPIE)
			c->mstatus |= SSTATUS_SIE;
		c->mstatus |= SSTATUS_SPIE;
		v->pc = c->sepc;
	}
	if (v->mode != VMODE_M)
		c->mstatus &= ~MSTATUS_MPRV;
	v->fault_loop = 0; /* the guest returned from a trap: it is making progress */
	v->stats.emulated[mret ? EMUL_MRET : EMUL_SRET]++;
	v->note = mret ? "emulated mret" : "emulated sret";
	return TRAP_RESUME;
}

/*
 * Whether the virtual mode may execute this privileged instruction at all
 * (§3.1.6.5): mret only in vM; in vS, TSR traps sret, TW traps wfi, TVM
 * traps sfence.vma (satp is vcsr_rmw's).  vU may execute none of them.
 */
static bool allowed(const struct vcpu *v, enum insn_sys_kind kind)
{
	uint64_t st = v->csr.mstatus;
	if (v->mode == VMODE_M)
		return true;
	switch (kind) {
	case INSN_SYS_MRET:
		return false;
	case INSN_SYS_SRET:
		return !(st & MSTATUS_TSR);
	case INSN_SYS_WFI:
		return !(st & MSTATUS_TW);
	case INSN_SYS_SFENCE_VMA:
		return !(st & MSTATUS_TVM);
	default:
		return true;
	}
}

enum trap_action emulate_illegal(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	(void)cause;
	uint32_t insn = tval ? (uint32_t)tval : emulate_fetch(v, v->pc);
	struct insn_sys s;
	if ((insn & 0x7f) != 0x73)
		return illegal(v, tval);
	enum insn_sys_kind kind = insn_decode_sys(insn, &s);
	/*
	 * In vU every sensitive instruction is illegal, as in real U, but for
	 * the counter reads the virtual m/scounteren allow (§3.1.11, §4.1.5)
	 * where the real scounteren bit is 0: vcsr_rmw decides, as for vS.
	 */
	if ((v->mode == VMODE_U && kind != INSN_SYS_CSR) || !allowed(v, kind))
		return illegal(v, tval);
	switch (kind) {
	case INSN_SYS_CSR:
		return emulate_csr(v, &s) ? TRAP_RESUME : illegal(v, tval);
	case INSN_SYS_SRET:
		return emulate_xret(v, false);
	case INSN_SYS_MRET:
		return emulate_xret(v, true);
	case INSN_SYS_WFI:
		/* §3.3.3: wfi may complete at once; it must when an interrupt is pending. */
		v->pc += 4;
		v->stats.emulated[EMUL_WFI]++;
		v->note = "emulated wfi";
		return vcpu_wfi_wakes(v) ? TRAP_RESUME : TRAP_YIELD;
	case INSN_SYS_SFENCE_VMA:
		emulate_sfence(v, s.rs1, s.rs2);
		return TRAP_RESUME;
	default: /* hypervisor instructions, reserved encodings */
		return illegal(v, tval);
	}
}

/*
 * After a trap, the guest's next instructions are often sensitive too (a
 * trap handler reading scause, sepc, stval in a row; csrw sepc then sret).
 * Each would trap again, and a trap costs far more than decoding: so while
 * the next instruction is a CSR access or xret that popek would emulate
 * anyway, emulate it now.  Stops before anything else, before a CSR access
 * that would be illegal (the guest then traps on it as usual), and as soon as
 * an interrupt becomes deliverable, exactly where the hardware would take it.
 */
void emulate_ahead(struct vcpu *v)
{
	/*
	 * A device access or SBI call just emulated may have raised a line (a
	 * device's through the vPLIC, the timer): bring the pending bits up to
	 * date, so that an interrupt it made deliverable is taken before the
	 * very next instruction it enables it for, not after the instructions
	 * emulated here.
	 */
	if (v->irq_stale && v->mode != VMODE_U) {
		vcpu_ready(v);
		v->irq_stale = true; /* vcpu_run_slice() still sets the hardware up (the timer) */
	}
	for (int n = 0; n < EMULATE_AHEAD_MAX && v->mode != VMODE_U; n++) {
		/*
		 * Most traps are followed by an ordinary instruction: peek at it
		 * through the fetch cache, which fills nothing, before asking
		 * whether an interrupt comes first.  Only when the guest is certain
		 * to fetch it (none does) may fetch_next fill its page.
		 */
		uint32_t insn = fetch_cached(v, v->pc);
		if (insn && (insn & 0x7f) != 0x73) {
			/* a run of stores, or a window under SUM, as the lane's next_system() */
			if (vcpu_deliverable_irq(v))
				return;
			uint32_t next = maybe_store(insn) ? emulate_plain(v) : 0;
			if (!next && sum_window(v))
				next = emulate_sum_run(v, true);
			if (!next)
				return;
			insn = next;
		}
		if (vcpu_deliverable_irq(v))
			return;
		if (!insn)
			insn = fetch_next(v, v->pc);
		struct insn_sys s;
		if (insn && (insn & 0x7f) != 0x73 && sum_window(v))
			insn = emulate_sum_run(v, true);
		if ((insn & 0x7f) != 0x73)
			return;
		enum insn_sys_kind kind = insn_decode_sys(insn, &s);
		if (!allowed(v, kind))
			return;
		switch (kind) {
		case INSN_SYS_CSR:
			if (!emulate_csr(v, &s)) /* illegal: the guest traps on it itself */
				return;
			v->stats.ahead++;
			break;
		case INSN_SYS_SRET:
		case INSN_SYS_MRET:
			emulate_xret(v, kind == INSN_SYS_MRET);
			v->stats.ahead++;
			return;
		default:
			return;
		}
	}
}

/* The fault a load or store gets: its access fault or its page fault. */
static uint64_t fault_cause(bool store, bool page)
{
	static const uint64_t causes[2][2] = {{CAUSE_LOAD_ACCESS, CAUSE_LOAD_PAGE},
	                                      {CAUSE_STORE_ACCESS, CAUSE_STORE_PAGE}};
	return causes[store][page];
}

/* access_piece() found neither RAM nor a device at the address */
#define PIECE_NOTHING (-2)

/*
 * The address a failed access reports.  Where nothing answers, the board
 * (QEMU 7.2) carries a misaligned load out as aligned loads, a misaligned
 * store byte by byte, and reports the first that fails: for a load, the
 * address rounded down to the access's width.
 */
static uint64_t fault_tval(int piece, bool store, uint64_t va, unsigned width)
{
	return piece == PIECE_NOTHING && !store ? va & ~(uint64_t)(width - 1) : va;
}

/*
 * One byte range of the access, all in one page: translated with the
 * privilege loads and stores have (MPP under MPRV), checked by PMP, and done
 * on RAM or on a device.  *val holds the bytes, little-endian, from bit
 * `shift`.
 */
static int access_piece(struct vcpu *v, uint64_t va, unsigned len, unsigned fill,
                        enum emulate_acc acc, uint64_t *val, unsigned shift, bool *page_fault,
                        bool *device)
{
	bool store = acc == EMULATE_STORE;
	enum vmode dm = vcsr_data_mode(&v->csr, v->mode);
	uint64_t gpa;
	const struct emulate_xlate *x = &v->xlate;
	enum gwalk_status st;
	if (x->valid && x->va == va >> PAGE_SHIFT && x->mode == dm && x->store == store) {
		gpa = x->gpa << PAGE_SHIFT | (va & (PAGE_SIZE - 1)); /* shadow_fault()'s walk */
		st = GW_OK;
#if POPEK_CHECKING
		uint64_t again = 0;
		CHECK(shadow_walk(v, va, store ? GW_STORE : GW_LOAD, dm, true, &again) == GW_OK &&
		          again == gpa,
		      "emulate: %lx handed over as %lx, walks to %lx", va, gpa, again);
#endif
	} else {
		st = shadow_walk(v, va, store ? GW_STORE : GW_LOAD, dm, true, &gpa);
	}
	int pp = st == GW_OK ? pmp_perms(&v->csr, dm, gpa, len) : -1;
	if (pp < 0 || !(pp & (store ? PMP_W : PMP_R))) {
		/* the board's failed fill checks its triggers first (vtrig.h) */
		if (v->trig.acc && vtrig_fill_failed(v, va, fill, store)) {
			v->vm->watch.held = true;
			return 0;
		}
		*page_fault = st == GW_PAGE_FAULT;
		return -1;
	}
	uint8_t *ram = vm_gpa_to_hva(v->vm, gpa, len);
	if (ram) {
		struct vm *vm = v->vm;
		if (vm->watch_on && watch_access(v, va, gpa, len, store) == WATCH_BEFORE &&
		    vm->watch.hold_ok) {
			vm->watch.held =
			    true; /* the watch's owner keeps the instruction from running */
			return 0;
		}
		for (unsigned i = 0; i < len; i++) {
			if (store)
				ram[i] = (uint8_t)(*val >> (shift + 8 * i));
			else
				*val |= (uint64_t)ram[i] << (shift + 8 * i);
		}
		if (store && vm->watch_on)
			watch_stored(vm, gpa, len); /* a private copy of the page follows it */
		return 0;
	}
	const struct mmio_region *r = emul_find(&v->vm->emul, gpa);
	bool nothing = !r || gpa + len > r->base + r->size;
	if (v->trig.acc && vtrig_access(v, va, store, nothing ? VTRIG_NOTHING : VTRIG_DEVICE)) {
		v->vm->watch.held = true; /* a trigger: the board checks devices' pages too */
		return 0;
	}
	if (nothing)
		return PIECE_NOTHING;
	*device = true;
	v->irq_stale = true; /* the vPLIC, the vCLINT, a device raising its line */
	if (store)
		return emul_write(r, gpa, len, *val >> shift);
	uint64_t got;
	if (emul_read(r, gpa, len, &got) < 0)
		return -1;
	*val |= got << shift;
	return 0;
}

/*
 * One page of a store that straddles two, translated and checked by PMP:
 * the board does both pages before it stores a byte (cputlb.c
 * store_helper_unaligned).  0, or -1 with *page_fault for a page fault.
 */
static int store_probe(struct vcpu *v, uint64_t va, unsigned len, bool *page_fault)
{
	enum vmode dm = vcsr_data_mode(&v->csr, v->mode);
	uint64_t gpa;
	switch (shadow_walk(v, va, GW_STORE, dm, true, &gpa)) {
	case GW_PAGE_FAULT:
		*page_fault = true;
		return -1;
	case GW_ACCESS_FAULT:
		return -1;
	case GW_OK:
		break;
	}
	int pp = pmp_perms(&v->csr, dm, gpa, len);
	return pp < 0 || !(pp & PMP_W) ? -1 : 0;
}

int emulate_access(struct vcpu *v, uint64_t va, unsigned width, enum emulate_acc acc, uint64_t *val,
                   bool *device, uint64_t *cause, uint64_t *tval)
{
	bool page_fault = false, store = acc == EMULATE_STORE;
	/* A device access is one piece; RAM may straddle a page boundary, each page its own. */
	unsigned first = (unsigned)(PAGE_SIZE - (va & (PAGE_SIZE - 1)));
	if (first > width)
		first = width;
	if (!store)
		*val = 0;
	if (store && first < width) {
		uint64_t at = va;
		int p = store_probe(v, va, first, &page_fault);
		if (p == 0)
			p = store_probe(v, at = va + first, width - first, &page_fault);
		if (p < 0) {
			/* nothing stored; the failed fill's triggers first (vtrig.h) */
			if (v->trig.acc &&
			    vtrig_fill_failed(v, at, at == va ? width : width - first, true)) {
				v->vm->watch.held = true;
				return 0;
			}
			*cause = fault_cause(true, page_fault);
			*tval = at;
			return -1;
		}
		/*
		 * The board checks both parts' watchpoints before it stores a byte
		 * (vtrig.c access_fires), whichever page a trigger's watch is on.
		 */
		if (v->trig.acc && vtrig_access(v, va, true, VTRIG_RAM)) {
			v->vm->watch.held = true;
			return 0;
		}
	}
	/* the board fills a load's second page for the aligned load there: width bytes */
	int e = access_piece(v, va, first, width, acc, val, 0, &page_fault, device);
	if (e >= 0 && first < width && !v->vm->watch.held) /* held: nothing more happens */
		e = access_piece(v, va += first, width - first, width, acc, val, 8 * first,
		                 &page_fault, device);
	if (e >= 0)
		return 0;
	*cause = fault_cause(store, page_fault);
	*tval = fault_tval(e, store, va, width);
	return -1;
}

int emulate_insn_access(struct vcpu *v, uint64_t va, unsigned width, enum emulate_acc acc,
                        unsigned trig_acc, uint64_t *val, bool *device, uint64_t *cause,
                        uint64_t *tval)
{
	struct vm *vm = v->vm;
	if (!vm->watch_on && !v->trig.on)
		return emulate_access(v, va, width, acc, val, device, cause, tval);
	vm->watch.hold_ok = true; /* a watch may keep this one from happening */
	v->trig.va = va;
	v->trig.width = width;
	v->trig.acc = trig_acc;
	int e = emulate_access(v, va, width, acc, val, device, cause, tval);
	vm->watch.hold_ok = false;
	v->trig.acc = 0;
	if (vm->watch.held) {
		vm->watch.held = false;
		v->note = "watch";
		return 1;
	}
	return e;
}

static enum trap_action load_store(struct vcpu *v, uint64_t cause, uint64_t va)
{
	bool store = cause == CAUSE_STORE_PAGE || cause == CAUSE_STORE_ACCESS;
	struct insn_mem m;
	/*
	 * The instruction just ran: the installed view maps its page (the fetch
	 * cache, no walk), unless it straddles two or a watch keeps a copy.
	 */
	uint32_t insn = v->vm->watch_on ? 0 : fetch_cached(v, v->pc);
	if (!insn)
		insn = emulate_fetch(v, v->pc);
	if (!insn)
		return trap_reflect(v, fault_cause(store, false), va);
	/* FP loads and stores, AMOs and LR/SC: emulate_atomic.c */
	if (insn_decode_mem(insn, &m) < 0 || m.is_store != store)
		return emulate_mem_other(v, insn, cause, va);
	/*
	 * The access starts where the instruction says: the fault's va is only
	 * the page that faulted, the second one for an access straddling two.
	 */
	va = v->x[m.base] + (uint64_t)m.offset;
	uint64_t val = store ? v->x[m.reg] : 0, tval;
	bool device = false;
	int e = emulate_insn_access(v, va, m.width, store ? EMULATE_STORE : EMULATE_LOAD,
	                            store ? VTRIG_W : VTRIG_R, &val, &device, &cause, &tval);
	if (e > 0)
		return TRAP_RESUME; /* a watch held it back */
	if (e < 0)
		return trap_reflect(v, cause, tval);
	if (!store)
		set_reg(v, m.reg, insn_extend(val, &m));
	v->stats.emulated[device ? EMUL_MMIO : EMUL_LDST]++;
	v->note = device ? "emulated mmio" : "emulated load/store";
	v->pc += m.len;
	return TRAP_RESUME;
}

enum trap_action emulate_load_store(struct vcpu *v, uint64_t cause, uint64_t va)
{
	enum trap_action a = load_store(v, cause, va);
	v->xlate.valid = false; /* shadow_fault()'s walk served this trap alone */
	return a;
}
