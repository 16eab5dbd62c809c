/*
 * A VM's clock (hyp/core/vclock.c): scripts of what the scheduler and the
 * vCPU do to it, each step with the reading it must give and the real time
 * a deadline must be programmed for; then long random scripts against its
 * promises (never backwards, never ahead of the real time, deadlines
 * converted exactly while it runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/vclock.h"

#define NEVER UINT64_MAX
#define END       \
	{         \
		0 \
	}

enum op { OP_END, OP_READ, OP_START, OP_STOP, OP_WAIT, OP_WAKE };

struct step {
	enum op op;
	uint64_t now;      /* the real time of the step */
	uint64_t deadline; /* OP_WAKE: the deadline it had; else a deadline to convert */
	uint64_t reads;    /* its reading at `now`, after the step */
	uint64_t real;     /* vclock_to_real(deadline) after the step, when deadline != 0 */
};

static const struct script {
	const char *name;
	int virtual;
	uint64_t created;
	struct step steps[10];
} scripts[] = {
    {"virtual: 0 until it first runs, then only while it has the hart",
     1,
     100,
     {{OP_READ, 500, 0, 0, 0},
      {OP_START, 1000, 0, 0, 0},
      {OP_READ, 1500, 0, 500, 0},
      {OP_STOP, 1600, 0, 600, 0},
      {OP_READ, 5000, 0, 600, 0},
      {OP_START, 7000, 0, 600, 0},
      {OP_READ, 7100, 0, 700, 0},
      END}},
    {"virtual: a deadline falls as far ahead in real time as it is in its own, while it runs",
     1,
     0,
     {{OP_START, 1000, 2000, 0, 3000},
      {OP_STOP, 1500, 2000, 500, NEVER}, /* stopped: it reaches nothing */
      {OP_START, 4000, 2000, 500, 5500}, /* 3500 behind now */
      {OP_READ, 5500, 2000, 2000, 5500},
      {OP_READ, 5500, NEVER, 2000, NEVER}, /* no deadline stays none */
      END}},
    {"virtual: in wfi it runs on, off the hart, and stops at its own deadline",
     1,
     0,
     {{OP_START, 1000, 0, 0, 0},
      {OP_WAIT, 1200, 900, 200, 1900},
      {OP_READ, 1700, 900, 700, 1900},
      {OP_WAKE, 2500, 900, 900, 0}, /* popek saw it late: its wait ended at 900 */
      {OP_READ, 3000, 900, 900, NEVER},
      {OP_START, 3100, 0, 900, 0},
      {OP_READ, 3200, 0, 1000, 0},
      END}},
    {"virtual: woken by something else before its deadline, it stops when popek sees it",
     1,
     0,
     {{OP_START, 1000, 0, 0, 0},
      {OP_WAIT, 1200, 0, 200, 0},
      {OP_WAKE, 1400, 5000, 400, 0},
      {OP_READ, 9000, 0, 400, 0},
      END}},
    {"virtual: a deadline that passed as it left the hart leaves it at its reading at wfi",
     1,
     0,
     {{OP_START, 1000, 0, 0, 0},
      {OP_WAIT, 1300, 0, 300, 0},
      {OP_WAKE, 1400, 250, 300, 0},
      {OP_START, 1500, 0, 300, 0},
      {OP_READ, 1600, 0, 400, 0},
      END}},
    {"virtual: a wake while it has the hart (its own wfi, woken at once) changes nothing",
     1,
     0,
     {{OP_START, 1000, 0, 0, 0}, {OP_WAKE, 1200, 100, 200, 0}, {OP_READ, 1300, 0, 300, 0}, END}},
    {"virtual: stopped in wfi (the monitor's stop), it stops then",
     1,
     0,
     {{OP_START, 1000, 0, 0, 0},
      {OP_WAIT, 1100, 0, 100, 0},
      {OP_STOP, 1500, 0, 500, 0},
      {OP_READ, 2000, 0, 500, 0},
      END}},
    {"virtual: given the hart again while still waiting, it keeps running",
     1,
     0,
     {{OP_START, 1000, 0, 0, 0},
      {OP_WAIT, 1100, 0, 100, 0},
      {OP_START, 1500, 0, 500, 0},
      {OP_READ, 1600, 0, 600, 0},
      END}},
    {"virtual: a deadline past the end of time is never",
     1,
     0,
     {{OP_START, 1000, NEVER - 999, 0, NEVER},
      {OP_READ, 1000, NEVER - 1001, 0, NEVER - 1},
      {OP_READ, 1000, 1, 0, 1001},
      END}},
    {"real: the real time whatever happens, deadlines unchanged",
     0,
     100,
     {{OP_READ, 500, 7, 500, 7},
      {OP_START, 1000, 7, 1000, 7},
      {OP_WAIT, 1200, 7, 1200, 7},
      {OP_WAKE, 1300, 5, 1300, 7},
      {OP_STOP, 1400, NEVER, 1400, NEVER},
      {OP_READ, 9000, 9001, 9000, 9001},
      END}},
};

