/* popek's formatter, checked against the host C library's on the same formats and values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/printf.h"

#define SAME(fmt, ...)                                                                            \
	do {                                                                                      \
		char ours[128], libc[128];                                                        \
		int n1 = fmt_snprintf(ours, sizeof(ours), fmt, __VA_ARGS__);                      \
		int n2 = snprintf(libc, sizeof(libc), fmt, __VA_ARGS__);                          \
		if (strcmp(ours, libc) != 0 || n1 != n2)                                          \
			fail_msg("format \"%s\": popek \"%s\" (%d), libc \"%s\" (%d)", fmt, ours, \
			         n1, libc, n2);                                                   \
	} while (0)

static void test_matches_libc(void **state)
{
	(void)state;
	SAME("%d %d %d", 0, -1, 2147483647);
	SAME("%i", -2147483647 - 1);
	SAME("%ld %ld", (long)INT64_MAX, (long)INT64_MIN);
	SAME("%lu %lx %lX", (unsigned long)UINT64_MAX, 0xdeadbeefUL, 0xdeadbeefUL);
	SAME("%u %x %o", 4000000000u, 255u, 8u);
	SAME("[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	SAME("[%016lx]", 0x80200000UL);
	SAME("[%8s] [%-8s] [%s]", "ab", "cd", "");
	SAME("%c%c%%", 'o', 'k');
	SAME("%zu", (size_t)12345);
	SAME("%llu", 18446744073709551615ULL);
	SAME("%s=%d", "x", 1);
}

static void test_truncates(void **state)
{
	(void)state;
	char buf[6];
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", "abcdefgh"), 8);
	assert_string_equal(buf, "abcde");
	assert_int_equal(fmt_snprintf(buf, 1, "%d", 123), 3);
	assert_string_equal(buf, "");
	assert_int_equal(fmt_snprintf(NULL, 0, "%d", 123), 3);
}

static void test_pointer_and_null(void **state)
{
	(void)state;
	char buf[40];
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	assert_string_equal(buf, "0x0000000000001234");
	const char *volatile null = NULL;
	fmt_snprintf(buf, sizeof(buf), "%s", null);
	assert_string_equal(buf, "(null)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matches_libc),
	    cmocka_unit_test(test_truncates),
	    cmocka_unit_test(test_pointer_and_null),
	};
	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
