/*
 * gen.c — the differential generator (tests/diff/README.md).
 *
 *   gen [-v] [-l LISTING] RT.bin FIRST COUNT OUT.elf
 *
 * writes OUT.elf: the runtime RT.bin at 0x8000_0000 and, at 0x8080_0000,
 * COUNT random privileged programs, seeds FIRST..FIRST+COUNT-1.  A seed
 * always gives the same program.  -v makes the runtime print every field
 * instead of one hash per program; -l writes, per generated operation, its
 * address and what it is, so a difference can be named.
 *
 * What a program does, and what is left out by design: docs/conformance.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "rtsyms.h"

/* ---- random numbers: splitmix64, one stream per seed ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

static int chance(unsigned percent)
{
	return below(100) < percent;
}

/*
 * A second stream per seed for what Sv48 programs add, so that the main
 * stream, and with it every program of an older seed, stays as it was.
 */
static uint64_t aux_state;
#define AUX(expr)                             \
	({                                    \
		uint64_t main_ = rng_state;   \
		rng_state = aux_state;        \
		__typeof__(expr) r_ = (expr); \
		aux_state = rng_state;        \
		rng_state = main_;            \
		r_;                           \
	})

/* a value with the shapes WARL fields care about: random, sparse, all ones, zero */
static uint64_t value(void)
{
	switch (below(5)) {
	case 0:
		return 0;
	case 1:
		return ~0ULL;
	case 2:
		return 1ULL << below(64);
	case 3:
		return rnd() & rnd();
	default:
		return rnd();
	}
}

/* ---- output: the blob and the listing ---- */

static uint8_t *blob;
static size_t blob_len, blob_cap;
static FILE *listing;

static size_t blob_reserve(size_t n)
{
	size_t at = blob_len;
	while (blob_len + n > blob_cap) {
		blob_cap = blob_cap ? 2 * blob_cap : 1 << 20;
		blob = realloc(blob, blob_cap);
		if (!blob) {
			perror("gen");
			exit(1);
		}
	}
	memset(blob + at, 0, n);
	blob_len += n;
	return at;
}

static void put64(size_t at, uint64_t v)
{
	memcpy(blob + at, &v, 8);
}

/* ---- code: the block being written ---- */

static uint32_t code[1 << 16];
static unsigned ncode;
static uint64_t code_va; /* the address code[0] runs at */
static char opdesc[160];

static void emit(uint32_t insn)
{
	if (ncode == sizeof code / sizeof code[0]) {
		fprintf(stderr, "gen: block too long\n");
		exit(1);
	}
	code[ncode++] = insn;
}

static uint64_t here(void)
{
	return code_va + 4 * ncode;
}

/*
 * Execute triggers aim at the last instruction of an op ahead (its load,
 * store, CSR access, xRET...): a breakpoint skips its instruction (the
 * runtime resumes after it), and skipping one inside a `li` would leave a
 * register half built: an mtvec nowhere, a tdata1 type that stops the
 * board's QEMU, a store into the runtime.  The arming code loads tdata2
 * with auipc/addi, patched once the op it aims at is written.
 */
static struct pending {
	unsigned at;    /* code[] index of the auipc */
	unsigned left;  /* ops still to come before the target's */
	uint64_t extra; /* added to the target: 2 (mid-instruction), the U alias */
} pend[16];
static unsigned npend, op_last = ~0u;

static uint32_t i_type(unsigned op, unsigned f3, unsigned rd, unsigned rs1, int32_t imm);

static void pend_patch(const struct pending *p, uint64_t target)
{
	int64_t off = (int64_t)(target - (code_va + 4ULL * p->at));
	int64_t hi = (off + 0x800) >> 12, lo = off - hi * 4096;
	code[p->at] = 0x17 | 30u << 7 | ((uint32_t)hi & 0xfffff) << 12; /* auipc t5 */
	code[p->at + 1] = i_type(0x13, 0, 30, 30, (int32_t)lo);         /* addi t5, t5 */
}

/*
 * Whether popek can patch an execute trigger's target at code address a
 * (hyp/arch/riscv/vtrig.c plan_exec): the halfwords before it that may
 * begin a 32-bit instruction (low bits 11), 12 at most in a row, must not
 * reach the page's first halfword, whose start popek cannot prove (the
 * halfword before it is on another page; docs/conformance.md).
 */
static int patchable(uint64_t a)
{
	for (unsigned k = 0;; k++, a -= 2) {
		if (k > 12 || !(a & 0xfff) || a - 2 < code_va)
			return 0;
		uint64_t i = (a - 2 - code_va) / 4;
		uint32_t h = i < ncode ? code[i] >> (((a - 2) & 2) * 8) : 0;
		if ((h & 3) != 3)
			return 1;
	}
}

/* The op before this point is complete: its last instruction may be a target. */
static void op_done(void)
{
	if (!ncode || op_last == ncode - 1)
		return;
	op_last = ncode - 1;
	for (unsigned i = 0; i < npend; i++) {
		uint64_t target = code_va + 4ULL * op_last + pend[i].extra;
		/* only where popek can patch: never a page's first halfword, nor a long guard run */
		if (pend[i].left == 1 &&
		    !patchable(code_va + 4ULL * op_last + (pend[i].extra & 0xfff)))
			continue;
		if (pend[i].left && --pend[i].left == 0)
			pend_patch(&pend[i], target);
	}
}

/* The block ends: targets not reached aim at their own auipc (or addi), which has run. */
static void pend_flush(void)
{
	for (unsigned i = 0; i < npend; i++) {
		if (pend[i].left)
			pend_patch(&pend[i],
			           code_va + 4ULL * (pend[i].at +
			                             !((code_va + 4ULL * pend[i].at) & 0xfff)));
	}
	npend = 0;
	op_last = ~0u;
}

static void op_begin(const char *fmt, ...)
{
	op_done();
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(opdesc, sizeof opdesc, fmt, ap);
	va_end(ap);
	if (listing)
		fprintf(listing, "%llx %s\n", (unsigned long long)here(), opdesc);
}

