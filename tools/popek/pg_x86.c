/*
 * The x86 contrast of `popek pg`.  See pg_x86.h.
 *
 * Each measurement leaves in raw->v[]:
 *   smsw                v0 = the machine status word (CR0's low bits)
 *   sgdt, sidt          v0 = base, v1 = limit
 *   sldt, str           v0 = the selector
 *   pushf               v0 = RFLAGS
 *   popf                v0 = RFLAGS before, v1 = RFLAGS after popping it with IF clear
 *   lar                 v0 = CS, v1 = ZF for CS, v2 = its access rights, v3 = ZF for KERNEL_CS
 *   lsl                 v0 = CS, v1 = ZF, v2 = its limit
 *   verr                v0 = CS, v1 = ZF for CS, v2 = ZF for KERNEL_CS
 *   verw                v0 = SS, v1 = ZF for SS, v2 = ZF for CS
 *   mov-cs              v0 = CS
 */
#include "pg_x86.h"

#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define RFLAGS_IF      (1ULL << 9)
#define RFLAGS_IOPL(f) (((f) >> 12) & 3)
#define KERNEL_CS      0x10 /* Linux's __KERNEL_CS: GDT entry 2, RPL 0 */

static const char *const names[PG_X86_NINSNS] = {
    [PG_X86_SMSW] = "smsw", [PG_X86_SGDT] = "sgdt", [PG_X86_SIDT] = "sidt",
    [PG_X86_SLDT] = "sldt", [PG_X86_STR] = "str",   [PG_X86_PUSHF] = "pushf",
    [PG_X86_POPF] = "popf", [PG_X86_LAR] = "lar",   [PG_X86_LSL] = "lsl",
    [PG_X86_VERR] = "verr", [PG_X86_VERW] = "verw", [PG_X86_MOV_CS] = "mov-cs",
};

static const char *const outcome_names[] = {
    [PG_X86_EXECUTED] = "executed",
    [PG_X86_TRAPPED] = "trapped",
    [PG_X86_EMULATED] = "emulated",
};

const char *pg_x86_name(enum pg_x86_insn i)
{
	return names[i];
}

const char *pg_x86_outcome_name(enum pg_x86_outcome o)
{
	return outcome_names[o];
}

bool pg_x86_cpuinfo_has(const char *cpuinfo, const char *flag)
{
	size_t len = strlen(flag);
	for (const char *l = cpuinfo; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, "flags", 5) != 0)
			continue;
		const char *colon = strchr(l, ':');
		const char *end = strchr(l, '\n');
		if (!colon || (end && colon > end))
			continue;
		for (const char *p = colon + 1; *p && (!end || p < end); p++) {
			if (p[-1] == ' ' && strncmp(p, flag, len) == 0 &&
			    (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
				return true;
		}
	}
	return false;
}

/* The instructions UMIP makes fault at CPL > 0 (Intel SDM vol. 3 §2.5, CR4.UMIP). */
static bool umip_covers(enum pg_x86_insn i)
{
	return i == PG_X86_SMSW || i == PG_X86_SGDT || i == PG_X86_SIDT || i == PG_X86_SLDT ||
	       i == PG_X86_STR;
}

