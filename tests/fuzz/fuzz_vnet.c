/*
 * The virtio-net model (hyp/dev/vnet.c) on the shared transport, two of
 * them on one LAN (hyp/core/lan.c), each with its own guard-banded RAM.
 * Device 0 is the input's: register traffic (modern or legacy), descriptors
 * and ring entries anywhere, raw bytes for frames, notifies, resets.
 * Device 1 is a well-behaved driver's: it posts receive buffers and sends
 * frames to device 0 and to the broadcast address.  Besides popek's own
 * invariants (POPEK_CHECK), the harness checks:
 *  - nothing is written outside either RAM (guard bands);
 *  - device 1 never breaks and its chains keep coming back, whatever
 *    device 0 does;
 *  - what device 1 receives is a header and a whole frame of a LAN's sizes,
 *    from device 0's MAC (a port sends only with its own);
 *  - the switch's counters agree: frames accepted from device 0 are at most
 *    those device 1 got and those dropped for its queue.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/vnet.h"
#include "dev/vplic.h"
#include "fuzz_reader.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define GUARD    0x1000ull
#define GUARD_B  0x5a
#define QN1      8 /* device 1's queues */

static struct {
	uint8_t mem[2][GUARD + RAM_SIZE + GUARD];
	struct vplic plic;
	struct vnet d[2];
	struct bundle_header h;
	uint16_t avail_idx[2][2];
	uint16_t used_seen1[2]; /* device 1's used rings, as far as its driver read them */
	uint16_t next1[2];      /* device 1's next descriptor, per queue */
} f;

/* The ports' queues: one static arena, reused by every lan_init. */
static void *arena_alloc(uint64_t bytes)
{
	static struct lan_frame mem[8 * LAN_QUEUE];

	return bytes <= sizeof(mem) ? mem : NULL;
}

static const uint8_t MAC[2][6] = {{0x02, 0, 0, 0, 0, 1}, {0x02, 0, 0, 0, 0, 2}};

static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	uint8_t *mem = ctx;

	if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len)
		return NULL;
	return mem + GUARD + (gpa - RAM_BASE);
}

static void put(int d, uint64_t gpa, const void *p, size_t n)
{
	void *q = ram_at(f.mem[d], gpa, n);

	if (q)
		memcpy(q, p, n);
}

static uint16_t get16(int d, uint64_t gpa)
{
	uint16_t v = 0;
	void *q = ram_at(f.mem[d], gpa, 2);

	if (q)
		memcpy(&v, q, 2);
	return v;
}

static void reg_write(int d, uint64_t off, uint32_t v)
{
	REQUIRE(vnet_ops.write(&f.d[d], off, 4, v) == 0);
}

static void put_desc(int d, uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
	uint8_t b[16];

	memcpy(b, &addr, 8);
	memcpy(b + 8, &len, 4);
	memcpy(b + 12, &flags, 2);
	memcpy(b + 14, &next, 2);
	put(d, table + 16ull * i, b, 16);
}

/* Queue q of a device at RAM_BASE + 0x2000 * q: table, avail at +0x800, used at +0x1000. */
static void setup(int d, uint32_t num0, uint32_t num1, bool event_idx)
{
	uint32_t feat =
	    (uint32_t)(VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS) | (event_idx ? 1u << 29 : 0);
	uint32_t num[2] = {num0, num1};

	reg_write(d, 0x070, 0);
	reg_write(d, 0x070, 3);
	if (f.d[d].t.legacy) {
		reg_write(d, 0x020, feat);
		reg_write(d, 0x028, 4096);
	} else {
		reg_write(d, 0x024, 1);
		reg_write(d, 0x020, 1);
		reg_write(d, 0x024, 0);
		reg_write(d, 0x020, feat);
		reg_write(d, 0x070, 0xb);
	}
	for (uint32_t q = 0; q < 2; q++) {
		uint64_t base = RAM_BASE + 0x2000ull * q;
		reg_write(d, 0x030, q);
		reg_write(d, 0x038, num[q]);
		if (f.d[d].t.legacy) {
			reg_write(d, 0x03c, 0x1000);
			reg_write(d, 0x040, (uint32_t)(base >> 12));
		} else {
			reg_write(d, 0x080, (uint32_t)base);
			reg_write(d, 0x084, 0);
			reg_write(d, 0x090, (uint32_t)(base + 0x800));
			reg_write(d, 0x094, 0);
			reg_write(d, 0x0a0, (uint32_t)(base + 0x1000));
			reg_write(d, 0x0a4, 0);
			reg_write(d, 0x044, 1);
		}
		f.avail_idx[d][q] = 0;
	}
	reg_write(d, 0x070, f.d[d].t.legacy ? 7 : 0xf);
}

