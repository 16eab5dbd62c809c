/*
 * The virtio-input keyboard and tablet (virtio 1.2 §5.8) as the board's
 * virtio-keyboard-device and virtio-tablet-device (QEMU 7.2) behave:
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
static const char tablet_name[] = "QEMU Virtio Tablet";
/* struct virtio_input_devids: BUS_VIRTUAL, vendor 0627, product, version */
static const uint8_t kbd_ids[8] = {0x06, 0, 0x27, 0x06, 0x01, 0, 0x01, 0};
static const uint8_t tablet_ids[8] = {0x06, 0, 0x27, 0x06, 0x03, 0, 0x02, 0};
static const uint8_t kbd_rep = 0;
static const uint8_t kbd_leds = 0x07; /* LED_NUML, LED_CAPSL, LED_SCROLLL */

/*
 * The tablet's buttons: BTN_LEFT, RIGHT, MIDDLE, SIDE, EXTRA (0x110..0x114)
 * and BTN_GEAR_DOWN, UP (0x150, 0x151), the board's whole button map (its
 * wheel is REL_WHEEL, but the map keeps the gears).
 */
static const uint8_t tablet_buttons[VINPUT_TABLET_BUTTON_BYTES] = {
    [0x110 / 8] = 0x1f,
    [0x150 / 8] = 0x03,
};
static const uint8_t tablet_abs = 1 << ABS_X | 1 << ABS_Y;
static const uint8_t tablet_rel[2] = {0, 1 << (REL_WHEEL - 8)};
/* struct virtio_input_absinfo: min 0, max 32767 (INPUT_EVENT_ABS_MAX), fuzz, flat, res 0 */
static const uint8_t tablet_absinfo[20] = {0, 0, 0, 0, 0xff, 0x7f};

/* Adds an entry to the device's table. */
static void cfg_add(struct vinput *v, uint8_t sel, uint8_t sub, const void *data, uint32_t size)
{
	CHECK(v->nitems < VINPUT_CFG_ITEMS && size <= VINPUT_CFG_MAX - CFG_HDR,
	      "vinput: configuration entry %u of %u bytes", v->nitems, size);
	v->items[v->nitems++] = (struct vinput_cfg_item){sel, sub, (uint8_t)size, data};
	if (CFG_HDR + size > v->cfg_len)
		v->cfg_len = CFG_HDR + size; /* the board's space: the largest entry */
}

/*
 * The configuration entry for (select, subsel) into buf (VINPUT_CFG_MAX bytes,
 * zeroed); false when the device has none.
 */
static bool cfg_entry(const struct vinput *v, uint8_t sel, uint8_t sub, uint8_t *buf)
{
	for (uint32_t i = 0; i < v->nitems; i++) {
		const struct vinput_cfg_item *it = &v->items[i];
		if (it->select != sel || it->subsel != sub)
			continue;
		buf[0] = sel;
		buf[1] = sub;
		buf[2] = it->size;
		memcpy(buf + CFG_HDR, it->data, it->size);
		return true;
	}
	return false;
}

void vinput_init(struct vinput *v, const uint8_t *keys, uint32_t keys_len)
{
	CHECK(keys_len <= VINPUT_KEYS_MAX, "vinput: a key bitmap of %u bytes", keys_len);
	*v = (struct vinput){.keys = keys, .keys_len = keys_len};
	cfg_add(v, VIRTIO_INPUT_CFG_ID_NAME, 0, kbd_name, sizeof kbd_name);
	cfg_add(v, VIRTIO_INPUT_CFG_ID_DEVIDS, 0, kbd_ids, sizeof kbd_ids);
	cfg_add(v, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, keys, keys_len);
	cfg_add(v, VIRTIO_INPUT_CFG_EV_BITS, EV_REP, &kbd_rep, 1);
	cfg_add(v, VIRTIO_INPUT_CFG_EV_BITS, EV_LED, &kbd_leds, 1);
}

void vinput_init_tablet(struct vinput *v)
{
	*v = (struct vinput){.tablet = true};
	cfg_add(v, VIRTIO_INPUT_CFG_ID_NAME, 0, tablet_name, sizeof tablet_name);
	cfg_add(v, VIRTIO_INPUT_CFG_ID_DEVIDS, 0, tablet_ids, sizeof tablet_ids);
	cfg_add(v, VIRTIO_INPUT_CFG_EV_BITS, EV_ABS, &tablet_abs, 1);
	cfg_add(v, VIRTIO_INPUT_CFG_EV_BITS, EV_REL, tablet_rel, sizeof tablet_rel);
	cfg_add(v, VIRTIO_INPUT_CFG_ABS_INFO, ABS_X, tablet_absinfo, sizeof tablet_absinfo);
	cfg_add(v, VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y, tablet_absinfo, sizeof tablet_absinfo);
	cfg_add(v, VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, tablet_buttons, sizeof tablet_buttons);
}

