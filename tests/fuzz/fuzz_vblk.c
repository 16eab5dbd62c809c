/*
 * The virtio-blk model (hyp/dev/vblk.c), modern or legacy as the input
 * chooses, driven by a stream of operations: register writes and reads
 * (aligned 32-bit, configuration-space widths, and bad ones), bytes and
 * descriptors written into a fake guest RAM, requests offered, notifies,
 * and a fake backend that completes what it holds in any order, ok or
 * failing, or never, or refuses new ones for now or for good.  Besides
 * popek's own invariants (POPEK_CHECK), the harness checks:
 *  - nothing is ever written outside RAM (guard bands on both sides);
 *  - every io handed to the backend lies in RAM and in the extent;
 *  - a late answer (its gen stale, or the queue not live) changes nothing;
 *  - last_avail and used_idx move only while the queue is live;
 *  - while live, the ios of the current gen are exactly the requests
 *    taken and not answered, and the backend holds exactly the busy ios;
 *  - notification suppression (§2.6.7, the input chooses VIRTIO_F_EVENT_IDX):
 *    an answer interrupts exactly when used_event says so (with the event
 *    index) or avail->flags allows it (without), whatever the guest wrote
 *    there; every answer is counted as sent or suppressed; the backend gets
 *    one commit per notify or kick, after its submits.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/vblk.h"
#include "dev/vplic.h"
#include "fuzz_reader.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define GUARD    0x1000ull
#define GUARD_B  0x5a
#define START    0x100000ull /* the extent on the real disk */
#define SIZE     0x8000ull
#define IRQ      3
#define QTAB     (RAM_BASE + 0x0000) /* where the setup macro puts the queue */

/* Input reader: bytes to numbers; 0 once the input is spent. */
struct rd {
	const uint8_t *p;
	size_t n;
};

static uint32_t rd_u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint32_t rd_u16(struct rd *r)
{
	return rd_u8(r) | rd_u8(r) << 8;
}

static uint32_t rd_u32(struct rd *r)
{
	return rd_u16(r) | rd_u16(r) << 16;
}

static struct {
	uint8_t mem[GUARD + RAM_SIZE + GUARD];
	struct vplic plic;
	struct vblk d;
	struct vblk_io *held[2 * VBLK_QUEUE_MAX];
	int nheld;
	int refuse; /* 0: take; 1: busy; 2: never */
	uint16_t avail_idx;
	bool event_idx; /* the driver takes VIRTIO_F_EVENT_IDX in setup() */
	int commits;
} f;

static uint8_t guard_pattern[GUARD];

static uint8_t *ram(void)
{
	return f.mem + GUARD;
}

static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len)
		return NULL;
	return ram() + (gpa - RAM_BASE);
}

static bool in_ram(uint64_t gpa, uint64_t len)
{
	return ram_at(NULL, gpa, len) != NULL;
}

/* What the device says it wrote (popek's watched copies follow it): RAM only, never empty. */
static void ram_wrote(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (!len || !in_ram(gpa, len))
		abort();
}

static void fake_commit(void *ctx)
{
	(void)ctx;
	f.commits++;
}

static int fake_submit(void *ctx, struct vblk_io *io)
{
	uint64_t bytes = 0;

	(void)ctx;
	REQUIRE(io->busy && io->dev == &f.d && io->gen == f.d.t.gen);
	REQUIRE(f.d.t.q[0].vq.live);
	REQUIRE(io->nseg <= VBLK_MAX_SEG);
	REQUIRE(in_ram(io->status_gpa, 1));
	for (uint32_t i = 0; i < io->nseg; i++) {
		REQUIRE(io->seg[i].len && io->seg[i].len % VBLK_SECTOR == 0);
		REQUIRE(in_ram(io->seg[i].gpa, io->seg[i].len));
		bytes += io->seg[i].len;
	}
	if (io->type == VIRTIO_BLK_T_IN || io->type == VIRTIO_BLK_T_OUT) {
		REQUIRE(io->nseg > 0);
		REQUIRE(io->sector * VBLK_SECTOR >= f.d.start);
		REQUIRE(io->sector * VBLK_SECTOR + bytes <= f.d.start + f.d.size);
		REQUIRE(io->type == VIRTIO_BLK_T_IN || !f.d.read_only);
	} else {
		REQUIRE(io->type == VIRTIO_BLK_T_FLUSH && io->nseg == 0 && f.d.size);
	}
	if (f.refuse)
		return f.refuse == 1 ? VBLK_BACKEND_BUSY : VBLK_BACKEND_FAIL;
	REQUIRE(f.nheld < (int)(sizeof(f.held) / sizeof(f.held[0])));
	f.held[f.nheld++] = io;
	return VBLK_BACKEND_OK;
}

