/*
 * The virtio-net model (hyp/dev/vnet.c) on the shared transport, two of them
 * on one LAN (hyp/core/lan.c), each driven through its registers and rings
 * in a fake RAM as a driver would: frames cross, headers are the right
 * size, hostile chains break only the device that got them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dev/vnet.h"
#include "dev/vplic.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x100000ull
#define QN       8
#define BUF(k)   (RAM_BASE + 0x40000 + 0x800ull * (k))

enum {
	DEVICE_ID = 0x008,
	DEV_FEAT = 0x010,
	DEV_FEAT_SEL = 0x014,
	DRV_FEAT = 0x020,
	DRV_FEAT_SEL = 0x024,
	GUEST_PAGE_SIZE = 0x028,
	QUEUE_SEL = 0x030,
	QUEUE_NUM = 0x038,
	QUEUE_PFN = 0x040,
	QUEUE_READY = 0x044,
	QUEUE_NOTIFY = 0x050,
	INT_STATUS = 0x060,
	STATUS = 0x070,
	QUEUE_DESC = 0x080,
	QUEUE_DRIVER = 0x090,
	QUEUE_DEVICE = 0x0a0,
	CONFIG = 0x100,
};

static uint8_t ram[RAM_SIZE];

static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return NULL;
	return ram + (gpa - RAM_BASE);
}

static void *at(uint64_t gpa)
{
	return ram_at(NULL, gpa, 1);
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(at(gpa), &v, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;
	memcpy(&v, at(gpa), 2);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, at(gpa), 4);
	return v;
}

/* A driver's view of one queue. */
struct drvq {
	uint64_t desc, avail, used;
	uint16_t avail_idx, next_desc, used_seen;
};

static struct bench {
	struct vplic plic;
	struct vnet dev[2];
	struct drvq q[2][2];
	bool legacy;
} b;

/* The ports' queues: one static arena, reused by every lan_init. */
static void *arena_alloc(uint64_t bytes)
{
	static struct lan_frame mem[8 * LAN_QUEUE];

	return bytes <= sizeof(mem) ? mem : NULL;
}

static const uint8_t MAC[2][6] = {{0x02, 1, 2, 3, 4, 5}, {0x02, 1, 2, 3, 4, 6}};

static uint32_t rd(int d, uint64_t off)
{
	uint64_t v = 0;
	assert_int_equal(vnet_ops.read(&b.dev[d], off, 4, &v), 0);
	return (uint32_t)v;
}

static void wr(int d, uint64_t off, uint32_t v)
{
	assert_int_equal(vnet_ops.write(&b.dev[d], off, 4, v), 0);
}

static uint32_t hdr_len(void)
{
	return b.legacy ? 10 : 12;
}

/* Both devices on LAN 0, each set up as Linux's driver does, QN entries per queue. */
static void setup(bool legacy)
{
	static struct bundle_header h;

	memset(&b, 0, sizeof(b));
	memset(ram, 0, sizeof(ram));
	memset(&h, 0, sizeof(h));
	h.nlans = 1;
	strcpy(h.lans[0].name, "office");
	h.nvms = 1;
	h.vms[0].nnics = 2;
	lan_init(&h, arena_alloc);
	b.legacy = legacy;
	vplic_init(&b.plic);
	for (int d = 0; d < 2; d++) {
		struct lan_port *p = lan_attach(0, &vnet_port_ops, &b.dev[d], MAC[d]);
		vnet_init(&b.dev[d], MAC[d], legacy, (struct virtio_mem){ram_at, NULL}, &b.plic,
		          1 + d, p);
		wr(d, STATUS, 1 | 2);
		if (legacy) {
			wr(d, DRV_FEAT, (uint32_t)(VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS));
			wr(d, GUEST_PAGE_SIZE, 4096);
		} else {
			wr(d, DRV_FEAT_SEL, 0);
			wr(d, DRV_FEAT, (uint32_t)(VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS));
			wr(d, DRV_FEAT_SEL, 1);
			wr(d, DRV_FEAT, 1); /* VERSION_1 */
			wr(d, STATUS, 1 | 2 | 8);
		}
		for (int q = 0; q < 2; q++) {
			struct drvq *x = &b.q[d][q];
			uint64_t base = RAM_BASE + 0x4000ull * (uint64_t)(2 * d + q);
			x->desc = base;
			x->avail = legacy ? base + 16 * QN : base + 0x1000;
			x->used = legacy ? base + 0x1000 : base + 0x2000;
			wr(d, QUEUE_SEL, (uint32_t)q);
			wr(d, QUEUE_NUM, QN);
			if (legacy) {
				wr(d, QUEUE_PFN, (uint32_t)(base >> 12));
			} else {
				wr(d, QUEUE_DESC, (uint32_t)x->desc);
				wr(d, QUEUE_DESC + 4, (uint32_t)(x->desc >> 32));
				wr(d, QUEUE_DRIVER, (uint32_t)x->avail);
				wr(d, QUEUE_DRIVER + 4, (uint32_t)(x->avail >> 32));
				wr(d, QUEUE_DEVICE, (uint32_t)x->used);
				wr(d, QUEUE_DEVICE + 4, (uint32_t)(x->used >> 32));
				wr(d, QUEUE_READY, 1);
			}
		}
		wr(d, STATUS, legacy ? 1 | 2 | 4 : 1 | 2 | 4 | 8);
		assert_int_equal(rd(d, STATUS) & 0x40, 0);
	}
}

