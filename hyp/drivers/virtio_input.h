/*
 * The real keyboard and tablet: the virtio-input devices QEMU offers
 * (virtio 1.2 §5.8), told apart by their EV_ABS bits (the tablet has
 * ABS_X and ABS_Y), each event queue always full of 8-byte buffers.  Their
 * interrupts only wake popek; core/screen.c takes the events between slices.
 */
#ifndef POPEK_DRIVERS_VIRTIO_INPUT_H
#define POPEK_DRIVERS_VIRTIO_INPUT_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/* Linux's struct input_event as virtio carries it (§5.8.6.1). */
struct kbd_event {
	uint16_t type, code;
	uint32_t value;
};

enum input_which { INPUT_KEYBOARD, INPUT_TABLET, INPUT_DEVICES };

/* Finds the keyboard and the tablet and starts them: a bit (1 << which) for each found. */
unsigned input_init(const struct machine *m);
/* The next event the device sent, its buffer given back; false when there is none. */
bool input_next(enum input_which which, struct kbd_event *e);

#endif