static void guards_check(void)
{
	REQUIRE(memcmp(f.mem, guard_pattern, GUARD) == 0);
	REQUIRE(memcmp(f.mem + GUARD + RAM_SIZE, guard_pattern, GUARD) == 0);
}

/* The invariants between operations. */
static void state_check(void)
{
	int busy = 0, current = 0;

	guards_check();
	for (int i = 0; i < VBLK_QUEUE_MAX; i++) {
		busy += f.d.io[i].busy;
		current += f.d.io[i].busy && f.d.io[i].gen == f.d.t.gen;
	}
	REQUIRE(busy == f.nheld);
	REQUIRE(!f.d.t.q[0].vq.live || !f.d.t.broken);
	if (f.d.t.q[0].vq.live)
		REQUIRE(current == (uint16_t)(f.d.t.q[0].last_avail - f.d.t.q[0].used_idx));
	REQUIRE(!f.d.t.broken || (f.d.t.status & 0x40));
	REQUIRE(f.d.t.stats.answered == f.d.t.stats.interrupts + f.d.t.stats.suppressed);
	REQUIRE(f.d.submitted <= f.d.t.stats.requests);
	REQUIRE(f.d.t.stats.answered <= f.d.t.stats.requests);
}

static uint16_t ram16(uint64_t gpa)
{
	uint16_t v = 0;
	void *p = ram_at(NULL, gpa, 2);

	if (p)
		memcpy(&v, p, 2);
	return v;
}

/* The backend finishes held io k: the data moves (as DMA would), then the model answers. */
static void complete(int k, bool ok)
{
	static uint8_t snap[RAM_SIZE];
	struct vblk_io *io = f.held[k];
	bool late;

	memmove(&f.held[k], &f.held[k + 1], (size_t)(f.nheld - k - 1) * sizeof(f.held[0]));
	f.nheld--;
	if (ok && io->type == VIRTIO_BLK_T_IN) {
		for (uint32_t i = 0; i < io->nseg; i++)
			memset(ram_at(NULL, io->seg[i].gpa, io->seg[i].len), 0x77 + (int)i,
			       io->seg[i].len);
	}
	late = io->gen != f.d.t.gen || !f.d.t.q[0].vq.live;
	if (late)
		memcpy(snap, ram(), RAM_SIZE);
	uint64_t sent = f.d.t.stats.interrupts, answered = f.d.t.stats.answered;
	bool first = !f.d.t.q[0].vq.checked;
	vblk_complete(io, ok);
	REQUIRE(!io->busy);
	if (late)
		REQUIRE(memcmp(snap, ram(), RAM_SIZE) == 0);
	if (late || f.d.t.stats.answered == answered)
		return;
	/*
	 * §2.6.7.2 / §2.6.10: the decision for the answer just put, from what the guest wrote,
	 * as the board's device makes it: an emptied queue always notifies with NOTIFY_ON_EMPTY,
	 * and the first answer after the queue went live always does with the event index.
	 */
	bool empty = f.d.t.q[0].last_avail == f.d.t.q[0].used_idx &&
	             ram16(f.d.t.q[0].vq.avail + 2) == f.d.t.q[0].last_avail;
	bool want = (f.d.t.q[0].vq.notify_on_empty && empty) ||
	            (f.d.t.q[0].vq.event_idx
	                 ? first || ram16(f.d.t.q[0].vq.avail + 4 + 2ull * f.d.t.q[0].vq.num) ==
	                                (uint16_t)(f.d.t.q[0].used_idx - 1)
	                 : !(ram16(f.d.t.q[0].vq.avail) & 1));
	REQUIRE((f.d.t.stats.interrupts != sent) == want);
	REQUIRE(!want || (f.d.t.interrupt_status & 1));
}

static void reg_write(uint64_t off, uint32_t v)
{
	REQUIRE(vblk_ops.write(&f.d, off, 4, v) == 0);
}

static const uint16_t regs[] = {0x014, 0x020, 0x024, 0x028, 0x030, 0x038, 0x03c, 0x040, 0x044,
                                0x050, 0x064, 0x070, 0x080, 0x084, 0x090, 0x094, 0x0a0, 0x0a4};

/* A value for a register: small, a RAM address, or anything. */
static uint32_t value(struct rd *r)
{
	switch (rd_u8(r) % 4) {
	case 0:
		return rd_u8(r);
	case 1:
		return (uint32_t)(RAM_BASE + (rd_u16(r) & ~3u));
	case 2:
		return 1u << (rd_u8(r) % 32);
	default:
		return rd_u32(r);
	}
}