enum { ZERO = 0, RA = 1, T0 = 5, T1 = 6, T2 = 7, T5 = 30, T6 = 31 };

static uint32_t r_type(unsigned op, unsigned f3, unsigned f7, unsigned rd, unsigned rs1,
                       unsigned rs2)
{
	return op | rd << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | f7 << 25;
}

static uint32_t i_type(unsigned op, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
	return op | rd << 7 | f3 << 12 | rs1 << 15 | ((uint32_t)imm & 0xfff) << 20;
}

static uint32_t s_type(unsigned op, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
	uint32_t i = (uint32_t)imm & 0xfff;
	return op | (i & 31) << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | (i >> 5) << 25;
}

static void li(unsigned rd, int64_t v)
{
	if (v == (int32_t)v) {
		int32_t lo = (int32_t)((int64_t)((uint64_t)v << 52) >> 52);
		uint32_t hi = (uint32_t)(((v + 0x800) >> 12) & 0xfffff);
		if (hi) {
			emit(0x37 | rd << 7 | hi << 12);   /* lui */
			emit(i_type(0x1b, 0, rd, rd, lo)); /* addiw */
		} else {
			emit(i_type(0x13, 0, rd, ZERO, lo)); /* addi */
		}
		return;
	}
	int64_t lo = (int64_t)((uint64_t)v << 52) >> 52;
	int64_t rest = (int64_t)((uint64_t)v - (uint64_t)lo) >> 12;
	unsigned sh = 12;
	while (!(rest & 1)) {
		rest >>= 1;
		sh++;
	}
	li(rd, rest);
	emit(i_type(0x13, 1, rd, rd, (int32_t)sh)); /* slli */
	if (lo)
		emit(i_type(0x13, 0, rd, rd, (int32_t)lo)); /* addi */
}

/* registers generated code may use: all but sp, gp, tp (the runtime's) */
static unsigned reg(void)
{
	static const unsigned r[] = {1,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
	                             17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29};
	return r[below(sizeof r / sizeof r[0])]; /* t5, t6 are the generator's temporaries */
}

/* ---- the program's view: paging, addresses ---- */

/*
 * paging on at the start; Sv48 rather than Sv39; Sv57 rather than Sv48;
 * Sdtrig accesses; interrupt windows after a CLINT store
 */
static int prog_sv39, prog_sv48, prog_sv57, prog_trig, prog_window, prog_arm;
/* the data address the last armed load/store trigger watches (0: none), for data_addr() */
static uint64_t trig_data;

#define SATP_SV39 (8ULL << 60)
#define SATP_SV48 (9ULL << 60)
#define PT_ROOT   (DIFF_PT_BASE >> 12)
#define SATP_SV57 (10ULL << 60)
#define PT_ROOT48 (DIFF_PT_ROOT48 >> 12)
#define PT_ROOT57 (DIFF_PT_ROOT57 >> 12)

/* satp selecting the program's tables with ASID asid: Sv39's root, Sv48's above it, Sv57's */
static uint64_t prog_satp(uint64_t asid)
{
	if (prog_sv57)
		return SATP_SV57 | asid << 44 | PT_ROOT57;
	return prog_sv48 ? SATP_SV48 | asid << 44 | PT_ROOT48 : SATP_SV39 | asid << 44 | PT_ROOT;
}

/*
 * What an Sv48 program adds to a translated data address: nothing; the
 * alias of root entry 1 or 256 (no Sv39 address); the 512 GiB page of
 * root entry 2; or bit 47 (not canonical).
 */
static uint64_t sv48_offset(void)
{
	static const uint64_t offs[] = {0,          0,         0, 1ULL << 39, 0xffff800000000000ULL,
	                                2ULL << 39, 1ULL << 47};
	/* Sv57's too: root entries 1 and 511, the 256 TiB page of entry 2, bit 56 */
	static const uint64_t offs57[] = {1ULL << 48, 0xff00000000000000ULL, 2ULL << 48,
	                                  1ULL << 56};
	if (prog_sv57 && chance(50))
		return offs57[below(sizeof offs57 / sizeof offs57[0])];
	return offs[below(sizeof offs / sizeof offs[0])];
}

static uint64_t data_addr(unsigned width)
{
	uint64_t base, span;
	if (prog_arm && trig_data && AUX(chance(35))) {
		/* at, near or across what a trigger watches (the aux stream: older seeds stay) */
		uint64_t a = trig_data + AUX(below(16)) - 8;
		return AUX(chance(60)) ? a & ~(uint64_t)(width - 1) : a;
	}
	if (chance(50)) {
		base = chance(50) ? DIFF_DATA_VA : DIFF_DATA_VA + 0x200000;
		span = 0x10000;
		if (prog_sv48)
			base += AUX(sv48_offset());
	} else {
		base = DIFF_DATA_BASE;
		span = chance(50) ? 0x10000 : DIFF_DATA_SIZE;
	}
	uint64_t off = below(span - 16);
	switch (below(5)) {
	case 0: /* crossing a page */
		off = (off | 0xfff) - below(width > 1 ? width - 1 : 1);
		break;
	case 1: /* misaligned */
		break;
	default:
		off &= ~(uint64_t)(width - 1);
	}
	return base + off;
}

/* ---- CSRs ---- */

enum csr_kind { ANY, MASKED, MSTATUS, SSTATUS, FIXED, READONLY, ABSENT };

struct csr {
	const char *name;
	unsigned num;
	enum csr_kind kind;
	uint64_t mask;
};

#define MST_SAFE 0x7e61aaULL /* SIE MIE SPIE MPIE SPP FS MPRV SUM MXR TVM TW TSR */
#define SST_SAFE 0xc6122ULL  /* SIE SPIE SPP FS SUM MXR */
#define XL64     (0xaULL << 32)

