/*
 * A virtual virtio-input keyboard or tablet (virtio 1.2 §5.8), as the board's
 * virtio-keyboard-device and virtio-tablet-device present themselves: their
 * names, ids, key (button), repeat, LED, absolute and relative axis bits and
 * axis ranges in the configuration space, events in the event queue, LED
 * changes taken from the status queue.
 *
 * This is the device's logic, independent of the transport: the transport
 * passes configuration space accesses to vinput_config_read/write, status
 * queue requests to vinput_status, and gives the model a struct
 * vinput_events to put events into the driver's buffers.  The key bitmap is
 * the real keyboard's (popek reads it from the board's device), so a VM's
 * keyboard offers exactly the keys the real one can send.
 */
#ifndef POPEK_DEV_VINPUT_H
#define POPEK_DEV_VINPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/virtio_mmio.h"

#define VINPUT_CFG_MAX             136 /* struct virtio_input_config (§5.8.4) */
#define VINPUT_KEYS_MAX            29 /* bytes of the board keyboard's EV_KEY bitmap (up to KEY_MEDIA) */
#define VINPUT_CFG_LEN             (8 + VINPUT_KEYS_MAX) /* its configuration space: the board's size */
#define VINPUT_TABLET_BUTTON_BYTES 43 /* the tablet's EV_KEY bitmap: up to BTN_GEAR_UP */
#define VINPUT_TABLET_CFG_LEN      (8 + VINPUT_TABLET_BUTTON_BYTES) /* the board tablet's */
#define VINPUT_CFG_ITEMS           8   /* entries a device's configuration space holds */
#define VINPUT_BITMAP              128 /* bytes of an EV_BITS bitmap */
#define VINPUT_QUEUE_MAX           64 /* events held until their EV_SYN (the board's queue grows) */
#define VINPUT_VQ_MAX              64 /* QueueNumMax of the event and status queues, as the board's */

/* §5.8.4 select values */
#define VIRTIO_INPUT_CFG_UNSET     0x00
#define VIRTIO_INPUT_CFG_ID_NAME   0x01
#define VIRTIO_INPUT_CFG_ID_SERIAL 0x02
#define VIRTIO_INPUT_CFG_ID_DEVIDS 0x03
#define VIRTIO_INPUT_CFG_PROP_BITS 0x10
#define VIRTIO_INPUT_CFG_EV_BITS   0x11
#define VIRTIO_INPUT_CFG_ABS_INFO  0x12

/* Linux input event types and codes (include/uapi/linux/input-event-codes.h). */
#define EV_SYN         0x00
#define EV_KEY         0x01
#define EV_LED         0x11
#define EV_REL         0x02
#define EV_ABS         0x03
#define EV_REP         0x14
#define SYN_REPORT     0
#define ABS_X          0x00
#define ABS_Y          0x01
#define REL_WHEEL      0x08
#define BTN_LEFT       0x110
#define VINPUT_ABS_MAX 0x7fff /* the board tablet's axes: 0 to INPUT_EVENT_ABS_MAX */

/* §5.8.6.1: an event, as the driver reads it. */
struct vinput_event {
	uint16_t type, code;
	uint32_t value;
};

/* The event queue as the transport offers it. */
struct vinput_events {
	/* Buffers the driver has made available and the device has not used. */
	uint32_t (*avail)(void *ctx);
	/* Writes the event into the next available buffer and marks it used. */
	void (*put)(void *ctx, const struct vinput_event *e);
	/* A used-buffer notification, once for a batch. */
	void (*notify)(void *ctx);
	void *ctx;
};

/* One entry of the configuration space: what (select, subsel) shows. */
struct vinput_cfg_item {
	uint8_t select, subsel, size;
	const void *data;
};

struct vinput {
	const uint8_t *keys; /* the keyboard's EV_KEY bitmap, VINPUT_BITMAP bytes */
	uint32_t keys_len;   /* its significant length (the board's: up to the highest key) */
	bool tablet;         /* the tablet, not the keyboard */
	struct vinput_cfg_item items[VINPUT_CFG_ITEMS];
	uint32_t nitems;
	uint32_t cfg_len;            /* the configuration space's size: the largest entry + 8 */
	uint8_t select, subsel;      /* the entry the driver selected */
	uint8_t cfg[VINPUT_CFG_MAX]; /* the space as last read, and bytes written since */
	bool active;                 /* DRIVER_OK seen since the last reset */
	uint8_t leds;                /* LED bits the driver set (EV_LED on the status queue) */
	struct vinput_event queue[VINPUT_QUEUE_MAX];
	uint32_t queued;
	uint64_t sent, dropped; /* events given to the driver; dropped (no buffers, or a reset) */
	/* the device on its transport */
	struct virtio_mmio t;
	struct virtio_desc desc[VINPUT_VQ_MAX];
	uint16_t heads[VINPUT_QUEUE_MAX]; /* the event buffers a report goes into */
};

/* The keyboard. keys: the EV_KEY bitmap, keys_len significant bytes (at most VINPUT_KEYS_MAX). */
void vinput_init(struct vinput *v, const uint8_t *keys, uint32_t keys_len);
/* The tablet: ABS_X and ABS_Y from 0 to VINPUT_ABS_MAX, the board's buttons, REL_WHEEL. */
void vinput_init_tablet(struct vinput *v);
/* Device reset (§2.1): inactive, nothing queued; the selection stays, as on the board. */
void vinput_reset(struct vinput *v);
/* The driver set DRIVER_OK: events flow from now on. */
void vinput_driver_ok(struct vinput *v);
uint32_t vinput_config_read(struct vinput *v, uint32_t off, uint32_t size);
/* A configuration write; true when the device signals a configuration change. */
bool vinput_config_write(struct vinput *v, uint32_t off, uint32_t size, uint32_t val,
                         bool driver_ok);
/*
 * One event from the real keyboard.  Events are held until an EV_SYN
 * SYN_REPORT, then all go to the driver at once if it has buffers for all,
 * or are dropped together, as the board's device does.
 */
void vinput_send(struct vinput *v, const struct vinput_event *e, const struct vinput_events *q);
/*
 * A status queue request of len readable bytes, e the first 8 of them (zero-filled):
 * an EV_LED sets or clears a LED.  Returns the used length the board answers: len, at most 8.
 */
uint32_t vinput_status(struct vinput *v, const struct vinput_event *e, uint32_t len);

/*
 * The device on its transport, at an MMIO slot: vinput_init, then this.
 * vinput_key() sends one key press or release from the real keyboard as the
 * board's device reports it (EV_KEY, then EV_SYN).
 */
void vinput_attach(struct vinput *v, struct virtio_mem mem, struct vplic *plic, uint32_t irq);
void vinput_key(struct vinput *v, uint16_t code, bool down);
/* One event from the real keyboard, as it came, into the event queue (vinput_send). */
void vinput_event(struct vinput *v, const struct vinput_event *e);
extern const struct mmio_ops vinput_ops; /* dev = struct vinput * */

#endif
