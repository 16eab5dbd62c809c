/*
 * hyp/arch/riscv/vcsr.c's direct-indexed lookup, vcsr_row[], says for every
 * one of the 4096 CSR numbers what the first-match scan of vcsrs[] (the
 * lookup it replaced) says.  The file is included to reach its statics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/riscv/vcsr.c"

static const struct vcsr_desc *find_by_scan(unsigned csr)
{
	for (size_t i = 0; i < sizeof(vcsrs) / sizeof(vcsrs[0]); i++) {
		if (csr >= vcsrs[i].csr && csr < (unsigned)vcsrs[i].csr + vcsrs[i].count)
			return &vcsrs[i];
	}
	return NULL;
}

static void test_row_index_is_the_scan(void **state)
{
	(void)state;
	for (unsigned csr = 0; csr < 4096; csr++) {
		if (find(csr) != find_by_scan(csr))
			fail_msg("csr %#x: table row %td, scan row %td", csr,
			         find(csr) ? find(csr) - vcsrs : -1,
			         find_by_scan(csr) ? find_by_scan(csr) - vcsrs : -1);
	}
	assert_null(find(4096));
	assert_int_equal(sizeof(vcsrs) / sizeof(vcsrs[0]), 40); /* a new row needs its index */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_row_index_is_the_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
