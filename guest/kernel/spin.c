/*
 * spin.c — mode=spin: a CPU-bound loop for checking a scheduler's fairness.
 *
 * Counts loop iterations until `time` (the real clock: the virt board's
 * 10 MHz mtime, readable from S without a trap) has advanced by spin=MS
 * milliseconds (default 3000), with the tick off and interrupts disabled
 * (sstatus.SIE = 0), so nothing but the machine underneath can take the CPU
 * away: a monitor must preempt it on its own timer.  Two such VMs with equal
 * quanta started together should count about the same.  Output, then power
 * off:
 *
 *   spin: N iterations in MS ms
 */
#include "spin.h"
#include "bootargs.h"
#include "printf.h"
#include "riscv.h"
#include "timer.h"

#define SPIN_DEFAULT_MS 3000

void spin_run(void)
{
	uint64_t ms = bootarg_u64("spin", SPIN_DEFAULT_MS), n = 0;
	timer_stop();
	intr_off();
	uint64_t end = rdtime() + ms_to_ticks(ms);
	while (rdtime() < end)
		n++;
	kprintf("spin: %lu iterations in %lu ms\n", n, ms);
}
