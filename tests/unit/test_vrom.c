/*
 * The board's mask ROM: the bytes QEMU 7.2's virt puts at 0x1000 for a start
 * at 0x8000_0000 (its reset vector, then the fw_dynamic information OpenSBI
 * reads through a2), read back through the MMIO model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dev/vrom.h"

static uint64_t rd(struct vrom *r, uint64_t off, unsigned width)
{
	uint64_t v = 0xdead;
	assert_int_equal(vrom_ops.read(r, off, width, &v), 0);
	return v;
}

static void test_vector_and_info(void **state)
{
	struct vrom r;

	(void)state;
	vrom_init(&r, 0x80000000, 0x8fe00000, 0x80200000);
	assert_int_equal(rd(&r, 0, 4), 0x00000297);  /* auipc t0 */
	assert_int_equal(rd(&r, 4, 4), 0x02828613);  /* addi a2, t0, 40 */
	assert_int_equal(rd(&r, 20, 4), 0x00028067); /* jr t0 */
	assert_int_equal(rd(&r, 24, 8), 0x80000000); /* start */
	assert_int_equal(rd(&r, 32, 8), 0x8fe00000); /* the device tree */
	assert_int_equal(VROM_FW_INFO, 0x1028);      /* a2 */
	assert_int_equal(rd(&r, 40, 8), 0x4942534f); /* "OSBI" */
	assert_int_equal(rd(&r, 48, 8), 2);          /* version */
	assert_int_equal(rd(&r, 56, 8), 0x80200000); /* next_addr */
	assert_int_equal(rd(&r, 64, 8), 1);          /* next_mode: S */
	assert_int_equal(rd(&r, 72, 8), 0);          /* options */
	assert_int_equal(rd(&r, 80, 8), 0);          /* boot_hart */
	assert_int_equal(rd(&r, 88, 8), 0);          /* past it: zero */
	assert_int_equal(rd(&r, 41, 1), 0x53);       /* any alignment: 'S' */
	assert_int_equal(rd(&r, 86, 4), 0);          /* straddling the end */
	assert_int_equal(rd(&r, VROM_SIZE - 8, 8), 0);
}

static void test_writes_dropped_and_bounds(void **state)
{
	struct vrom r;
	uint64_t v;

	(void)state;
	vrom_init(&r, 0x80000000, 0x8fe00000, 0x80000000);
	assert_int_equal(vrom_ops.write(&r, 40, 8, 0), 0);
	assert_int_equal(rd(&r, 40, 8), 0x4942534f);
	assert_int_equal(vrom_ops.read(&r, VROM_SIZE - 4, 8, &v), -1);
	assert_int_equal(vrom_ops.read(&r, VROM_SIZE, 1, &v), -1);
	assert_int_equal(vrom_ops.read(&r, 0, 3, &v), -1);
	assert_int_equal(vrom_ops.write(&r, VROM_SIZE, 4, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_and_info),
	    cmocka_unit_test(test_writes_dropped_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
