/*
 * bench/insn-count.c — a QEMU TCG plugin (QEMU 7.2, plugin API version 1)
 * with two uses in `make bench` (bench/README.md):
 *
 * 1. On the *bare* machine, the guest instructions QEMU executes, for the
 *    "share of guest instructions executed directly" rows.  Every executed
 *    instruction adds one to a counter (an inline add per instruction, so an
 *    instruction that faults before it completes is not counted twice: its
 *    retranslated TB counts it when it finally runs).  Instructions whose TB
 *    starts in [fw_lo, fw_hi) are counted apart as "firmware": that is where
 *    OpenSBI runs in M-mode (physical addresses, no translation).
 *
 *      -plugin build/bench/insn-count.so,out=FILE[,fw_lo=0x80000000,fw_hi=0x80200000]
 *
 *    At exit it writes to FILE one line:  insn-count total=N firmware=F
 *
 * 2. Under popek, with trap=ADDR (also given): popek's own instructions per
 *    trap.  popek is linked at its direct-map address (hyp/hyp.ld), so its
 *    instructions are those in [lo, hi).  A trap starts when the instruction
 *    at `trap` (trap_vector) executes and ends when the one at `sret`
 *    (vcpu_enter_sret: the sret back into the guest) does; every instruction
 *    of popek in between is the trap's.  QEMU 7.2's plugin API cannot read
 *    registers or memory, so the plugin tells the trap apart by what it
 *    sees execute:
 *    - the cause: the first of the `mark=NAME@ADDR` functions that popek
 *      enters during the trap (bench/run gives emulate_illegal, shadow_fault,
 *      vsbi_handle, vcpu_handle_irq, trap_reflect...): NAME is the bucket;
 *      a mark named FIRST/SUB (irq/ext@plic_dispatch) entered later in a
 *      trap whose first mark is FIRST makes the bucket "FIRST SUB";
 *    - the emulation kind: the guest instruction that trapped.  Every guest
 *      SYSTEM-opcode instruction (opcode 0x73, 32 bits) calls back with its
 *      bits; when it is the last guest instruction before the trap vector,
 *      it is the one that trapped and the bucket gets its kind: csr-read
 *      (csrrs/csrrc with rs1 = x0), csr-write, sret, mret, wfi, sfence.vma,
 *      ecall, other; CSR buckets also get one per CSR number;
 *    - the CSR accesses emulated in the trap (the one that trapped and those
 *      emulated ahead): executions of the `csr=ADDR` functions (vcsr_rmw
 *      and popek's fast paths), for "instructions per emulated CSR access".
 *
 *      -plugin build/bench/insn-count.so,out=FILE,trap=A,sret=A,lo=A,hi=A,
 *              mark=NAME@A,...,csr=A,...
 *
 *    With prof=1 it also writes, for every TB of popek, the instructions it
 *    ran (`popek-tb PC insns=N`, all of popek's, traps or not): where they go.
 *    prof=1,profkind=TEXT counts only the traps whose bucket name contains
 *    TEXT (profkind=sfence.vma: where a guest fence's instructions go).
 *
 *    At exit, besides the insn-count line, one line per bucket:
 *      popek-trap BUCKET n=N median=M mean=X p10=A p90=B fw=F
 *    (popek instructions per trap; fw = the mean of firmware instructions
 *    executed within the trap, SBI calls popek makes) and
 *      popek-csr n=N median=M mean=X csrs=C
 *    (popek instructions per emulated CSR access: for each trap caused by a
 *    CSR access, its instructions divided by the CSR accesses it emulated).
 *
 * 3. With refill=1 (trap mode only): QEMU's software-TLB refills, counted
 *    from the instruction stream.  QEMU 7.2 empties its whole TLB and jump
 *    cache on every satp write that changes satp, every sfence.vma, every
 *    PMP write and every mstatus write that changes MPRV, MPP, SUM or MXR
 *    (target/riscv/csr.c, op_helper.c; accel/tcg/cputlb.c); its TLB is
 *    indexed by privilege alone (riscv_cpu_mmu_index).  The plugin counts as
 *    a flush every satp or PMP write and every sfence.vma executed in S or M
 *    (popek writes satp only when it changes and never sets SUM or MXR in
 *    the real sstatus), and every csrrs/csrrc of mstatus in the firmware (its
 *    MPRV toggles; its csrw of the same mstatus at trap exit changes
 *    nothing).  After a flush the first touch of each (virtual page,
 *    privilege) pair, by instruction fetch or data access, is a refill: a
 *    page walk, PMP checks and tlb_set_page in QEMU.  The privilege is that
 *    of the code touching it: popek's text (S), the firmware (M), the rest
 *    (the guest, real U).  This is a lower bound: it does not see evictions
 *    from QEMU's direct-mapped TLB.  At exit:
 *      popek-refill BUCKET n=N flushes=F popek_code=A popek_data=B popek_mem=C
 *                   fw=D popek_xpage=X popek_jcmiss=J guest_code=E guest_data=G
 *                   guest_jcmiss=K
 *    (means per trap of the bucket: flushes and refills within the trap, and
 *    the guest's refills until its next trap; popek_xpage counts popek's
 *    translation blocks that ran on another page than the one before: QEMU
 *    chains a direct jump only within a page, so each is a lookup of the
 *    next block, refill or not; popek_jcmiss and guest_jcmiss, the misses
 *    of QEMU's jump cache in a simulation of it (on_tb_enter); popek_data is
 *    popek's image,
 *    [lo, img), popek_mem the rest of its direct map: stacks, pools, guest
 *    memory), one line of the run's totals (`popek-refill-total`, the same
 *    fields as counts), a line per page of popek's refilled
 *    (`popek-page ADDR refills=N pc=PC`, PC an instruction that refilled it), and with phase=NAME@ADDR (a guest virtual
 *    address; NAME "-" ends a phase) a line per phase:
 *      popek-phase NAME entries=E traps=T flushes=F popek_code=... guest_data=G
 *                  popek_insns=P guest_insns=Q
 *    (totals while the phase was current; entries = executions of ADDR).
 *
 *      ...,refill=1,img=A,phase=NAME@A,...
 *
 * No QEMU header is needed: the handful of declarations below are the
 * plugin API of QEMU 7.2 (include/qemu/qemu-plugin.h, QEMU_PLUGIN_VERSION 1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int, void *);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *, enum qemu_plugin_op,
                                                void *, uint64_t);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *, qemu_plugin_vcpu_udata_cb_t,
                                            enum qemu_plugin_cb_flags, void *);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *);
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
typedef uint32_t qemu_plugin_meminfo_t;
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int, qemu_plugin_meminfo_t, uint64_t, void *);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *, qemu_plugin_vcpu_mem_cb_t,
                                      enum qemu_plugin_cb_flags, enum qemu_plugin_mem_rw, void *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One vCPU (-smp 1): plain adds are exact. */
