/* banner_length(): what of a bare run's terminal is OpenSBI's banner, not the guest's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "banner.h"

#define BANNER                                                                             \
	"\r\nOpenSBI v1.1\r\n   ____\r\nPlatform Name             : riscv-virtio,qemu\r\n" \
	"Boot HART MIDELEG         : 0x0000000000000222\r\n"                               \
	"Boot HART MEDELEG         : 0x000000000000b109\r\n\r\n"

static const struct {
	const char *text;
	size_t expect; /* banner bytes; SIZE_MAX: all of BANNER */
} cases[] = {
    {BANNER "guest: hello\r\n", SIZE_MAX},
    {BANNER, SIZE_MAX},
    {"OpenSBI v1.1\nBoot HART MEDELEG : 0x1\n\nguest\n", 38},
    {"guest: hello\r\nOpenSBI v1.1\r\nBoot HART MEDELEG : 0\r\n\r\n", 0}, /* not at the start */
    {"\r\nOpenSBI v1.1\r\nPlatform Name : x\r\n", 0},                     /* cut short */
    {"", 0},
    {"OpenSBI", 0},
    {"\r\nOpenSBI v1.1\r\nBoot HART MEDELEG : 0\r\nguest line\r\n", 39}, /* no blank line */
};

static void test_banner_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t want = cases[i].expect == SIZE_MAX ? strlen(BANNER) : cases[i].expect;
		size_t got = banner_length(cases[i].text, strlen(cases[i].text));
		if (got != want)
			fail_msg("case %zu: %zu bytes, expected %zu", i, got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_banner_table)};
	return cmocka_run_group_tests_name("banner", tests, NULL, NULL);
}
