/*
 * A VM's display devices whole, through their virtio-mmio slots: the GPU
 * (hyp/dev/vgpu.c), the keyboard and the tablet (hyp/dev/vinput.c) on the shared
 * transport (hyp/dev/virtio_mmio.c), with a real vPLIC.  Operations from the
 * input: register and configuration reads and writes of any width and
 * offset, a standard setup of either device's queues, descriptors and avail
 * entries written into a guard-banded fake RAM, notifies, keys from the real
 * keyboard, any events from the real tablet, device resets.  Besides popek's own invariants (POPEK_CHECK):
 *  - nothing is written outside RAM (the guard bands stay as they were);
 *  - the GPU's resources stay in its arena, apart, their backing in RAM;
 *  - the keyboard and tablet never hold more than a report's worth of
 *    events, and every event they took is sent, dropped, or (the tablet's,
 *    whose reports the input may leave open) still held;
 *  - configuration reads past either's space read all ones.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/vgpu.h"
#include "dev/vinput.h"
#include "dev/vplic.h"
#include "fuzz_reader.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x40000ull
#define GUARD    0x1000ull
#define GUARD_B  0x5a
#define W        64
#define H        32
#define QN       16 /* the setup's queue size */

static uint8_t mem[GUARD + RAM_SIZE + GUARD];
static struct vplic plic;
static struct vgpu gpu;
static struct vinput kbd, tablet;
static const uint8_t keys[29] = {0xfe, 0xff, 0xff, 0xff};
static uint16_t avail_idx[3][2]; /* the GPU, the keyboard, the tablet */

static uint8_t *ram(void)
{
	return mem + GUARD;
}

static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len)
		return NULL;
	return ram() + (gpa - RAM_BASE);
}

/* Where the setup puts device d's queue q: a 4 KiB block each. */
static uint64_t qbase(int d, int q)
{
	return RAM_BASE + 0x1000ull * (uint64_t)(2 * d + q);
}

static const struct mmio_ops *ops_of(int d)
{
	return d ? &vinput_ops : &vgpu_ops;
}

static void *dev_of(int d)
{
	return d == 2 ? (void *)&tablet : d ? (void *)&kbd : (void *)&gpu;
}

static void wr(int d, uint64_t off, uint32_t v)
{
	ops_of(d)->write(dev_of(d), off, 4, v);
}

/* §3.1.1 for device d: features VERSION_1, both queues at qbase, DRIVER_OK. */
static void setup(int d)
{
	wr(d, 0x70, 0);
	wr(d, 0x70, 3);
	wr(d, 0x24, 1);
	wr(d, 0x20, 1);
	wr(d, 0x70, 0xb);
	for (int q = 0; q < 2; q++) {
		uint64_t b = qbase(d, q);
		wr(d, 0x30, (uint32_t)q);
		wr(d, 0x38, QN);
		wr(d, 0x80, (uint32_t)b);
		wr(d, 0x84, (uint32_t)(b >> 32));
		wr(d, 0x90, (uint32_t)(b + 16 * QN));
		wr(d, 0x94, (uint32_t)((b + 16 * QN) >> 32));
		wr(d, 0xa0, (uint32_t)(b + 0x800));
		wr(d, 0xa4, (uint32_t)((b + 0x800) >> 32));
		wr(d, 0x44, 1);
		avail_idx[d][q] = 0;
	}
	wr(d, 0x70, 0xf);
}

/* A descriptor into the table of device d's queue q. */
static void desc(struct reader *r, int d, int q)
{
	uint8_t *t = ram_at(NULL, qbase(d, q), 16 * QN);
	uint32_t i = reader_u8(r) % QN;
	uint8_t k = reader_u8(r);
	uint64_t addr = k < 0xe0 ? RAM_BASE + 0x10000 + (uint64_t)k * 0x100 : reader_u64(r);
	uint32_t len = reader_u8(r) < 0xf0 ? reader_u16(r) % 0x2000 : reader_u32(r);
	uint16_t flags = reader_u8(r) & 7, next = reader_u8(r) % (QN + 2);

	memcpy(t + 16 * i, &addr, 8);
	memcpy(t + 16 * i + 8, &len, 4);
	memcpy(t + 16 * i + 12, &flags, 2);
	memcpy(t + 16 * i + 14, &next, 2);
}

/* Offers head on device d's queue q (avail ring right after the table) and notifies. */
static void offer(struct reader *r, int d, int q)
{
	uint8_t *avail = ram_at(NULL, qbase(d, q) + 16 * QN, 6 + 2 * QN);
	uint16_t head = reader_u8(r) % (QN + 1), idx = ++avail_idx[d][q];

	memcpy(avail + 4 + 2 * ((idx - 1) % QN), &head, 2);
	memcpy(avail + 2, &idx, 2);
	if (reader_u8(r) & 1)
		wr(d, 0x50, (uint32_t)q);
}

