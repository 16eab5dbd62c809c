/*
 * The virtio-gpu command layer (hyp/dev/vgpu.c): a test driver builds
 * commands as a guest's would, hands them over as a transport does, and
 * checks each answer against the one the board's device gives, the pixels
 * the screen shows, and that no hostile command moves the device outside
 * the VM's RAM or its arena.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dev/vgpu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x400000ull
#define W        64
#define H        32

static uint8_t ram[RAM_SIZE];
static uint8_t *arena;
static uint64_t arena_size;
static struct vgpu g;

static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len)
		return NULL;
	return ram + (gpa - RAM_BASE);
}

/* A request: its readable bytes in one flat buffer. */
struct buf {
	uint8_t b[65536];
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

static struct buf req;
static struct vgpu_resp resp;

static void put32(uint64_t off, uint32_t v)
{
	memcpy(req.b + off, &v, 4);
	if (req.len < off + 4)
		req.len = off + 4;
}

static void put64(uint64_t off, uint64_t v)
{
	memcpy(req.b + off, &v, 8);
	if (req.len < off + 8)
		req.len = off + 8;
}

/* Starts a command of type t with its 24-byte header. */
static void cmd(uint32_t t)
{
	memset(&req, 0, sizeof req);
	req.len = 24;
	put32(0, t);
}

static uint32_t resp_type(void)
{
	uint32_t t;

	memcpy(&t, resp.bytes, 4);
	return t;
}

/* Sends the request built; answers the response type. */
static uint32_t send(void)
{
	struct vgpu_req r = {buf_read, &req};

	vgpu_ctrl(&g, &r, &resp);
	return resp_type();
}

static uint32_t create(uint32_t id, uint32_t fmt, uint32_t w, uint32_t h)
{
	cmd(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D);
	put32(24, id);
	put32(28, fmt);
	put32(32, w);
	put32(36, h);
	return send();
}

/* Attaches n entries (gpa[i], len[i]). */
static uint32_t attach(uint32_t id, uint32_t n, const uint64_t *gpa, const uint32_t *len)
{
	cmd(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING);
	put32(24, id);
	put32(28, n);
	for (uint32_t i = 0; i < n; i++) {
		put64(32 + 16ull * i, gpa[i]);
		put32(40 + 16ull * i, len[i]);
		put32(44 + 16ull * i, 0);
	}
	return send();
}

static uint32_t rect_cmd(uint32_t type, uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	cmd(type);
	put32(24, x);
	put32(28, y);
	put32(32, w);
	put32(36, h);
	if (type == VIRTIO_GPU_CMD_SET_SCANOUT) {
		put32(40, 0);
		put32(44, id);
	} else if (type == VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D) {
		put64(40, 0);
		put32(48, id);
		put32(52, 0);
	} else {
		put32(40, id);
		put32(44, 0);
	}
	return send();
}

static uint32_t id_cmd(uint32_t type, uint32_t id)
{
	cmd(type);
	put32(24, id);
	put32(28, 0);
	return send();
}

/* A W x H resource 1, B8G8R8X8, backed by two pieces of RAM out of order. */
#define BACK_A (RAM_BASE + 0x200000)
#define BACK_B (RAM_BASE + 0x100000)
#define HALF   (W * H * 4 / 2)

static void pixel_put(uint32_t x, uint32_t y, uint32_t bgrx)
{
	uint64_t off = ((uint64_t)y * W + x) * 4;
	uint64_t gpa = off < HALF ? BACK_A + off : BACK_B + off - HALF;

	memcpy(ram + (gpa - RAM_BASE), &bgrx, 4);
}

static void screen_up(void)
{
	uint64_t gpa[] = {BACK_A, BACK_B};
	uint32_t len[] = {HALF, HALF};

	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H),
	                 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(attach(1, 2, gpa, len), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 0, 0, W, H),
	                 VIRTIO_GPU_RESP_OK_NODATA);
}

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof ram);
	arena_size = vgpu_arena_bytes(W, H);
	arena = calloc(1, arena_size);
	vgpu_init(&g, W, H, (struct virtio_mem){ram_at, NULL}, arena, arena_size, false, NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static void test_display_info(void **state)
{
	uint32_t one[6];
	uint64_t fence;
	uint32_t flags;

	(void)state;
	cmd(VIRTIO_GPU_CMD_GET_DISPLAY_INFO);
	put32(4, VIRTIO_GPU_FLAG_FENCE);
	put64(8, 0x1234567890ull);
	assert_int_equal(send(), VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
	assert_int_equal(resp.len, 24 + 16 * 24);
	memcpy(one, resp.bytes + 24, sizeof one);
	assert_int_equal(one[0], 0);
	assert_int_equal(one[2], W);
	assert_int_equal(one[3], H);
	assert_int_equal(one[4], 1);
	memcpy(&flags, resp.bytes + 4, 4);
	memcpy(&fence, resp.bytes + 8, 8);
	assert_int_equal(flags, VIRTIO_GPU_FLAG_FENCE);
	assert_int_equal(fence, 0x1234567890ull);
	/* scanout 1 is not there */
	memcpy(one, resp.bytes + 24 + 24, sizeof one);
	assert_int_equal(one[4], 0);
}

/* The screen shows what was transferred, pixel for pixel, in every format's byte order. */
static void test_transfer_and_screen(void **state)
{
	uint32_t w, h;

	(void)state;
	assert_false(vgpu_screen(&g, &w, &h));
	screen_up();
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			pixel_put(x, y, (x * 4) | (y * 8) << 8 | (x ^ y) << 16);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0, 0, W, H),
	                 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 1, 0, 0, W, H),
	                 VIRTIO_GPU_RESP_OK_NODATA);
	assert_true(vgpu_screen(&g, &w, &h));
	assert_int_equal(w, W);
	assert_int_equal(h, H);
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			assert_int_equal(vgpu_screen_rgb(&g, x, y),
			                 (x ^ y) << 16 | (y * 8) << 8 | (x * 4));
	/* the guest changes its pages: the screen keeps what was transferred */
	pixel_put(3, 3, 0xffffff);
	assert_int_equal(vgpu_screen_rgb(&g, 3, 3), 0 << 16 | 24 << 8 | 12);
	/* a 1x1 transfer at (3, 3) takes the pixel from backing offset 0 (its rectangle's first row) */
	pixel_put(0, 0, 0x00abcdef);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 3, 3, 1, 1),
	                 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(vgpu_screen_rgb(&g, 3, 3), 0xabcdef);
	/* whole rows from (0, 0) at offset 0 copy the whole image, as the board's device does */
	pixel_put(5, H - 1, 0x00123456);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0, 0, W, 1),
	                 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(vgpu_screen_rgb(&g, 5, H - 1), 0x123456);
	assert_int_equal(vgpu_screen_rgb(&g, 3, 3), 0xffffff);
}

