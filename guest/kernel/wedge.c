/*
 * wedge.c — mode=wedge: a kernel that wedges itself on purpose.
 *
 * It points stvec somewhere its first instruction cannot run and then takes
 * an exception (an illegal instruction).  The trap goes to stvec, the
 * instruction there faults, that trap goes to stvec again, and so on: on
 * the bare board the hart spins there forever; a monitor should notice and
 * stop this VM alone.  Interrupts and the tick are off first, so nothing
 * else ever runs.  bootargs `wedge=HOW` picks the way (default unmapped):
 *
 *   unmapped   stvec = a VA with no mapping in the kernel's Sv39 table
 *              (instruction page fault at the vector, forever)
 *   bare       satp = Bare, stvec = 0: no memory at physical 0
 *              (instruction access fault at the vector, forever)
 *   zeros      stvec = a page of zeros the kernel may execute
 *              (illegal instruction at the vector, forever)
 *   stack      stvec = a handler that loads its stack pointer from
 *              sscratch (0) and saves a register below it: a store page
 *              fault at the vector's second instruction, forever
 */
#include "wedge.h"
#include "bootargs.h"
#include "memlayout.h"
#include "printf.h"
#include "riscv.h"
#include "string.h"
#include "timer.h"

/* Inside the kernel image, which the kernel maps R|W|X: zeros to execute. */
static uint32_t zero_page[PGSIZE / 4] __attribute__((aligned(PGSIZE)));

/* A trap handler whose stack is not there (sscratch = 0: sp = 0, then sp - 8). */
extern char wedge_stack_vector[];
asm(".text\n"
    ".balign 4\n"
    "wedge_stack_vector:\n"
    "	csrr	sp, sscratch\n"
    "	sd	ra, -8(sp)\n"
    "	j	wedge_stack_vector\n");

static const struct wedge {
	const char *how;
	const char *what;
	int satp_bare;   /* switch translation off first */
	uintptr_t stvec; /* the vector, direct mode */
} wedges[] = {
    {"unmapped", "pointing stvec at an unmapped page", 0, TEST_VA},
    {"bare", "pointing stvec at physical 0 with satp Bare", 1, 0},
    {"zeros", "pointing stvec at a page of zeros", 0, (uintptr_t)zero_page},
    {"stack", "pointing stvec at a handler with no stack", 0, (uintptr_t)wedge_stack_vector},
};

void wedge_run(void)
{
	char how[16];
	if (bootarg_value("wedge", how, sizeof(how)) < 0)
		strncpy_z(how, "unmapped", sizeof(how));
	const struct wedge *w = 0;
	for (unsigned i = 0; i < sizeof(wedges) / sizeof(wedges[0]); i++)
		if (strcmp(wedges[i].how, how) == 0)
			w = &wedges[i];
	if (!w) {
		kprintf("wedge: unknown wedge=%s\n", how);
		return;
	}
	kprintf("wedge: %s\n", w->what);
	timer_stop();
	intr_off();
	csr_write(sie, 0);
	if (w->satp_bare) {
		csr_write(satp, 0);
		sfence_vma_all();
	}
	csr_write(sscratch, 0);
	csr_write(stvec, w->stvec);
	asm volatile(".word 0" ::: "memory"); /* all-zero bits: defined illegal (§1.5) */
	for (;;)
		; /* not reached: the trap never returns */
}