struct seg {
	uint64_t addr;
	uint32_t len;
	uint16_t flags; /* VIRTQ_DESC_F_WRITE, _INDIRECT; NEXT is added */
	int next;       /* -1: the following descriptor; else this index (a loop, a wild one) */
};

/* Puts a chain in queue q of device d and makes it available; notify: kick the device. */
static void post(int d, int q, const struct seg *s, int n, bool notify)
{
	struct drvq *x = &b.q[d][q];
	uint16_t head = x->next_desc;

	for (int i = 0; i < n; i++) {
		uint16_t k = (uint16_t)((head + i) % QN);
		uint8_t *p = at(x->desc + 16ull * k);
		uint16_t flags = s[i].flags | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
		uint16_t next = s[i].next >= 0 ? (uint16_t)s[i].next : (uint16_t)((k + 1) % QN);
		if (s[i].next >= 0)
			flags |= VIRTQ_DESC_F_NEXT;
		memcpy(p, &s[i].addr, 8);
		memcpy(p + 8, &s[i].len, 4);
		memcpy(p + 12, &flags, 2);
		memcpy(p + 14, &next, 2);
	}
	x->next_desc = (uint16_t)((head + n) % QN);
	put16(x->avail + 4 + 2ull * (x->avail_idx % QN), head);
	x->avail_idx++;
	put16(x->avail + 2, x->avail_idx);
	if (notify)
		wr(d, QUEUE_NOTIFY, (uint32_t)q);
}

/* An Ethernet frame of len bytes at BUF(k): to dst, from src, its payload a pattern. */
static void frame_at(int k, const uint8_t *dst, const uint8_t *src, uint32_t len)
{
	uint8_t *p = at(BUF(k));

	memset(p, 0, hdr_len());
	p += hdr_len();
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	for (uint32_t i = 12; i < len; i++)
		p[i] = (uint8_t)(i * 7 + k);
}

/* Device d sends a frame of len bytes (header and frame in two descriptors). */
static void send(int d, int k, const uint8_t *dst, const uint8_t *src, uint32_t len)
{
	frame_at(k, dst, src, len);
	struct seg s[2] = {{BUF(k), hdr_len(), 0, -1}, {BUF(k) + hdr_len(), len, 0, -1}};
	post(d, 1, s, 2, true);
}

static void post_rx(int d, int k, uint32_t len)
{
	struct seg s = {BUF(k), len, VIRTQ_DESC_F_WRITE, -1};
	post(d, 0, &s, 1, true);
}

static uint16_t used_idx(int d, int q)
{
	return get16(b.q[d][q].used + 2);
}

static uint32_t used_len(int d, int q, uint16_t i)
{
	return get32(b.q[d][q].used + 4 + 8ull * (i % QN) + 4);
}

