/* sleeper — sleep arg ms; exit 0 if at least that much time passed. */
#include "user.h"

int main(long ms)
{
	long t0 = uptime();
	if (sleep(ms) != 0)
		return 2;
	return uptime() - t0 >= ms ? 0 : 1;
}