static void run_script(void **state)
{
	const struct script *s = *state;
	struct vclock c;
	vclock_init(&c, s->virtual, s->created);
	for (const struct step *st = s->steps; st->op != OP_END; st++) {
		switch (st->op) {
		case OP_START:
			vclock_start(&c, st->now);
			break;
		case OP_STOP:
			vclock_stop(&c, st->now);
			break;
		case OP_WAIT:
			vclock_wait(&c, st->now);
			break;
		case OP_WAKE:
			vclock_wake(&c, st->now, st->deadline);
			break;
		default:
			break;
		}
		assert_int_equal(vclock_read(&c, st->now), st->reads);
		if (st->deadline && st->op != OP_WAKE)
			assert_int_equal(vclock_to_real(&c, st->deadline), st->real);
	}
	assert_int_equal(c.created, s->created);
}

/* A small deterministic generator: the scripts are the same on every run. */
static uint64_t rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * What the scheduler may do, in any order, at any pace: the clock never
 * runs backwards, never gets ahead of the real time since creation, stands
 * still exactly when stopped, and converts a deadline d ticks ahead to the
 * real time d ticks ahead while it runs.
 */
static void test_random_scripts(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15UL;
	for (int run = 0; run < 200; run++) {
		uint64_t now = rng(&x) % 1000000, created = now, last = 0;
		struct vclock c;
		vclock_init(&c, true, now);
		for (int i = 0; i < 2000; i++) {
			now += rng(&x) % 5000;
			uint64_t before = vclock_read(&c, now);
			enum vclock_state was = c.state;
			uint64_t r = rng(&x);
			switch (r % 4) {
			case 0:
				vclock_start(&c, now);
				break;
			case 1:
				vclock_stop(&c, now);
				break;
			case 2:
				vclock_wait(&c, now);
				break;
			default:
				vclock_wake(&c, now, before - 3000 + (r >> 8) % 6000);
				break;
			}
			uint64_t t = vclock_read(&c, now);
			assert_true(t >= last);          /* never backwards */
			assert_true(t <= now - created); /* never ahead */
			assert_true(t <= before);        /* a step itself never moves it on */
			if (was != VCLOCK_STOPPED && r % 4 != 3)
				assert_int_equal(t, before); /* nor back, but for a wake */
			if (c.state == VCLOCK_STOPPED)
				assert_int_equal(vclock_read(&c, now + 12345), t);
			else
				assert_int_equal(vclock_to_real(&c, t + 777), now + 777);
			last = t;
		}
	}
}

int main(void)
{
	struct CMUnitTest tests[sizeof(scripts) / sizeof(scripts[0]) + 1];
	size_t n = 0;
	for (; n < sizeof(scripts) / sizeof(scripts[0]); n++)
		tests[n] = (struct CMUnitTest){scripts[n].name, run_script, NULL, NULL,
		                               (void *)&scripts[n]};
	tests[n++] = (struct CMUnitTest){"random scripts", test_random_scripts, NULL, NULL, NULL};
	return _cmocka_run_group_tests("vclock", tests, n, NULL, NULL);
}