static void check(void)
{
	for (uint64_t i = 0; i < GUARD; i++)
		REQUIRE(mem[i] == GUARD_B && mem[GUARD + RAM_SIZE + i] == GUARD_B);
	for (int i = 0; i < VGPU_MAX_RES; i++) {
		const struct vgpu_res *a = &gpu.res[i];
		if (!a->id)
			continue;
		REQUIRE(a->pix_off + a->pix_len <= gpu.arena_size);
		if (a->nents) {
			const struct vgpu_ent *e = (const void *)(gpu.arena + a->ent_off);
			REQUIRE(a->ent_off + (uint64_t)(a->nents + 1) * sizeof *e <=
			        gpu.arena_size);
			for (uint32_t k = 0; k < a->nents; k++)
				REQUIRE(ram_at(NULL, e[k].gpa, e[k + 1].start - e[k].start));
		}
		for (int j = i + 1; j < VGPU_MAX_RES; j++) {
			const struct vgpu_res *b = &gpu.res[j];
			REQUIRE(!b->id || a->id != b->id);
			REQUIRE(!b->id || !a->pix_len || !b->pix_len ||
			        a->pix_off + a->pix_len <= b->pix_off ||
			        b->pix_off + b->pix_len <= a->pix_off);
		}
	}
	REQUIRE(kbd.queued < VINPUT_QUEUE_MAX);
	REQUIRE(tablet.queued < VINPUT_QUEUE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	uint64_t arena_size = vgpu_arena_bytes(W, H);
	uint8_t *arena = malloc(arena_size);
	uint64_t keys_taken = 0, tablet_taken = 0;

	memset(mem, GUARD_B, sizeof mem);
	memset(ram(), 0, RAM_SIZE);
	vplic_init(&plic);
	vgpu_init(&gpu, W, H, (struct virtio_mem){ram_at, NULL}, arena, arena_size, false, &plic,
	          7);
	vinput_init(&kbd, keys, sizeof keys);
	vinput_attach(&kbd, (struct virtio_mem){ram_at, NULL}, &plic, 8);
	vinput_init_tablet(&tablet);
	vinput_attach(&tablet, (struct virtio_mem){ram_at, NULL}, &plic, 9);
	for (int steps = 0; r.size && steps < 400; steps++) {
		uint8_t op = reader_u8(&r);
		int d = op & 1 ? 1 + ((op >> 2) & 1) : 0, q = (op >> 1) & 1;
		struct vinput *in = d == 2 ? &tablet : &kbd;
		uint64_t v;

		switch (op >> 4) {
		case 0:
			setup(d);
			break;
		case 1:
		case 2:
		case 3:
			desc(&r, d, q);
			break;
		case 4:
		case 5:
			offer(&r, d, q);
			break;
		case 6: {
			uint64_t off = reader_u16(&r) % 0x1000;
			unsigned width = 1u << (reader_u8(&r) % 4);
			if (ops_of(d)->read(dev_of(d), off, width, &v) == 0 && d && off >= 0x100 &&
			    off - 0x100 + width > in->cfg_len && off < 0x200 && width <= 4)
				REQUIRE(v ==
				        (width == 4 ? 0xffffffffull : (1ull << (8 * width)) - 1));
			break;
		}
		case 7: {
			uint64_t off = reader_u16(&r) % 0x1000;
			unsigned width = 1u << (reader_u8(&r) % 4);
			ops_of(d)->write(dev_of(d), off, width, reader_u32(&r));
			break;
		}
		case 8:
		case 9:
		case 10: {
			if (d == 2) {
				/* the real tablet: any event, a report ended by its EV_SYN */
				static const uint16_t types[] = {EV_SYN, EV_KEY, EV_REL, EV_ABS};
				const struct vinput_event e = {types[reader_u8(&r) % 4],
				                               reader_u16(&r) % 0x300,
				                               reader_u32(&r)};
				uint64_t before = tablet.sent + tablet.dropped + tablet.queued;
				vinput_event(&tablet, &e);
				tablet_taken +=
				    tablet.sent + tablet.dropped + tablet.queued - before;
				break;
			}
			uint64_t before = kbd.sent + kbd.dropped;
			vinput_key(&kbd, reader_u16(&r) % 0x300, reader_u8(&r) & 1);
			REQUIRE(kbd.sent + kbd.dropped - before <= 2);
			keys_taken += kbd.sent + kbd.dropped - before;
			break;
		}
		case 11: {
			/* bytes into RAM: a command, entries, a chain's data */
			uint32_t off = 0x10000 + (uint32_t)reader_u16(&r) % 0x20000,
			         n = reader_u8(&r);
			for (uint32_t i = 0; i < n && off + i < RAM_SIZE; i++)
				ram()[off + i] = reader_u8(&r);
			break;
		}
		case 12:
			wr(d, 0x70, 0); /* device reset */
			break;
		default:
			wr(d, 0x50, (uint32_t)q);
			break;
		}
		check();
	}
	REQUIRE(keys_taken == kbd.sent + kbd.dropped);
	REQUIRE(tablet_taken == tablet.sent + tablet.dropped + tablet.queued);
	free(arena);
	return 0;
}