static void test_formats(void **state)
{
	static const struct {
		uint32_t format;
		uint8_t bytes[4];
	} cases[] = {
	    {VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, {0x33, 0x22, 0x11, 0xff}},
	    {VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, {0x33, 0x22, 0x11, 0x00}},
	    {VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM, {0xff, 0x11, 0x22, 0x33}},
	    {VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, {0x00, 0x11, 0x22, 0x33}},
	    {VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, {0x11, 0x22, 0x33, 0xff}},
	    {VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, {0x00, 0x33, 0x22, 0x11}},
	    {VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, {0xff, 0x33, 0x22, 0x11}},
	    {VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM, {0x11, 0x22, 0x33, 0x00}},
	};
	uint64_t gpa = RAM_BASE;
	uint32_t len = 16 * 16 * 4;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t id = 10 + (uint32_t)i;

		for (int p = 0; p < 16 * 16; p++)
			memcpy(ram + 4 * p, cases[i].bytes, 4);
		assert_int_equal(create(id, cases[i].format, 16, 16), VIRTIO_GPU_RESP_OK_NODATA);
		assert_int_equal(attach(id, 1, &gpa, &len), VIRTIO_GPU_RESP_OK_NODATA);
		assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, id, 0, 0, 16, 16),
		                 VIRTIO_GPU_RESP_OK_NODATA);
		assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, id, 0, 0, 16, 16),
		                 VIRTIO_GPU_RESP_OK_NODATA);
		assert_int_equal(vgpu_screen_rgb(&g, 7, 9), 0x112233);
		assert_int_equal(id_cmd(VIRTIO_GPU_CMD_RESOURCE_UNREF, id),
		                 VIRTIO_GPU_RESP_OK_NODATA);
	}
}