static uint64_t total, firmware, popek, guest;
static uint64_t fw_lo = 0x80000000, fw_hi = 0x80200000;
static char *out_path;

/* Trap mode (2. above). */
#define MAX_MARKS   32
#define MAX_BUCKETS 256
#define HBINS       16384 /* exact medians below this many instructions */

static uint64_t trap_pc, sret_pc, lo, hi;
/* prof=1: popek's instructions by the TB that ran them, for finding where a trap's go */
static int prof;
#define PROF_SLOTS 65536
static struct prof_tb {
	uint64_t pc, insns;
} prof_tbs[PROF_SLOTS];

/*
 * profkind=TEXT: only the traps whose bucket name (its most specific:
 * "illegal sfence.vma", "illegal csr-write 0x100") contains TEXT count in
 * the profile.  Each popek TB a trap runs is logged as it starts and added
 * to the profile at the trap's end, once its bucket is known.
 */
static char *prof_kind;
#define PROF_LOG 65536
static struct prof_ent {
	uint64_t *ctr, insns;
} prof_log[PROF_LOG];
static size_t prof_logged;

static void on_prof_tb(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	const struct prof_ent *e = udata;
	if (prof_logged < PROF_LOG)
		prof_log[prof_logged++] = *e;
}

static uint64_t *prof_counter(uint64_t pc)
{
	for (uint64_t i = (pc >> 1) % PROF_SLOTS, k = 0; k < PROF_SLOTS;
	     k++, i = (i + 1) % PROF_SLOTS) {
		if (prof_tbs[i].pc == pc || !prof_tbs[i].pc) {
			prof_tbs[i].pc = pc;
			return &prof_tbs[i].insns;
		}
	}
	return NULL;
}
static struct mark {
	uint64_t pc;
	char *name;
} marks[MAX_MARKS];
static int n_marks;
static uint64_t csr_pcs[MAX_MARKS];
static int n_csr_pcs;

