/*
 * The virtual LAN switch (hyp/core/lan.c): learning, flooding, isolation of
 * LANs, the source-MAC rule, bounded queues with each sender's fair share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/lan.h"

/* A port's owner: takes frames while open, remembers what it got. */
struct sink {
	bool open;
	int got;
	uint8_t tag[64]; /* byte 14 of each frame, in order */
};

static bool sink_can_take(struct lan_port *p)
{
	return ((struct sink *)p->owner)->open;
}

static void sink_deliver(struct lan_port *p, const void *frame, uint32_t len)
{
	struct sink *s = p->owner;

	assert_true(s->open);
	assert_true(len >= 15);
	if (s->got < 64)
		s->tag[s->got] = ((const uint8_t *)frame)[14];
	s->got++;
}

static const struct lan_port_ops sink_ops = {sink_can_take, sink_deliver};

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MAC[5][6] = {
    {0x02, 0, 0, 0, 0, 1}, {0x02, 0, 0, 0, 0, 2}, {0x02, 0, 0, 0, 0, 3},
    {0x02, 0, 0, 0, 0, 4}, {0x02, 0, 0, 0, 0, 5},
};
static const uint8_t OUTSIDE[6] = {0x52, 0x55, 0x0a, 0, 2, 2}; /* behind the uplink */

static struct bundle_header hdr;
static struct sink sinks[5];
static struct lan_port *ports[5];

/* The ports' queues: one static arena, reused by every lan_init. */
static void *arena_alloc(uint64_t bytes)
{
	static struct lan_frame mem[8 * LAN_QUEUE];

	return bytes <= sizeof(mem) ? mem : NULL;
}

static void *no_memory(uint64_t bytes)
{
	(void)bytes;
	return NULL;
}

/* Ports 0-2 on LAN office, 3 on LAN lab, 4 the uplink of office (when asked). */
static void setup(bool uplink)
{
	memset(&hdr, 0, sizeof(hdr));
	hdr.nlans = 2;
	strcpy(hdr.lans[0].name, "office");
	strcpy(hdr.lans[1].name, "lab");
	hdr.lans[0].flags = uplink ? BUNDLE_LAN_UPLINK : 0;
	hdr.nvms = 1;
	hdr.vms[0].nnics = 4; /* the ports below, the uplink besides */
	lan_init(&hdr, arena_alloc);
	memset(sinks, 0, sizeof(sinks));
	for (int i = 0; i < 5; i++)
		sinks[i].open = true;
	for (int i = 0; i < 3; i++)
		ports[i] = lan_attach(0, &sink_ops, &sinks[i], MAC[i]);
	ports[3] = lan_attach(1, &sink_ops, &sinks[3], MAC[3]);
	ports[4] = uplink ? lan_attach(lan_uplink(), &sink_ops, &sinks[4], NULL) : NULL;
}

static int send(int from, const uint8_t *dst, const uint8_t *src, uint8_t tag, uint32_t len)
{
	uint8_t f[LAN_FRAME_MAX + 8] = {0};

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[14] = tag;
	return lan_send(ports[from], f, len);
}

static void test_attach(void **state)
{
	(void)state;
	setup(true);
	for (int i = 0; i < 5; i++)
		assert_non_null(ports[i]);
	assert_int_equal(lan_uplink(), 0);
	assert_string_equal(lan_name(1), "lab");
	assert_string_equal(lan_name(2), "");
	assert_null(lan_attach(2, &sink_ops, NULL, MAC[0])); /* no such LAN */
	assert_null(lan_attach(-1, &sink_ops, NULL, MAC[0]));
	setup(false);
	assert_int_equal(lan_uplink(), -1);
	/* a port more than the bundle counted has no queue: it does not attach */
	assert_null(lan_attach(0, &sink_ops, NULL, MAC[4]));
	/* no memory for the queues: no port attaches */
	lan_init(&hdr, no_memory);
	assert_null(lan_attach(0, &sink_ops, NULL, MAC[0]));
}

/* Unicast to a known port reaches it alone; broadcast and unknown flood the LAN only. */
static void test_forwarding(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		int from;
		const uint8_t *dst;
		int want[4];
	} cases[] = {
	    {"unicast to a known port", 0, MAC[1], {0, 1, 0, 0}},
	    {"broadcast", 0, BCAST, {0, 1, 1, 0}},
	    {"unknown unicast", 1, OUTSIDE, {1, 0, 1, 0}},
	    {"to a port on another LAN", 0, MAC[3], {0, 1, 1, 0}}, /* unknown here: flooded */
	    {"from the other LAN", 3, BCAST, {0, 0, 0, 0}},
	    {"to itself", 2, MAC[2], {0, 0, 0, 0}},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		setup(false);
		assert_int_equal(send(cases[c].from, cases[c].dst, MAC[cases[c].from], 7, 60),
		                 LAN_SENT);
		for (int i = 0; i < 4; i++) {
			if (sinks[i].got != cases[c].want[i])
				fail_msg("%s: port %d got %d frames, not %d", cases[c].what, i,
				         sinks[i].got, cases[c].want[i]);
		}
		assert_int_equal(ports[cases[c].from]->stats.tx_frames, 1);
	}
}