static void describe(enum pg_x86_insn i, const uint64_t *v, char *d, size_t n)
{
	switch (i) {
	case PG_X86_SMSW:
		snprintf(d, n, "MSW=0x%04llx: PE=%llu MP=%llu ET=%llu NE=%llu, CR0 read at CPL 3",
		         (unsigned long long)(v[0] & 0xffff), (unsigned long long)(v[0] & 1),
		         (unsigned long long)(v[0] >> 1 & 1), (unsigned long long)(v[0] >> 4 & 1),
		         (unsigned long long)(v[0] >> 5 & 1));
		break;
	case PG_X86_SGDT:
	case PG_X86_SIDT:
		snprintf(d, n, "%s base=0x%016llx limit=0x%llx: where the kernel keeps its %s",
		         i == PG_X86_SGDT ? "GDT" : "IDT", (unsigned long long)v[0],
		         (unsigned long long)v[1],
		         i == PG_X86_SGDT ? "descriptor table" : "interrupt table");
		break;
	case PG_X86_SLDT:
		snprintf(d, n, "LDTR=0x%04llx", (unsigned long long)v[0]);
		break;
	case PG_X86_STR:
		snprintf(d, n, "TR=0x%04llx: GDT entry %llu, the kernel's TSS",
		         (unsigned long long)v[0], (unsigned long long)v[0] >> 3);
		break;
	case PG_X86_PUSHF:
		snprintf(d, n, "RFLAGS=0x%llx: IF=%llu IOPL=%llu, the real interrupt flag",
		         (unsigned long long)v[0], (unsigned long long)!!(v[0] & RFLAGS_IF),
		         (unsigned long long)RFLAGS_IOPL(v[0]));
		break;
	case PG_X86_POPF:
		if ((v[0] & RFLAGS_IF) && (v[1] & RFLAGS_IF))
			snprintf(d, n,
			         "popped RFLAGS with IF=0, read back IF=1: the change was dropped "
			         "without a trap (IOPL=%llu < CPL 3)",
			         (unsigned long long)RFLAGS_IOPL(v[0]));
		else
			snprintf(d, n, "IF before %llu, after popping IF=0: %llu",
			         (unsigned long long)!!(v[0] & RFLAGS_IF),
			         (unsigned long long)!!(v[1] & RFLAGS_IF));
		break;
	case PG_X86_LAR:
		snprintf(d, n,
		         "CS=0x%llx: %s 0x%08llx; kernel CS 0x%x: %s at CPL 3, the answer depends "
		         "on the privilege level",
		         (unsigned long long)v[0], v[1] ? "access rights" : "refused,",
		         (unsigned long long)v[2], KERNEL_CS, v[3] ? "granted" : "refused (ZF=0)");
		break;
	case PG_X86_LSL:
		snprintf(d, n, "CS=0x%llx: %s 0x%llx", (unsigned long long)v[0],
		         v[1] ? "limit" : "refused,", (unsigned long long)v[2]);
		break;
	case PG_X86_VERR:
		snprintf(d, n, "CS=0x%llx readable: %s; kernel CS 0x%x: %s at CPL 3",
		         (unsigned long long)v[0], v[1] ? "yes" : "no", KERNEL_CS,
		         v[2] ? "readable" : "refused (ZF=0)");
		break;
	case PG_X86_VERW:
		snprintf(d, n, "SS=0x%llx writable: %s; CS writable: %s", (unsigned long long)v[0],
		         v[1] ? "yes" : "no", v[2] ? "yes" : "no");
		break;
	case PG_X86_MOV_CS:
		snprintf(d, n, "CS=0x%llx: RPL=%llu, the current privilege level",
		         (unsigned long long)v[0], (unsigned long long)(v[0] & 3));
		break;
	case PG_X86_NINSNS:
		d[0] = '\0';
		break;
	}
}

void pg_x86_classify(enum pg_x86_insn i, const struct pg_x86_raw *raw, bool umip,
                     struct pg_x86_result *out)
{
	char what[200];

	out->insn = names[i];
	if (raw->signo) {
		out->outcome = PG_X86_TRAPPED;
		snprintf(out->detail, sizeof(out->detail), "%s",
		         raw->signo == SIGILL   ? "SIGILL (#UD)"
		         : raw->signo == SIGBUS ? "SIGBUS"
		                                : "SIGSEGV (#GP), not fixed up by the kernel");
		return;
	}
	describe(i, raw->v, what, sizeof(what));
	bool dummy = (i != PG_X86_SGDT || raw->v[0] == PG_X86_UMIP_GDT_BASE) &&
	             (i != PG_X86_SIDT || raw->v[0] == PG_X86_UMIP_IDT_BASE);
	if (umip && umip_covers(i) && dummy) {
		out->outcome = PG_X86_EMULATED;
		snprintf(out->detail, sizeof(out->detail),
		         "UMIP faulted it and the kernel answered with a dummy: %s", what);
		return;
	}
	out->outcome = PG_X86_EXECUTED;
	snprintf(out->detail, sizeof(out->detail), "%s", what);
}

#if defined(__x86_64__)

bool pg_x86_host(void)
{
	return true;
}

static sigjmp_buf caught;

static void on_fault(int signo)
{
	siglongjmp(caught, signo);
}

/* The inline asm below pushes: step over the red zone first (SysV ABI §3.2.2). */
#define PAST_RED_ZONE "add $-128, %%rsp\n"
#define BACK          "sub $-128, %%rsp\n"

