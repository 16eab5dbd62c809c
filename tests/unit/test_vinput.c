/*
 * The virtio-input keyboard and tablet (hyp/dev/vinput.c): the configuration
 * space a Linux driver walks (select, then subsel, then size and the union),
 * byte for byte the board's (QEMU 7.2's virtio-input-hid.c), events held
 * until their EV_SYN and delivered or dropped together, LEDs from the status
 * queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dev/vinput.h"

static struct vinput v;
static uint8_t keys[VINPUT_BITMAP];

/* A fake event queue: `bufs` buffers offered, what was put, notifications. */
static struct {
	uint32_t bufs, put, notifies;
	struct vinput_event got[16];
} q;

static uint32_t q_avail(void *ctx)
{
	(void)ctx;
	return q.bufs;
}

static void q_put(void *ctx, const struct vinput_event *e)
{
	(void)ctx;
	assert_true(q.bufs > 0);
	q.bufs--;
	q.got[q.put++ % 16] = *e;
}

static void q_notify(void *ctx)
{
	(void)ctx;
	q.notifies++;
}

static const struct vinput_events evq = {q_avail, q_put, q_notify, NULL};

static int setup(void **state)
{
	(void)state;
	memset(keys, 0, sizeof keys);
	for (int k = 1; k < 8 * VINPUT_KEYS_MAX - 8; k++)
		keys[k / 8] |= 1 << (k % 8);
	keys[28] = 0x04; /* the highest key the board's keyboard sends: KEY_MEDIA */
	vinput_init(&v, keys, VINPUT_KEYS_MAX);
	memset(&q, 0, sizeof q);
	return 0;
}

static void sel(uint8_t select, uint8_t subsel)
{
	assert_false(vinput_config_write(&v, 0, 1, select, false));
	assert_false(vinput_config_write(&v, 1, 1, subsel, false));
}

static void test_config(void **state)
{
	char name[32] = {0};

	(void)state;
	sel(VIRTIO_INPUT_CFG_ID_NAME, 0);
	assert_int_equal(vinput_config_read(&v, 2, 1), 21);
	for (int i = 0; i < 21; i++)
		name[i] = (char)vinput_config_read(&v, 8 + i, 1);
	assert_string_equal(name, "QEMU Virtio Keyboard");
	sel(VIRTIO_INPUT_CFG_ID_DEVIDS, 0);
	assert_int_equal(vinput_config_read(&v, 2, 1), 8);
	assert_int_equal(vinput_config_read(&v, 8, 4), 0x06270006);
	assert_int_equal(vinput_config_read(&v, 12, 4), 0x00010001);
	sel(VIRTIO_INPUT_CFG_EV_BITS, EV_KEY);
	assert_int_equal(vinput_config_read(&v, 2, 1), VINPUT_KEYS_MAX);
	assert_int_equal(vinput_config_read(&v, 8 + 28, 1), 0x04);
	assert_int_equal(vinput_config_read(&v, 8, 4), 0xfffffffe);
	sel(VIRTIO_INPUT_CFG_EV_BITS, EV_LED);
	assert_int_equal(vinput_config_read(&v, 2, 1), 1);
	assert_int_equal(vinput_config_read(&v, 8, 1), 7);
	sel(VIRTIO_INPUT_CFG_EV_BITS, EV_REP);
	assert_int_equal(vinput_config_read(&v, 2, 1), 1);
	assert_int_equal(vinput_config_read(&v, 8, 1), 0);
	/* no such entry: zeros, size 0 */
	sel(VIRTIO_INPUT_CFG_ABS_INFO, 0);
	assert_int_equal(vinput_config_read(&v, 0, 4), 0);
	sel(VIRTIO_INPUT_CFG_EV_BITS, 0x02);
	assert_int_equal(vinput_config_read(&v, 2, 1), 0);
	/* past the space: all ones, and a write there changes nothing */
	assert_int_equal(vinput_config_read(&v, VINPUT_CFG_LEN, 1), 0xff);
	assert_int_equal(vinput_config_read(&v, VINPUT_CFG_LEN - 2, 4), 0xffffffff);
	assert_false(vinput_config_write(&v, VINPUT_CFG_LEN, 1, 1, true));
	/* a write after DRIVER_OK signals a configuration change, as the board's does */
	assert_true(vinput_config_write(&v, 0, 1, VIRTIO_INPUT_CFG_ID_NAME, true));
}

/*
 * An entry as the board's tablet shows it: its size, then its bytes from
 * offset 8; none (size 0): the whole space zero, select and subsel too.
 */
static void expect_entry(uint8_t select, uint8_t subsel, const uint8_t *bytes, uint32_t size)
{
	sel(select, subsel);
	assert_int_equal(vinput_config_read(&v, 0, 1), size ? select : 0);
	assert_int_equal(vinput_config_read(&v, 1, 1), size ? subsel : 0);
	assert_int_equal(vinput_config_read(&v, 2, 1), size);
	for (uint32_t i = 0; i < VINPUT_TABLET_CFG_LEN - 8; i++)
		assert_int_equal(vinput_config_read(&v, 8 + i, 1), i < size ? bytes[i] : 0);
}

