/*
 * A VM's clock (hyp/core/vclock.c): start, stop, wait and wake in any order,
 * at any pace of the real time, with any deadline, for a real or a virtual
 * clock.  After each step: a real clock reads the real time and converts
 * deadlines to themselves; a virtual one never runs backwards, never gets
 * ahead of the real time since creation, is moved by no step but a wake
 * (which only holds it back), stands still exactly while stopped, and while
 * it runs converts a deadline d ticks ahead to the real time d ticks ahead.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/vclock.h"
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	uint8_t first = reader_u8(&r);
	bool virtual = first & 1;
	uint64_t now = reader_u32(&r), created = now, last = 0;
	struct vclock c;
	vclock_init(&c, virtual, now);
	for (int steps = 0; r.size && steps < 512; steps++) {
		uint8_t op = reader_u8(&r);
		uint64_t step = op & 0x80 ? reader_u32(&r) : reader_u8(&r);
		if (now > UINT64_MAX / 2)
			break; /* centuries of uptime: beyond what a timebase reaches */
		now += step;
		uint64_t before = vclock_read(&c, now);
		bool was_stopped = c.state == VCLOCK_STOPPED;
		switch (op & 3) {
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
			vclock_wake(&c, now, op & 4 ? before - reader_u16(&r) : reader_u64(&r));
			break;
		}
		uint64_t t = vclock_read(&c, now), d = reader_u16(&r);
		if (!virtual) {
			REQUIRE(t == now && vclock_to_real(&c, d) == d);
			continue;
		}
		REQUIRE(t >= last && t <= now - created && t <= before);
		REQUIRE((op & 3) == 3 || was_stopped || t == before);
		if (c.state == VCLOCK_STOPPED)
			REQUIRE(vclock_read(&c, now + d) == t &&
			        vclock_to_real(&c, t + d) == UINT64_MAX);
		else
			REQUIRE(vclock_read(&c, now + d) == t + d &&
			        vclock_to_real(&c, t + d) == now + d);
		last = t;
	}
	return 0;
}