static void test_config(void **state)
{
	(void)state;
	for (int legacy = 0; legacy < 2; legacy++) {
		setup(legacy);
		assert_int_equal(rd(0, DEVICE_ID), 1);
		wr(0, DEV_FEAT_SEL, 0);
		uint32_t f = rd(0, DEV_FEAT);
		assert_true(f & VIRTIO_NET_F_MAC);
		assert_true(f & VIRTIO_NET_F_STATUS);
		assert_int_equal((f >> 27) & 1, legacy); /* ANY_LAYOUT: legacy only */
		wr(0, DEV_FEAT_SEL, 1);
		assert_int_equal(rd(0, DEV_FEAT) & 1, !legacy); /* VERSION_1 */
		for (int i = 0; i < 6; i++) {
			uint64_t v;
			assert_int_equal(vnet_ops.read(&b.dev[1], CONFIG + i, 1, &v), 0);
			assert_int_equal(v, MAC[1][i]);
		}
		uint64_t st;
		assert_int_equal(vnet_ops.read(&b.dev[1], CONFIG + 6, 2, &st), 0);
		assert_int_equal(st, VIRTIO_NET_S_LINK_UP);
	}
}

/*
 * A legacy driver may write the MAC in the configuration space (a version 2
 * one may not); the switch still takes frames only from the directory's MAC.
 */
static void test_mac_write(void **state)
{
	(void)state;
	static const uint8_t other[6] = {0x02, 9, 9, 9, 9, 9};
	for (int legacy = 0; legacy < 2; legacy++) {
		setup(legacy);
		for (int i = 0; i < 6; i++)
			assert_int_equal(vnet_ops.write(&b.dev[0], CONFIG + i, 1, other[i]), 0);
		uint64_t v;
		assert_int_equal(vnet_ops.read(&b.dev[0], CONFIG + 5, 1, &v), 0);
		assert_int_equal(v, legacy ? 9 : MAC[0][5]);
		post_rx(1, 10, 2048);
		send(0, 0, MAC[1], other, 60);
		assert_int_equal(used_idx(1, 0), 0);
		assert_int_equal(b.dev[0].port->stats.drop_spoof, 1);
		send(0, 1, MAC[1], MAC[0], 60);
		assert_int_equal(used_idx(1, 0), 1);
	}
}

/* A frame from one device lands in the other's receive buffer, after a zeroed header. */
static void test_frame_crosses(void **state)
{
	(void)state;
	for (int legacy = 0; legacy < 2; legacy++) {
		setup(legacy);
		post_rx(1, 10, 2048);
		memset(at(BUF(10)), 0xee, 2048);
		send(0, 0, MAC[1], MAC[0], 100);
		assert_int_equal(used_idx(0, 1), 1);
		assert_int_equal(used_len(0, 1, 0), 0);
		assert_int_equal(used_idx(1, 0), 1);
		assert_int_equal(used_len(1, 0, 0), hdr_len() + 100);
		uint8_t want[12] = {0};
		if (!legacy)
			want[10] = 1; /* num_buffers */
		assert_memory_equal(at(BUF(10)), want, hdr_len());
		assert_memory_equal(at(BUF(10) + hdr_len()), at(BUF(0) + hdr_len()), 100);
		assert_int_equal(*(uint8_t *)at(BUF(10) + hdr_len() + 100), 0xee);
		assert_true(rd(1, INT_STATUS) & 1);
		assert_int_equal(b.dev[0].port->stats.tx_frames, 1);
		assert_int_equal(b.dev[1].port->stats.rx_frames, 1);
	}
}

/* Frames wait in the switch until the receiver posts buffers, then come in order. */
static void test_waits_for_buffers(void **state)
{
	(void)state;
	setup(false);
	send(0, 0, MAC[1], MAC[0], 60);
	send(0, 1, MAC[1], MAC[0], 61);
	assert_int_equal(used_idx(0, 1), 2);
	assert_int_equal(b.dev[1].port->q_len, 2);
	post_rx(1, 10, 2048);
	post_rx(1, 11, 2048);
	assert_int_equal(used_idx(1, 0), 2);
	assert_int_equal(used_len(1, 0, 0), 12 + 60);
	assert_int_equal(used_len(1, 0, 1), 12 + 61);
}

