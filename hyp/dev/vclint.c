/*
 * The virtual CLINT.  Like the board's (QEMU 7.2's ACLINT models), its
 * msip part (below mtimecmp) takes naturally aligned 4-byte accesses, its
 * timer part aligned 4- and 8-byte ones, and anything else is an access
 * fault; other harts' registers and holes read as zero and ignore writes.
 * A write to mtime is ignored: mtime is the VM's clock (the real one, or
 * its own with timer = virtual), which the guest's `time` CSR reads too,
 * and popek cannot set the real one.
 */
#include "dev/vclint.h"
#include "core/guest_layout.h"

void vclint_init(struct vclint *c, uint64_t (*now)(void *), void (*changed)(void *), void *arg)
{
	*c = (struct vclint){.now = now, .changed = changed, .arg = arg};
}

bool vclint_mtip(const struct vclint *c, uint64_t now)
{
	return now >= c->mtimecmp;
}

bool vclint_msip(const struct vclint *c)
{
	return c->msip & 1;
}

/* MemoryRegionOps.valid of QEMU's aclint_swi (4 bytes) and aclint_mtimer (4 or 8); aligned. */
static bool access_ok(uint64_t off, unsigned width)
{
	bool sizes = off < GUEST_CLINT_MTIMECMP ? width == 4 : width == 4 || width == 8;
	return sizes && (off & (width - 1)) == 0;
}

/* A 4- or 8-byte register at `base`: which part `off`/`width` reaches, as a shift. */
static int part(uint64_t off, unsigned width, uint64_t base, unsigned *shift)
{
	if (off < base || off >= base + 8 || (width != 4 && width != 8) || (off - base) % width)
		return -1;
	*shift = 8 * (unsigned)(off - base);
	return 0;
}

static uint64_t mask_of(unsigned width)
{
	return width == 8 ? UINT64_MAX : (1UL << (8 * width)) - 1;
}

static int vclint_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct vclint *c = dev;
	unsigned shift;
	if (!access_ok(off, width))
		return -1;
	*val = 0;
	if (off == GUEST_CLINT_MSIP)
		*val = c->msip;
	else if (part(off, width, GUEST_CLINT_MTIMECMP, &shift) == 0)
		*val = (c->mtimecmp >> shift) & mask_of(width);
	else if (part(off, width, GUEST_CLINT_MTIME, &shift) == 0)
		*val = (c->now(c->arg) >> shift) & mask_of(width);
	return 0;
}

static int vclint_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vclint *c = dev;
	unsigned shift;
	if (!access_ok(off, width))
		return -1;
	if (off == GUEST_CLINT_MSIP) {
		c->msip = (uint32_t)val & 1;
	} else if (part(off, width, GUEST_CLINT_MTIMECMP, &shift) == 0) {
		uint64_t m = mask_of(width) << shift;
		c->mtimecmp = (c->mtimecmp & ~m) | ((val << shift) & m);
	} else {
		return 0; /* mtime, other harts' registers, holes: ignored */
	}
	c->changed(c->arg);
	return 0;
}

const struct mmio_ops vclint_ops = {vclint_read, vclint_write};