/* Refill mode (3. above): what each count is. */
enum rf {
	RF_FLUSH,
	RF_POPEK_CODE,
	RF_POPEK_DATA,
	RF_POPEK_MEM,
	RF_FW,
	RF_XPAGE,
	RF_JC_POPEK,
	RF_GUEST_CODE,
	RF_GUEST_DATA,
	RF_JC_GUEST,
	RF_N
};
static const char *const rf_names[RF_N] = {
    "flushes",     "popek_code",   "popek_data", "popek_mem",  "fw",
    "popek_xpage", "popek_jcmiss", "guest_code", "guest_data", "guest_jcmiss"};
static uint64_t rf[RF_N]; /* the run's counts so far */

static struct bucket {
	char name[64];
	uint64_t n, sum, fw;
	uint64_t rf[RF_N]; /* sums over the bucket's traps */
	uint32_t *hist;    /* HBINS + 1: the last counts everything above */
} buckets[MAX_BUCKETS];
static int n_buckets;

static struct {
	int in;
	uint64_t popek0, fw0;
	const struct mark *first;  /* first mark entered in this trap */
	const struct mark *refine; /* the first "FIRST/SUB" mark entered after it */
	uint32_t insn;             /* the guest instruction that trapped, or 0 */
	uint64_t csrs;             /* CSR accesses emulated */
} trap;
static uint32_t last_sys;       /* the last guest SYSTEM instruction that started */
static uint64_t traps;          /* traps so far */
static uint64_t last_sys_guest; /* `guest` right after it started */

static struct bucket *bucket(const char *name)
{
	for (int i = 0; i < n_buckets; i++)
		if (!strcmp(buckets[i].name, name))
			return &buckets[i];
	if (n_buckets == MAX_BUCKETS)
		return NULL;
	struct bucket *b = &buckets[n_buckets++];
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->hist = calloc(HBINS + 1, sizeof(uint32_t));
	return b->hist ? b : NULL;
}

/*
 * Refills: the buckets of the last trap, which also get the guest's refills
 * until the next trap (what the trap's flushes cost the guest).
 */
static struct bucket *last_buckets[4];
static int n_last;
static uint64_t rf_trap0[RF_N], rf_sret0[RF_N];

static void add(const char *name, uint64_t v, uint64_t fw)
{
	struct bucket *b = bucket(name);
	if (!b)
		return;
	b->n++;
	b->sum += v;
	b->fw += fw;
	b->hist[v < HBINS ? v : HBINS]++;
	if (name[0] != ' ' && n_last < 4) {
		last_buckets[n_last++] = b;
		for (int k = 0; k < RF_GUEST_CODE; k++)
			b->rf[k] += rf[k] - rf_trap0[k];
	}
}

/*
 * The (page, privilege) pairs touched since the last flush: an open-addressed
 * set whose entries carry the flush generation they were touched in, so
 * that a flush is one increment.  Rebuilt with the live entries when full.
 */
static int refill;
static uint64_t img_hi; /* end of popek's image (__popek_end) */
#define SET_BITS 21
static struct touch {
	uint64_t key;
	uint64_t gen;
} * set;
static uint64_t set_used, gen = 1;

static struct touch *set_find(struct touch *t, uint64_t key)
{
	uint64_t m = (1UL << SET_BITS) - 1, i = (key * 0x9e3779b97f4a7c15UL) >> (64 - SET_BITS);
	while (t[i].key && t[i].key != key)
		i = (i + 1) & m;
	return &t[i];
}