static const struct csr csrs[] = {
    {"fflags", 0x001, ANY, 0},
    {"frm", 0x002, ANY, 0},
    {"fcsr", 0x003, ANY, 0},
    {"sstatus", 0x100, SSTATUS, 0},
    {"sie", 0x104, MASKED, 0x222},
    {"stvec", 0x105, FIXED, 0},
    {"scounteren", 0x106, MASKED, 0xffffffff},
    {"senvcfg", 0x10a, MASKED, 1},
    {"sscratch", 0x140, ANY, 0},
    {"sepc", 0x141, MASKED, ~1ULL},
    {"scause", 0x142, ANY, 0},
    {"stval", 0x143, ANY, 0},
    {"sip", 0x144, MASKED, 0x222},
    {"satp", 0x180, FIXED, 0},
    {"mstatus", 0x300, MSTATUS, 0},
    {"misa", 0x301, ANY, 0},
    /* not ecall from S, fetch faults: the runtime's S vector must reach M (docs/conformance.md) */
    {"medeleg", 0x302, MASKED, 0xa1fd},
    {"mideleg", 0x303, MASKED, 0x222},
    {"mie", 0x304, MASKED, 0xaaa},
    {"mtvec", 0x305, FIXED, 0},
    {"mcounteren", 0x306, MASKED, 0xffffffff},
    {"menvcfg", 0x30a, MASKED, 1},
    /* never CY or IR (nor TM): the board's inhibited mcycle/minstret run on (docs/conformance.md) */
    {"mcountinhibit", 0x320, MASKED, 0xfffffff8},
    {"mscratch", 0x340, ANY, 0},
    {"mepc", 0x341, MASKED, ~1ULL},
    {"mcause", 0x342, ANY, 0},
    {"mtval", 0x343, ANY, 0},
    {"mip", 0x344, MASKED, 0x222},
    {"pmpcfg0", 0x3a0, FIXED, 0},
    {"pmpcfg2", 0x3a2, FIXED, 0},
    {"pmpaddr0", 0x3b0, FIXED, 0},
    {"pmpaddr1", 0x3b1, FIXED, 0},
    {"pmpaddr2", 0x3b2, FIXED, 0},
    {"pmpaddr3", 0x3b3, FIXED, 0},
    {"pmpaddr8", 0x3b8, FIXED, 0},
    {"cycle", 0xc00, READONLY, 0},
    {"time", 0xc01, READONLY, 0},
    {"instret", 0xc02, READONLY, 0},
    {"hpmcounter3", 0xc03, READONLY, 0},
    {"mvendorid", 0xf11, READONLY, 0},
    {"marchid", 0xf12, READONLY, 0},
    {"mimpid", 0xf13, READONLY, 0},
    {"mhartid", 0xf14, READONLY, 0},
    {"mconfigptr", 0xf15, READONLY, 0},
    {"0xb01", 0xb01, ABSENT, 0},
    {"cycleh", 0xc80, ABSENT, 0},
    {"pmpcfg1", 0x3a1, ABSENT, 0},
    {"pmpaddr16", 0x3c0, ABSENT, 0},
    {"custom7c0", 0x7c0, ABSENT, 0},
};

/* Is a PMP range boundary at byte offset o of its page within an access crossing that page? */
static int near_page_edge(uint64_t o)
{
	o &= 0xfff;
	return o < 16 || o > 0x1000 - 16;
}

/*
 * A pmpaddr value, its boundaries (as a TOR top, an NA4 or a NAPOT entry)
 * at least 16 bytes from a page's edge, NAPOT regions 8 bytes to 1 KiB:
 * where an access crossing two pages also crosses a PMP boundary the
 * board's answer depends on its TLB (docs/conformance.md, seed 15027320).
 * Drawn as before (older seeds keep their streams), then moved by 2 KiB.
 */
static uint64_t pmp_addr(void)
{
	uint64_t a = (DIFF_DATA_BASE + below(0x20000)) >> 2;
	if (chance(50))
		a |= (1ULL << (below(14) & 7)) - 1; /* a NAPOT size, 8 to 1024 bytes */
	unsigned ones = 0;
	while (a >> ones & 1)
		ones++;
	if (ones > 7) { /* drawn so: 4 KiB or more, aligned to pages */
		a &= ~(1ULL << 7);
		ones = 7;
	}
	uint64_t size = 8ULL << ones, lo = (a << 2) & ~(size - 1);
	if (near_page_edge(a << 2) || near_page_edge((a << 2) + 4) || near_page_edge(lo) ||
	    near_page_edge(lo + size))
		a ^= 0x800 >> 2; /* every boundary lies within 1 KiB: 2 KiB on, none is near */
	return a;
}

static uint64_t pmp_cfg(int first)
{
	uint64_t c = below(8) | below(4) << 3; /* RWX, A; never L */
	if (first && (c >> 3) == 1)
		c &= 7; /* entry 0 never TOR: it would cover the runtime */
	return c;
}

/* the value a write of CSR c gets; set/clear forms (sc) keep MPP and the fixed ones out */
static uint64_t csr_value(const struct csr *c, int sc)
{
	static const uint64_t mpp[] = {0, 1, 3};
	uint64_t v = value();
	switch (c->kind) {
	case MASKED:
		return v & c->mask;
	case MSTATUS:
		return sc ? v & MST_SAFE & ~(1ULL << 17)
		          : (v & MST_SAFE) | mpp[below(3)] << 11 | XL64;
	case SSTATUS:
		return sc ? v & SST_SAFE : (v & SST_SAFE) | (0x2ULL << 32);
	case FIXED:
		switch (c->num) {
		case 0x105:
			return below(3) == 0 ? SYM_S_VEC | 1
			       : below(2)    ? SYM_S_TRAP
			                     : SYM_S_TRAP | (2 + below(2));
		case 0x305:
			return below(3) == 0 ? SYM_M_VEC | 1
			       : below(2)    ? SYM_M_TRAP
			                     : SYM_M_TRAP | (2 + below(2));
		case 0x180:
			switch (below(4)) {
			case 0:
				return 0;
			case 1:
				return (1 + below(7)) << 60 | PT_ROOT;
			default:
				return prog_satp(rnd() & 0xffff);
			}
		case 0x3a0:
			v = pmp_cfg(1);
			for (int i = 1; i < 8; i++)
				v |= pmp_cfg(0) << (8 * i);
			return v;
		case 0x3a2:
			v = 0x1fULL << 56;
			for (int i = 0; i < 7; i++)
				v |= pmp_cfg(0) << (8 * i);
			return v;
		default:
			return pmp_addr();
		}
	default:
		return v;
	}
}

