/*
 * The virtio-gpu command layer (hyp/dev/vgpu.c) driven by a stream of
 * operations: control commands (a known type with fields from the input, or
 * any type at all, cut short or not), cursor commands, bytes written into a
 * fake guest RAM (backing pages the guest changes under the device), device
 * resets, and reads of every screen pixel.  The arena is allocated to its exact
 * size and RAM is guard-banded, so ASan sees any step outside either.  After
 * each step:
 *  - an answer is at least a header and at most the display info's size, and
 *    carries a response type the board's device uses;
 *  - live resources have distinct non-zero ids, their pixels and backing
 *    tables lie in the arena, apart from each other;
 *  - every backing entry lies in RAM;
 *  - the scanout shows a live resource, inside it, at least 16 x 16;
 *  - RAM is never written (the device only reads guest memory).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/vgpu.h"
#include "fuzz_reader.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x20000ull
#define W        64
#define H        48

static uint8_t ram[RAM_SIZE];
static uint8_t shadow_ram[RAM_SIZE]; /* what RAM must hold: only the input writes it */

static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len)
		return NULL;
	return ram + (gpa - RAM_BASE);
}

struct buf {
	uint8_t b[4096];
	uint64_t len;
};

static uint64_t buf_read(void *ctx, uint64_t off, void *dst, uint64_t len)
{
	struct buf *b = ctx;

	if (off >= b->len)
		return 0;
	if (len > b->len - off)
		len = b->len - off;
	memcpy(dst, b->b + off, len);
	return len;
}

static const uint32_t types[] = {
    0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x010a, 0x010c, 0x010d,
};

static const uint32_t answers[] = {
    VIRTIO_GPU_RESP_OK_NODATA,
    VIRTIO_GPU_RESP_OK_DISPLAY_INFO,
    VIRTIO_GPU_RESP_ERR_UNSPEC,
    VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
    VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID,
    VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID,
    VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
};

/* A field: small values most of the time, so that ids and rectangles meet. */
static uint32_t field(struct reader *r)
{
	uint8_t k = reader_u8(r);

	switch (k >> 6) {
	case 0:
		return k & 0x3f;
	case 1:
		return reader_u8(r);
	case 2:
		return reader_u16(r);
	default:
		return reader_u32(r);
	}
}

static uint64_t gpa_field(struct reader *r)
{
	uint8_t k = reader_u8(r);

	if (k < 0xc0)
		return RAM_BASE + (uint64_t)k * 0x200 + (reader_u8(r) & 0xf0);
	return reader_u64(r);
}

static void build_ctrl(struct reader *r, struct buf *b)
{
	uint8_t k = reader_u8(r);
	uint32_t type = k < 0xf0 ? types[k % (sizeof types / sizeof types[0])] : field(r) | 0x100;
	uint32_t v;

	memset(b, 0, sizeof *b);
	memcpy(b->b, &type, 4);
	v = reader_u8(r) & 1; /* fence */
	memcpy(b->b + 4, &v, 4);
	b->len = 24;
	if (type == 0x0106) {
		uint32_t id = field(r), n = reader_u8(r) % 8;

		memcpy(b->b + 24, &id, 4);
		v = reader_u8(r) < 0xf8 ? n : field(r);
		memcpy(b->b + 28, &v, 4);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t a = gpa_field(r);
			uint32_t l =
			    reader_u8(r) < 0xf0 ? (uint32_t)reader_u8(r) * 0x100 : field(r);

			memcpy(b->b + 32 + 16 * i, &a, 8);
			memcpy(b->b + 40 + 16 * i, &l, 4);
		}
		b->len = 32 + 16 * n;
	} else {
		for (uint32_t off = 24; off < 56; off += 4) {
			v = field(r);
			memcpy(b->b + off, &v, 4);
		}
		b->len = 56;
	}
	if (reader_u8(r) >= 0xf0)
		b->len = reader_u8(r) % (b->len + 1); /* cut short */
}