/* Where the device's registers put queue q's parts. */
static uint64_t qdesc(int d, int q)
{
	return f.d[d].t.q[q].desc;
}

static void offer(int d, int q, uint16_t head)
{
	uint32_t num = f.d[d].t.q[q].num ? f.d[d].t.q[q].num : 1;
	uint64_t avail = f.d[d].t.q[q].avail;

	put(d, avail + 4 + 2ull * (f.avail_idx[d][q] % num), &head, 2);
	f.avail_idx[d][q]++;
	put(d, avail + 2, &f.avail_idx[d][q], 2);
}

/* Device 1's driver: one chain of one descriptor, buffer k of its queue q. */
static void dev1_post(int q, uint32_t len, uint16_t flags)
{
	uint16_t i = f.next1[q]++ % QN1;
	uint64_t buf = RAM_BASE + 0x4000 + 0x800ull * (q * QN1 + i);

	put_desc(1, qdesc(1, q), i, buf, len, flags, 0);
	offer(1, q, i);
	reg_write(1, 0x050, (uint32_t)q);
}

/* Device 1's header: 10 bytes on the legacy interface, 12 on version 2 (§5.1.6). */
static uint32_t hdr1(void)
{
	return f.d[1].t.legacy ? 10 : 12;
}

static void dev1_send(const uint8_t *dst, uint32_t len)
{
	uint16_t i = f.next1[1] % QN1;
	uint64_t buf = RAM_BASE + 0x4000 + 0x800ull * (QN1 + i);
	uint8_t fr[12 + 64] = {0};

	memcpy(fr + hdr1(), dst, 6);
	memcpy(fr + hdr1() + 6, MAC[1], 6);
	put(1, buf, fr, sizeof(fr));
	dev1_post(1, hdr1() + len, 0);
}

/* Device 1 sees its answers; each received frame is whole and from device 0. */
static void dev1_check(void)
{
	REQUIRE(!(f.d[1].t.status & 0x40));
	for (int q = 0; q < 2; q++) {
		uint64_t used = f.d[1].t.q[q].used;
		uint16_t idx = get16(1, used + 2);
		REQUIRE((uint16_t)(idx - f.used_seen1[q]) <= QN1);
		while (f.used_seen1[q] != idx) {
			uint64_t e = used + 4 + 8ull * (f.used_seen1[q] % QN1);
			uint32_t id = get16(1, e), len = get16(1, e + 4) | get16(1, e + 6) << 16;
			REQUIRE(id < QN1);
			if (q == 0) {
				uint64_t buf = RAM_BASE + 0x4000 + 0x800ull * id;
				REQUIRE(len >= hdr1() + LAN_FRAME_MIN &&
				        len <= hdr1() + LAN_FRAME_MAX);
				uint8_t src[6];
				memcpy(src, ram_at(f.mem[1], buf + hdr1() + 6, 6), 6);
				REQUIRE(memcmp(src, MAC[0], 6) == 0);
			} else {
				REQUIRE(len == 0);
			}
			f.used_seen1[q]++;
		}
	}
}

static const uint16_t regs[] = {0x014, 0x020, 0x024, 0x028, 0x030, 0x038, 0x03c,
                                0x040, 0x044, 0x050, 0x064, 0x070, 0x080, 0x084,
                                0x090, 0x094, 0x0a0, 0x0a4, 0x100, 0x104};

