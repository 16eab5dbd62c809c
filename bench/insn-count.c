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

static struct bucket {
	char name[64];
	uint64_t n, sum, fw;
	uint32_t *hist; /* HBINS + 1: the last counts everything above */
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

static void add(const char *name, uint64_t v, uint64_t fw)
{
	struct bucket *b = bucket(name);
	if (!b)
		return;
	b->n++;
	b->sum += v;
	b->fw += fw;
	b->hist[v < HBINS ? v : HBINS]++;
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

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	int in_fw = pc >= fw_lo && pc < fw_hi;
	int in_popek = trap_pc && pc >= lo && pc < hi;
	uint64_t *ctr = in_fw ? &firmware : in_popek ? &popek : &guest;
	size_t n = qemu_plugin_tb_n_insns(tb);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);
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
		         arg(a, "lo=", &lo) || arg(a, "hi=", &hi))
			continue;
		else if (!strncmp(a, "prof=", 5))
			prof = atoi(a + 5);
		else if (!strncmp(a, "profkind=", 9))
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
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