/* A guest address for a buffer: mostly in RAM, sometimes near or past its ends. */
static uint64_t address(struct rd *r)
{
	switch (rd_u8(r) % 4) {
	case 0:
	case 1:
		return RAM_BASE + rd_u16(r) % RAM_SIZE;
	case 2:
		return RAM_BASE + RAM_SIZE - (rd_u8(r) % 64) * 8;
	default:
		return (uint64_t)rd_u32(r) << (rd_u8(r) % 33);
	}
}

/* The driver's initialisation, modern or legacy, with the queue at QTAB. */
static void setup(struct rd *r)
{
	uint32_t num = 1u << (rd_u8(r) % 7);

	reg_write(0x070, 0);
	reg_write(0x070, 3);
	uint32_t feat = (1u << 9) | (f.event_idx ? 1u << 29 : 0);

	if (f.d.t.legacy) {
		reg_write(0x020, feat);
		reg_write(0x028, 4096);
		reg_write(0x038, num);
		reg_write(0x03c, 4096);
		reg_write(0x040, (uint32_t)(QTAB >> 12));
		reg_write(0x070, 7);
	} else {
		reg_write(0x024, 1);
		reg_write(0x020, 1);
		reg_write(0x024, 0);
		reg_write(0x020, feat);
		reg_write(0x070, 0xb);
		reg_write(0x038, num);
		reg_write(0x080, (uint32_t)QTAB);
		reg_write(0x084, 0);
		reg_write(0x090, (uint32_t)(QTAB + 0x400));
		reg_write(0x094, 0);
		reg_write(0x0a0, (uint32_t)(QTAB + 0x1000));
		reg_write(0x0a4, 0);
		reg_write(0x044, 1);
		reg_write(0x070, 0xf);
	}
	f.avail_idx = 0;
}

/* Where the driver's registers say the rings are (what a driver would write to). */
static uint64_t drv_desc(void)
{
	return f.d.t.q[0].desc;
}

static void put(uint64_t gpa, const void *p, size_t n)
{
	void *q = ram_at(NULL, gpa, n);

	if (q)
		memcpy(q, p, n);
}

static void put_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t b[16];

	memcpy(b, &addr, 8);
	memcpy(b + 8, &len, 4);
	memcpy(b + 12, &flags, 2);
	memcpy(b + 14, &next, 2);
	put(drv_desc() + 16ull * i, b, 16);
}

/* Offers head in the avail ring the registers name; advance is usually 1. */
static void offer(uint16_t head, uint16_t advance)
{
	uint32_t num = f.d.t.q[0].num ? f.d.t.q[0].num : 1;

	put(f.d.t.q[0].avail + 4 + 2ull * (f.avail_idx % num), &head, 2);
	f.avail_idx = (uint16_t)(f.avail_idx + advance);
	put(f.d.t.q[0].avail + 2, &f.avail_idx, 2);
}

