/*
 * hyp/lib/string.c's copies against a byte-at-a-time reference: every
 * alignment of source and destination, lengths around a doubleword, and
 * overlap in both directions (memmove copies forwards or backwards).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* popek's functions under their own names, so that the C library's stay as they are */
#define memcpy  popek_memcpy
#define memmove popek_memmove
#define memset  popek_memset
#define memcmp  popek_memcmp
#define memchr  popek_memchr
#define strlen  popek_strlen
#define strnlen popek_strnlen
#define strcmp  popek_strcmp
#define strncmp popek_strncmp
#include "../../hyp/lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp

#define BUF 96

static void fill(unsigned char *b)
{
	for (int i = 0; i < BUF; i++)
		b[i] = (unsigned char)(i * 7 + 1);
}

/* What memmove must leave: the source's bytes as they were before the copy. */
static void reference(unsigned char *b, size_t dst, size_t src, size_t n)
{
	unsigned char tmp[BUF];
	for (size_t i = 0; i < n; i++)
		tmp[i] = b[src + i];
	for (size_t i = 0; i < n; i++)
		b[dst + i] = tmp[i];
}

static void test_memmove_every_alignment_and_overlap(void **state)
{
	(void)state;
	_Alignas(8) unsigned char got[BUF], want[BUF];
	for (size_t dst = 0; dst < 24; dst++)
		for (size_t src = 0; src < 24; src++)
			for (size_t n = 0; n + (dst > src ? dst : src) <= BUF && n <= 40; n++) {
				fill(got);
				fill(want);
				reference(want, dst, src, n);
				void *r = popek_memmove(got + dst, got + src, n);
				assert_ptr_equal(r, got + dst);
				if (memcmp(got, want, BUF) != 0)
					fail_msg("memmove(+%zu, +%zu, %zu) differs", dst, src, n);
			}
}

static void test_memcpy_disjoint(void **state)
{
	(void)state;
	_Alignas(8) unsigned char src[BUF], dst[BUF], want[BUF];
	fill(src);
	for (size_t d = 0; d < 16; d++)
		for (size_t s = 0; s < 16; s++)
			for (size_t n = 0; n + 16 <= BUF; n++) {
				memset(dst, 0xee, BUF);
				memset(want, 0xee, BUF);
				memcpy(want + d, src + s, n);
				popek_memcpy(dst + d, src + s, n);
				if (memcmp(dst, want, BUF) != 0)
					fail_msg("memcpy(+%zu, +%zu, %zu) differs", d, s, n);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memmove_every_alignment_and_overlap),
	    cmocka_unit_test(test_memcpy_disjoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
