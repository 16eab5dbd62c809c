/*
 * What vdisk.c needs from the rest of popek, for test_vdisk: kept apart
 * from the test so that it does not see core/vm.h, whose accessor may be
 * an inline function (then the weak one here is never used).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct vm;

__attribute__((weak)) void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	(void)vm;
	(void)gpa;
	(void)len;
	abort(); /* the test gives every device its own accessor */
}

uint64_t vcpu_now(void)
{
	static uint64_t t;

	return ++t; /* a clock that moves: the report's sums must not wrap */
}

/* vm_dma_wrote() (core/vm.h): no VM of the test has watches. */
void watch_stored(struct vm *vm, uint64_t gpa, unsigned width)
{
	(void)vm;
	(void)gpa;
	(void)width;
	abort();
}
