#ifndef PROBE_H
#define PROBE_H

#include <stdint.h>

/*
 * Single memory accesses for tests that expect them to trap: each is one
 * uncompressed instruction whose address is returned in *pc, so a test can
 * check sepc exactly; arm trap_expect(..., TRAP_SKIP) first.  A faulting
 * probe_load returns 0.  probe_exec jumps to addr; arm TRAP_RETURN, since
 * the faulting pc is addr itself.
 */
uint64_t probe_load(uint64_t addr, uint64_t *pc);
void probe_store(uint64_t addr, uint64_t v, uint64_t *pc);
uint32_t probe_load32(uint64_t addr, uint64_t *pc);
void probe_store32(uint64_t addr, uint32_t v, uint64_t *pc);
void probe_exec(uint64_t addr);

#endif