/* A receive buffer too small for the frame stays in the ring; the frame is dropped. */
static void test_rx_buffer_too_small(void **state)
{
	(void)state;
	setup(false);
	post_rx(1, 10, 12 + 59);
	send(0, 0, MAC[1], MAC[0], 60);
	send(0, 1, MAC[1], MAC[0], 60);
	assert_int_equal(used_idx(1, 0), 0);
	assert_int_equal(b.dev[1].stats.rx_small, 2);
	assert_int_equal(rd(1, STATUS) & 0x40, 0);
	send(0, 2, MAC[1], MAC[0], 59); /* this one fits */
	assert_int_equal(used_idx(1, 0), 1);
	assert_int_equal(used_len(1, 0, 0), 12 + 59);
}

/* Spoofed and oversized frames go nowhere; the sender's chains still come back. */
static void test_tx_dropped(void **state)
{
	(void)state;
	setup(false);
	post_rx(1, 10, 2048);
	send(0, 0, MAC[1], MAC[1], 60);
	frame_at(1, MAC[1], MAC[0], LAN_FRAME_MAX + 1);
	struct seg s = {BUF(1), 12 + LAN_FRAME_MAX + 1, 0, -1};
	post(0, 1, &s, 1, true);
	assert_int_equal(used_idx(0, 1), 2);
	assert_int_equal(used_idx(1, 0), 0);
	assert_int_equal(b.dev[0].port->stats.drop_spoof, 1);
	assert_int_equal(b.dev[0].stats.tx_oversize, 1);
	/* one whole chain, header and frame in one descriptor, of the largest size */
	frame_at(2, MAC[1], MAC[0], LAN_FRAME_MAX);
	s = (struct seg){BUF(2), 12 + LAN_FRAME_MAX, 0, -1};
	post(0, 1, &s, 1, true);
	assert_int_equal(used_idx(1, 0), 1);
	assert_int_equal(used_len(1, 0, 0), 12 + LAN_FRAME_MAX);
}

/* Chains the board's device cannot use break the device that got them, and only it. */
static void test_hostile_chains(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		int q;
		struct seg s[2];
		int n;
	} cases[] = {
	    {"tx buffer outside RAM", 1, {{RAM_BASE + RAM_SIZE - 8, 72, 0, -1}}, 1},
	    {"tx buffer wrapping", 1, {{~0ull - 8, 72, 0, -1}}, 1},
	    {"tx indirect", 1, {{BUF(0), 72, VIRTQ_DESC_F_INDIRECT, -1}}, 1},
	    {"tx loop", 1, {{BUF(0), 12, 0, 0}}, 1},
	    {"tx next outside the table", 1, {{BUF(0), 12, 0, QN + 3}}, 1},
	    {"tx only writable", 1, {{BUF(0), 72, VIRTQ_DESC_F_WRITE, -1}}, 1},
	    {"tx shorter than a header", 1, {{BUF(0), 11, 0, -1}}, 1},
	    {"tx readable after writable",
	     1,
	     {{BUF(0), 12, VIRTQ_DESC_F_WRITE, -1}, {BUF(1), 60, 0, -1}},
	     2},
	    {"rx only readable", 0, {{BUF(0), 2048, 0, -1}}, 1},
	    {"rx buffer outside RAM", 0, {{RAM_BASE + RAM_SIZE, 2048, VIRTQ_DESC_F_WRITE, -1}}, 1},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		setup(false);
		/* device 0 gets the hostile chain; a frame for it makes an rx chain matter */
		post(0, cases[c].q, cases[c].s, cases[c].n, true);
		if (cases[c].q == 0) {
			post_rx(1, 20, 2048);
			send(1, 21, MAC[0], MAC[1], 60);
		}
		if (!(rd(0, STATUS) & 0x40))
			fail_msg("%s: the device did not break", cases[c].what);
		assert_true(rd(0, INT_STATUS) & 2);
		/* the other device is untouched and still works */
		uint16_t sent = used_idx(1, 1);
		send(1, 25, MAC[0], MAC[1], 60);
		assert_int_equal(used_idx(1, 1), (uint16_t)(sent + 1));
		assert_int_equal(rd(1, STATUS) & 0x40, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_mac_write),
	    cmocka_unit_test(test_frame_crosses),
	    cmocka_unit_test(test_waits_for_buffers),
	    cmocka_unit_test(test_rx_buffer_too_small),
	    cmocka_unit_test(test_tx_dropped),
	    cmocka_unit_test(test_hostile_chains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
