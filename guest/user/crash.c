/*
 * crash — misbehave in the way arg picks; the kernel must kill us and carry
 * on.  Reaching the end means the misbehaviour was allowed: exit 99.
 */
#include "user.h"

#define KERNEL_ADDR 0x80200000UL

int main(long how)
{
	switch (how) {
	case 0: /* load from an unmapped address */
		return *(volatile int *)0;
	case 1: /* store to a kernel (U=0) page */
		*(volatile int *)KERNEL_ADDR = 1;
		break;
	case 2: /* an S-mode CSR from U */
		asm volatile(".option push\n.option norvc\ncsrr t0, sstatus\n.option pop" ::: "t0");
		break;
	case 3: /* jump into the kernel */
		((void (*)(void))KERNEL_ADDR)();
		break;
	case 4: /* a breakpoint nobody handles */
		asm volatile(".option push\n.option norvc\nebreak\n.option pop");
		break;
	case 5: /* execute a heap page: mapped, but not executable */
	{
		uint32_t *code = sbrk(4096);
		code[0] = 0x00008067; /* ret */
		((void (*)(void))code)();
		break;
	}
	case 6: /* sret is privileged */
		asm volatile(".option push\n.option norvc\nsret\n.option pop");
		break;
	}
	return 99;
}
