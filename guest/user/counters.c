/*
 * counters — read cycle, time and instret from U.  The kernel allows or
 * forbids each through scounteren; a forbidden read kills us.
 */
#include "user.h"

int main(void)
{
	uint64_t t0 = rdtime(), c0 = rdcycle(), i0 = rdinstret();
	for (volatile int i = 0; i < 1000; i++)
		;
	uint64_t t1 = rdtime(), c1 = rdcycle(), i1 = rdinstret();
	return t1 > t0 && c1 > c0 && i1 > i0 ? 0 : 1;
}
