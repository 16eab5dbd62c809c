/* Sharing the one real hart among every VM's vCPU. */
#ifndef POPEK_CORE_SCHED_H
#define POPEK_CORE_SCHED_H

#include <stdint.h>

struct vm;

/*
 * Round-robin: each runnable vCPU in turn runs for its VM's quantum, or
 * until it waits in wfi; the real timer preempts it whatever its virtual
 * interrupt state.  When none is runnable the hart idles until the earliest
 * guest deadline or a device interrupt.  Returns when every VM has stopped.
 */
void sched_run(struct vm *vms, int n, uint64_t timebase_hz);

#endif
