/* The test device: see vtest.h. */
#include "dev/vtest.h"
#include "core/guest_layout.h"

static int vtest_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	(void)dev;
	(void)off;
	(void)width;
	*val = 0;
	return 0;
}

static int vtest_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vtest *t = dev;
	if (off != 0 || width != 4)
		return 0;
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
