/*
 * netattack.c — mode=netattack: a guest that abuses its virtio-net device
 * (virtio 1.1 §5.1) while other VMs on its LAN work (docs/network.md,
 * tests/e2e/network.toml).  It polls; no interrupt is used.
 *
 *   spoofed-source   frames from another VM's MAC (52:54:00:12:34:02, b's in
 *                    tests/e2e/dirs/net-hostile.ini)
 *   oversized        a frame longer than any LAN carries
 *   runt             a frame shorter than an Ethernet header
 *   storm            broadcast frames, as fast as the device takes them, for
 *                    storm=SECONDS (default 10), last
 *   bad-*            malformed chains: a buffer outside RAM, a loop, INDIRECT,
 *                    a next index past the queue, no readable byte, a header
 *                    cut short, readable after writable, avail->idx too far
 *
 * The first four must each come back in the used ring; each malformed one
 * must set DEVICE_NEEDS_RESET (what the board's device does), after which
 * the guest resets the device and goes on.  Output:
 *
 *   ok NAME
 *   FAIL NAME: why
 *   N passed, N failed
 */
#include "netattack.h"
#include "bootargs.h"
#include "fdt.h"
#include "printf.h"
#include "string.h"
#include "timer.h"
#include "vm.h"

#define MAGIC         0x000
#define VERSION       0x004
#define DEVICE_ID     0x008
#define DEV_FEAT_SEL  0x014
#define DRV_FEATURES  0x020
#define DRV_FEAT_SEL  0x024
#define PAGE_SIZE_RG  0x028
#define QUEUE_SEL     0x030
#define QUEUE_NUM     0x038
#define QUEUE_ALIGN   0x03c
#define QUEUE_PFN     0x040
#define QUEUE_READY   0x044
#define QUEUE_NOTIFY  0x050
#define IRQ_ACK       0x064
#define STATUS        0x070
#define QUEUE_DESC    0x080
#define QUEUE_DRIVER  0x090
#define QUEUE_DEVICE  0x0a0
#define CONFIG        0x100

#define S_NEEDS_RESET 64
#define QSIZE         8
#define PAGE          4096
#define F_NEXT        1
#define F_WRITE       2
#define F_INDIRECT    4
#define TIMEOUT_MS    2000
#define STORM_BATCH   (16 * QSIZE)
#define SPOOFED       200

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* One queue in the legacy layout (§2.6.2), which a version 2 device takes as well. */
struct queue {
	struct desc d[QSIZE] __attribute__((aligned(PAGE)));
	uint16_t aflags, aidx, ring[QSIZE], used_event;
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[QSIZE];
	} used __attribute__((aligned(PAGE)));
};

static struct queue qs[2] __attribute__((aligned(PAGE)));
static uint8_t bufs[QSIZE][2048] __attribute__((aligned(PAGE)));
static uint8_t big[4096] __attribute__((aligned(PAGE)));
static volatile uint8_t *regs;
static int legacy, hdr;
static uint8_t mac[6];

