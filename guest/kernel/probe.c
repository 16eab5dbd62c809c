/*
 * probe.c — one load, store or jump each, with the address of the
 * instruction that does it (see probe.h).
 */
#include "probe.h"

#define PROBE(insn, ...)                                                 \
	asm volatile(".option push\n.option norvc\nlla %0, 1f\n1: " insn \
	             "\n.option pop" __VA_ARGS__)

uint64_t probe_load(uint64_t addr, uint64_t *pc)
{
	uint64_t v = 0;
	PROBE("ld %1, 0(%2)", : "=&r"(*pc), "+r"(v) : "r"(addr) : "memory");
	return v;
}

void probe_store(uint64_t addr, uint64_t v, uint64_t *pc)
{
	PROBE("sd %1, 0(%2)", : "=&r"(*pc) : "r"(v), "r"(addr) : "memory");
}

uint32_t probe_load32(uint64_t addr, uint64_t *pc)
{
	uint64_t v = 0;
	PROBE("lwu %1, 0(%2)", : "=&r"(*pc), "+r"(v) : "r"(addr) : "memory");
	return (uint32_t)v;
}

void probe_store32(uint64_t addr, uint32_t v, uint64_t *pc)
{
	PROBE("sw %1, 0(%2)", : "=&r"(*pc) : "r"(v), "r"(addr) : "memory");
}

void probe_exec(uint64_t addr)
{
	asm volatile("jalr ra, 0(%0)" ::"r"(addr) : "ra", "memory");
}