/* The board's virtio-tablet-device (wheel-axis=on, its default): config_v2 and its button map. */
static void test_tablet_config(void **state)
{
	static const uint8_t name[] = "QEMU Virtio Tablet";
	static const uint8_t ids[] = {0x06, 0, 0x27, 0x06, 0x03, 0, 0x02, 0};
	static const uint8_t abs_bits[] = {0x03}, rel_bits[] = {0, 0x01};
	static const uint8_t absinfo[20] = {0, 0, 0, 0, 0xff, 0x7f, 0, 0};
	uint8_t buttons[43] = {0};

	(void)state;
	buttons[0x110 / 8] = 0x1f; /* BTN_LEFT, RIGHT, MIDDLE, SIDE, EXTRA */
	buttons[0x150 / 8] = 0x03; /* BTN_GEAR_DOWN, BTN_GEAR_UP */
	vinput_init_tablet(&v);
	assert_int_equal(v.cfg_len, VINPUT_TABLET_CFG_LEN);
	assert_int_equal(VINPUT_TABLET_CFG_LEN, 51);
	expect_entry(VIRTIO_INPUT_CFG_ID_NAME, 0, name, sizeof name);
	expect_entry(VIRTIO_INPUT_CFG_ID_DEVIDS, 0, ids, sizeof ids);
	expect_entry(VIRTIO_INPUT_CFG_EV_BITS, EV_ABS, abs_bits, 1);
	expect_entry(VIRTIO_INPUT_CFG_EV_BITS, EV_REL, rel_bits, 2);
	expect_entry(VIRTIO_INPUT_CFG_EV_BITS, EV_KEY, buttons, sizeof buttons);
	expect_entry(VIRTIO_INPUT_CFG_ABS_INFO, ABS_X, absinfo, sizeof absinfo);
	expect_entry(VIRTIO_INPUT_CFG_ABS_INFO, ABS_Y, absinfo, sizeof absinfo);
	/* what the tablet has not: no keyboard's LEDs or repeat, no third axis */
	expect_entry(VIRTIO_INPUT_CFG_EV_BITS, EV_LED, NULL, 0);
	expect_entry(VIRTIO_INPUT_CFG_EV_BITS, EV_REP, NULL, 0);
	expect_entry(VIRTIO_INPUT_CFG_ABS_INFO, 2, NULL, 0);
	/* past its 51 bytes: all ones */
	assert_int_equal(vinput_config_read(&v, VINPUT_TABLET_CFG_LEN, 1), 0xff);
	assert_int_equal(vinput_config_read(&v, VINPUT_TABLET_CFG_LEN - 1, 1), 0);
}

/* A move with a press: one report, the axes' and the button's events before its EV_SYN. */
static void test_tablet_events(void **state)
{
	const struct vinput_event evs[] = {
	    {EV_ABS, ABS_X, 5119}, {EV_ABS, ABS_Y, 3413}, {EV_KEY, BTN_LEFT, 1}, {EV_SYN, 0, 0}};

	(void)state;
	vinput_init_tablet(&v);
	vinput_driver_ok(&v);
	q.bufs = 4;
	for (int i = 0; i < 3; i++)
		vinput_send(&v, &evs[i], &evq);
	assert_int_equal(q.put, 0);
	vinput_send(&v, &evs[3], &evq);
	assert_int_equal(q.put, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(q.got[i].type, evs[i].type);
		assert_int_equal(q.got[i].code, evs[i].code);
		assert_int_equal(q.got[i].value, evs[i].value);
	}
}

static void send(uint16_t type, uint16_t code, uint32_t value)
{
	struct vinput_event e = {type, code, value};

	vinput_send(&v, &e, &evq);
}

static void test_events(void **state)
{
	(void)state;
	q.bufs = 8;
	/* before DRIVER_OK: nothing */
	send(EV_KEY, 30, 1);
	send(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(q.put, 0);
	vinput_driver_ok(&v);
	send(EV_KEY, 30, 1);
	assert_int_equal(q.put, 0); /* held until EV_SYN */
	send(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(q.put, 2);
	assert_int_equal(q.notifies, 1);
	assert_int_equal(q.got[0].type, EV_KEY);
	assert_int_equal(q.got[0].code, 30);
	assert_int_equal(q.got[0].value, 1);
	assert_int_equal(q.got[1].type, EV_SYN);
	/* too few buffers: the whole report is dropped */
	q.bufs = 1;
	send(EV_KEY, 30, 0);
	send(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(q.put, 2);
	assert_int_equal(v.dropped, 2);
	assert_int_equal(q.bufs, 1);
	/* a report longer than the queue: dropped, and the device goes on */
	q.bufs = 200;
	for (int i = 0; i < VINPUT_QUEUE_MAX + 3; i++)
		send(EV_KEY, 31, 1);
	send(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(q.put, 2 + 4);
	/* a reset: inactive again */
	vinput_reset(&v);
	send(EV_KEY, 30, 1);
	send(EV_SYN, SYN_REPORT, 0);
	assert_int_equal(q.put, 6);
}

static void test_status(void **state)
{
	struct vinput_event led = {EV_LED, 1, 1}, other = {EV_KEY, 1, 1};

	(void)state;
	assert_int_equal(vinput_status(&v, &led, 8), 8);
	assert_int_equal(v.leds, 2);
	led.value = 0;
	assert_int_equal(vinput_status(&v, &led, 100), 8);
	assert_int_equal(v.leds, 0);
	assert_int_equal(vinput_status(&v, &other, 3), 3);
	led.code = 9;
	led.value = 1;
	vinput_status(&v, &led, 8);
	assert_int_equal(v.leds, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_config, setup),
	    cmocka_unit_test_setup(test_events, setup),
	    cmocka_unit_test_setup(test_status, setup),
	    cmocka_unit_test_setup(test_tablet_config, setup),
	    cmocka_unit_test_setup(test_tablet_events, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