static uint64_t rflags_read(void)
{
	uint64_t f;
	asm volatile(PAST_RED_ZONE "pushfq\npopq %0\n" BACK : "=r"(f)::"memory");
	return f;
}

static uint64_t selector_zf(const char *op, uint64_t sel, uint64_t *value)
{
	uint64_t out = 0;
	uint8_t zf = 0;
	if (strcmp(op, "lar") == 0)
		asm volatile("lar %w2, %k0\n setz %1" : "+r"(out), "=q"(zf) : "r"(sel) : "cc");
	else if (strcmp(op, "lsl") == 0)
		asm volatile("lsl %w2, %k0\n setz %1" : "+r"(out), "=q"(zf) : "r"(sel) : "cc");
	else if (strcmp(op, "verr") == 0)
		asm volatile("verr %w1\n setz %0" : "=q"(zf) : "r"(sel) : "cc");
	else
		asm volatile("verw %w1\n setz %0" : "=q"(zf) : "r"(sel) : "cc");
	if (value)
		*value = out;
	return zf;
}

static void measure(enum pg_x86_insn i, uint64_t *v)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} table = {0, 0};
	uint64_t cs = 0, ss = 0, r = 0;

	asm volatile("mov %%cs, %w0" : "+r"(cs));
	asm volatile("mov %%ss, %w0" : "+r"(ss));
	switch (i) {
	case PG_X86_SMSW:
		asm volatile("smsw %k0" : "=r"(r));
		v[0] = r;
		break;
	case PG_X86_SGDT:
		asm volatile("sgdt %0" : "=m"(table));
		v[0] = table.base;
		v[1] = table.limit;
		break;
	case PG_X86_SIDT:
		asm volatile("sidt %0" : "=m"(table));
		v[0] = table.base;
		v[1] = table.limit;
		break;
	case PG_X86_SLDT:
		asm volatile("sldt %w0" : "+r"(r));
		v[0] = r & 0xffff;
		break;
	case PG_X86_STR:
		asm volatile("str %w0" : "+r"(r));
		v[0] = r & 0xffff;
		break;
	case PG_X86_PUSHF:
		v[0] = rflags_read();
		break;
	case PG_X86_POPF:
		v[0] = rflags_read();
		r = v[0] & ~RFLAGS_IF;
		asm volatile(PAST_RED_ZONE "pushq %0\npopfq\n" BACK ::"r"(r) : "cc", "memory");
		v[1] = rflags_read();
		break;
	case PG_X86_LAR:
		v[0] = cs;
		v[1] = selector_zf("lar", cs, &v[2]);
		v[3] = selector_zf("lar", KERNEL_CS, NULL);
		break;
	case PG_X86_LSL:
		v[0] = cs;
		v[1] = selector_zf("lsl", cs, &v[2]);
		break;
	case PG_X86_VERR:
		v[0] = cs;
		v[1] = selector_zf("verr", cs, NULL);
		v[2] = selector_zf("verr", KERNEL_CS, NULL);
		break;
	case PG_X86_VERW:
		v[0] = ss;
		v[1] = selector_zf("verw", ss, NULL);
		v[2] = selector_zf("verw", cs, NULL);
		break;
	case PG_X86_MOV_CS:
		v[0] = cs;
		break;
	case PG_X86_NINSNS:
		break;
	}
}

void pg_x86_measure(enum pg_x86_insn i, struct pg_x86_raw *raw)
{
	static const int signals[] = {SIGSEGV, SIGILL, SIGBUS};
	struct sigaction sa = {.sa_handler = on_fault}, old[3];

	memset(raw, 0, sizeof(*raw));
	sigemptyset(&sa.sa_mask);
	for (int k = 0; k < 3; k++)
		sigaction(signals[k], &sa, &old[k]);
	int signo = sigsetjmp(caught, 1);
	if (signo == 0)
		measure(i, raw->v);
	else
		raw->signo = signo;
	for (int k = 0; k < 3; k++)
		sigaction(signals[k], &old[k], NULL);
}

#else

bool pg_x86_host(void)
{
	return false;
}

void pg_x86_measure(enum pg_x86_insn i, struct pg_x86_raw *raw)
{
	(void)i;
	memset(raw, 0, sizeof(*raw));
}

#endif
