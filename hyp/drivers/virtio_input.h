/*
 * The real keyboard: the virtio-input device QEMU offers (virtio 1.2 §5.8),
 * its event queue always full of 8-byte buffers.  Its interrupt only wakes
 * popek; core/screen.c takes the events between slices.
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

/* Finds the keyboard and starts it.  0, or -1 when there is none. */
int kbd_init(const struct machine *m);
/* The next event the keyboard sent, its buffer given back; false when there is none. */
bool kbd_next(struct kbd_event *e);

#endif
