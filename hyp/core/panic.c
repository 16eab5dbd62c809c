#include "core/panic.h"
#include "core/console.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/sbi.h"
#include "arch/riscv/trap_frame.h"
#include "lib/printf.h"

#include <stdarg.h>
#include <stddef.h>

extern char boot_stack[], boot_stack_top[];

static char message[160];
static int panicking;

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	panicking = 1;
	__asm__ volatile("ebreak");
	__builtin_unreachable();
}

const char *panic_message(void)
{
	return panicking ? message : NULL;
}

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const cause_names[CAUSE_EXCEPTION_MAX] = {
    [CAUSE_MISALIGNED_PC] = "instruction address misaligned",
    [CAUSE_FETCH_ACCESS] = "instruction access fault",
    [CAUSE_ILLEGAL_INSN] = "illegal instruction",
    [CAUSE_BREAKPOINT] = "breakpoint",
    [CAUSE_MISALIGNED_LD] = "load address misaligned",
    [CAUSE_LOAD_ACCESS] = "load access fault",
    [CAUSE_MISALIGNED_ST] = "store address misaligned",
    [CAUSE_STORE_ACCESS] = "store access fault",
    [CAUSE_ECALL_U] = "environment call from U-mode",
    [CAUSE_ECALL_S] = "environment call from S-mode",
    [CAUSE_ECALL_M] = "environment call from M-mode",
    [CAUSE_FETCH_PAGE] = "instruction page fault",
    [CAUSE_LOAD_PAGE] = "load page fault",
    [CAUSE_STORE_PAGE] = "store/AMO page fault",
};

static const char *cause_name(uint64_t scause)
{
	uint64_t code = scause & ~CAUSE_INTERRUPT;
	if (scause & CAUSE_INTERRUPT) {
		return code == IRQ_S_SOFT    ? "supervisor software interrupt"
		       : code == IRQ_S_TIMER ? "supervisor timer interrupt"
		       : code == IRQ_S_EXT   ? "supervisor external interrupt"
		                             : "interrupt";
	}
	return code < CAUSE_EXCEPTION_MAX && cause_names[code] ? cause_names[code] : "reserved";
}

/* Return addresses up the frame-pointer chain, while it stays on popek's stack. */
static void backtrace(uint64_t fp)
{
	kprintf("backtrace:");
	for (int depth = 0; depth < 16; depth++) {
		if (fp < (uint64_t)boot_stack + 16 || fp > (uint64_t)boot_stack_top || fp % 8)
			break;
		uint64_t ra = ((uint64_t *)fp)[-1];
		kprintf(" %lx", ra);
		fp = ((uint64_t *)fp)[-2];
	}
	kprintf("\n");
}

void panic_dump(const struct trap_frame *tf, const char *why)
{
	kprintf("\npopek: panic: %s\n", why);
	for (int i = 0; i < 32; i += 4) {
		for (int j = i; j < i + 4; j++)
			kprintf("%4s %016lx%s", reg_names[j], tf->x[j], j == i + 3 ? "\n" : "  ");
	}
	kprintf(" sepc %016lx  scause %016lx (%s)\n", tf->sepc, tf->scause, cause_name(tf->scause));
	kprintf("stval %016lx  sstatus %016lx  satp %016lx\n", tf->stval, tf->sstatus,
	        csr_read(satp));
	backtrace(tf->x[8]);
	sbi_shutdown(1);
}
