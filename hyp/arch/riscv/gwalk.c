/*
 * The guest walk itself is inline in gwalk.h (every caller inlines its PTE
 * reader into it); what is left here is called rarely.
 */
#include "arch/riscv/gwalk.h"

bool gwalk_sv39_canonical(uint64_t va)
{
	return gwalk_canonical(3, va);
}