/* one of the six forms on one CSR, from whatever mode the code is in */
static void op_csr(void)
{
	const struct csr *c = &csrs[below(sizeof csrs / sizeof csrs[0])];
	static const char *const form[] = {"", "csrrw",  "csrrs",  "csrrc",
	                                   "", "csrrwi", "csrrsi", "csrrci"};
	unsigned f3 = 1 + below(3) + (chance(30) ? 4 : 0);
	/* counters are read by op_counter(), by rule: their values differ run to run */
	unsigned rd = chance(80) && (c->num & ~0x1fu) != 0xc00 ? reg() : ZERO;
	int restricted = c->kind == FIXED || c->kind == MSTATUS || c->kind == SSTATUS;
	uint64_t src;
	unsigned rs1;

	if (restricted && f3 != 1 && !(c->kind != FIXED && f3 < 4)) {
		f3 = chance(50) ? 2 : 6; /* a read: csrrs / csrrsi with 0 */
		src = 0;
	} else if (f3 >= 5) {
		src = c->kind == ABSENT || c->kind == READONLY || c->kind == ANY ? below(32)
		      : c->kind == MASKED ? below(32) & c->mask
		                          : 0;
	} else {
		src = csr_value(c, f3 != 1);
		if (c->kind == READONLY && chance(50))
			src = 0;
		/*
		 * csrrs/csrrc of a read-only CSR from a register holding 0 is a write
		 * the spec traps (Zicsr §9.1) and the board does not: read with x0.
		 */
	}
	if (f3 >= 5) {
		rs1 = (unsigned)src;
	} else if (src == 0 && (chance(50) || (c->kind == READONLY && f3 != 1))) {
		rs1 = ZERO;
	} else {
		rs1 = T5;
	}
	op_begin("%s %s(0x%x) src=0x%llx rd=x%u", form[f3], c->name, c->num,
	         (unsigned long long)src, rd);
	if (f3 < 5 && rs1 == T5)
		li(T5, (int64_t)src);
	emit(0x73 | rd << 7 | f3 << 12 | rs1 << 15 | c->num << 20);
}

/*
 * r = (r >> 40, arithmetic) + 1 >> 1: 0 when r lies within 2^40 of 0 either
 * way.  The board's cycle and instret are the host's TSC (QEMU 7.2 csr.c
 * get_ticks, no icount), which can step back a little between two reads.
 */
static void near_zero(unsigned r)
{
	emit(i_type(0x13, 5, r, r, 0x400 | 40)); /* srai */
	emit(i_type(0x13, 0, r, r, 1));          /* addi */
	emit(i_type(0x13, 5, r, r, 1));          /* srli */
}

/*
 * Counters: time monotonic, cycle and instret near it (the board's are not:
 * near_zero), and mcycle / minstret take a write.  Each op ends with a nop,
 * an execute trigger's target: a skipped last step would keep a count.
 */
static void op_counter(void)
{
	static const unsigned ctr[] = {0xc00, 0xc01, 0xc02, 0xc03, 0xb00, 0xb02, 0xb01};
	unsigned c = ctr[below(sizeof ctr / sizeof ctr[0])], r1 = reg(), r2 = reg();
	if (r1 == r2)
		r2 = T6;
	if ((c == 0xb00 || c == 0xb02) && chance(60)) {
		uint64_t v = rnd() >> 2;
		op_begin("write check 0x%x value 0x%llx into x%u", c, (unsigned long long)v, r1);
		li(T5, (int64_t)v);
		emit(0x73 | 1 << 12 | T5 << 15 | c << 20); /* csrw */
		emit(0x73 | r1 << 7 | 2 << 12 | c << 20);  /* csrr */
		emit(r_type(0x33, 0, 0x20, r1, r1, T5));   /* sub */
		near_zero(r1);                             /* 0 if it took */
		emit(0x13);
		return;
	}
	op_begin("monotonic 0x%x into x%u", c, r1);
	emit(0x73 | r1 << 7 | 2 << 12 | c << 20);
	emit(0x73 | r2 << 7 | 2 << 12 | c << 20);
	if (c == 0xc01) {
		emit(r_type(0x33, 3, 0, r1, r2, r1)); /* sltu r1, r2, r1: 1 if it went back */
	} else {
		emit(r_type(0x33, 0, 0x20, r1, r2, r1)); /* sub r1, r2, r1 */
		near_zero(r1);
	}
	emit(i_type(0x13, 0, r2, ZERO, 0));
	emit(0x13);
}

static void op_loadstore(void)
{
	static const struct {
		const char *name;
		unsigned op, f3, width;
	} ls[] = {
	    {"lb", 0x03, 0, 1},  {"lh", 0x03, 1, 2},  {"lw", 0x03, 2, 4},  {"ld", 0x03, 3, 8},
	    {"lbu", 0x03, 4, 1}, {"lhu", 0x03, 5, 2}, {"lwu", 0x03, 6, 4}, {"sb", 0x23, 0, 1},
	    {"sh", 0x23, 1, 2},  {"sw", 0x23, 2, 4},  {"sd", 0x23, 3, 8},
	};
	unsigned k = (unsigned)below(sizeof ls / sizeof ls[0]), r = reg();
	uint64_t a = data_addr(ls[k].width);
	op_begin("%s x%u, 0x%llx", ls[k].name, r, (unsigned long long)a);
	li(T6, (int64_t)a);
	if (ls[k].op == 0x03)
		emit(i_type(0x03, ls[k].f3, r, T6, 0));
	else
		emit(s_type(0x23, ls[k].f3, T6, r, 0));
}

