/*
 * rt.c — the differential runtime (tests/diff/README.md).  It runs every
 * program of the blob gen.c appended to it, each from the same reset
 * state, block after block in the block's mode, and prints what the
 * program ended with: one line "P SEED HASH TRAPS" per program, or with
 * verbose set every register, CSR, trap and the memory hash on a line
 * of its own.  It runs in M-mode, on the bare board (-bios none) or as a
 * popek VM with boot = firmware, and must print the same on both.
 */
#include <stddef.h>
#include <stdint.h>

#include "../layout.h"

_Static_assert(offsetof(struct diff_ctx, rt) == CTX_RT, "ctx layout");
_Static_assert(offsetof(struct diff_ctx, mst) == CTX_MST, "ctx layout");
_Static_assert(offsetof(struct diff_ctx, stack) == CTX_STACK, "ctx layout");

#define MSTATUS_SIE  (1UL << 1)
#define MSTATUS_MIE  (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP  (1UL << 8)
#define MSTATUS_MPP  (3UL << 11)
#define MSTATUS_FS   (3UL << 13)
#define MSTATUS_MPRV (1UL << 17)
#define CAUSE_IRQ    (1UL << 63)

#define csr_read(n)                                                \
	({                                                         \
		uint64_t v_;                                       \
		asm volatile("csrr %0, " #n : "=r"(v_)::"memory"); \
		v_;                                                \
	})
#define csr_write(n, v) asm volatile("csrw " #n ", %0" ::"r"((uint64_t)(v)) : "memory")
#define csr_set(n, v)   asm volatile("csrs " #n ", %0" ::"r"((uint64_t)(v)) : "memory")
#define csr_clear(n, v) asm volatile("csrc " #n ", %0" ::"r"((uint64_t)(v)) : "memory")

struct diff_ctx diff_ctx;
extern char m_trap[], m_vec[], s_vec[], s_trap[], s_end[];
void rt_enter(void);
void rt_fp_zero(void);
void rt_fp_save(uint64_t *f);

struct trap_rec {
	uint64_t cause, epc, tval, modes; /* modes: from | to << 4 */
};

static struct {
	const struct diff_block *blk;
	unsigned traps; /* in this block */
	unsigned ntrap; /* in this program */
	struct trap_rec log[DIFF_LOG_MAX];
} run;

/* ---- output ---- */

static void putc_(char c)
{
	volatile uint8_t *u = (volatile uint8_t *)DIFF_UART;
	while (!(u[5] & 0x20))
		;
	u[0] = (uint8_t)c;
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void puthex(uint64_t v)
{
	char b[17];
	for (int i = 15; i >= 0; i--, v >>= 4)
		b[i] = "0123456789abcdef"[v & 15];
	b[16] = 0;
	puts_(b);
}

static void putdec(uint64_t v)
{
	char b[21];
	int i = 20;
	b[i] = 0;
	do
		b[--i] = (char)('0' + v % 10);
	while (v /= 10);
	puts_(b + i);
}

static uint64_t hash;
static int verbose;

static void put(const char *name, uint64_t v)
{
	hash = (hash ^ v) * 0x100000001b3ULL;
	hash ^= hash >> 29;
	if (verbose) {
		puts_(name);
		putc_(' ');
		puthex(v);
		putc_('\n');
	}
}

/* ---- traps ---- */

static int in_block(uint64_t pc)
{
	return pc >= run.blk->entry && pc <= run.blk->end;
}

static void log_trap(uint64_t cause, uint64_t epc, uint64_t tval, uint64_t from, uint64_t to)
{
	if (run.ntrap < DIFF_LOG_MAX)
		run.log[run.ntrap] = (struct trap_rec){cause, epc, tval, from | to << 4};
	run.ntrap++;
}

/* Whether an exception ends the block: its closing ecall, a failed fetch, a stray pc. */
static int block_over(uint64_t cause, uint64_t epc)
{
	if (cause & CAUSE_IRQ)
		return 0;
	if ((cause == 8 || cause == 9 || cause == 11) && epc == run.blk->end)
		return 1;
	return cause == 1 || cause == 12 || !in_block(epc);
}

/* Every trap into M; returns 1 when the block is over, 0 to resume (entry.S). */
uint64_t rt_mtrap(struct diff_ctx *c)
{
	uint64_t cause = csr_read(mcause), epc = csr_read(mepc), tval = csr_read(mtval);
	uint64_t from = (c->mst >> 11) & 3;

	if (++run.traps > DIFF_BLOCK_TRAPS)
		return 1;
	if (cause == 9 && from == 1 && epc >= (uint64_t)s_vec && epc < (uint64_t)s_end) {
		/* a trap S took: answer it for S, then return as sret does */
		uint64_t sc = csr_read(scause), se = csr_read(sepc), st = csr_read(stval);
		uint64_t ms = csr_read(mstatus);
		log_trap(sc, se, st, (ms & MSTATUS_SPP) ? 1 : 0, 1);
		if (block_over(sc, se))
			return 1;
		if (sc & CAUSE_IRQ)
			csr_clear(mie, 1UL << (sc & 63));
		else
			csr_write(sepc, se += 4);
		ms &= ~(MSTATUS_SIE | MSTATUS_MPP | MSTATUS_SPP);
		ms |= MSTATUS_SPIE | ((ms & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
		ms |= (csr_read(mstatus) & MSTATUS_SPP) ? (1UL << 11) : 0;
		csr_write(mstatus, ms);
		csr_write(mepc, se);
		return 0;
	}
	log_trap(cause, epc, tval, from, 3);
	if (block_over(cause, epc))
		return 1;
	if (cause & CAUSE_IRQ)
		csr_clear(mie, 1UL << (cause & 63));
	else
		csr_write(mepc, epc + 4);
	if (from == 3 && (c->mst & MSTATUS_MPRV))
		csr_set(mstatus, MSTATUS_MPRV);
	return 0;
}

/* ---- one program ---- */

static void reset(const struct diff_prog *p)
{
	const struct diff_pte *pte = (const void *)(p + 1);

	csr_write(mstatus, MSTATUS_FS);
	rt_fp_zero();
	csr_write(mstatus, 1UL << 13); /* FS = Initial */
	csr_write(medeleg, 0);
	csr_write(mideleg, 0);
	csr_write(mie, 0);
	csr_write(mip, 0);
	csr_write(mtvec, m_trap);
	csr_write(stvec, s_trap);
	csr_write(mscratch, 0);
	csr_write(sscratch, 0);
	csr_write(mepc, 0);
	csr_write(sepc, 0);
	csr_write(mcause, 0);
	csr_write(scause, 0);
	csr_write(mtval, 0);
	csr_write(stval, 0);
	csr_write(mcounteren, 0);
	csr_write(scounteren, 0);
	csr_write(0x30a, 0); /* menvcfg */
	csr_write(0x320, 0); /* mcountinhibit: a program before may have set it */
	/* Sdtrig: both triggers as out of reset (mcontrol, off), trigger 0 selected */
	for (int t = 1; t >= 0; t--) {
		csr_write(0x7a0, t);
		csr_write(0x7a1, 2UL << 60);
		csr_write(0x7a2, 0);
	}
	csr_write(0x10a, 0); /* senvcfg */
	csr_write(satp, 0);
	/* PMP: all off but entry 15, which gives S and U all of memory */
	csr_write(pmpcfg0, 0);
	csr_write(pmpcfg2, 0);
	csr_write(pmpaddr0, 0);
	csr_write(pmpaddr1, 0);
	csr_write(pmpaddr2, 0);
	csr_write(pmpaddr3, 0);
	csr_write(pmpaddr4, 0);
	csr_write(pmpaddr5, 0);
	csr_write(pmpaddr6, 0);
	csr_write(pmpaddr7, 0);
	csr_write(pmpaddr8, 0); /* what a program before left would decide this one's PMP */
	csr_write(pmpaddr9, 0);
	csr_write(pmpaddr10, 0);
	csr_write(pmpaddr11, 0);
	csr_write(pmpaddr12, 0);
	csr_write(pmpaddr13, 0);
	csr_write(pmpaddr14, 0);
	csr_write(pmpaddr15, (1UL << 54) - 1); /* the board keeps 64 bits, the spec 54 */
	csr_write(pmpcfg2, 0x1fUL << 56);
	*(volatile uint32_t *)DIFF_CLINT = 0;
	*(volatile uint64_t *)DIFF_MTIMECMP = ~0UL;

	uint64_t *pt = (uint64_t *)DIFF_PT_BASE;
	for (unsigned i = 0; i < DIFF_PT_PAGES * 512; i++)
		pt[i] = 0;
	/* identity gigapage for S (root 2), its alias for U (root 3): V R W X (U) G A D */
	pt[2] = (0x80000000UL >> 12) << 10 | 0xef;
	pt[3] = (0x80000000UL >> 12) << 10 | 0xff;
	for (uint64_t i = 0; i < p->npte; i++)
		*(uint64_t *)pte[i].pa = pte[i].val;
	uint64_t *d = (uint64_t *)DIFF_DATA_BASE;
	for (uint64_t i = 0; i < DIFF_DATA_SIZE / 8; i++)
		d[i] = (i * 0x9e3779b97f4a7c15ULL) ^ p->seed;
	csr_write(satp, p->satp);
	asm volatile("sfence.vma" ::: "memory");
	for (int i = 0; i < 32; i++)
		diff_ctx.x[i] = p->x[i];
	run.ntrap = 0;
}

/* clang-format off */
#define CSRS(X)                                                                         \
	X(mstatus) X(misa) X(medeleg) X(mideleg) X(mie) X(mip) X(mtvec) X(mscratch)     \
	X(mepc) X(mcause) X(mtval) X(mcounteren) X(pmpcfg0) X(pmpcfg2) X(pmpaddr0)      \
	X(pmpaddr1) X(pmpaddr2) X(pmpaddr3) X(pmpaddr4) X(pmpaddr5) X(pmpaddr6)         \
	X(pmpaddr7) X(pmpaddr8) X(pmpaddr9) X(pmpaddr10) X(pmpaddr11) X(pmpaddr12)      \
	X(pmpaddr13) X(pmpaddr14) X(pmpaddr15) X(sstatus) X(sie) X(sip) X(stvec)        \
	X(sscratch) X(sepc) X(scause) X(stval) X(scounteren) X(satp) X(mvendorid)       \
	X(marchid) X(mimpid) X(mhartid)
/* clang-format on */

#define CSR_FN(n)                    \
	static uint64_t rd_##n(void) \
	{                            \
		return csr_read(n);  \
	}
CSRS(CSR_FN)
static uint64_t rd_menvcfg(void)
{
	return csr_read(0x30a);
}
static uint64_t rd_senvcfg(void)
{
	return csr_read(0x10a);
}
static uint64_t rd_mcountinhibit(void)
{
	return csr_read(0x320);
}

static const struct {
	const char *name;
	uint64_t (*read)(void);
} csr_table[] = {
#define CSR_ENT(n) {#n, rd_##n},
    CSRS(CSR_ENT){"menvcfg", rd_menvcfg},
    {"senvcfg", rd_senvcfg},
    {"mcountinhibit", rd_mcountinhibit},
};

static const char *const xname[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                      "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                      "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                      "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

static void dump(const struct diff_prog *p)
{
	static uint64_t f[33];
	static char fname[4] = "f00";

	hash = 0xcbf29ce484222325ULL;
	if (verbose) {
		puts_("seed ");
		putdec(p->seed);
		putc_('\n');
	}
	/* the trap log first: its first difference says where the runs parted */
	for (unsigned i = 0; i < run.ntrap && i < DIFF_LOG_MAX; i++) {
		put("trap.cause", run.log[i].cause);
		put("trap.epc", run.log[i].epc);
		put("trap.tval", run.log[i].tval);
		put("trap.modes", run.log[i].modes);
	}
	put("traps", run.ntrap);
	for (int i = 1; i < 32; i++)
		if (i < 2 || i > 4)
			put(xname[i], diff_ctx.x[i]);
	for (unsigned i = 0; i < sizeof csr_table / sizeof csr_table[0]; i++)
		put(csr_table[i].name, csr_table[i].read());
	put("tselect", csr_read(0x7a0));
	put("tinfo", csr_read(0x7a4));
	for (int t = 0; t < 2; t++) {
		csr_write(0x7a0, t);
		put(t ? "tdata1.1" : "tdata1.0", csr_read(0x7a1));
		put(t ? "tdata2.1" : "tdata2.0", csr_read(0x7a2));
		put(t ? "tdata3.1" : "tdata3.0", csr_read(0x7a3));
		csr_write(0x7a1, 2UL << 60); /* off: the runtime reads the data region next */
	}
	csr_set(mstatus, MSTATUS_FS);
	rt_fp_save(f);
	for (int i = 0; i < 32; i++) {
		fname[1] = (char)('0' + i / 10);
		fname[2] = (char)('0' + i % 10);
		put(fname, f[i]);
	}
	put("fcsr", f[32]);
	/*
	 * PMP off before reading memory: an entry matching only some bytes of
	 * an access fails it even in M-mode (§3.7.1).
	 */
	csr_write(pmpcfg0, 0);
	csr_write(pmpcfg2, 0x1fUL << 56);
	uint64_t m = 0xcbf29ce484222325ULL;
	const uint64_t *d = (const uint64_t *)DIFF_DATA_BASE;
	for (uint64_t i = 0; i < DIFF_DATA_SIZE / 8; i++)
		m = (m ^ d[i]) * 0x100000001b3ULL;
	put("mem.data", m);
	m = 0xcbf29ce484222325ULL;
	d = (const uint64_t *)DIFF_PT_BASE;
	for (uint64_t i = 0; i < DIFF_PT_PAGES * 512; i++)
		m = (m ^ d[i]) * 0x100000001b3ULL;
	put("mem.pt", m);
	if (!verbose) {
		puts_("P ");
		putdec(p->seed);
		putc_(' ');
		puthex(hash);
		putc_(' ');
		putdec(run.ntrap);
		putc_('\n');
	} else {
		puts_("end\n");
	}
}

static void run_prog(const struct diff_prog *p)
{
	const struct diff_block *b = (const void *)((const struct diff_pte *)(p + 1) + p->npte);

	reset(p);
	for (uint64_t i = 0; i < p->nblock; i++) {
		run.blk = &b[i];
		run.traps = 0;
		uint64_t ms = csr_read(mstatus) & ~(MSTATUS_MPP | MSTATUS_MPRV);
		csr_write(mstatus, ms | b[i].mode << 11);
		csr_write(mepc, b[i].entry);
		rt_enter();
	}
	dump(p);
}

void rt_main(void)
{
	const struct diff_hdr *h = (const void *)DIFF_BLOB_BASE;
	const uint64_t *off = (const uint64_t *)(h + 1);

	if (h->magic != DIFF_MAGIC) {
		puts_("diff: no blob\n");
	} else {
		verbose = (int)h->verbose;
		puts_("diff-begin ");
		putdec(h->nprog);
		putc_('\n');
		for (uint64_t i = 0; i < h->nprog; i++)
			run_prog((const void *)(DIFF_BLOB_BASE + off[i]));
		puts_("diff-end\n");
	}
	*(volatile uint32_t *)DIFF_TEST = 0x5555;
	for (;;)
		;
}
