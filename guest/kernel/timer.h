#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

#define TICK_MS 10 /* scheduling quantum */

extern uint64_t timebase_hz; /* from the DT's /cpus timebase-frequency */
extern volatile uint64_t ticks;
extern void (*volatile timer_hook)(void);

void timer_init(uint64_t hz);
void timer_start(void);
void timer_stop(void);
int timer_intr(void);
uint64_t time_ms(void);
uint64_t ticks_to_ns(uint64_t t);
uint64_t ms_to_ticks(uint64_t ms);

#endif
