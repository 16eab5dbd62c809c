/*
 * ticker.c — mode=ticker: a CPU-bound kernel that shows its progress.
 * Spins with interrupts off, as mode=spin does, and prints "ticker: N" each
 * time `time` has advanced by tick=MS milliseconds (default 200) since the
 * last line, ticks=N lines in all (default 100), then powers off.  Paused
 * under a monitor, it prints nothing; resumed, it goes on from N.  With
 * seed=1 it first prints the first 8 bytes of its /chosen rng-seed, which
 * the board makes anew at every boot.
 */
#include "ticker.h"
#include "bootargs.h"
#include "fdt.h"
#include "printf.h"
#include "riscv.h"
#include "timer.h"

void ticker_run(void)
{
	uint64_t ms = bootarg_u64("tick", 200), ticks = bootarg_u64("ticks", 100);
	int len = 0;
	const uint8_t *seed = bootarg_u64("seed", 0) ? fdt_rng_seed(&len) : 0;
	if (seed && len >= 8) {
		uint64_t first = 0;
		for (int i = 0; i < 8; i++)
			first = first << 8 | seed[i];
		kprintf("ticker: rng-seed %016lx\n", first);
	}
	timer_stop();
	intr_off();
	for (uint64_t i = 1; i <= ticks; i++) {
		uint64_t end = rdtime() + ms_to_ticks(ms);
		while (rdtime() < end)
			;
		kprintf("ticker: %lu\n", i);
	}
}
