/*
 * sbrktest — grow the heap by arg pages and touch each one: every page must
 * arrive zeroed, on first touch (the kernel counts the faults).
 */
#include "user.h"

int main(long npages)
{
	char *p = sbrk(npages * 4096);
	if (p == (char *)-1)
		return 1;
	for (long i = 0; i < npages; i++) {
		if (p[i * 4096 + 123] != 0)
			return 2;
		p[i * 4096 + 123] = (char)i;
	}
	for (long i = 0; i < npages; i++)
		if (p[i * 4096 + 123] != (char)i)
			return 3;
	return 0;
}