static uint64_t address(struct reader *r)
{
	switch (reader_u8(r) % 4) {
	case 0:
	case 1:
		return RAM_BASE + reader_u16(r) % RAM_SIZE;
	case 2:
		return RAM_BASE + RAM_SIZE - (reader_u8(r) % 64) * 8;
	default:
		return (uint64_t)reader_u32(r) << (reader_u8(r) % 33);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	uint8_t mode = reader_u8(&r);

	memset(&f, 0, sizeof(f));
	for (int d = 0; d < 2; d++) {
		memset(f.mem[d], GUARD_B, GUARD);
		memset(f.mem[d] + GUARD + RAM_SIZE, GUARD_B, GUARD);
	}
	f.h.nlans = 1;
	strcpy(f.h.lans[0].name, "fuzz");
	f.h.nvms = 1;
	f.h.vms[0].nnics = 2;
	lan_init(&f.h, arena_alloc);
	vplic_init(&f.plic);
	for (int d = 0; d < 2; d++) {
		struct lan_port *p = lan_attach(0, &vnet_port_ops, &f.d[d], MAC[d]);
		vnet_init(&f.d[d], MAC[d], d == 0 ? mode & 1 : (mode >> 1) & 1,
		          (struct virtio_mem){ram_at, f.mem[d]}, &f.plic, 1 + d, p);
	}
	setup(1, QN1, QN1, mode & 4);
	setup(0, 1u << (reader_u8(&r) % 9), 1u << (reader_u8(&r) % 9), mode & 8);
	for (int i = 0; i < 4; i++)
		dev1_post(0, 2048, VIRTQ_DESC_F_WRITE);

	for (int ops = 0; r.size && ops < 2000; ops++) {
		uint64_t v;
		switch (reader_u8(&r) % 10) {
		case 0: {
			uint16_t off = regs[reader_u8(&r) % (sizeof(regs) / sizeof(regs[0]))];
			reg_write(0, off, reader_u8(&r) & 1 ? reader_u8(&r) : reader_u32(&r));
			break;
		}
		case 1:
			(void)vnet_ops.read(&f.d[0], reader_u16(&r) & 0x3ff,
			                    1u << (reader_u8(&r) % 4), &v);
			break;
		case 2:
			setup(0, 1u << (reader_u8(&r) % 9), reader_u16(&r), reader_u8(&r) & 1);
			break;
		case 3: {
			int q = reader_u8(&r) & 1;
			uint16_t i = reader_u8(&r);
			uint64_t a = address(&r);
			uint32_t len = reader_u8(&r) & 1 ? reader_u16(&r) % 2048 : reader_u32(&r);
			uint16_t flags = reader_u8(&r) & 7;
			put_desc(0, qdesc(0, q), i, a, len, flags, reader_u8(&r));
			break;
		}
		case 4: {
			int q = reader_u8(&r) & 1;
			offer(0, q, reader_u8(&r));
			if (reader_u8(&r) & 1)
				reg_write(0, 0x050, (uint32_t)q);
			break;
		}
		case 5: {
			uint8_t b[32];
			uint64_t a = address(&r);
			for (size_t k = 0; k < sizeof(b); k++)
				b[k] = reader_u8(&r);
			if (reader_u8(&r) & 1)
				memcpy(b + 18, MAC[0], 6); /* a frame from its own address */
			put(0, a, b, sizeof(b));
			break;
		}
		case 6: {
			static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
			dev1_send(reader_u8(&r) & 1 ? bcast : MAC[0], 14 + reader_u8(&r) % 50);
			break;
		}
		case 7:
			if ((uint16_t)(f.avail_idx[1][0] - f.used_seen1[0]) < QN1)
				dev1_post(0, 12 + reader_u16(&r) % 1600, VIRTQ_DESC_F_WRITE);
			break;
		case 8:
			lan_poll();
			break;
		default:
			reg_write(0, 0x064, reader_u8(&r));
			break;
		}
		dev1_check();
		for (int d = 0; d < 2; d++) {
			for (uint64_t k = 0; k < GUARD; k++) {
				REQUIRE(f.mem[d][k] == GUARD_B);
				REQUIRE(f.mem[d][GUARD + RAM_SIZE + k] == GUARD_B);
			}
		}
	}
	const struct lan_port_stats *s0 = &f.d[0].port->stats, *s1 = &f.d[1].port->stats;
	REQUIRE(s1->rx_frames + s1->drop_queue + f.d[1].port->q_len >= s0->tx_frames);
	return 0;
}
