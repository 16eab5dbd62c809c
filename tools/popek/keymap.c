/* The US layout: see keymap.h. */
#include "keymap.h"

#include <stdio.h>
#include <string.h>

/*
 * The rows of the layout: the key codes first..first+len-1 type
 * plain[i] alone and shifted[i] with Shift.
 */
static const struct {
	uint16_t first;
	const char *plain, *shifted;
} rows[] = {
    {2, "1234567890-=", "!@#$%^&*()_+"},   /* KEY_1 .. KEY_EQUAL */
    {16, "qwertyuiop[]", "QWERTYUIOP{}"},  /* KEY_Q .. KEY_RIGHTBRACE */
    {30, "asdfghjkl;'`", "ASDFGHJKL:\"~"}, /* KEY_A .. KEY_GRAVE */
    {43, "\\zxcvbnm,./", "|ZXCVBNM<>?"},   /* KEY_BACKSLASH .. KEY_SLASH */
    {57, " ", ""},                         /* KEY_SPACE */
    {28, "\n", ""},                        /* KEY_ENTER */
};

/* QEMU's names (qapi/ui.json QKeyCode) of the keys that are not a letter or digit. */
static const struct {
	uint16_t code;
	const char *name;
} qemu_names[] = {
    {12, "minus"},     {13, "equal"},      {26, "bracket_left"}, {27, "bracket_right"},
    {39, "semicolon"}, {40, "apostrophe"}, {41, "grave_accent"}, {43, "backslash"},
    {51, "comma"},     {52, "dot"},        {53, "slash"},        {57, "spc"},
    {28, "ret"},
};

bool keymap_lookup(char c, struct keymap_key *k)
{
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const char *at = c ? strchr(rows[r].plain, c) : NULL;
		bool shift = false;

		if (!at && c && (at = strchr(rows[r].shifted, c)))
			shift = true;
		if (!at)
			continue;
		size_t i = (size_t)(at - (shift ? rows[r].shifted : rows[r].plain));
		*k = (struct keymap_key){.code = (uint16_t)(rows[r].first + i), .shift = shift};
		/* a letter's or digit's key is named by what it types alone */
		snprintf(k->qemu, sizeof(k->qemu), "%c", rows[r].plain[i]);
		for (size_t n = 0; n < sizeof(qemu_names) / sizeof(qemu_names[0]); n++) {
			if (qemu_names[n].code == k->code)
				snprintf(k->qemu, sizeof(k->qemu), "%s", qemu_names[n].name);
		}
		return true;
	}
	return false;
}
