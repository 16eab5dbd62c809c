/*
 * Traps taken while popek itself runs.  popek runs with interrupts off and
 * touches only memory it mapped, so today every such trap is either a
 * panic() (an ebreak with a message) or a bug: both end in a register dump.
 * Traps from guests arrive through a separate path (issue 4).
 */
#include "arch/riscv/trap.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/trap_frame.h"
#include "core/panic.h"

#include <stddef.h>

_Static_assert(offsetof(struct trap_frame, sepc) == TF_SEPC, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, sstatus) == TF_SSTATUS, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, scause) == TF_SCAUSE, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, stval) == TF_STVAL, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame layout");

extern char trap_vector[];

void trap_init(void)
{
	csr_write(stvec, (uint64_t)trap_vector);
}

void trap_from_popek(struct trap_frame *tf)
{
	const char *msg = panic_message();
	if (tf->scause == CAUSE_BREAKPOINT && msg)
		panic_dump(tf, msg);
	panic_dump(tf, "unexpected trap in popek");
}