static void op_amo(void)
{
	static const unsigned f5[] = {0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c};
	unsigned d = (unsigned)below(2), rd = reg(), rs2 = reg();
	uint64_t a = data_addr(d ? 8 : 4);
	unsigned aqrl = (unsigned)below(4);
	li(T6, (int64_t)a);
	if (chance(30)) {
		unsigned rd2 = reg();
		op_begin("lr/sc.%c x%u x%u, 0x%llx", d ? 'd' : 'w', rd, rd2, (unsigned long long)a);
		if (chance(80)) {
			/*
			 * LR and SC on one page: popek's fill of the SC's page, a trap
			 * between them, would drop the reservation (docs/conformance.md)
			 */
			if ((here() & 0xfff) == 0xffc)
				emit(0x13);
			emit(r_type(0x2f, 2 + d, 0x02 << 2 | aqrl, rd, T6, 0)); /* lr */
		}
		emit(r_type(0x2f, 2 + d, 0x03 << 2 | aqrl, rd2, T6, rs2)); /* sc */
		return;
	}
	unsigned f = f5[below(sizeof f5 / sizeof f5[0])];
	op_begin("amo%02x.%c x%u, x%u, 0x%llx", f, d ? 'd' : 'w', rd, rs2, (unsigned long long)a);
	emit(r_type(0x2f, 2 + d, f << 2 | aqrl, rd, T6, rs2));
}

static void op_fp(void)
{
	unsigned fd = (unsigned)below(32), fs1 = (unsigned)below(32), fs2 = (unsigned)below(32);
	unsigned r = reg(), rm = (unsigned)below(8);
	switch (below(6)) {
	case 0: {
		unsigned d = (unsigned)below(2);
		uint64_t a = data_addr(d ? 8 : 4);
		int st = (int)below(2);
		op_begin("%s f%u, 0x%llx", st ? (d ? "fsd" : "fsw") : (d ? "fld" : "flw"), fd,
		         (unsigned long long)a);
		li(T6, (int64_t)a);
		if (st)
			emit(s_type(0x27, 2 + d, T6, fd, 0));
		else
			emit(i_type(0x07, 2 + d, fd, T6, 0));
		break;
	}
	case 1:
		op_begin("fmv.d.x f%u, x%u", fd, r);
		emit(r_type(0x53, 0, 0x79, fd, r, 0));
		break;
	case 2:
		op_begin("fmv.x.d x%u, f%u", r, fs1);
		emit(r_type(0x53, 0, 0x71, r, fs1, 0));
		break;
	case 3: {
		static const unsigned f7[] = {0x01, 0x05, 0x09, 0x0d}; /* fadd fsub fmul fdiv .d */
		unsigned k = f7[below(4)];
		op_begin("fop%02x.d f%u, f%u, f%u rm=%u", k, fd, fs1, fs2, rm);
		emit(r_type(0x53, rm, k, fd, fs1, fs2));
		break;
	}
	case 4:
		op_begin("fsqrt.d f%u, f%u rm=%u", fd, fs1, rm);
		emit(r_type(0x53, rm, 0x2d, fd, fs1, 0));
		break;
	default:
		op_begin("fcvt.l.d x%u, f%u rm=%u", r, fs1, rm);
		emit(r_type(0x53, rm, 0x61, r, fs1, 2));
		break;
	}
}

static void op_trap(void)
{
	switch (below(3)) {
	case 0:
		op_begin("ecall");
		emit(0x73);
		break;
	case 1:
		op_begin("ebreak");
		emit(0x100073);
		break;
	default: {
		uint32_t w = 0x0b | (uint32_t)(rnd() & 0x1ffffff) << 7; /* custom-0: illegal here */
		op_begin("illegal 0x%08x", w);
		emit(w);
	}
	}
}

/* mret or sret to the next instruction, with random status first */
static void op_xret(void)
{
	int m = (int)below(2);
	op_begin("%s", m ? "mret" : "sret");
	li(T5, 1 << 17);
	emit(0x73 | 3 << 12 | T5 << 15 |
	     0x300 << 20);              /* csrc mstatus, MPRV: mret keeps it on the board */
	uint64_t next = here() + 4 * 8; /* li (up to 6 words) padded to 6, csrw, xret */
	unsigned start = ncode;
	li(T5, (int64_t)next);
	while (ncode - start < 6)
		emit(0x13); /* nop */
	emit(0x73 | 1 << 12 | T5 << 15 | (m ? 0x341 : 0x141) << 20);
	emit(m ? 0x30200073 : 0x10200073);
	if (here() != next) {
		fprintf(stderr, "gen: xret layout\n");
		exit(1);
	}
}

/*
 * Pads with nops so that the next instruction is its page's last word.  A
 * device store that raises an interrupt goes there: the board takes the
 * interrupt at the end of the store's translation block (QEMU checks at
 * block boundaries; the spec fixes no instruction for an asynchronous
 * interrupt), and a block never runs past a page (translate.c), so both the
 * board and popek take it at the instruction after the store.
 */
static void page_last(void)
{
	while ((here() & 0xfff) != 0xffc)
		emit(0x13); /* nop */
}

static void op_clint(void)
{
	if (chance(50)) {
		unsigned v = (unsigned)below(2);
		op_begin("clint msip = %u", v);
		li(T6, DIFF_CLINT);
		li(T5, v);
		if (v)
			page_last();
		emit(s_type(0x23, 2, T6, T5, 0));
	} else {
		int now = chance(60);
		op_begin("clint mtimecmp = %s", now ? "0" : "max");
		li(T6, DIFF_MTIMECMP);
		li(T5, now ? 0 : -1);
		if (now)
			page_last();
		emit(s_type(0x23, 3, T6, T5, 0));
	}
}

static void op_fence(void)
{
	switch (below(3)) {
	case 0: {
		unsigned rs1 = chance(50) ? ZERO : T6, rs2 = chance(50) ? ZERO : T5;
		op_begin("sfence.vma x%u, x%u", rs1, rs2);
		li(T6, (int64_t)data_addr(8));
		li(T5, (int64_t)(rnd() & 0xffff));
		emit(r_type(0x73, 0, 0x09, 0, rs1, rs2));
		break;
	}
	case 1:
		op_begin("fence.i");
		emit(0x100f);
		break;
	default:
		op_begin("fence");
		emit(0x0ff0000f);
	}
}

