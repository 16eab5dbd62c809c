/* spin — burn the CPU without a system call until arg timer ticks passed. */
#include "user.h"

int main(long duration)
{
	uint64_t start = rdtime();
	while (rdtime() - start < (uint64_t)duration)
		;
	return 0;
}
