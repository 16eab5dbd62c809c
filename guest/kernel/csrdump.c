/*
 * csrdump.c — mode=csrdump: the S-mode state the firmware entered the
 * kernel with (entry.S records it before touching anything), one line per
 * register, then which counters S-mode may read.  Identical lines on the
 * bare board and under popek mean popek enters a vS guest exactly as
 * OpenSBI enters its payload; the values that differ by nature (the device
 * tree's address) are printed as what they are, not as numbers.
 */
#include "csrdump.h"
#include "main.h"
#include "printf.h"
#include "riscv.h"
#include "trap.h"

extern char _entry[], kernel_end[];

/*
 * a1 as a stable word.  kmain has read the device tree at a1 (it panics on
 * a bad one), and the page allocator may have reused its pages since; so
 * what is left to check is where it was.
 */
static const char *describe_a1(uint64_t a1)
{
	if (a1 < (uint64_t)kernel_end || a1 >= machine.ram_end || (a1 & 7))
		return "not an 8-aligned address in RAM above the kernel";
	return "the device tree (8-aligned, in RAM above the kernel)";
}

/* Whether S-mode reads counter csr without a trap (the csr number is in the instruction). */
#define COUNTER_READABLE(csr)                                                   \
	({                                                                      \
		struct trap_record r_;                                          \
		trap_expect(&r_, TRAP_SKIP);                                    \
		asm volatile(".option push\n.option norvc\ncsrr t0, " #csr "\n" \
		             ".option pop" ::                                   \
		                 : "t0");                                       \
		trap_disarm();                                                  \
		!r_.hit;                                                        \
	})

void csrdump_run(void)
{
	const struct entry_state *e = &entry_state;
	const struct {
		const char *name;
		uint64_t value;
	} csrs[] = {
	    {"a0", e->a0},
	    {"sstatus", e->sstatus},
	    {"sie", e->sie},
	    {"sip", e->sip},
	    {"scounteren", e->scounteren},
	    {"senvcfg", e->senvcfg},
	    {"sscratch", e->sscratch},
	    {"sepc", e->sepc},
	    {"scause", e->scause},
	    {"stval", e->stval},
	    {"satp", e->satp},
	};
	for (unsigned i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++)
		kprintf("csrdump %s %lx\n", csrs[i].name, csrs[i].value);
	kprintf("csrdump a1 %s\n", describe_a1(e->a1));
	if (e->stvec == (uint64_t)_entry)
		kprintf("csrdump stvec the entry point\n");
	else
		kprintf("csrdump stvec %lx\n", e->stvec);
	kprintf("csrdump S reads cycle %s, time %s, instret %s, hpmcounter3 %s\n",
	        COUNTER_READABLE(cycle) ? "yes" : "no", COUNTER_READABLE(time) ? "yes" : "no",
	        COUNTER_READABLE(instret) ? "yes" : "no",
	        COUNTER_READABLE(hpmcounter3) ? "yes" : "no");
}