static void set_rebuild(void)
{
	struct touch *old = set;
	set = calloc(1UL << SET_BITS, sizeof(*set));
	set_used = 0;
	for (uint64_t i = 0; set && i < (1UL << SET_BITS); i++)
		if (old[i].key && old[i].gen == gen) {
			*set_find(set, old[i].key) = old[i];
			set_used++;
		}
	free(old);
}

/* popek's pages refilled, for finding which to pack together */
#define PAGE_SLOTS 65536
static struct ppage {
	uint64_t page, n, pc; /* pc: an instruction of popek's that refilled it */
} ppages[PAGE_SLOTS];

static void ppage_count(uint64_t page, uint64_t pc)
{
	for (uint64_t i = page % PAGE_SLOTS, k = 0; k < PAGE_SLOTS; k++, i = (i + 1) % PAGE_SLOTS)
		if (ppages[i].page == page || !ppages[i].page) {
			ppages[i].page = page;
			ppages[i].n++;
			ppages[i].pc = pc;
			return;
		}
}

/* privilege of a touch (QEMU's mmu_idx): 0 the guest (U), 1 popek (S), 3 the firmware (M) */
static void touch(uint64_t va, int priv, int code, uint64_t pc)
{
	if (!set)
		return;
	uint64_t page = va >> 12;
	struct touch *e = set_find(set, (page << 2 | (uint64_t)priv) + 1);
	if (e->key && e->gen == gen)
		return;
	if (!e->key) {
		e->key = (page << 2 | (uint64_t)priv) + 1;
		set_used++;
	}
	e->gen = gen;
	if (priv == 3)
		rf[RF_FW]++;
	else if (priv == 0)
		rf[code ? RF_GUEST_CODE : RF_GUEST_DATA]++;
	else {
		rf[code ? RF_POPEK_CODE : va >= lo && va < img_hi ? RF_POPEK_DATA : RF_POPEK_MEM]++;
		ppage_count(page, pc);
	}
	if (set_used > (3UL << SET_BITS) / 4)
		set_rebuild();
}

static uint64_t last_popek_page; /* of the last TB of popek's that ran */

static void on_code(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	uint64_t u = (uint64_t)(uintptr_t)udata;
	if ((u & 3) == 1) {
		rf[RF_XPAGE] += (u >> 12) != last_popek_page;
		last_popek_page = u >> 12;
	}
	touch(u & ~3UL, (int)(u & 3), 1, u & ~3UL);
}

/* udata: the privilege, or for popek's instructions its address | 1 (they are 2-aligned) */
static void on_data(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t va, void *udata)
{
	(void)vcpu, (void)info;
	uint64_t u = (uint64_t)(uintptr_t)udata;
	touch(va, u > 3 ? 1 : (int)u, 0, u > 3 ? u & ~1UL : 0);
}

static void on_flush(unsigned int vcpu, void *udata)
{
	(void)vcpu, (void)udata;
	gen++;
	rf[RF_FLUSH]++;
}

/*
 * QEMU's jump cache (accel/tcg/tb-hash.h, tb-jmp-cache.h: 4,096 entries,
 * emptied by every flush), simulated: a block entered other than by a
 * chained jump is looked up in it, and a miss is a hash-table lookup.  QEMU
 * chains a block's direct exit (a branch, jal, or falling through) only to
 * a block on the same page as the block's start (translator_use_goto_tb);
 * an indirect jump (jalr, ret), a SYSTEM instruction (sret, ecall, a CSR
 * write that ends the block) or a trap always looks up.  Estimated from the
 * blocks' last instructions, not read from QEMU.
 */
struct tbinfo {
	uint64_t pc;
	int priv, direct_end;
};
#define JC_SIZE 4096
static struct {
	uint64_t pc, gen;
} jc[JC_SIZE];
static const struct tbinfo *prev_tb;

static unsigned jc_hash(uint64_t pc)
{
	uint64_t t = pc ^ (pc >> 6);
	return (unsigned)(((t >> 6) & (JC_SIZE - 64)) | (t & 63));
}