static uint32_t rd(int off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void wr(int off, uint32_t v)
{
	*(volatile uint32_t *)(regs + off) = v;
}

static void fence(void)
{
	__sync_synchronize();
}

/* §3.1.1 (legacy §3.1.2): MAC only, VERSION_1 on a version 2 device; both queues of QSIZE. */
static void setup(void)
{
	wr(STATUS, 0);
	memset(qs, 0, sizeof(qs));
	wr(STATUS, 1 | 2);
	wr(DRV_FEAT_SEL, 0);
	wr(DRV_FEATURES, 1u << 5);
	if (!legacy) {
		wr(DRV_FEAT_SEL, 1);
		wr(DRV_FEATURES, 1);
		wr(STATUS, 1 | 2 | 8);
	} else {
		wr(PAGE_SIZE_RG, PAGE);
	}
	for (int q = 0; q < 2; q++) {
		uint64_t d = (uint64_t)qs[q].d;
		wr(QUEUE_SEL, q);
		wr(QUEUE_NUM, QSIZE);
		if (legacy) {
			wr(QUEUE_ALIGN, PAGE);
			wr(QUEUE_PFN, (uint32_t)(d / PAGE));
		} else {
			wr(QUEUE_DESC, (uint32_t)d);
			wr(QUEUE_DESC + 4, (uint32_t)(d >> 32));
			wr(QUEUE_DRIVER, (uint32_t)(uint64_t)&qs[q].aflags);
			wr(QUEUE_DRIVER + 4, (uint32_t)((uint64_t)&qs[q].aflags >> 32));
			wr(QUEUE_DEVICE, (uint32_t)(uint64_t)&qs[q].used);
			wr(QUEUE_DEVICE + 4, (uint32_t)((uint64_t)&qs[q].used >> 32));
			wr(QUEUE_READY, 1);
		}
	}
	wr(STATUS, legacy ? 1 | 2 | 4 : 1 | 2 | 4 | 8);
}

/* Makes `count` chains available at once on the transmit queue, heads[] given. */
static void offer(const uint16_t *heads, int count, int advance_extra)
{
	struct queue *q = &qs[1];
	for (int i = 0; i < count; i++)
		q->ring[(q->aidx + i) % QSIZE] = heads[i];
	fence();
	q->aidx = (uint16_t)(q->aidx + count + advance_extra);
	fence();
	wr(QUEUE_NOTIFY, 1);
}

enum outcome { USED, BROKEN, TIMEOUT };

/* Waits until the used ring reaches idx, or the device breaks. */
static enum outcome wait_used(uint16_t idx)
{
	uint64_t end = time_ms() + TIMEOUT_MS;
	while (time_ms() < end) {
		fence();
		if (rd(STATUS) & S_NEEDS_RESET)
			return BROKEN;
		if (*(volatile uint16_t *)&qs[1].used.idx == idx)
			return USED;
	}
	return TIMEOUT;
}

/* A frame in bufs[k]: the header, then to dst from src, then a payload; len counts the frame. */
static void frame(int k, const uint8_t *dst, const uint8_t *src, uint32_t len)
{
	memset(bufs[k], 0, sizeof(bufs[k]));
	memcpy(bufs[k] + hdr, dst, 6);
	memcpy(bufs[k] + hdr + 6, src, 6);
	bufs[k][hdr + 12] = 0x88; /* a local experimental EtherType: nobody's protocol */
	bufs[k][hdr + 13] = 0xb5;
	qs[1].d[k] = (struct desc){(uint64_t)bufs[k], hdr + len, 0, 0};
}

/* Sends n frames, QSIZE at a time, each batch one notify; all must come back. */
static const char *send_many(int n, const uint8_t *dst, const uint8_t *src, uint32_t len)
{
	uint16_t heads[QSIZE];
	for (int done = 0; done < n;) {
		int batch = n - done < QSIZE ? n - done : QSIZE;
		for (int i = 0; i < batch; i++) {
			frame(i, dst, src, len);
			heads[i] = (uint16_t)i;
		}
		offer(heads, batch, 0);
		enum outcome o = wait_used(qs[1].aidx);
		if (o != USED)
			return o == BROKEN ? "the device broke" : "no answer";
		done += batch;
	}
	return 0;
}

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static int passed, failed;

static void verdict(const char *name, const char *why)
{
	if (why)
		kprintf("FAIL %s: %s\n", name, why);
	else
		kprintf("ok %s\n", name);
	passed += !why;
	failed += !!why;
}

/* A malformed chain at descriptor 0: the device must break; then a reset. */
struct bad {
	const char *name;
	struct desc d[2];
	int n;
	int advance_extra; /* avail->idx further than the chains made available */
};

static void run_bad(const struct bad *b)
{
	uint16_t head = 0;
	frame(0, BCAST, mac, 60);
	frame(1, BCAST, mac, 60);
	for (int i = 0; i < b->n; i++) {
		struct desc d = b->d[i];
		if (d.addr == 1) /* "buffer 0" */
			d.addr = (uint64_t)bufs[0];
		if (i + 1 < b->n)
			d.flags |= F_NEXT;
		qs[1].d[i] = d;
	}
	offer(&head, 1, b->advance_extra);
	enum outcome o = wait_used((uint16_t)(qs[1].aidx));
	verdict(b->name, o == BROKEN ? 0 : o == USED ? "answered, not broken" : "no answer");
	setup();
}

void netattack_run(void)
{
	uint8_t spoof[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x02};

	for (int node = -1; (node = fdt_find_compatible(node, "virtio,mmio")) >= 0;) {
		uint64_t base, size;
		if (fdt_reg(node, 0, &base, &size) < 0)
			continue;
		vm_map_device(base, size);
		volatile uint32_t *r = (volatile uint32_t *)base;
		if (r[MAGIC / 4] == 0x74726976 && r[DEVICE_ID / 4] == 1) {
			regs = (volatile uint8_t *)base;
			legacy = r[VERSION / 4] == 1;
			break;
		}
	}
	if (!regs) {
		kprintf("FAIL netattack: no virtio-net device\n0 passed, 1 failed\n");
		return;
	}
	hdr = legacy ? 10 : 12;
	for (int i = 0; i < 6; i++)
		mac[i] = *(volatile uint8_t *)(regs + CONFIG + i);
	kprintf("netattack: %s device, mac %x:%x:%x:%x:%x:%x\n", legacy ? "legacy" : "version 2",
	        mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	setup();

	verdict("spoofed-source", send_many(SPOOFED, BCAST, spoof, 60));
	/* oversized: the header, a frame's start and 4096 more bytes in a chain of two buffers */
	frame(0, BCAST, mac, 60);
	qs[1].d[0] = (struct desc){(uint64_t)bufs[0], hdr + 60, F_NEXT, 1};
	qs[1].d[1] = (struct desc){(uint64_t)big, sizeof(big), 0, 0};
	uint16_t head = 0;
	offer(&head, 1, 0);
	verdict("oversized", wait_used(qs[1].aidx) == USED ? 0 : "not answered");
	verdict("runt", send_many(1, BCAST, mac, 5));

	static const struct bad bads[] = {
	    {"bad-outside-ram", {{0x7ff00000, 72, 0, 0}}, 1, 0},
	    {"bad-above-4g", {{0x100000000000ull, 72, 0, 0}}, 1, 0},
	    {"bad-loop", {{1, 72, F_NEXT, 0}}, 1, 0},
	    {"bad-indirect", {{1, 72, F_INDIRECT, 0}}, 1, 0},
	    {"bad-next-past-queue", {{1, 12, 0, 200}, {1, 60, 0, 0}}, 2, 0},
	    {"bad-no-readable", {{1, 72, F_WRITE, 0}}, 1, 0},
	    {"bad-short-header", {{1, 4, 0, 0}}, 1, 0},
	    {"bad-readable-after-writable", {{1, 12, F_WRITE, 1}, {1, 60, 0, 0}}, 2, 0},
	    {"bad-avail-too-far", {{1, 72, 0, 0}}, 1, 100},
	};
	for (unsigned i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
		run_bad(&bads[i]);
	/* the storm last, for storm=SECONDS (default 10) while the others work */
	uint64_t seconds = bootarg_u64("storm", 10), t0 = time_ms(), frames = 0;
	const char *why = 0;
	while (!why && time_ms() - t0 < seconds * 1000) {
		why = send_many(STORM_BATCH, BCAST, mac, 60);
		frames += STORM_BATCH;
	}
	verdict("storm", why);
	kprintf("netattack: %d broadcast frames in %d s\n", (int)frames, (int)seconds);
	verdict("still-works", send_many(QSIZE, BCAST, mac, 60));
	kprintf("%d passed, %d failed\n", passed, failed);
}
