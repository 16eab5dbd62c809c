/*
 * The US keyboard layout `popek key` types with: for each printable ASCII
 * character (and Enter), the key that types it, whether Shift is held, and
 * QEMU's name for the key (its monitor's sendkey).
 */
#ifndef POPEK_TOOLS_KEYMAP_H
#define POPEK_TOOLS_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

#define KEYMAP_SHIFT 42 /* KEY_LEFTSHIFT (input-event-codes.h) */

struct keymap_key {
	uint16_t code; /* the Linux key code (input-event-codes.h) */
	bool shift;    /* typed with Shift held */
	char qemu[16]; /* QEMU's name for the key, Shift not included */
};

/* The key that types c (' ' to '~', or '\n' for Enter); false when none does. */
bool keymap_lookup(char c, struct keymap_key *k);

#endif