/* A port sends only with its own MAC; sizes outside an Ethernet frame are dropped. */
static void test_drops(void **state)
{
	(void)state;
	setup(true);
	assert_int_equal(send(0, BCAST, MAC[1], 1, 60), LAN_SPOOFED);
	assert_int_equal(send(0, BCAST, OUTSIDE, 1, 60), LAN_SPOOFED);
	assert_int_equal(ports[0]->stats.drop_spoof, 2);
	/* the uplink may send from any address, but not from a VM's */
	assert_int_equal(send(4, BCAST, MAC[2], 1, 60), LAN_SPOOFED);
	assert_int_equal(ports[4]->stats.drop_spoof, 1);
	assert_int_equal(send(0, BCAST, MAC[0], 1, LAN_FRAME_MIN - 1), LAN_BAD_SIZE);
	assert_int_equal(send(0, BCAST, MAC[0], 1, LAN_FRAME_MAX + 1), LAN_BAD_SIZE);
	assert_int_equal(ports[0]->stats.drop_size, 2);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sinks[i].got, 0);
	assert_int_equal(send(0, BCAST, MAC[0], 1, LAN_FRAME_MAX), LAN_SENT);
	assert_int_equal(sinks[1].got, 1);
}

/* The uplink's addresses are learned: a reply goes to it alone. */
static void test_learning(void **state)
{
	(void)state;
	setup(true);
	assert_int_equal(send(4, MAC[0], OUTSIDE, 1, 60), LAN_SENT);
	assert_int_equal(sinks[0].got, 1);
	assert_int_equal(send(1, OUTSIDE, MAC[1], 2, 60), LAN_SENT);
	assert_int_equal(sinks[4].got, 1);
	assert_int_equal(sinks[0].got + sinks[2].got, 1); /* only the first frame */
	/* more outside addresses than the table holds: it keeps working, VMs' stay */
	for (int i = 0; i < 3 * LAN_MACS; i++) {
		uint8_t m[6] = {0x52, 0x55, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};
		assert_int_equal(send(4, BCAST, m, 3, 60), LAN_SENT);
	}
	sinks[2].got = 0;
	assert_int_equal(send(0, MAC[2], MAC[0], 4, 60), LAN_SENT);
	assert_int_equal(sinks[2].got, 1);
	assert_int_equal(sinks[1].got, 3 * LAN_MACS);
}

/* A closed port's frames wait, in order, and come once it opens; the queue is bounded. */
static void test_queue(void **state)
{
	(void)state;
	setup(false);
	sinks[1].open = false;
	uint32_t share = LAN_QUEUE / 2; /* two other ports on office */
	for (uint32_t i = 0; i < LAN_QUEUE; i++)
		send(0, MAC[1], MAC[0], (uint8_t)i, 60);
	assert_int_equal(ports[1]->q_len, share);
	assert_int_equal(ports[1]->stats.drop_queue, LAN_QUEUE - share);
	/* port 0 used its share: port 2 still has one */
	for (uint32_t i = 0; i < LAN_QUEUE; i++)
		send(2, MAC[1], MAC[2], (uint8_t)(100 + i), 60);
	assert_int_equal(ports[1]->q_len, LAN_QUEUE);
	lan_poll();
	assert_int_equal(sinks[1].got, 0);
	sinks[1].open = true;
	lan_poll();
	assert_int_equal(sinks[1].got, LAN_QUEUE);
	for (uint32_t i = 0; i < share; i++) {
		assert_int_equal(sinks[1].tag[i], i);
		assert_int_equal(sinks[1].tag[share + i], 100 + i);
	}
	assert_int_equal(ports[1]->q_len, 0);
	assert_int_equal(ports[1]->stats.rx_frames, LAN_QUEUE);
	/* flushed: what waited is gone, the share is whole again */
	sinks[1].open = false;
	send(0, MAC[1], MAC[0], 1, 60);
	lan_port_flush(ports[1]);
	sinks[1].open = true;
	lan_poll();
	assert_int_equal(sinks[1].got, LAN_QUEUE);
}

/* A broadcast storm from one port leaves room for another's frames everywhere. */
static void test_storm(void **state)
{
	(void)state;
	setup(false);
	sinks[1].open = sinks[2].open = false;
	for (int i = 0; i < 10000; i++)
		send(0, BCAST, MAC[0], 1, 60);
	assert_int_equal(send(2, MAC[1], MAC[2], 9, 60), LAN_SENT);
	sinks[1].open = true;
	lan_poll();
	assert_int_equal(sinks[1].got, LAN_QUEUE / 2 + 1);
	assert_int_equal(sinks[1].tag[LAN_QUEUE / 2], 9);
	assert_int_equal(sinks[3].got, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attach), cmocka_unit_test(test_forwarding),
	    cmocka_unit_test(test_drops),  cmocka_unit_test(test_learning),
	    cmocka_unit_test(test_queue),  cmocka_unit_test(test_storm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
