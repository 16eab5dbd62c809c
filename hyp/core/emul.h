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

/*
 * A guest load or store of `len` bytes at gpa in region r, as the board's CPU makes it of a
 * device: a misaligned load as two aligned loads of its width that cover it, combined, and a
 * misaligned store as one byte store per byte (QEMU 7.2 TCG, accel/tcg/cputlb.c load_helper
 * and store_helper).  0, or -1 when a piece leaves the region or the device refuses it.
 */
int emul_read(const struct mmio_region *r, uint64_t gpa, unsigned len, uint64_t *val);
int emul_write(const struct mmio_region *r, uint64_t gpa, unsigned len, uint64_t val);

#endif