static void on_tb_enter(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	const struct tbinfo *t = udata, *p = prev_tb;
	prev_tb = t;
	if (p && p->direct_end && p->pc >> 12 == t->pc >> 12)
		return; /* chained */
	unsigned h = jc_hash(t->pc);
	if (jc[h].gen == gen && jc[h].pc == t->pc)
		return;
	jc[h].gen = gen, jc[h].pc = t->pc;
	rf[t->priv ? RF_JC_POPEK : RF_JC_GUEST]++;
}

/* Whether an instruction ending a block leaves it by a chainable exit. */
static int direct_exit(const uint8_t *b, size_t size)
{
	if (size == 2) {
		unsigned op = b[0] & 3, f3 = b[1] >> 5;
		if (op == 2 && f3 == 4 && (b[0] >> 2 & 31) == 0 && ((b[0] >> 7 | b[1] << 1) & 31))
			return 0; /* c.jr, c.jalr */
		return 1;
	}
	unsigned opc = b[0] & 0x7f;
	return opc != 0x67 && opc != 0x73; /* jalr, SYSTEM */
}

/* Does this instruction of S or M code empty QEMU's TLB?  (3. above) */
static int flushes_tlb(uint32_t b, int fw)
{
	unsigned f3 = (b >> 12) & 7, rs1 = (b >> 15) & 31, csr = b >> 20;
	if ((b & 0x7f) != 0x73)
		return 0;
	if (!f3)
		return (b & 0xfe007fff) == 0x12000073; /* sfence.vma */
	if (f3 == 4)
		return 0;
	int writes = (f3 & 3) == 1 || rs1; /* csrrw(i) always; set/clear with a nonzero mask */
	if (!writes)
		return 0;
	return csr == 0x180 || (csr >= 0x3a0 && csr <= 0x3ef) ||
	       (fw && csr == 0x300 && (f3 & 3) != 1);
}

/* Phases: guest addresses whose execution makes NAME the current phase. */
static struct phase {
	uint64_t pc;
	char *name;
	uint64_t entries, traps, popek, guest, rf[RF_N];
} phases[MAX_MARKS];
static int n_phases;
static struct phase *cur_phase;
static uint64_t ph_traps0, ph_popek0, ph_guest0, ph_rf0[RF_N];

static void phase_close(void)
{
	if (cur_phase) {
		cur_phase->traps += traps - ph_traps0;
		cur_phase->popek += popek - ph_popek0;
		cur_phase->guest += guest - ph_guest0;
		for (int k = 0; k < RF_N; k++)
			cur_phase->rf[k] += rf[k] - ph_rf0[k];
	}
	ph_traps0 = traps, ph_popek0 = popek, ph_guest0 = guest;
	memcpy(ph_rf0, rf, sizeof(rf));
}

static void on_phase(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	struct phase *p = udata;
	phase_close();
	p->entries++;
	cur_phase = strcmp(p->name, "-") ? p : NULL;
}

/* The kind of a SYSTEM instruction (priv spec 1.12 §3.3, §4.2.1; unpriv Zicsr). */
static const char *sys_kind(uint32_t b)
{
	unsigned f3 = (b >> 12) & 7, rs1 = (b >> 15) & 31;
	if (f3 == 4)
		return "other";
	if (f3)
		return (f3 & 3) != 1 && rs1 == 0 ? "csr-read" : "csr-write";
	switch (b) {
	case 0x00000073:
		return "ecall";
	case 0x00100073:
		return "ebreak";
	case 0x10200073:
		return "sret";
	case 0x30200073:
		return "mret";
	case 0x10500073:
		return "wfi";
	}
	return (b & 0xfe007fff) == 0x12000073 ? "sfence.vma" : "other";
}

static void on_guest_sys(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	guest++; /* this instruction's count: not an inline add, so the order is known */
	last_sys = (uint32_t)(uintptr_t)udata;
	last_sys_guest = guest;
}

static void on_trap(unsigned int vcpu, void *udata)
{
	(void)vcpu, (void)udata;
	for (int i = 0; i < n_last; i++)
		for (int k = RF_GUEST_CODE; k < RF_N; k++)
			last_buckets[i]->rf[k] += rf[k] - rf_sret0[k];
	n_last = 0;
	memcpy(rf_trap0, rf, sizeof(rf));
	traps++;
	trap.in = 1;
	trap.popek0 = popek;
	trap.fw0 = firmware;
	trap.first = trap.refine = NULL;
	trap.csrs = 0;
	trap.insn = last_sys_guest == guest ? last_sys : 0;
	last_sys_guest = 0;
	prof_logged = 0;
}

