/*
 * firmware/probe.c — a stock S-mode payload that checks the firmware's popek
 * extension (docs/firmware.md) from the outside, as popek's boot does, and
 * prints what it got; tests/e2e/firmware.toml runs it on popek's firmware
 * and on QEMU's.  Linked at 0x80200000, where fw_dynamic jumps.
 */
#include <stdint.h>

#define SBI_EXT_BASE             0x10
#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_EXT_DBCN             0x4442434E
#define SBI_EXT_SRST             0x53525354
#define SBI_EXT_POPEK            0x0A504F50
#define SBI_POPEK_DELEGATE       0
#define SBI_POPEK_FEATURES       1
#define CAUSE_ILLEGAL_INSN       2

struct sbiret {
	long error;
	long value;
};

static struct sbiret sbi_call(long eid, long fid, long a0)
{
	register long r0 asm("a0") = a0;
	register long r1 asm("a1") = 0;
	register long r6 asm("a6") = fid;
	register long r7 asm("a7") = eid;
	asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){r0, r1};
}

/* The legacy console: in every OpenSBI, and nothing else to set up. */
static void putc(char c)
{
	sbi_call(1, 0, c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void puthex(unsigned long v)
{
	puts("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc("0123456789abcdef"[(v >> i) & 15]);
}

static void putdec(long v)
{
	char buf[24];
	int n = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	if (v < 0)
		putc('-');
	do
		buf[n++] = '0' + u % 10;
	while (u /= 10);
	while (n)
		putc(buf[--n]);
}

static void report(const char *what, struct sbiret r)
{
	puts("fwprobe: ");
	puts(what);
	puts(": error ");
	putdec(r.error);
	puts(" value ");
	puthex(r.value);
	putc('\n');
}

/* The trap vector's save area: [0] its t1, [1] the last trap's scause. */
volatile unsigned long probe_trapsave[2];
#define probe_scause probe_trapsave[1]

void probe_main(void)
{
	unsigned long t0, t1;

	report("probe", sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, SBI_EXT_POPEK));
	report("features", sbi_call(SBI_EXT_POPEK, SBI_POPEK_FEATURES, 0));
	report("delegate 0x8", sbi_call(SBI_EXT_POPEK, SBI_POPEK_DELEGATE, 1 << 3));
	report("delegate 0xc", sbi_call(SBI_EXT_POPEK, SBI_POPEK_DELEGATE, 0xc));
	report("function 2", sbi_call(SBI_EXT_POPEK, 2, 0));
	report("delegate 0x4",
	       sbi_call(SBI_EXT_POPEK, SBI_POPEK_DELEGATE, 1 << CAUSE_ILLEGAL_INSN));

	/* Reaches stvec either way: straight, or through OpenSBI's redirect. */
	asm volatile(".word 0" ::: "memory");
	puts("fwprobe: illegal instruction in S: scause ");
	putdec((long)probe_scause);
	putc('\n');

	/* OpenSBI 1.1 emulated counter reads it could not leave to the hardware;
	 * QEMU's `time` is the hardware's (mcounteren.TM = 1), delegation or not. */
	probe_scause = 0;
	asm volatile("rdtime %0" : "=r"(t0));
	for (volatile int i = 0; i < 100000; i++)
		;
	asm volatile("rdtime %0" : "=r"(t1));
	puts(t1 > t0 && !probe_scause ? "fwprobe: rdtime in S: advances\n"
	                              : "fwprobe: rdtime in S: BROKEN\n");
	puts("fwprobe: done\n");
	sbi_call(SBI_EXT_SRST, 0, 0); /* shutdown */
	for (;;)
		asm volatile("wfi");
}

asm(".section .text.start\n"
    ".globl _start\n"
    "_start:\n"
    "	la sp, probe_stack + 4096\n"
    "	la t0, probe_trap\n"
    "	csrw stvec, t0\n"
    "	call probe_main\n"
    "1:	j 1b\n"
    ".align 2\n"
    "probe_trap:\n" /* records scause, skips the 4-byte instruction */
    "	csrw sscratch, t0\n"
    "	la t0, probe_trapsave\n"
    "	sd t1, 0(t0)\n"
    "	csrr t1, scause\n"
    "	sd t1, 8(t0)\n"
    "	csrr t1, sepc\n"
    "	addi t1, t1, 4\n"
    "	csrw sepc, t1\n"
    "	ld t1, 0(t0)\n"
    "	csrr t0, sscratch\n"
    "	sret\n"
    ".bss\n"
    ".align 4\n"
    "probe_stack: .space 4096\n"
    ".text\n");
