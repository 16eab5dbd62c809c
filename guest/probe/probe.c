/*
 * probe.c — the probe guest of `popek pg` (docs/pg.md).
 *
 * For every instruction in the table it runs a stub once in S-mode and once
 * in U-mode, and prints one line each:
 *
 *   probe-begin NAME MODE pc=HEX        before the run: the probed instruction's address
 *   probe NAME MODE executes [changed=CSR,...]
 *   probe NAME MODE trap CAUSE tval=HEX
 *   probe NAME MODE sbi error=N         an ecall the execution environment served
 *   probe NAME MODE stray CAUSE epc=HEX a trap, but not at the probed instruction
 *
 * between `probe-start N` and `probe-end N`.  Every run has a stub of its
 * own, so (pc, mode) names one run: popek's trace lines with that pc and
 * virtual mode are that instruction's traps.  A nop on each side of the
 * probed instruction keeps popek's emulate-ahead from taking it along with
 * a neighbour.
 *
 * "changed" lists the supervisor CSRs that differ after an S-mode run that
 * did not trap (sstatus compared in SIE SPIE SPP SUM MXR, sip in SSIP only).
 * The CSR writes write a value that differs from the current one in one
 * harmless bit, so a write that takes effect shows.  Everything is put back
 * after each run.
 */
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

struct probe_trap probe_trap;
_Static_assert(offsetof(struct probe_trap, cause) == PROBE_TRAP_CAUSE, "trap record layout");
_Static_assert(offsetof(struct probe_trap, tval) == PROBE_TRAP_TVAL, "trap record layout");
_Static_assert(offsetof(struct probe_trap, epc) == PROBE_TRAP_EPC, "trap record layout");
_Static_assert(offsetof(struct probe_trap, count) == PROBE_TRAP_COUNT, "trap record layout");

/* What ld and sd touch. */
uint64_t probe_data[2] = {0x1234};

/* ---- SBI (v2.0): a7 = extension, a6 = function, a0.. arguments ---- */

enum {
	SBI_EXT_LEGACY_PUTCHAR = 0x01,
	SBI_EXT_BASE = 0x10,
	SBI_EXT_TIME = 0x54494d45,
	SBI_EXT_SRST = 0x53525354,
	SBI_EXT_POPEK = 0x0A504F50, /* popek's firmware (docs/firmware.md) */
	SBI_BASE_PROBE_EXT = 3,
	SBI_POPEK_DELEGATE = 0,
};

struct sbiret {
	long error, value;
};

static struct sbiret sbi_call(long ext, long fid, long arg0, long arg1)
{
	register long a0 asm("a0") = arg0;
	register long a1 asm("a1") = arg1;
	register long a6 asm("a6") = fid;
	register long a7 asm("a7") = ext;
	asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
	return (struct sbiret){a0, a1};
}

/*
 * On popek's firmware, ask for illegal instructions to come to S-mode
 * directly, as popek itself does, so that the bare board shows what the
 * hardware does (rdtime with scounteren.TM = 0 traps, §4.1.5) rather than
 * the answer stock OpenSBI gives in its place.  Stock firmware, or popek
 * (which serves no such extension): nothing to ask, nothing changes.
 */
static void firmware_delegate(void)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_POPEK, 0);
	if (!r.error && r.value)
		sbi_call(SBI_EXT_POPEK, SBI_POPEK_DELEGATE, 1L << 2 /* illegal instruction */, 0);
}

static void putc(char c)
{
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, c, 0);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void puthex(uint64_t v)
{
	int shift = 60;
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		putc("0123456789abcdef"[(v >> shift) & 15]);
}

