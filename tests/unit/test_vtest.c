/*
 * The test device: what each access does on the board (QEMU 7.2's
 * sifive_test): 2- and 4-byte aligned accesses are taken, others fault; a
 * write at offset 0 powers off, fails or resets by its low 16 bits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/guest_layout.h"
#include "dev/vtest.h"

static int events;
static enum vtest_event last;
static uint32_t last_code;

static void record(void *arg, enum vtest_event e, uint32_t code)
{
	(void)arg;
	events++;
	last = e;
	last_code = code;
}

static struct vtest dev = {record, NULL};

static void reset(void)
{
	events = 0;
	last = (enum vtest_event) - 1;
	last_code = 0xdead;
}

/* OpenSBI's driver writes 16 bits: the board powers off; so must popek. */
static void test_16bit_poweroff(void **state)
{
	(void)state;
	reset();
	assert_int_equal(vtest_ops.write(&dev, 0, 2, GUEST_TEST_PASS), 0);
	assert_int_equal(events, 1);
	assert_int_equal(last, VTEST_PASS);
}

static void test_16bit_reset_and_fail(void **state)
{
	(void)state;
	reset();
	assert_int_equal(vtest_ops.write(&dev, 0, 2, GUEST_TEST_RESET), 0);
	assert_int_equal(last, VTEST_RESET);
	reset();
	/* a 2-byte write carries no code: bits above 15 are not written */
	assert_int_equal(vtest_ops.write(&dev, 0, 2, 0x00070000 | GUEST_TEST_FAIL), 0);
	assert_int_equal(last, VTEST_FAIL);
	assert_int_equal(last_code, 0);
}

static void test_32bit_fail_code(void **state)
{
	(void)state;
	reset();
	assert_int_equal(vtest_ops.write(&dev, 0, 4, (42u << 16) | GUEST_TEST_FAIL), 0);
	assert_int_equal(last, VTEST_FAIL);
	assert_int_equal(last_code, 42);
}

static void test_other_widths_fault(void **state)
{
	uint64_t v = 0x1234;
	(void)state;
	reset();
	assert_int_equal(vtest_ops.write(&dev, 0, 1, GUEST_TEST_PASS), -1);
	assert_int_equal(vtest_ops.write(&dev, 0, 8, GUEST_TEST_PASS), -1);
	assert_int_equal(vtest_ops.write(&dev, 2, 4, GUEST_TEST_PASS), -1);
	assert_int_equal(vtest_ops.write(&dev, 1, 2, GUEST_TEST_PASS), -1);
	assert_int_equal(vtest_ops.read(&dev, 0, 1, &v), -1);
	assert_int_equal(vtest_ops.read(&dev, 0, 8, &v), -1);
	assert_int_equal(events, 0);
}

static void test_elsewhere_nothing(void **state)
{
	uint64_t v = 0x1234;
	(void)state;
	reset();
	assert_int_equal(vtest_ops.write(&dev, 4, 4, GUEST_TEST_PASS), 0);
	assert_int_equal(vtest_ops.write(&dev, 2, 2, GUEST_TEST_PASS), 0);
	assert_int_equal(vtest_ops.write(&dev, 0, 4, 0x1234), 0);
	assert_int_equal(events, 0);
	assert_int_equal(vtest_ops.read(&dev, 0, 2, &v), 0);
	assert_int_equal(v, 0);
	v = 0x1234;
	assert_int_equal(vtest_ops.read(&dev, 0xffc, 4, &v), 0);
	assert_int_equal(v, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_16bit_poweroff),    cmocka_unit_test(test_16bit_reset_and_fail),
	    cmocka_unit_test(test_32bit_fail_code),   cmocka_unit_test(test_other_widths_fault),
	    cmocka_unit_test(test_elsewhere_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