/* MPRV on with a random MPP, for the accesses after it */
static void op_mprv(void)
{
	uint64_t mpp = below(2);
	op_begin("mprv on, mpp=%llu", (unsigned long long)mpp);
	li(T5, 3 << 11);
	emit(0x73 | 3 << 12 | T5 << 15 | 0x300 << 20); /* csrc mstatus, MPP */
	li(T5, (int64_t)(1ULL << 17 | mpp << 11));
	emit(0x73 | 2 << 12 | T5 << 15 | 0x300 << 20); /* csrs mstatus */
}

/*
 * Sdtrig (QEMU 7.2 debug.c, docs/conformance.md): tselect, tdata1-3, tinfo
 * and tcontrol (absent), with values shaped for their legalization.  A
 * tdata1 write never enables a trigger (mode bits or load/store/execute
 * bits cleared): popek does not fire triggers yet.  Nor a type of 1 or 8-14,
 * which stop the board's QEMU; so csrrs and csrrc of tdata1 only read.
 */
static void op_trig(void)
{
	static const unsigned types[] = {0, 2, 2, 2, 3, 4, 5, 6, 6, 6, 7, 15};
	unsigned csr = 0x7a0 + (unsigned)below(6), rd = chance(80) ? reg() : ZERO;
	unsigned f3 = 1 + (unsigned)below(3);
	uint64_t v = value();
	if (csr == 0x7a0)
		v = chance(70) ? below(3) : v;
	if (csr == 0x7a1) {
		v = (uint64_t)types[below(sizeof types / sizeof types[0])] << 60 |
		    (rnd() & ((1ULL << 59) - 1));
		v &= chance(50) ? ~0x18000058ULL : ~7ULL; /* no mode, or no load/store/execute */
		if (f3 != 1)
			v = 0;
	}
	if (prog_arm && csr == 0x7a2) {
		/* a read: a tdata2 changed at random could put a breakpoint in a tdata1 li */
		op_begin("trigger csr 0x%x read rd=x%u", csr, rd);
		emit(0x73 | rd << 7 | 2 << 12 | csr << 20);
		return;
	}
	op_begin("trigger csr 0x%x f3 %u src=0x%llx rd=x%u", csr, f3, (unsigned long long)v, rd);
	unsigned rs1 = v == 0 && chance(50) ? ZERO : T5;
	if (rs1 == T5)
		li(T5, (int64_t)v);
	emit(0x73 | rd << 7 | f3 << 12 | rs1 << 15 | csr << 20);
}

/*
 * Arms (or disarms) a trigger, in the aux stream (QEMU 7.2 debug.c,
 * docs/conformance.md): tselect, tdata2 and tdata1 in either order.
 * Execute triggers at an instruction ahead in this block (sometimes mid-way
 * into one, sometimes at its U-mode alias); the block's mret/sret take the
 * code on into S and U.  Load/store triggers at a data address the
 * program's accesses are drawn to (data_addr).  Type 2 or 6, random modes,
 * every size encoding, junk in the fields the board clears.
 */
static void op_arm(void)
{
	static const uint64_t kinds[] = {4, 4, 4, 1, 1, 2, 2, 3, 5, 7};
	static const uint64_t sizes[] = {0, 0, 0, 1, 2, 3, 5, 4, 6};
	unsigned t = (unsigned)below(2);
	uint64_t kind = kinds[below(sizeof kinds / sizeof kinds[0])];
	uint64_t modes =
	    chance(80) ? 1ULL << 6 | (chance(40) ? 1ULL << 4 : 0) | (chance(40) ? 1ULL << 3 : 0)
	               : (rnd() & 0x58);
	uint64_t size = sizes[below(sizeof sizes / sizeof sizes[0])], t1, t2;
	if (chance(60)) { /* type 2 */
		t1 = 2ULL << 60 | (size & 3) << 16 | (size >> 2) << 21;
		if (chance(30))
			t1 |=
			    rnd() &
			    0x07f8f7a0ULL; /* maskmax, hit, select, timing, action, chain, match */
	} else {
		t1 = 6ULL << 60 | size << 16 | (chance(30) ? (uint64_t)below(4) << 23 : 0);
		if (chance(30))
			t1 |= rnd() & 0x05c0f780ULL; /* hit, select, timing, action, chain, match */
	}
	t1 |= modes | kind;
	if (chance(10))
		t1 = 2ULL << 60; /* off */
	struct pending p = {0, 0, 0};
	if (kind & 4) {
		p.left = 2 + (unsigned)below(8); /* this op counts first */
		p.extra = (chance(10) ? 2 : 0) + (chance(15) ? DIFF_UALIAS : 0);
		t2 = 0; /* patched: the op it aims at is not written yet */
	} else {
		/* accesses are drawn to data addresses only: not to the runtime, a device, code */
		if (chance(80))
			trig_data = t2 = data_addr(8);
		else
			t2 = value();
	}
	op_begin("arm trigger %u tdata1=0x%llx tdata2=0x%llx", t, (unsigned long long)t1,
	         (unsigned long long)t2);
	li(T5, t);
	emit(0x73 | 1 << 12 | T5 << 15 | 0x7a0u << 20);
	int first2 = chance(50);
	for (int k = 0; k < 2; k++) {
		int two = (k == 0) == first2;
		if (two && p.left && npend < sizeof pend / sizeof pend[0]) {
			p.at = ncode;
			emit(0x13); /* auipc t5 and addi t5, t5: pend_patch() */
			emit(0x13);
			pend[npend++] = p;
		} else {
			li(T5, (int64_t)(two ? t2 : t1));
		}
		emit(0x73 | 1 << 12 | T5 << 15 | (two ? 0x7a2u : 0x7a1u) << 20);
	}
}

/*
 * In M: a CLINT store raises MSIP with MSIE on and MIE off, then MIE opens
 * for one instruction.  The interrupt is taken in that window, before the
 * csrci (the board ends its translation block after a CSR write).
 */