/* A well-formed request as chain at descriptor d0: header, data, status. */
static void request(struct rd *r)
{
	static const uint32_t types[] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH,
	                                 VIRTIO_BLK_T_GET_ID, 3};
	uint16_t d0 = (uint16_t)(rd_u8(r) % 64);
	uint32_t type = types[rd_u8(r) % 5];
	uint64_t sector = rd_u8(r) % 80;
	uint32_t nseg = rd_u8(r) % 4;
	uint64_t hdr = RAM_BASE + 0x2000 + 16ull * (rd_u8(r) % 64);
	uint64_t st = RAM_BASE + 0x2800 + rd_u8(r) % 64;
	uint8_t h[16] = {0};
	uint16_t d = d0;

	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	put(hdr, h, 16);
	put_desc(d, hdr, 16, 1, (uint16_t)(d + 1));
	for (uint32_t s = 0; s < nseg; s++) {
		d++;
		put_desc(
		    d, RAM_BASE + 0x4000 + 0x1000ull * (rd_u8(r) % 12), 512u * (1 + s),
		    (uint16_t)(1 |
		               (type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID ? 2 : 0)),
		    (uint16_t)(d + 1));
	}
	put_desc((uint16_t)(d + 1), st, 1, 2, 0);
	offer(d0, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	uint32_t mode = rd_u8(&r);

	memset(guard_pattern, GUARD_B, GUARD);
	memset(f.mem, GUARD_B, sizeof(f.mem));
	memset(ram(), 0, RAM_SIZE);
	f.nheld = 0;
	f.refuse = 0;
	f.avail_idx = 0;
	f.event_idx = mode & 8;
	f.commits = 0;
	vplic_init(&f.plic);
	f.plic.priority[IRQ] = 1;
	f.plic.enable[1] = 1u << IRQ;
	vblk_init(&f.d, START, mode & 4 ? 0 : SIZE, mode & 2, mode & 1,
	          (struct virtio_mem){ram_at, NULL, ram_wrote},
	          (struct vblk_backend){.submit = fake_submit, .commit = fake_commit}, &f.plic,
	          IRQ);

	while (r.n) {
		uint16_t la = f.d.t.q[0].last_avail, ui = f.d.t.q[0].used_idx;
		bool live = f.d.t.q[0].vq.live;
		uint64_t v;

		int commits = f.commits;
		uint64_t submitted = f.d.submitted;
		bool notify = false;

		switch (rd_u8(&r) % 15) {
		case 0: /* a register write */
			reg_write(regs[rd_u8(&r) % (sizeof(regs) / sizeof(regs[0]))], value(&r));
			break;
		case 1: { /* any access, any width */
			static const unsigned widths[] = {1, 2, 4, 8, 3, 16};
			uint64_t off = rd_u16(&r) % 0x1100;
			unsigned w = widths[rd_u8(&r) % 6];
			if (rd_u8(&r) & 1)
				(void)vblk_ops.write(&f.d, off, w, value(&r));
			else if (vblk_ops.read(&f.d, off, w, &v) == 0 && w < 8)
				REQUIRE(v >> (8 * w) == 0);
			break;
		}
		case 2: { /* guest bytes */
			uint64_t off = rd_u16(&r) % RAM_SIZE;
			uint32_t n = rd_u8(&r) % 17;
			for (uint32_t i = 0; i < n && off + i < RAM_SIZE; i++)
				ram()[off + i] = (uint8_t)rd_u8(&r);
			break;
		}
		case 3: { /* a descriptor, anything in it */
			uint16_t i = (uint16_t)(rd_u8(&r) % 64);
			uint64_t a = address(&r);
			uint32_t len = rd_u8(&r) & 1 ? 512u * (rd_u8(&r) % 20) : rd_u16(&r);
			uint16_t fl = (uint16_t)(rd_u8(&r) % 8);
			put_desc(i, a, len, fl, (uint16_t)(rd_u8(&r) % 70));
			break;
		}
		case 4:
			offer((uint16_t)(rd_u8(&r) % 70),
			      rd_u8(&r) % 16 ? 1 : (uint16_t)rd_u16(&r));
			break;
		case 5:
		case 6: {
			uint32_t q = rd_u8(&r) % 8 ? 0 : rd_u8(&r);

			notify = q == 0 && live && !f.d.t.broken;
			reg_write(0x050, q);
			notify = notify && f.d.t.q[0].vq.live;
			break;
		}
		case 7:
		case 8:
			if (f.nheld)
				complete((int)(rd_u8(&r) % (uint32_t)f.nheld), rd_u8(&r) % 4 != 0);
			break;
		case 9:
			f.refuse = (int)(rd_u8(&r) % 6) - 3;
			f.refuse = f.refuse < 0 ? 0 : f.refuse;
			break;
		case 10:
			notify = live && !f.d.t.broken;
			vblk_kick(&f.d);
			notify = notify && f.d.t.q[0].vq.live;
			break;
		case 11:
			setup(&r);
			break;
		case 12:
			request(&r);
			break;
		case 13: /* a queue reset or a device reset */
			if (rd_u8(&r) & 1)
				reg_write(f.d.t.legacy ? 0x040 : 0x044, 0);
			else
				reg_write(0x070, 0);
			break;
		case 14: { /* what the driver says of notifications: avail->flags or used_event */
			uint32_t num = f.d.t.q[0].num ? f.d.t.q[0].num : 1;
			uint16_t x = rd_u8(&r) & 1
			                 ? (uint16_t)rd_u16(&r)
			                 : (uint16_t)(f.d.t.q[0].used_idx + rd_u8(&r) % 4 - 1);
			put(f.d.t.q[0].avail + (rd_u8(&r) & 1 ? 0 : 4 + 2ull * num), &x, 2);
			break;
		}
		}
		/*
		 * At most one commit per operation, one for a notify or kick of a
		 * live queue, and none missing after a submit.
		 */
		REQUIRE(f.commits - commits <= 1);
		if (notify || f.d.submitted != submitted)
			REQUIRE(f.commits == commits + 1);
		/* Indices move only while the queue is live, or restart at a reset. */
		if (f.d.t.q[0].last_avail != la || f.d.t.q[0].used_idx != ui)
			REQUIRE(live || (f.d.t.q[0].last_avail == 0 && f.d.t.q[0].used_idx == 0));
		state_check();
	}
	/* The backend finishes what it holds, in order, and nothing stays busy. */
	while (f.nheld)
		complete(0, true);
	state_check();
	return 0;
}