void vinput_reset(struct vinput *v)
{
	v->active = false;
	v->dropped += v->queued; /* a report the reset cut short: lost, as on the board */
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

/* The transport: queue 0 events (device-writable), queue 1 status (driver-readable). */

static bool vinput_walk(struct vinput *v, uint32_t q, uint16_t head, struct virtio_chain *c)
{
	/* what the board's device cannot map is a virtio_error() there (§2.1.2) */
	if (virtio_mmio_walk(&v->t, q, head, v->desc, VINPUT_VQ_MAX, c) != 0 || c->bad_buffer ||
	    c->ordered != c->n) {
		virtio_mmio_break(&v->t);
		return false;
	}
	return true;
}

/* Copies up to len bytes from (to, with to_guest) the chain's readable (writable) part. */
static uint32_t vinput_copy(struct vinput *v, const struct virtio_chain *c, void *buf, uint32_t len,
                            bool to_guest)
{
	uint32_t done = 0;

	for (uint32_t i = 0; i < c->n && done < len; i++) {
		const struct virtio_desc *d = &c->d[i];
		uint32_t n = len - done;

		if (!(d->flags & VIRTQ_DESC_F_WRITE) != !to_guest || d->len == 0)
			continue;
		if (n > d->len)
			n = d->len;
		if (to_guest)
			memcpy(virtio_mmio_at(&v->t, d->addr, n), (uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, virtio_mmio_at(&v->t, d->addr, n), n);
		done += n;
	}
	return done;
}

static int vinput_status_take(void *dev, uint16_t head)
{
	struct vinput *v = dev;
	struct virtio_chain c;
	struct vinput_event e = {0};
	uint32_t len;

	if (!vinput_walk(v, 1, head, &c))
		return 0;
	len = vinput_copy(v, &c, &e, sizeof e, false);
	virtio_mmio_push(&v->t, 1, head, vinput_status(v, &e, len));
	return 0;
}

static void vinput_notify(void *dev, uint32_t q)
{
	struct vinput *v = dev;

	/* the event queue's buffers wait for events; the board's device does nothing then */
	if (q == 1)
		virtio_mmio_process(&v->t, 1, vinput_status_take);
}

/* The event queue as vinput_send wants it: count, then fill, what the ring holds. */
static uint32_t evq_avail(void *ctx)
{
	struct vinput *v = ctx;
	uint32_t n = 0;
	uint16_t head;

	/* take up to a report's worth, then give them all back (popped last, given first) */
	while (n < v->queued && virtio_mmio_pop(&v->t, 0, &head) == 1)
		v->heads[n++] = head;
	for (uint32_t i = 0; i < n; i++)
		virtio_mmio_unpop(&v->t, 0);
	return n;
}

static void evq_put(void *ctx, const struct vinput_event *e)
{
	struct vinput *v = ctx;
	struct virtio_chain c;
	uint16_t head;
	struct vinput_event copy = *e;

	if (virtio_mmio_pop(&v->t, 0, &head) != 1 || !vinput_walk(v, 0, head, &c))
		return;
	virtio_mmio_push(&v->t, 0, head, vinput_copy(v, &c, &copy, sizeof copy, true));
}

static void evq_notify(void *ctx)
{
	(void)ctx; /* virtio_mmio_push notified as the driver asked */
}

void vinput_event(struct vinput *v, const struct vinput_event *e)
{
	const struct vinput_events q = {evq_avail, evq_put, evq_notify, v};

	/* the board's device turns active at DRIVER_OK, until a reset */
	if (virtio_mmio_driver_ok(&v->t) && !v->active)
		vinput_driver_ok(v);
	vinput_send(v, e, &q);
}

void vinput_key(struct vinput *v, uint16_t code, bool down)
{
	const struct vinput_event key = {EV_KEY, code, down}, syn = {EV_SYN, SYN_REPORT, 0};

	vinput_event(v, &key);
	vinput_event(v, &syn);
}

static uint64_t vinput_features(void *dev)
{
	(void)dev;
	return 0;
}

/* The space as a read finds it: the model's config_len bytes (cfg_len, vinput_attach checks). */
static void vinput_cfg_fill(void *dev, uint8_t *cfg)
{
	struct vinput *v = dev;
	uint32_t len = v->t.model->config_len;

	cfg_refresh(v);
	memset(cfg, 0, len);
	memcpy(cfg, v->cfg, v->cfg_len < len ? v->cfg_len : len);
}

static void vinput_cfg_write(void *dev, uint32_t off, unsigned width, uint32_t val)
{
	struct vinput *v = dev;

	if (vinput_config_write(v, off, width, val, true))
		virtio_mmio_config_changed(&v->t);
}

static void vinput_model_reset(void *dev)
{
	vinput_reset(dev);
}

/* The two differ in their configuration space's size only (each the board's). */
static const struct virtio_mmio_model vinput_models[2] = {
    {
        .device_id = 18, /* §5.8.1 */
        .nqueues = 2,
        .queue_max = VINPUT_VQ_MAX,
        .config_len = VINPUT_CFG_LEN,
        .features = vinput_features,
        .config = vinput_cfg_fill,
        .config_write = vinput_cfg_write,
        .notify = vinput_notify,
        .reset = vinput_model_reset,
    },
    {
        .device_id = 18,
        .nqueues = 2,
        .queue_max = VINPUT_VQ_MAX,
        .config_len = VINPUT_TABLET_CFG_LEN,
        .features = vinput_features,
        .config = vinput_cfg_fill,
        .config_write = vinput_cfg_write,
        .notify = vinput_notify,
        .reset = vinput_model_reset,
    },
};

static int vinput_mmio_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct vinput *v = dev;

	return virtio_mmio_ops.read(&v->t, off, width, val);
}

static int vinput_mmio_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vinput *v = dev;

	return virtio_mmio_ops.write(&v->t, off, width, val);
}

const struct mmio_ops vinput_ops = {
    .read = vinput_mmio_read,
    .write = vinput_mmio_write,
};

void vinput_attach(struct vinput *v, struct virtio_mem mem, struct vplic *plic, uint32_t irq)
{
	const struct virtio_mmio_model *model = &vinput_models[v->tablet];

	CHECK(model->config_len == v->cfg_len, "vinput: a %u-byte space on a %u-byte model",
	      v->cfg_len, model->config_len);
	virtio_mmio_init(&v->t, model, v, false, mem, plic, irq);
}
