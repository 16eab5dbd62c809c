/*
 * The virtio-input keyboard (virtio 1.2 §5.8) as the board's
 * virtio-keyboard-device (QEMU 7.2) behaves:
 *  - the configuration space shows the entry that select and subsel name, or
 *    zeros; it is refreshed at every read, and a write stores its bytes and
 *    then takes select and subsel from the space as it stands, so a driver
 *    writing select then subsel selects what it meant (§5.8.4);
 *  - events wait for their EV_SYN SYN_REPORT and then go to the driver
 *    together, or not at all when it has too few buffers (§5.8.6.2);
 *  - the status queue takes LED changes; nothing else there has an effect.
 */
#include "dev/vinput.h"

#include <stddef.h>

#include "core/check.h"
#include "lib/string.h"

#define CFG_HDR 8 /* select, subsel, size, reserved[5] */

static const char kbd_name[] = "QEMU Virtio Keyboard";

/* LED_NUML, LED_CAPSL, LED_SCROLLL */
#define KBD_LEDS 0x07

/*
 * The configuration entry for (select, subsel) into buf (VINPUT_CFG_MAX bytes,
 * zeroed); false when the device has none.
 */
static bool cfg_entry(const struct vinput *v, uint8_t sel, uint8_t sub, uint8_t *buf)
{
	const uint8_t devids[8] = {0x06, 0, 0x27, 0x06,
	                           0x01, 0, 0x01, 0}; /* BUS_VIRTUAL, 0627:0001 v1 */
	const void *data = NULL;
	uint32_t size = 0;
	uint8_t byte;

	if (sel == VIRTIO_INPUT_CFG_ID_NAME && sub == 0) {
		data = kbd_name;
		size = sizeof kbd_name;
	} else if (sel == VIRTIO_INPUT_CFG_ID_DEVIDS && sub == 0) {
		data = devids;
		size = sizeof devids;
	} else if (sel == VIRTIO_INPUT_CFG_EV_BITS && sub == EV_KEY) {
		data = v->keys;
		size = v->keys_len;
	} else if (sel == VIRTIO_INPUT_CFG_EV_BITS && sub == EV_REP) {
		byte = 0;
		data = &byte;
		size = 1;
	} else if (sel == VIRTIO_INPUT_CFG_EV_BITS && sub == EV_LED) {
		byte = KBD_LEDS;
		data = &byte;
		size = 1;
	} else {
		return false;
	}
	buf[0] = sel;
	buf[1] = sub;
	buf[2] = (uint8_t)size;
	memcpy(buf + CFG_HDR, data, size);
	return true;
}

void vinput_init(struct vinput *v, const uint8_t *keys, uint32_t keys_len)
{
	CHECK(keys_len <= VINPUT_BITMAP, "vinput: a key bitmap of %u bytes", keys_len);
	*v = (struct vinput){.keys = keys, .keys_len = keys_len};
	/* the largest entry: the name, or the key bitmap */
	v->cfg_len = CFG_HDR + (keys_len > sizeof kbd_name ? keys_len : sizeof kbd_name);
}

void vinput_reset(struct vinput *v)
{
	v->active = false;
	v->queued = 0;
}

void vinput_driver_ok(struct vinput *v)
{
	v->active = true;
}

/* The space as a read sees it: the selected entry, or zeros. */
static void cfg_refresh(struct vinput *v)
{
	uint8_t buf[VINPUT_CFG_MAX] = {0};

	cfg_entry(v, v->select, v->subsel, buf);
	memcpy(v->cfg, buf, v->cfg_len);
}

uint32_t vinput_config_read(struct vinput *v, uint32_t off, uint32_t size)
{
	uint32_t val = 0;

	if (size > 4 || off + size > v->cfg_len)
		return size >= 4 ? 0xffffffff : (1u << (8 * size)) - 1;
	cfg_refresh(v);
	for (uint32_t i = 0; i < size; i++)
		val |= (uint32_t)v->cfg[off + i] << (8 * i);
	return val;
}

bool vinput_config_write(struct vinput *v, uint32_t off, uint32_t size, uint32_t val,
                         bool driver_ok)
{
	if (size > 4 || off + size > v->cfg_len)
		return false;
	for (uint32_t i = 0; i < size; i++)
		v->cfg[off + i] = (uint8_t)(val >> (8 * i));
	v->select = v->cfg[0];
	v->subsel = v->cfg[1];
	return driver_ok; /* the board's device signals a configuration change after DRIVER_OK */
}

void vinput_send(struct vinput *v, const struct vinput_event *e, const struct vinput_events *q)
{
	if (!v->active)
		return;
	if (v->queued == VINPUT_QUEUE_MAX) {
		/* a report longer than any keyboard sends: dropped whole */
		v->dropped += v->queued;
		v->queued = 0;
	}
	v->queue[v->queued++] = *e;
	if (e->type != EV_SYN || e->code != SYN_REPORT)
		return;
	if (q->avail(q->ctx) < v->queued) {
		v->dropped += v->queued;
		v->queued = 0;
		return;
	}
	for (uint32_t i = 0; i < v->queued; i++)
		q->put(q->ctx, &v->queue[i]);
	v->sent += v->queued;
	v->queued = 0;
	q->notify(q->ctx);
}

uint32_t vinput_status(struct vinput *v, const struct vinput_event *e, uint32_t len)
{
	if (e->type == EV_LED && e->code < 3) {
		if (e->value)
			v->leds |= (uint8_t)(1u << e->code);
		else
			v->leds &= (uint8_t) ~(1u << e->code);
	}
	return len < sizeof *e ? len : sizeof *e;
}
