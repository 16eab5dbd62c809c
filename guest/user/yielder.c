/* yielder — give up the CPU arg times. */
#include "user.h"

int main(long n)
{
	for (long i = 0; i < n; i++)
		if (yield() != 0)
			return 1;
	return 0;
}
