/*
 * `popek key`'s US layout (tools/popek/keymap.c): every printable ASCII
 * character has a key, upper case and the shifted symbols with Shift, and
 * QEMU's sendkey names match the Linux key codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "keymap.h"

static const struct {
	char c;
	uint16_t code;
	bool shift;
	const char *qemu;
} cases[] = {
    {'a', 30, false, "a"},
    {'A', 30, true, "a"},
    {'z', 44, false, "z"},
    {'Z', 44, true, "z"},
    {'1', 2, false, "1"},
    {'!', 2, true, "1"},
    {'0', 11, false, "0"},
    {')', 11, true, "0"},
    {'@', 3, true, "2"},
    {'#', 4, true, "3"},
    {'$', 5, true, "4"},
    {'%', 6, true, "5"},
    {'^', 7, true, "6"},
    {'&', 8, true, "7"},
    {'*', 9, true, "8"},
    {'(', 10, true, "9"},
    {'-', 12, false, "minus"},
    {'_', 12, true, "minus"},
    {'=', 13, false, "equal"},
    {'+', 13, true, "equal"},
    {'[', 26, false, "bracket_left"},
    {'{', 26, true, "bracket_left"},
    {']', 27, false, "bracket_right"},
    {'}', 27, true, "bracket_right"},
    {';', 39, false, "semicolon"},
    {':', 39, true, "semicolon"},
    {'\'', 40, false, "apostrophe"},
    {'"', 40, true, "apostrophe"},
    {'`', 41, false, "grave_accent"},
    {'~', 41, true, "grave_accent"},
    {'\\', 43, false, "backslash"},
    {'|', 43, true, "backslash"},
    {',', 51, false, "comma"},
    {'<', 51, true, "comma"},
    {'.', 52, false, "dot"},
    {'>', 52, true, "dot"},
    {'/', 53, false, "slash"},
    {'?', 53, true, "slash"},
    {' ', 57, false, "spc"},
    {'\n', 28, false, "ret"},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct keymap_key k;
		assert_true(keymap_lookup(cases[i].c, &k));
		assert_int_equal(k.code, cases[i].code);
		assert_int_equal(k.shift, cases[i].shift);
		assert_string_equal(k.qemu, cases[i].qemu);
	}
}

/* All 95 printable characters, each typed by its own (key, shift) pair. */
static void test_every_printable(void **state)
{
	bool seen[128][2] = {{false}};

	(void)state;
	for (int c = ' '; c <= '~'; c++) {
		struct keymap_key k;
		assert_true(keymap_lookup((char)c, &k));
		assert_true(k.code > 0 && k.code < 128 && k.code != KEYMAP_SHIFT);
		assert_false(seen[k.code][k.shift]);
		seen[k.code][k.shift] = true;
		assert_int_equal(k.shift,
		                 (c >= 'A' && c <= 'Z') || strchr("!@#$%^&*()_+{}|:\"<>?~", c));
	}
}

static void test_refused(void **state)
{
	struct keymap_key k;

	(void)state;
	assert_false(keymap_lookup('\0', &k));
	assert_false(keymap_lookup('\t', &k));
	assert_false(keymap_lookup('\x7f', &k));
	assert_false(keymap_lookup('\x80', &k));
	assert_false(keymap_lookup('\r', &k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_every_printable),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