static void op_window(void)
{
	op_begin("clint msip = 1 under MIE = 0, then csrsi/csrci mstatus.MIE");
	emit(0x73 | 0 << 7 | 7 << 12 | 8 << 15 | 0x300 << 20); /* csrci mstatus, 8 */
	emit(0x73 | 0 << 7 | 6 << 12 | 8 << 15 | 0x304 << 20); /* csrsi mie, 8 */
	li(T6, DIFF_CLINT);
	li(T5, 1);
	page_last(); /* an mret before may have left M: then the store's interrupt comes at once */
	emit(s_type(0x23, 2, T6, T5, 0));
	emit(0x73 | 0 << 7 | 6 << 12 | 8 << 15 | 0x300 << 20); /* csrsi mstatus, 8 */
	emit(0x73 | 0 << 7 | 7 << 12 | 8 << 15 | 0x300 << 20); /* csrci mstatus, 8 */
}

static void (*const ops[])(void) = {
    op_csr, op_csr, op_csr, op_csr,  op_csr,  op_counter, op_loadstore, op_loadstore, op_loadstore,
    op_amo, op_fp,  op_fp,  op_trap, op_xret, op_clint,   op_fence,     op_mprv,
};

/* ---- page tables ---- */

static uint64_t pte_bits(void)
{
	uint64_t b = 0;
	b |= chance(90) ? 1 : 0;    /* V */
	b |= chance(75) ? 2 : 0;    /* R */
	b |= chance(60) ? 4 : 0;    /* W */
	b |= chance(30) ? 8 : 0;    /* X */
	b |= chance(50) ? 0x10 : 0; /* U */
	b |= chance(20) ? 0x20 : 0; /* G */
	b |= chance(80) ? 0x40 : 0; /* A */
	b |= chance(70) ? 0x80 : 0; /* D */
	if (chance(3))
		b |= 1ULL << (54 + below(10)); /* reserved, PBMT, N */
	return b;
}

static size_t ptes_at;
static unsigned npte;

static void pte(uint64_t table, unsigned index, uint64_t val)
{
	if (listing)
		fprintf(listing, "pte %llx[%u] = %llx\n", (unsigned long long)table, index,
		        (unsigned long long)val);
	size_t at = blob_reserve(16);
	put64(at, table + 8 * index);
	put64(at + 8, val);
	npte++;
}

static void make_tables(void)
{
	const uint64_t l1 = DIFF_PT_BASE + 0x1000;
	if (chance(10)) { /* a gigapage over the runtime: never writable */
		pte(DIFF_PT_BASE, 5, (0x80000000ULL >> 12) << 10 | (pte_bits() & ~4ULL) | 1);
		return;
	}
	pte(DIFF_PT_BASE, 5, (l1 >> 12) << 10 | 1);
	for (unsigned e = 2; e <= 3; e++) {
		if (chance(25)) { /* a 2 MiB superpage, sometimes misaligned */
			uint64_t pa = DIFF_DATA_BASE + (chance(80) ? 0 : 0x1000 * (1 + below(16)));
			pte(l1, e, (pa >> 12) << 10 | pte_bits());
			continue;
		}
		uint64_t l0 = DIFF_PT_BASE + 0x1000 * e; /* pages 2 and 3 */
		pte(l1, e, (l0 >> 12) << 10 | 1 | (chance(3) ? pte_bits() & 0xc0 : 0));
		for (unsigned i = 0; i < 16; i++) {
			uint64_t pa = DIFF_DATA_BASE + 0x1000 * (chance(70) ? i : below(512));
			pte(l0, i, (pa >> 12) << 10 | pte_bits());
		}
	}
}

/*
 * An Sv48 program's root (§4.5) above the Sv39-shaped tables: entry 0 leads
 * to them (code, vectors and data at the same addresses as under Sv39);
 * entries 1 and 256 alias them, with random bits sometimes; entry 2 is a
 * 512 GiB page of random bits, sometimes misaligned.
 */
static void make_root48(void)
{
	const uint64_t t = DIFF_PT_BASE >> 12 << 10 | 1;
	pte(DIFF_PT_ROOT48, 0, t);
	pte(DIFF_PT_ROOT48, 1, chance(80) ? t : t | pte_bits());
	pte(DIFF_PT_ROOT48, 256, chance(80) ? t : t | pte_bits());
	pte(DIFF_PT_ROOT48, 2, (chance(80) ? 0 : 0x80000000ULL >> 12) << 10 | pte_bits());
}

/* An Sv57 program's root (§4.6) above the Sv48 one, in the same shape. */
static void make_root57(void)
{
	const uint64_t t = DIFF_PT_ROOT48 >> 12 << 10 | 1;
	pte(DIFF_PT_ROOT57, 0, t);
	pte(DIFF_PT_ROOT57, 1, chance(80) ? t : t | pte_bits());
	pte(DIFF_PT_ROOT57, 511, chance(80) ? t : t | pte_bits());
	pte(DIFF_PT_ROOT57, 2, (chance(80) ? 0 : 0x80000000ULL >> 12) << 10 | pte_bits());
}

/* ---- a program ---- */