/* profkind: the logged TBs of a trap whose bucket is `name` go into the profile. */
static void prof_trap(const char *name)
{
	if (prof_kind && strstr(name, prof_kind))
		for (size_t i = 0; i < prof_logged; i++)
			*prof_log[i].ctr += prof_log[i].insns;
	prof_logged = 0;
}

static void on_mark(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	const struct mark *m = udata;
	const char *slash = strchr(m->name, '/');
	if (!trap.in)
		return;
	if (!trap.first && !slash)
		trap.first = m;
	else if (trap.first && !trap.refine && slash &&
	         strlen(trap.first->name) == (size_t)(slash - m->name) &&
	         !strncmp(m->name, trap.first->name, (size_t)(slash - m->name)))
		trap.refine = m;
}

static void on_csr(unsigned int vcpu, void *udata)
{
	(void)vcpu, (void)udata;
	trap.csrs += trap.in;
}

static void on_sret(unsigned int vcpu, void *udata)
{
	(void)vcpu, (void)udata;
	if (!trap.in)
		return; /* the first entry into the guest */
	trap.in = 0;
	memcpy(rf_sret0, rf, sizeof(rf));
	uint64_t n = popek - trap.popek0, fw = firmware - trap.fw0;
	char cause[40], name[64];
	if (!trap.first)
		snprintf(cause, sizeof(cause), "unmarked");
	else if (trap.refine)
		snprintf(cause, sizeof(cause), "%s %s", trap.first->name,
		         strchr(trap.refine->name, '/') + 1);
	else
		snprintf(cause, sizeof(cause), "%s", trap.first->name);
	add("all", n, fw);
	add(cause, n, fw);
	if (!trap.insn) {
		prof_trap(cause);
		return;
	}
	const char *kind = sys_kind(trap.insn);
	snprintf(name, sizeof(name), "%s %s", cause, kind);
	add(name, n, fw);
	if (strncmp(kind, "csr-", 4)) {
		prof_trap(name);
		return;
	}
	snprintf(name, sizeof(name), "%s %s 0x%03x", cause, kind, trap.insn >> 20);
	add(name, n, fw);
	prof_trap(name);
	if (trap.csrs)
		add(" per-csr", (n + trap.csrs / 2) / trap.csrs, trap.csrs);
}