static void putdec(uint64_t v)
{
	char buf[24];
	int n = 0;
	do
		buf[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		putc(buf[--n]);
}

static void __attribute__((noreturn)) power_off(void)
{
	sbi_call(SBI_EXT_SRST, 0, 0 /* shutdown */, 0 /* no reason */);
	for (;;)
		asm volatile("wfi");
}

void probe_unexpected(uint64_t scause, uint64_t sepc)
{
	puts("probe-error interrupt scause=");
	puthex(scause);
	puts(" sepc=");
	puthex(sepc);
	puts("\n");
	power_off();
}

/* ---- the supervisor state compared around each S-mode run ---- */

enum scsr {
	S_SSTATUS,
	S_SIE,
	S_STVEC,
	S_SCOUNTEREN,
	S_SENVCFG,
	S_SSCRATCH,
	S_SEPC,
	S_SCAUSE,
	S_STVAL,
	S_SIP,
	S_SATP,
	S_NCSR,
	S_NONE = S_NCSR,
};

static const char *const scsr_names[S_NCSR] = {
    "sstatus", "sie",    "stvec", "scounteren", "senvcfg", "sscratch",
    "sepc",    "scause", "stval", "sip",        "satp",
};

/* The bits of each compared; all 1s but for sstatus and sip. */
static const uint64_t scsr_compare[S_NCSR] = {
    [S_SSTATUS] = SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR,
    [S_SIE] = ~0UL,
    [S_STVEC] = ~0UL,
    [S_SCOUNTEREN] = ~0UL,
    [S_SENVCFG] = ~0UL,
    [S_SSCRATCH] = ~0UL,
    [S_SEPC] = ~0UL,
    [S_SCAUSE] = ~0UL,
    [S_STVAL] = ~0UL,
    [S_SIP] = 1UL << 1 /* SSIP */,
    [S_SATP] = ~0UL,
};

#define csr_read(csr)                                      \
	({                                                 \
		uint64_t v_;                               \
		asm volatile("csrr %0, " #csr : "=r"(v_)); \
		v_;                                        \
	})
#define csr_write(csr, val) asm volatile("csrw " #csr ", %0" ::"r"((uint64_t)(val)) : "memory")
#define csr_set(csr, val)   asm volatile("csrs " #csr ", %0" ::"r"((uint64_t)(val)) : "memory")
#define csr_clear(csr, val) asm volatile("csrc " #csr ", %0" ::"r"((uint64_t)(val)) : "memory")

static void sstate_read(uint64_t s[S_NCSR])
{
	s[S_SSTATUS] = csr_read(sstatus);
	s[S_SIE] = csr_read(sie);
	s[S_STVEC] = csr_read(stvec);
	s[S_SCOUNTEREN] = csr_read(scounteren);
	s[S_SENVCFG] = csr_read(senvcfg);
	s[S_SSCRATCH] = csr_read(sscratch);
	s[S_SEPC] = csr_read(sepc);
	s[S_SCAUSE] = csr_read(scause);
	s[S_STVAL] = csr_read(stval);
	s[S_SIP] = csr_read(sip);
	s[S_SATP] = csr_read(satp);
}

static void sstate_write(const uint64_t s[S_NCSR])
{
	csr_write(satp, s[S_SATP]);
	csr_write(sstatus, s[S_SSTATUS]);
	csr_write(sie, s[S_SIE]);
	csr_write(stvec, s[S_STVEC]);
	csr_write(scounteren, s[S_SCOUNTEREN]);
	csr_write(senvcfg, s[S_SENVCFG]);
	csr_write(sscratch, s[S_SSCRATCH]);
	csr_write(sepc, s[S_SEPC]);
	csr_write(scause, s[S_SCAUSE]);
	csr_write(stval, s[S_STVAL]);
	csr_write(sip, s[S_SIP]);
}

/* ---- the instruction table ---- */

enum prep {
	PREP_NONE,
	PREP_CEN0,   /* scounteren = 0: U-mode counter reads are the OS's to refuse */
	PREP_CENALL, /* scounteren = all: U-mode may read every counter */
	PREP_WFI, /* in S: a timer interrupt pending and enabled in sie (SIE off), so wfi returns */
};

/*
 * X(id, name, setup, ssetup, insn, prep, toggle, mask)
 *   setup   runs before the probed instruction in both modes, ssetup in S only;
 *   insn    the probed instruction (4 bytes; "1:" may follow it, the nop after);
 *   toggle  the CSR whose current value, xor mask, is the operand in t0.
 */
#define PROBE_CSR(X, csr, S, bit)                                                   \
	X(csrr_##csr, "csrr-" #csr, "", "", "csrr a0, " #csr, PREP_NONE, S_NONE, 0) \
	X(csrw_##csr, "csrw-" #csr, "", "", "csrw " #csr ", t0", PREP_NONE, S, bit)
#define PROBE_INSNS(X)                                                                          \
	PROBE_CSR(X, sstatus, S_SSTATUS, SSTATUS_SUM)                                           \
	PROBE_CSR(X, sie, S_SIE, 1UL << 1)                                                      \
	PROBE_CSR(X, stvec, S_STVEC, 0 /* probe_vector_alt */)                                  \
	PROBE_CSR(X, scounteren, S_SCOUNTEREN, 1UL)                                             \
	PROBE_CSR(X, senvcfg, S_SENVCFG, 1UL /* FIOM */)                                        \
	PROBE_CSR(X, sscratch, S_SSCRATCH, 0x5a5a5a5aUL)                                        \
	PROBE_CSR(X, sepc, S_SEPC, 0x100UL)                                                     \
	PROBE_CSR(X, scause, S_SCAUSE, 1UL)                                                     \
	PROBE_CSR(X, stval, S_STVAL, 0x1000UL)                                                  \
	PROBE_CSR(X, sip, S_SIP, 1UL << 1 /* SSIP */)                                           \
	PROBE_CSR(X, satp, S_SATP, 0 /* Bare stays Bare */)                                     \
	X(sret, "sret", "",                                                                     \
	  "la t1, 1f; csrw sepc, t1; li t1, 0x100; csrs sstatus, t1; "                          \
	  "li t1, 0x20; csrc sstatus, t1",                                                      \
	  "sret\n1:", PREP_NONE, S_NONE, 0)                                                     \
	X(mret, "mret", "", "", "mret", PREP_NONE, S_NONE, 0)                                   \
	X(sfence_vma, "sfence.vma", "", "", "sfence.vma", PREP_NONE, S_NONE, 0)                 \
	X(wfi, "wfi", "", "", "wfi", PREP_WFI, S_NONE, 0)                                       \
	X(ecall, "ecall", "li a7, 0x10; li a6, 0; li a0, 0; li a1, 0", "", "ecall", PREP_NONE,  \
	  S_NONE, 0)                                                                            \
	X(ebreak, "ebreak", "", "", "ebreak", PREP_NONE, S_NONE, 0)                             \
	X(rdtime_cen0, "rdtime-cen0", "", "", "rdtime a0", PREP_CEN0, S_NONE, 0)                \
	X(rdtime_cenall, "rdtime-cenall", "", "", "rdtime a0", PREP_CENALL, S_NONE, 0)          \
	X(rdcycle_cen0, "rdcycle-cen0", "", "", "rdcycle a0", PREP_CEN0, S_NONE, 0)             \
	X(rdcycle_cenall, "rdcycle-cenall", "", "", "rdcycle a0", PREP_CENALL, S_NONE, 0)       \
	X(rdinstret_cen0, "rdinstret-cen0", "", "", "rdinstret a0", PREP_CEN0, S_NONE, 0)       \
	X(rdinstret_cenall, "rdinstret-cenall", "", "", "rdinstret a0", PREP_CENALL, S_NONE, 0) \
	X(csrr_mstatus, "csrr-mstatus", "", "", "csrr a0, mstatus", PREP_NONE, S_NONE, 0)       \
	X(ld, "ld", "la t1, probe_data", "", "ld a0, 0(t1)", PREP_NONE, S_NONE, 0)              \
	X(sd, "sd", "la t1, probe_data", "", "sd t0, 8(t1)", PREP_NONE, S_NONE, 0)              \
	X(add, "add", "", "", "add a0, t0, t0", PREP_NONE, S_NONE, 0)                           \
	X(beq, "beq", "", "", "beq t0, t0, 1f\n1:", PREP_NONE, S_NONE, 0)                       \
	X(fence, "fence", "", "", "fence", PREP_NONE, S_NONE, 0)                                \
	X(fence_i, "fence.i", "", "", "fence.i", PREP_NONE, S_NONE, 0)                          \
	X(illegal, "illegal", "", "", ".word 0x00000000", PREP_NONE, S_NONE, 0)

/* Two stubs per instruction, probe_s_ID and probe_u_ID; ..._at is the probed one. */
#define STUB(id, mode, setup)                                                         \
	".balign 4\n.globl probe_" #mode "_" #id "\nprobe_" #mode "_" #id ":\n" setup \
	"\nnop\nprobe_" #mode "_" #id "_at:\n"
#define EMIT_STUBS(id, name, setup, ssetup, insn, prep, toggle, mask)               \
	asm(".pushsection .text.stubs, \"ax\"\n.option push\n.option norvc\n" STUB( \
	    id, s, setup "\n" ssetup) insn "\nnop\nret\n" STUB(id, u, setup) insn   \
	    "\nnop\nret\n.option pop\n.popsection");                                \
	extern char probe_s_##id[], probe_s_##id##_at[], probe_u_##id[], probe_u_##id##_at[];
PROBE_INSNS(EMIT_STUBS)

struct probe_insn {
	const char *name;
	char *stub[2], *at[2]; /* [0] S, [1] U */
	enum prep prep;
	enum scsr toggle;
	uint64_t mask;
};

#define TABLE_ENTRY(id, name, setup, ssetup, insn, prep, toggle, mask)                             \
	{name, {probe_s_##id, probe_u_##id}, {probe_s_##id##_at, probe_u_##id##_at}, prep, toggle, \
	 mask},
static const struct probe_insn probe_insns[] = {PROBE_INSNS(TABLE_ENTRY)};
#define NINSNS (sizeof(probe_insns) / sizeof(probe_insns[0]))

/* ---- one run ---- */

static uint64_t boot_scounteren;

static void prepare(enum prep p, int user)
{
	switch (p) {
	case PREP_CEN0:
		csr_write(scounteren, 0);
		break;
	case PREP_CENALL:
		csr_write(scounteren, 0xffffffffUL);
		break;
	case PREP_WFI:
		if (!user) {
			sbi_call(SBI_EXT_TIME, 0, 0, 0); /* deadline 0: STIP at once */
			csr_set(sie, 1UL << 5);          /* STIE; sstatus.SIE stays 0 */
		}
		break;
	case PREP_NONE:
		break;
	}
}

static void unprepare(enum prep p)
{
	if (p == PREP_WFI) {
		csr_clear(sie, 1UL << 5);
		sbi_call(SBI_EXT_TIME, 0, -1L, 0); /* no deadline: clears STIP */
	}
	csr_write(scounteren, boot_scounteren);
}

static void run(const struct probe_insn *pi, int user)
{
	const char *mode = user ? "U" : "S";
	uint64_t before[S_NCSR], after[S_NCSR];

	puts("probe-begin ");
	puts(pi->name);
	puts(user ? " U pc=" : " S pc=");
	puthex((uint64_t)pi->at[user]);
	puts("\n");

	prepare(pi->prep, user);
	sstate_read(before);
	uint64_t operand = 0;
	if (pi->toggle == S_STVEC)
		operand = (uint64_t)probe_vector_alt;
	else if (pi->toggle != S_NONE)
		operand = before[pi->toggle] ^ pi->mask;
	probe_trap.count = 0;
	void (*stub)(void) = (void (*)(void))pi->stub[user];
	uint64_t a0 = user ? probe_enter_u(stub, operand) : probe_enter_s(stub, operand);
	struct probe_trap t = probe_trap;
	sstate_read(after);
	sstate_write(before);
	unprepare(pi->prep);

	puts("probe ");
	puts(pi->name);
	puts(" ");
	puts(mode);
	if (t.count && t.epc == (uint64_t)pi->at[user]) {
		puts(" trap ");
		putdec(t.cause);
		puts(" tval=");
		puthex(t.tval);
	} else if (t.count) {
		puts(" stray ");
		putdec(t.cause);
		puts(" epc=");
		puthex(t.epc);
	} else if (pi->stub[0] == probe_s_ecall) {
		/* No trap reached the probe: the environment (OpenSBI, or popek) served it. */
		puts(" sbi error=");
		putdec(a0);
	} else {
		puts(" executes");
		const char *sep = " changed=";
		for (int i = 0; i < S_NCSR && !user; i++) {
			if ((before[i] ^ after[i]) & scsr_compare[i]) {
				puts(sep);
				puts(scsr_names[i]);
				sep = ",";
			}
		}
	}
	puts("\n");
}

void probe_main(uint64_t hart, uint64_t dtb)
{
	(void)hart;
	(void)dtb;
	csr_write(stvec, probe_vector);
	csr_write(sie, 0);
	firmware_delegate();
	boot_scounteren = csr_read(scounteren);
	puts("probe-start ");
	putdec(NINSNS);
	puts("\n");
	for (unsigned i = 0; i < NINSNS; i++) {
		run(&probe_insns[i], 0);
		run(&probe_insns[i], 1);
	}
	puts("probe-end ");
	putdec(2 * NINSNS);
	puts("\n");
	power_off();
}
