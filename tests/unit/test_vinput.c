/*
 * The virtio-input keyboard (hyp/dev/vinput.c): the configuration space a
 * Linux driver walks (select, then subsel, then size and the union), events
 * held until their EV_SYN and delivered or dropped together, LEDs from the
 * status queue.
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