static void check(const struct vgpu *g)
{
	uint32_t w, h;

	for (int i = 0; i < VGPU_MAX_RES; i++) {
		const struct vgpu_res *a = &g->res[i];
		uint64_t ea = a->nents ? (uint64_t)(a->nents + 1) * sizeof(struct vgpu_ent) : 0;

		if (!a->id)
			continue;
		REQUIRE(a->pix_len == (uint64_t)a->width * a->height * 4);
		REQUIRE(a->pix_off + a->pix_len <= g->arena_size);
		REQUIRE(a->ent_off + ea <= g->arena_size);
		for (int j = i + 1; j < VGPU_MAX_RES; j++) {
			const struct vgpu_res *b = &g->res[j];
			uint64_t eb =
			    b->nents ? (uint64_t)(b->nents + 1) * sizeof(struct vgpu_ent) : 0;

			if (!b->id)
				continue;
			REQUIRE(a->id != b->id);
			REQUIRE(!a->pix_len || !b->pix_len ||
			        a->pix_off + a->pix_len <= b->pix_off ||
			        b->pix_off + b->pix_len <= a->pix_off);
			REQUIRE(!ea || !eb || a->ent_off + ea <= b->ent_off ||
			        b->ent_off + eb <= a->ent_off);
			REQUIRE(!ea || !b->pix_len || a->ent_off + ea <= b->pix_off ||
			        b->pix_off + b->pix_len <= a->ent_off);
		}
		if (a->nents) {
			const struct vgpu_ent *e = (const void *)(g->arena + a->ent_off);

			REQUIRE(ea + a->ent_off <= g->arena_size);
			REQUIRE(!a->pix_len || a->ent_off + ea <= a->pix_off ||
			        a->pix_off + a->pix_len <= a->ent_off);
			for (uint32_t k = 0; k < a->nents; k++) {
				REQUIRE(e[k + 1].start > e[k].start);
				REQUIRE(ram_at(NULL, e[k].gpa, e[k + 1].start - e[k].start));
			}
		}
	}
	if (vgpu_screen(g, &w, &h)) {
		const struct vgpu_res *s = NULL;

		for (int i = 0; i < VGPU_MAX_RES; i++)
			if (g->res[i].id == g->scanout_res)
				s = &g->res[i];
		REQUIRE(s); /* its backing may be gone since (detach): the image stays */
		REQUIRE(w >= 16 && h >= 16);
		REQUIRE((uint64_t)g->scanout.x + w <= s->width);
		REQUIRE((uint64_t)g->scanout.y + h <= s->height);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	uint64_t arena_size = vgpu_arena_bytes(W, H);
	uint8_t *arena = malloc(arena_size);
	static struct vgpu g;
	static struct buf b;
	static struct vgpu_resp resp;
	struct vgpu_req req = {buf_read, &b};

	memset(ram, 0, sizeof ram);
	memset(shadow_ram, 0, sizeof shadow_ram);
	memset(arena, 0xee, arena_size);
	vgpu_init(&g, W, H, (struct virtio_mem){ram_at, NULL}, arena, arena_size, false, NULL, 0);
	for (int steps = 0; r.size && steps < 512; steps++) {
		uint8_t op = reader_u8(&r);

		if (op < 0xa0) {
			uint32_t t;
			bool known = false;

			build_ctrl(&r, &b);
			vgpu_ctrl(&g, &req, &resp);
			memcpy(&t, resp.bytes, 4);
			for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
				known |= answers[i] == t;
			REQUIRE(known);
			REQUIRE(resp.len >= 24 && resp.len <= VGPU_RESP_MAX);
		} else if (op < 0xb0) {
			b.len = 56 - (op & 1);
			for (int i = 0; i < 14; i++) {
				uint32_t v = i == 0 ? 0x300 + (reader_u8(&r) & 1) : field(&r);

				memcpy(b.b + 4 * i, &v, 4);
			}
			vgpu_cursor(&g, &req);
		} else if (op < 0xe0) {
			uint32_t off = reader_u16(&r) % RAM_SIZE, n = reader_u8(&r);

			for (uint32_t i = 0; i < n && off + i < RAM_SIZE; i++)
				ram[off + i] = shadow_ram[off + i] = reader_u8(&r);
		} else if (op < 0xf0) {
			uint32_t w, h, sum = 0;

			if (vgpu_screen(&g, &w, &h))
				for (uint32_t y = 0; y < h; y++)
					for (uint32_t x = 0; x < w; x++)
						sum += vgpu_screen_rgb(&g, x, y);
			REQUIRE(sum <= UINT32_MAX);
		} else {
			vgpu_reset(&g);
		}
		check(&g);
	}
	REQUIRE(memcmp(ram, shadow_ram, sizeof ram) == 0);
	free(arena);
	return 0;
}
