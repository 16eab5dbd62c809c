/*
 * spin — burn the CPU without a system call until this process has itself
 * run for arg ticks of `time`.  A gap of more than arg/100 between two reads
 * means something else had the CPU meanwhile (the other process, or another
 * VM on a shared machine): it does not count.  So the process does the same
 * work however busy the machine is.
 */
#include "user.h"

int main(long duration)
{
	uint64_t ran = 0, gap = (uint64_t)duration / 100, last = rdtime();
	while (ran < (uint64_t)duration) {
		uint64_t now = rdtime();
		if (now - last <= gap)
			ran += now - last;
		last = now;
	}
	return 0;
}