/* Refill mode: the touches and flushes of one instruction (3. above). */
static void refill_insn(struct qemu_plugin_insn *insn, uint64_t va, int priv, int new_page)
{
	if (new_page) /* the first instruction of the TB on its page: the fetch's TLB lookup */
		qemu_plugin_register_vcpu_insn_exec_cb(
		    insn, on_code, QEMU_PLUGIN_CB_NO_REGS,
		    (void *)(uintptr_t)((va & ~0xfffUL) | (uint64_t)priv));
	qemu_plugin_register_vcpu_mem_cb(insn, on_data, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
	                                 (void *)(uintptr_t)(priv == 1 ? va | 1 : (uint64_t)priv));
	uint32_t bits = 0;
	if (priv && qemu_plugin_insn_size(insn) == 4) {
		memcpy(&bits, qemu_plugin_insn_data(insn), 4);
		if (flushes_tlb(bits, priv == 3))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_flush,
			                                       QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	int in_fw = pc >= fw_lo && pc < fw_hi;
	int in_popek = trap_pc && pc >= lo && pc < hi;
	uint64_t *ctr = in_fw ? &firmware : in_popek ? &popek : &guest;
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t last_page = ~0UL;
	if (refill && n) {
		struct tbinfo *ti = malloc(sizeof(*ti)); /* one per translation: kept */
		struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
		if (ti) {
			ti->pc = pc;
			ti->priv = in_fw ? 3 : in_popek ? 1 : 0;
			ti->direct_end =
			    direct_exit(qemu_plugin_insn_data(last), qemu_plugin_insn_size(last));
			qemu_plugin_register_vcpu_insn_exec_cb(qemu_plugin_tb_get_insn(tb, 0),
			                                       on_tb_enter, QEMU_PLUGIN_CB_NO_REGS,
			                                       ti);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);
		if (refill) {
			refill_insn(insn, va, in_fw ? 3 : in_popek ? 1 : 0, va >> 12 != last_page);
			last_page = va >> 12;
		}
		if (trap_pc && !in_fw && !in_popek)
			for (int m = 0; m < n_phases; m++)
				if (va == phases[m].pc)
					qemu_plugin_register_vcpu_insn_exec_cb(
					    insn, on_phase, QEMU_PLUGIN_CB_NO_REGS, &phases[m]);
		if (trap_pc && !in_fw && !in_popek && qemu_plugin_insn_size(insn) == 4) {
			uint32_t bits;
			memcpy(&bits, qemu_plugin_insn_data(insn), 4);
			if ((bits & 0x7f) == 0x73) {
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_guest_sys,
				                                       QEMU_PLUGIN_CB_NO_REGS,
				                                       (void *)(uintptr_t)bits);
				continue;
			}
		}
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, ctr,
		                                           1);
		if (!in_popek)
			continue;
		uint64_t *pctr = prof ? prof_counter(pc) : NULL;
		if (pctr && !prof_kind)
			qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
			                                           pctr, 1);
		if (pctr && prof_kind && i == 0) {
			struct prof_ent *e = malloc(sizeof(*e)); /* one per translation: kept */
			if (e) {
				e->ctr = pctr;
				e->insns = n;
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_prof_tb,
				                                       QEMU_PLUGIN_CB_NO_REGS, e);
			}
		}
		if (va == trap_pc)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_trap,
			                                       QEMU_PLUGIN_CB_NO_REGS, NULL);
		if (va == sret_pc)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_sret,
			                                       QEMU_PLUGIN_CB_NO_REGS, NULL);
		for (int m = 0; m < n_marks; m++)
			if (va == marks[m].pc)
				qemu_plugin_register_vcpu_insn_exec_cb(
				    insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, &marks[m]);
		for (int m = 0; m < n_csr_pcs; m++)
			if (va == csr_pcs[m])
				qemu_plugin_register_vcpu_insn_exec_cb(
				    insn, on_csr, QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static uint64_t quantile(const struct bucket *b, uint64_t num, uint64_t den)
{
	uint64_t want = (b->n * num + den - 1) / den, seen = 0;
	if (!want)
		want = 1;
	for (uint64_t v = 0; v <= HBINS; v++) {
		seen += b->hist[v];
		if (seen >= want)
			return v;
	}
	return HBINS;
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	(void)id, (void)p;
	FILE *f = fopen(out_path, "w");
	if (!f)
		return;
	/* total counts every instruction, firmware's (and popek's) included */
	fprintf(f, "insn-count total=%" PRIu64 " firmware=%" PRIu64 "\n",
	        total + firmware + popek + guest, firmware);
	for (int i = 0; i < n_buckets; i++) {
		const struct bucket *b = &buckets[i];
		if (b->name[0] == ' ')
			fprintf(
			    f, "popek-csr n=%" PRIu64 " median=%" PRIu64 " mean=%.1f csrs=%.2f\n",
			    b->n, quantile(b, 1, 2), (double)b->sum / b->n, (double)b->fw / b->n);
		else
			fprintf(f,
			        "popek-trap %s n=%" PRIu64 " median=%" PRIu64
			        " mean=%.1f p10=%" PRIu64 " p90=%" PRIu64 " fw=%.1f\n",
			        b->name, b->n, quantile(b, 1, 2), (double)b->sum / b->n,
			        quantile(b, 1, 10), quantile(b, 9, 10), (double)b->fw / b->n);
	}
	for (int i = 0; refill && i < n_buckets; i++) {
		const struct bucket *b = &buckets[i];
		if (b->name[0] == ' ')
			continue;
		fprintf(f, "popek-refill %s n=%" PRIu64, b->name, b->n);
		for (int k = 0; k < RF_N; k++)
			fprintf(f, " %s=%.2f", rf_names[k], (double)b->rf[k] / b->n);
		fprintf(f, "\n");
	}
	if (refill) {
		fprintf(f, "popek-refill-total traps=%" PRIu64, traps);
		for (int k = 0; k < RF_N; k++)
			fprintf(f, " %s=%" PRIu64, rf_names[k], rf[k]);
		fprintf(f, "\n");
		for (int i = 0; i < PAGE_SLOTS; i++)
			if (ppages[i].n)
				fprintf(f,
				        "popek-page %#" PRIx64 " refills=%" PRIu64 " pc=%#" PRIx64
				        "\n",
				        ppages[i].page << 12, ppages[i].n, ppages[i].pc);
	}
	phase_close();
	for (int i = 0; i < n_phases; i++) {
		const struct phase *p = &phases[i];
		if (!strcmp(p->name, "-"))
			continue;
		fprintf(f, "popek-phase %s entries=%" PRIu64 " traps=%" PRIu64, p->name, p->entries,
		        p->traps);
		for (int k = 0; k < RF_N; k++)
			fprintf(f, " %s=%" PRIu64, rf_names[k], p->rf[k]);
		fprintf(f, " popek_insns=%" PRIu64 " guest_insns=%" PRIu64 "\n", p->popek,
		        p->guest);
	}
	for (int i = 0; prof && i < PROF_SLOTS; i++)
		if (prof_tbs[i].insns)
			fprintf(f, "popek-tb %#" PRIx64 " insns=%" PRIu64 "\n", prof_tbs[i].pc,
			        prof_tbs[i].insns);
	fclose(f);
}

static int arg(const char *a, const char *key, uint64_t *v)
{
	size_t k = strlen(key);
	if (strncmp(a, key, k))
		return 0;
	*v = strtoull(a + k, NULL, 0);
	return 1;
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i], *at;
		if (!strncmp(a, "out=", 4))
			out_path = strdup(a + 4);
		else if (arg(a, "fw_lo=", &fw_lo) || arg(a, "fw_hi=", &fw_hi) ||
		         arg(a, "trap=", &trap_pc) || arg(a, "sret=", &sret_pc) ||
		         arg(a, "lo=", &lo) || arg(a, "hi=", &hi) || arg(a, "img=", &img_hi))
			continue;
		else if (!strncmp(a, "prof=", 5))
			prof = atoi(a + 5);
		else if (!strncmp(a, "refill=", 7))
			refill = atoi(a + 7);
		else if (!strncmp(a, "phase=", 6) && (at = strchr(a, '@')) &&
		         n_phases < MAX_MARKS) {
			phases[n_phases].name = strndup(a + 6, (size_t)(at - a - 6));
			phases[n_phases++].pc = strtoull(at + 1, NULL, 0);
		} else if (!strncmp(a, "profkind=", 9))
			prof_kind = strdup(a + 9);
		else if (!strncmp(a, "csr=", 4) && n_csr_pcs < MAX_MARKS)
			csr_pcs[n_csr_pcs++] = strtoull(a + 4, NULL, 0);
		else if (!strncmp(a, "mark=", 5) && (at = strchr(a, '@')) && n_marks < MAX_MARKS) {
			marks[n_marks].name = strndup(a + 5, (size_t)(at - a - 5));
			marks[n_marks++].pc = strtoull(at + 1, NULL, 0);
		} else {
			fprintf(stderr, "insn-count: unknown argument '%s'\n", a);
			return -1;
		}
	}
	if (!out_path) {
		fprintf(stderr, "insn-count: needs out=FILE\n");
		return -1;
	}
	if (trap_pc && !(sret_pc && lo < hi)) {
		fprintf(stderr, "insn-count: trap= needs sret=, lo= and hi=\n");
		return -1;
	}
	if (refill && !trap_pc) {
		fprintf(stderr, "insn-count: refill=1 needs trap mode\n");
		return -1;
	}
	if (refill && !(set = calloc(1UL << SET_BITS, sizeof(*set))))
		return -1;
	if (!img_hi)
		img_hi = hi;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
