/*
 * Physical memory: a short list of free ranges.  Boot hands popek a few
 * large pieces (RAM minus firmware, popek, the device tree and the boot
 * bundle); VMs take large contiguous ranges of it and page tables take
 * single pages.  Pure logic, unit tested on the host.
 */
#ifndef POPEK_CORE_PMEM_H
#define POPEK_CORE_PMEM_H

#include <stdint.h>

#define PMEM_MAX_RANGES 32

struct pmem {
	struct {
		uint64_t base, size;
	} free[PMEM_MAX_RANGES]; /* sorted by base, never adjacent, never empty */
	int n;
};

void pmem_reset(struct pmem *p);
/* Adds [base, base+size) as free, merging with neighbours.  0, or -1 if the table is full. */
int pmem_add(struct pmem *p, uint64_t base, uint64_t size);
/* Removes [base, base+size) from the free ranges, wherever it overlaps them. 0 or -1. */
int pmem_reserve(struct pmem *p, uint64_t base, uint64_t size);
/* First fit: the lowest `align`-aligned free range of `size` bytes; 0 when none. */
uint64_t pmem_alloc(struct pmem *p, uint64_t size, uint64_t align);
uint64_t pmem_free_bytes(const struct pmem *p);

#endif
