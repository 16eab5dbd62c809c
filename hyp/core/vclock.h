/*
 * A VM's clock: the `time` its guest reads, the clock its SBI set_timer
 * deadlines and its vCLINT's mtime/mtimecmp are in (DESIGN.md §5,
 * docs/scheduling.md "The VM's clock").
 *
 * timer = real: the real time, always.
 *
 * timer = virtual: starts at 0 when the VM is created and runs, at the rate
 * of the real timebase, while
 *   - the VM has the hart (its vCPU runs, or popek works on its behalf), and
 *   - the VM waits in wfi, up to what wakes it (its own deadline, or the
 *     moment popek sees another interrupt for it): its waiting is its own
 *     time, as on a board of its own;
 * and stops while the VM is ready to run but another VM has the hart, and
 * once it is stopped.  So it never runs backwards and never gains on the
 * real time: while it runs it is the real time minus `behind`, and `behind`
 * only grows.
 */
#ifndef POPEK_CORE_VCLOCK_H
#define POPEK_CORE_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

enum vclock_state {
	VCLOCK_STOPPED, /* ready but not on the hart, or stopped: reads `value` */
	VCLOCK_RUNNING, /* on the hart: reads now - behind */
	VCLOCK_WAITING, /* in wfi, off the hart: runs as RUNNING until what wakes it */
};

struct vclock {
	bool virtual; /* timer = virtual; else it is the real time */
	enum vclock_state state;
	uint64_t behind;  /* real - virtual, while it runs */
	uint64_t value;   /* its reading while stopped; when WAITING, its reading at wfi */
	uint64_t created; /* the real time at creation, for the wall time beside it */
};

/* A new VM's clock at real time `now`: virtual ones read 0 until they first run. */
void vclock_init(struct vclock *c, bool virtual, uint64_t now);
/* The VM gets the hart: its clock runs from where it stopped. */
void vclock_start(struct vclock *c, uint64_t now);
/* The VM leaves the hart, still ready or stopped: its clock stops. */
void vclock_stop(struct vclock *c, uint64_t now);
/* The VM leaves the hart to wait in wfi: its clock runs on. */
void vclock_wait(struct vclock *c, uint64_t now);
/*
 * Something woke the waiting VM: its own deadline `deadline`, or (when that
 * lies later) whatever popek saw at `now`.  Its clock stops at the earlier
 * of the two, never before its reading at wfi.  Nothing happens unless it
 * was WAITING.
 */
void vclock_wake(struct vclock *c, uint64_t now, uint64_t deadline);

/* Its reading at real time `now`. */
static inline uint64_t vclock_read(const struct vclock *c, uint64_t now)
{
	if (!c->virtual)
		return now;
	return c->state == VCLOCK_STOPPED ? c->value : now - c->behind;
}

/*
 * The real time at which it will read `t`, as long as it runs: UINT64_MAX
 * when it is stopped (it reaches nothing until it runs again) or when that
 * lies past the end of time.
 */
static inline uint64_t vclock_to_real(const struct vclock *c, uint64_t t)
{
	if (!c->virtual)
		return t;
	if (c->state == VCLOCK_STOPPED || t > UINT64_MAX - c->behind)
		return UINT64_MAX;
	return t + c->behind;
}

#endif