/* Hostile commands, each answered as the board's device answers it. */
static void test_hostile(void **state)
{
	uint64_t in_ram = RAM_BASE + 0x1000,
	         out[] = {RAM_BASE + RAM_SIZE - 8, 0x1000, UINT64_MAX - 4};
	uint32_t len = 16, zero = 0;
	uint32_t w, h;

	(void)state;
	screen_up();
	assert_int_equal(create(0, 1, 16, 16), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(create(1, 1, 16, 16), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(create(2, 5, 16, 16), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(2, 0xffffffff, 16, 16), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(2, 1, 0xffffffff, 0xffffffff), VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	assert_int_equal(id_cmd(VIRTIO_GPU_CMD_RESOURCE_UNREF, 7),
	                 VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(id_cmd(VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, 7),
	                 VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	/* rectangles: past the edge, wrapping, too small for a scanout */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 1, 0, W, H),
	                 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0xffffffff, 0, 2, 1),
	                 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 1, 0, 0xfffffff0, 1, 0x20),
	                 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 0, 0, 15, H),
	                 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, W - 15, 0, 16, 16),
	                 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 9, 0, 0, 1, 1),
	                 VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	/* scanout 1 does not exist */
	cmd(VIRTIO_GPU_CMD_SET_SCANOUT);
	put32(32, 16);
	put32(36, 16);
	put32(40, 1);
	put32(44, 1);
	assert_int_equal(send(), VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID);
	/* backing: twice, outside RAM, wrapping, empty, too many, fewer than announced */
	assert_int_equal(attach(1, 1, &in_ram, &len), VIRTIO_GPU_RESP_ERR_UNSPEC);
	assert_int_equal(create(2, 1, 16, 16), VIRTIO_GPU_RESP_OK_NODATA);
	for (int i = 0; i < 3; i++)
		assert_int_equal(attach(2, 1, &out[i], &len), VIRTIO_GPU_RESP_ERR_UNSPEC);
	assert_int_equal(attach(2, 1, &in_ram, &zero), VIRTIO_GPU_RESP_ERR_UNSPEC);
	cmd(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING);
	put32(24, 2);
	put32(28, VGPU_MAX_ENTRIES + 1);
	assert_int_equal(send(), VIRTIO_GPU_RESP_ERR_UNSPEC);
	put32(28, 3);
	put64(32, in_ram);
	put32(40, 16);
	assert_int_equal(send(), VIRTIO_GPU_RESP_ERR_UNSPEC);
	/* still without backing: no scanout, no transfer, no detach */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 2, 0, 0, 16, 16),
	                 VIRTIO_GPU_RESP_ERR_UNSPEC);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 2, 0, 0, 16, 16),
	                 VIRTIO_GPU_RESP_ERR_UNSPEC);
	assert_int_equal(id_cmd(VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, 2),
	                 VIRTIO_GPU_RESP_ERR_UNSPEC);
	/* zero entries: OK, and still no backing */
	assert_int_equal(attach(2, 0, NULL, NULL), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 2, 0, 0, 16, 16),
	                 VIRTIO_GPU_RESP_ERR_UNSPEC);
	/* unknown commands; blob commands; 3D ones */
	cmd(0x999);
	assert_int_equal(send(), VIRTIO_GPU_RESP_ERR_UNSPEC);
	cmd(0x10c);
	assert_int_equal(send(), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	cmd(0x200);
	assert_int_equal(send(), VIRTIO_GPU_RESP_ERR_UNSPEC);
	cmd(0);
	assert_int_equal(send(), VIRTIO_GPU_RESP_ERR_UNSPEC);
	/* shorter than its header: an error (the board never answers); than its body: OK, undone */
	cmd(VIRTIO_GPU_CMD_GET_DISPLAY_INFO);
	req.len = 23;
	assert_int_equal(send(), VIRTIO_GPU_RESP_ERR_UNSPEC);
	assert_int_equal(create(3, 1, 16, 16), VIRTIO_GPU_RESP_OK_NODATA);
	cmd(VIRTIO_GPU_CMD_RESOURCE_UNREF);
	put32(24, 3);
	req.len = 28;
	assert_int_equal(send(), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(create(3, 1, 16, 16), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	/* through all of it the screen stayed up */
	assert_true(vgpu_screen(&g, &w, &h));
	assert_int_equal(g.stats.errors, 31);
}

/* Resources come and go; the arena's room comes back; unref and reset take the screen down. */
static void test_lifecycle(void **state)
{
	uint32_t w, h, n = 0;
	uint64_t gpa = RAM_BASE;
	uint32_t len = 0x1000;

	(void)state;
	for (int round = 0; round < 200; round++) {
		uint32_t id = 100 + (uint32_t)round;

		assert_int_equal(create(id, 1, W, H), VIRTIO_GPU_RESP_OK_NODATA);
		assert_int_equal(attach(id, 1, &gpa, &len), VIRTIO_GPU_RESP_OK_NODATA);
		if (round % 3 == 0)
			assert_int_equal(id_cmd(VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, id),
			                 VIRTIO_GPU_RESP_OK_NODATA);
		assert_int_equal(id_cmd(VIRTIO_GPU_CMD_RESOURCE_UNREF, id),
		                 VIRTIO_GPU_RESP_OK_NODATA);
	}
	/* fill the arena with screens: the budget says how many; then no more */
	while (create(1000 + n, 1, W, H) == VIRTIO_GPU_RESP_OK_NODATA)
		n++;
	assert_int_equal(n, 2 + (4 * 64 * 64 * 4) / (W * H * 4));
	assert_int_equal(create(2000, 1, W, H), VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	assert_int_equal(id_cmd(VIRTIO_GPU_CMD_RESOURCE_UNREF, 1001), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(create(2000, 1, W, H), VIRTIO_GPU_RESP_OK_NODATA);
	/* every live resource's pixels lie in the arena, apart */
	for (int i = 0; i < VGPU_MAX_RES; i++)
		for (int j = 0; j < VGPU_MAX_RES; j++) {
			const struct vgpu_res *a = &g.res[i], *b = &g.res[j];

			if (!a->id || !b->id)
				continue;
			assert_true(a->pix_off + a->pix_len <= arena_size);
			if (i != j)
				assert_true(a->pix_off + a->pix_len <= b->pix_off ||
				            b->pix_off + b->pix_len <= a->pix_off);
		}
	vgpu_reset(&g);
	screen_up();
	assert_true(vgpu_screen(&g, &w, &h));
	assert_int_equal(id_cmd(VIRTIO_GPU_CMD_RESOURCE_UNREF, 1), VIRTIO_GPU_RESP_OK_NODATA);
	assert_false(vgpu_screen(&g, &w, &h));
	screen_up();
	vgpu_reset(&g);
	assert_false(vgpu_screen(&g, &w, &h));
	/* a disabled scanout: resource 0 */
	screen_up();
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 0, 0, 0, 0, 0),
	                 VIRTIO_GPU_RESP_OK_NODATA);
	assert_false(vgpu_screen(&g, &w, &h));
}

static void test_config_and_cursor(void **state)
{
	struct cmd_cursor {
		uint32_t w[14];
	} c = {{VIRTIO_GPU_CMD_UPDATE_CURSOR, 0, 0, 0, 0, 0, 0, 100, 50, 0, 7, 3, 4, 0}};
	struct buf *b = &req;
	struct vgpu_req r = {buf_read, b};

	(void)state;
	assert_int_equal(vgpu_config_read(&g, 0, 4), 0);
	assert_int_equal(vgpu_config_read(&g, 8, 4), 1);
	assert_int_equal(vgpu_config_read(&g, 12, 4), 0);
	memset(&req, 0, sizeof req);
	memcpy(req.b, &c, sizeof c);
	req.len = sizeof c;
	vgpu_cursor(&g, &r);
	assert_int_equal(g.cursor_res, 7);
	assert_int_equal(g.cursor_x, 100);
	c.w[0] = VIRTIO_GPU_CMD_MOVE_CURSOR;
	c.w[7] = 5;
	c.w[10] = 9;
	memcpy(req.b, &c, sizeof c);
	vgpu_cursor(&g, &r);
	assert_int_equal(g.cursor_res, 7);
	assert_int_equal(g.cursor_x, 5);
	req.len = sizeof c - 1; /* short: ignored */
	c.w[7] = 77;
	memcpy(req.b, &c, sizeof c);
	vgpu_cursor(&g, &r);
	assert_int_equal(g.cursor_x, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_display_info, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transfer_and_screen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_and_cursor, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
