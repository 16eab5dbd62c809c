/* A VM's clock (vclock.h): its state changes, from the scheduler and the vCPU. */
#include "core/vclock.h"
#include "core/check.h"

void vclock_init(struct vclock *c, bool virtual, uint64_t now)
{
	*c = (struct vclock){.virtual = virtual, .state = VCLOCK_STOPPED, .created = now};
}

void vclock_start(struct vclock *c, uint64_t now)
{
	if (!c->virtual)
		return; /* the real time: nothing to keep */
	if (c->state != VCLOCK_STOPPED) {
		c->state = VCLOCK_RUNNING; /* a waiting clock runs already, `behind` holds */
		return;
	}
	/* It stopped at `value` (at most the real time then, so at most now). */
	CHECK(c->value <= now && now - c->value >= c->behind,
	      "vclock: restarting at %lu would gain on the real time %lu (behind %lu)", c->value,
	      now, c->behind);
	c->behind = now - c->value;
	c->state = VCLOCK_RUNNING;
}

void vclock_stop(struct vclock *c, uint64_t now)
{
	if (!c->virtual)
		return; /* the real time: nothing to keep */
	if (c->state != VCLOCK_STOPPED)
		c->value = now - c->behind;
	c->state = VCLOCK_STOPPED;
}

void vclock_wait(struct vclock *c, uint64_t now)
{
	if (!c->virtual)
		return; /* the real time: nothing to keep */
	if (c->state == VCLOCK_STOPPED)
		vclock_start(c, now);
	c->value = now - c->behind;
	c->state = VCLOCK_WAITING;
}

void vclock_wake(struct vclock *c, uint64_t now, uint64_t deadline)
{
	if (!c->virtual)
		return; /* the real time: nothing to keep */
	if (c->state != VCLOCK_WAITING)
		return;
	uint64_t at = now - c->behind;
	/*
	 * Its deadline may lie before its reading at wfi when it passed just
	 * as the vCPU left the hart; the guest, in wfi, has seen neither.
	 */
	if (deadline < at)
		at = deadline < c->value ? c->value : deadline;
	c->value = at;
	c->state = VCLOCK_STOPPED;
}
