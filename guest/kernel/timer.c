/*
 * timer.c — the periodic tick, from SBI TIME (or legacy set_timer).
 *
 * sbi_set_timer(t) asks for a supervisor timer interrupt once `time` >= t
 * and clears sip.STIP until then (SBI v2.0 §6.1): so every tick re-arms the
 * timer for the next one, and "stopping" the tick means arming it for the
 * far future.  Each tick wakes sleepers and preempts the running process.
 */
#include "timer.h"
#include "proc.h"
#include "riscv.h"
#include "sbi.h"

uint64_t timebase_hz;
volatile uint64_t ticks;
void (*volatile timer_hook)(void);
static uint64_t boot_time;

void timer_init(uint64_t hz)
{
	timebase_hz = hz;
	boot_time = rdtime();
}

void timer_start(void)
{
	sbi_set_timer(rdtime() + ms_to_ticks(TICK_MS));
}

void timer_stop(void)
{
	sbi_set_timer(~0UL);
}

/* Returns 1 when the running process should give up the CPU. */
int timer_intr(void)
{
	if (timer_hook) {
		timer_hook(); /* a test or benchmark owns the timer */
		return 0;
	}
	ticks++;
	timer_start();
	wakeup((void *)&ticks);
	return 1;
}

uint64_t time_ms(void)
{
	return (rdtime() - boot_time) * 1000 / timebase_hz;
}

uint64_t ticks_to_ns(uint64_t t)
{
	return t * 1000000000 / timebase_hz;
}

uint64_t ms_to_ticks(uint64_t ms)
{
	return ms * timebase_hz / 1000;
}
