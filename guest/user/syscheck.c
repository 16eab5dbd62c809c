/*
 * syscheck — system calls given bad arguments fail with -1 and nothing
 * worse; and the sstatus the hardware saved on this ecall says we came from
 * U (SPP = 0) with interrupts on (SPIE = 1), now off (SIE = 0).
 */
#include "user.h"

#define SSTATUS_SIE  (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP  (1UL << 8)

int main(void)
{
	int status;
	if (write(1, (void *)0, 5) != -1)
		return 1;
	if (write(1, (void *)0x80200000UL, 5) != -1) /* kernel memory */
		return 2;
	if (wait(&status) != -1) /* no children */
		return 4;
	if (sbrk(-4096) != (void *)-1)
		return 5;
	if (write(7, "x", 1) != -1)
		return 6;
	if (spawn("no-such-program", 0) != -1)
		return 7;
	if (wait((int *)0x80200000UL) != -1)
		return 8;
	uint64_t s = trapinfo();
	if ((s & SSTATUS_SPP) || !(s & SSTATUS_SPIE) || (s & SSTATUS_SIE))
		return 9;
	return 0;
}
