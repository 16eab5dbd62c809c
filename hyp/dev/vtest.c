/* The test device: see vtest.h. */
#include "dev/vtest.h"

#include <stdbool.h>

#include "core/guest_layout.h"

/*
 * The board's device takes naturally aligned 2- and 4-byte accesses anywhere in its
 * 4 KiB window (QEMU 7.2 hw/misc/sifive_test.c: valid sizes 2..4, unaligned not allowed);
 * any other access faults.  OpenSBI's own driver powers off and resets with 16-bit writes.
 */
static bool vtest_access_ok(uint64_t off, unsigned width)
{
	return (width == 2 || width == 4) && (off & (width - 1)) == 0;
}

static int vtest_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	(void)dev;
	if (!vtest_access_ok(off, width))
		return -1;
	*val = 0;
	return 0;
}

/* A write at offset 0: bits 15:0 the status, 31:16 the failure code (0 for a 2-byte write). */
static int vtest_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vtest *t = dev;

	if (!vtest_access_ok(off, width))
		return -1;
	if (off != 0)
		return 0;
	if (width == 2)
		val &= 0xffff;
	switch (val & 0xffff) {
	case GUEST_TEST_PASS:
		t->event(t->arg, VTEST_PASS, 0);
		break;
	case GUEST_TEST_FAIL:
		t->event(t->arg, VTEST_FAIL, (uint32_t)(val >> 16) & 0xffff);
		break;
	case GUEST_TEST_RESET:
		t->event(t->arg, VTEST_RESET, 0);
		break;
	}
	return 0;
}

const struct mmio_ops vtest_ops = {vtest_read, vtest_write};
