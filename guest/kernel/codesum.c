/*
 * codesum.c — mode=codesum: the kernel sums its own code as loads see it,
 * once, then again after codesum_done(), where a debugger stops it
 * (tests/e2e/gdb.toml).  A debugger's breakpoints must not show in either
 * sum: under popek the guest reads its original code (docs/debugging.md).
 */
#include "codesum.h"
#include "printf.h"

#include <stdint.h>

extern char _entry[], __text_end[];

static uint64_t code_sum(void)
{
	uint64_t sum = 0;
	for (const volatile uint32_t *p = (const uint32_t *)_entry; p < (uint32_t *)__text_end; p++)
		sum = sum * 31 + *p;
	return sum;
}

/* The debugger's stop: a breakpoint here is planted while code_sum() reads this page. */
__attribute__((noinline)) void codesum_done(uint64_t sum)
{
	__asm__ volatile("" ::"r"(sum) : "memory");
}

void codesum_run(void)
{
	uint64_t sum = code_sum();
	kprintf("codesum: %lu bytes of code, sum %lx\n", (uint64_t)(__text_end - _entry), sum);
	codesum_done(sum);
	kprintf("codesum: again %lx\n", code_sum());
}