static void program(uint64_t seed, size_t off_slot)
{
	rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
	prog_sv39 = chance(60);
	aux_state = seed * 0x9e3779b97f4a7c15ULL ^ 0x5eed48;
	prog_sv48 = prog_sv39 && AUX(chance(40));
	/* from the seed alone: the aux stream of an Sv48 program stays as it was */
	prog_sv57 = prog_sv48 && (seed * 0xbf58476d1ce4e5b9ULL >> 32) % 100 < 40;
	/* constants that leave every seed of seeds.txt as it was */
	prog_trig = (seed * 0x5c3747465cc36c27ULL >> 32) % 100 < 30;
	prog_window = (seed * 0x1e2feb89414c343dULL >> 32) % 100 < 20;
	prog_arm = (seed * 0x29c7d509138eec8bULL >> 32) % 100 < 25; /* none of seeds.txt */
	trig_data = 0;

	size_t rec = blob_reserve(sizeof(struct diff_prog));
	put64(off_slot, rec);
	put64(rec + offsetof(struct diff_prog, seed), seed);
	put64(rec + offsetof(struct diff_prog, satp), prog_sv39 ? prog_satp(rnd() & 0xffff) : 0);
	for (int i = 1; i < 32; i++)
		put64(rec + offsetof(struct diff_prog, x) + 8 * i, value());
	npte = 0;
	ptes_at = blob_len;
	if (prog_sv39 || chance(30))
		make_tables();
	if (prog_sv48)
		AUX((make_root48(), 0));
	if (prog_sv57)
		AUX((make_root57(), 0));
	put64(rec + offsetof(struct diff_prog, npte), npte);

	unsigned nblock = 2 + (unsigned)below(5);
	put64(rec + offsetof(struct diff_prog, nblock), nblock);
	size_t blocks = blob_reserve(nblock * sizeof(struct diff_block));
	if (listing)
		fprintf(listing, "seed %llu sv39=%d sv48=%d sv57=%d trig=%d window=%d arm=%d\n",
		        (unsigned long long)seed, prog_sv39, prog_sv48, prog_sv57, prog_trig,
		        prog_window, prog_arm);
	for (unsigned b = 0; b < nblock; b++) {
		uint64_t mode = b == 0 ? 3 : (uint64_t[]){0, 1, 3}[below(3)];
		size_t at = (blob_len + 15) & ~(size_t)15;
		uint64_t pa = DIFF_BLOB_BASE + at;
		ncode = 0;
		code_va = pa + (mode == 0 && prog_sv39 ? DIFF_UALIAS : 0);
		if (listing)
			fprintf(listing, "block %u mode %llu at %llx\n", b,
			        (unsigned long long)mode, (unsigned long long)code_va);
		unsigned nops = 6 + (unsigned)below(20);
		for (unsigned i = 0; i < nops; i++) {
			ops[below(sizeof ops / sizeof ops[0])]();
			if (prog_trig && AUX(chance(12)))
				AUX((op_trig(), 0));
			if (prog_window && mode == 3 && AUX(chance(10)))
				op_window();
			if (prog_arm && AUX(chance(mode == 3 ? 15 : 3)))
				AUX((op_arm(), 0));
		}
		op_begin("end ecall");
		uint64_t end = here();
		emit(0x73);
		pend_flush();
		blob_reserve(at - blob_len + 4 * ncode);
		memcpy(blob + at, code, 4 * ncode);
		size_t d = blocks + b * sizeof(struct diff_block);
		put64(d + offsetof(struct diff_block, mode), mode);
		put64(d + offsetof(struct diff_block, entry), code_va);
		put64(d + offsetof(struct diff_block, end), end);
	}
}

/* ---- the ELF: two PT_LOAD segments, the runtime and the blob ---- */

static void write_elf(const char *path, const uint8_t *rt, size_t rt_len)
{
	uint8_t eh[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
	uint8_t ph[2][56];
	uint64_t off0 = 64 + sizeof ph, off1 = (off0 + rt_len + 15) & ~15ULL;
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
#define W16(p, v) memcpy(p, &(uint16_t){(uint16_t)(v)}, 2)
#define W32(p, v) memcpy(p, &(uint32_t){(uint32_t)(v)}, 4)
#define W64(p, v) memcpy(p, &(uint64_t){(uint64_t)(v)}, 8)
	W16(eh + 16, 2);   /* ET_EXEC */
	W16(eh + 18, 243); /* EM_RISCV */
	W32(eh + 20, 1);
	W64(eh + 24, DIFF_RT_BASE);
	W64(eh + 32, 64);
	W32(eh + 48, 0x4); /* double-float ABI */
	W16(eh + 52, 64);
	W16(eh + 54, 56);
	W16(eh + 56, 2);
	memset(ph, 0, sizeof ph);
	uint64_t seg[2][3] = {{off0, DIFF_RT_BASE, rt_len}, {off1, DIFF_BLOB_BASE, blob_len}};
	for (int i = 0; i < 2; i++) {
		W32(ph[i], 1);     /* PT_LOAD */
		W32(ph[i] + 4, 7); /* RWX */
		W64(ph[i] + 8, seg[i][0]);
		W64(ph[i] + 16, seg[i][1]);
		W64(ph[i] + 24, seg[i][1]);
		W64(ph[i] + 32, seg[i][2]);
		W64(ph[i] + 40, seg[i][2]);
		W64(ph[i] + 48, 16);
	}
	fwrite(eh, 1, sizeof eh, f);
	fwrite(ph, 1, sizeof ph, f);
	fwrite(rt, 1, rt_len, f);
	for (uint64_t p = off0 + rt_len; p < off1; p++)
		fputc(0, f);
	fwrite(blob, 1, blob_len, f);
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int verbose = 0, a = 1;
	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-v")) {
			verbose = 1;
		} else if (!strcmp(argv[a], "-l") && a + 1 < argc) {
			listing = fopen(argv[++a], "w");
			if (!listing) {
				perror(argv[a]);
				return 1;
			}
		} else {
			break;
		}
	}
	if (argc - a != 4) {
		fprintf(stderr, "usage: gen [-v] [-l LISTING] RT.bin FIRST COUNT OUT.elf\n");
		return 2;
	}
	FILE *f = fopen(argv[a], "rb");
	if (!f) {
		perror(argv[a]);
		return 1;
	}
	static uint8_t rt[DIFF_PT_BASE - DIFF_RT_BASE];
	size_t rt_len = fread(rt, 1, sizeof rt, f);
	fclose(f);
	uint64_t first = strtoull(argv[a + 1], NULL, 0), count = strtoull(argv[a + 2], NULL, 0);

	size_t hdr = blob_reserve(sizeof(struct diff_hdr) + 8 * count);
	put64(hdr, DIFF_MAGIC);
	put64(hdr + 8, count);
	put64(hdr + 16, (uint64_t)verbose);
	for (uint64_t i = 0; i < count; i++)
		program(first + i, hdr + sizeof(struct diff_hdr) + 8 * i);
	if (blob_len > 0x7800000) {
		fprintf(stderr, "gen: %zu bytes of programs is too many\n", blob_len);
		return 1;
	}
	write_elf(argv[a + 3], rt, rt_len);
	if (listing)
		fclose(listing);
	return 0;
}
