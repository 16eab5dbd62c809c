/*
 * Guest MMIO: each VM has a registry of guest-physical ranges, each served
 * by a device model.  A guest load or store that reaches a range (it always
 * traps: device windows are never mapped in the shadow tables) is decoded by
 * arch code and handed to the model's read or write.
 */
#ifndef POPEK_CORE_EMUL_H
#define POPEK_CORE_EMUL_H

#include <stdint.h>

struct mmio_ops {
	/*
	 * `off` is relative to the range's base; `width` is 1, 2, 4 or 8 bytes.
	 * Return 0 when the access completed, or -1 for an access the device does
	 * not accept (bad width or offset): the guest then gets an access fault,
	 * as the bus would give it.
	 */
	int (*read)(void *dev, uint64_t off, unsigned width, uint64_t *val);
	int (*write)(void *dev, uint64_t off, unsigned width, uint64_t val);
};

struct mmio_region {
	uint64_t base, size;
	const struct mmio_ops *ops;
	void *dev;
};

#define EMUL_MAX_REGIONS 16

struct emul {
	struct mmio_region regions[EMUL_MAX_REGIONS];
	int n;
};

/* 0, or -1 when the table is full or the range overlaps another. */
int emul_add(struct emul *e, uint64_t base, uint64_t size, const struct mmio_ops *ops, void *dev);
/* The region containing gpa, or NULL. */
const struct mmio_region *emul_find(const struct emul *e, uint64_t gpa);

#endif
