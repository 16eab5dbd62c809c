/*
 * The real virtio-gpu (virtio_gpu.h).  Commands go one at a time on the
 * control queue, a chain of the command and its answer, and popek waits for
 * the answer (QEMU's device answers from its own thread, in well under a
 * millisecond); a device that does not answer within a second is given up.
 */
#include "drivers/virtio_gpu.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/vcpu.h"
#include "core/console.h"
#include "core/machine.h"
#include "core/mem.h"
#include "drivers/virtio_mmio.h"
#include "lib/string.h"

#define CTRLQ      0
#define QSIZE      8
#define RES_ID     1
#define FMT_BGRX   2 /* VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM: 0x00RRGGBB little-endian */
#define MAX_W      1920
#define MAX_H      1280
#define RESP_OK    0x1100
#define RESP_INFO  0x1101
#define CMD_INFO   0x0100
#define CMD_CREATE 0x0101
#define CMD_SCAN   0x0103
#define CMD_FLUSH  0x0104
#define CMD_XFER   0x0105
#define CMD_ATTACH 0x0106

static struct virtio_dev dev;
static struct virtq q;
static uint8_t *cmd, *resp; /* a page each */
static uint32_t *frame, width, height;
static bool dead;
static uint64_t hz; /* the timebase, for the deadline */

static void put32(uint32_t off, uint32_t v)
{
	memcpy(cmd + off, &v, 4);
}

static void put64(uint32_t off, uint64_t v)
{
	memcpy(cmd + off, &v, 8);
}

/* Sends len bytes of cmd; the answer's type, 0 when none came. */
static uint32_t send(uint32_t len)
{
	uint16_t a = virtq_desc_alloc(&q), b = virtq_desc_alloc(&q);
	uint64_t deadline = vcpu_now() + hz;
	uint32_t id, got, type = 0;

	memset(resp, 0, 64);
	q.desc[a] = (struct virtq_desc){va_to_pa(cmd), len, VIRTQ_DESC_NEXT, b};
	q.desc[b] = (struct virtq_desc){va_to_pa(resp), 4096, VIRTQ_DESC_WRITE, 0};
	virtq_publish(&q, a);
	virtio_dev_notify(&dev, &q);
	for (;;) {
		if (virtq_used_next(&q, &id, &got)) {
			virtq_chain_free(&q, (uint16_t)id);
			memcpy(&type, resp, 4);
			return type;
		}
		if (vcpu_now() > deadline) {
			kprintf("popek: the display does not answer; no more screen updates\n");
			dead = true;
			return 0;
		}
	}
}

static void hdr(uint32_t type)
{
	memset(cmd, 0, 64);
	put32(0, type);
}

static uint32_t rect_cmd(uint32_t type, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	hdr(type);
	put32(24, x);
	put32(28, y);
	put32(32, w);
	put32(36, h);
	if (type == CMD_XFER) {
		put64(40, ((uint64_t)y * width + x) * 4);
		put32(48, RES_ID);
		return send(56);
	}
	put32(40, type == CMD_SCAN ? 0 : RES_ID);
	put32(44, type == CMD_SCAN ? RES_ID : 0);
	return send(48);
}

int gpu_init(const struct machine *m)
{
	uint64_t features;

	if (virtio_dev_find(&dev, m, VIRTIO_ID_GPU, "display") < 0)
		return -1;
	hz = m->timebase_hz;
	if (virtio_dev_negotiate(&dev, 0, &features) < 0 ||
	    virtio_dev_queue_init(&dev, &q, CTRLQ, QSIZE) < 0) {
		kprintf("popek: the display refused popek's features or queue size\n");
		return -1;
	}
	cmd = pa_to_va(page_alloc());
	resp = pa_to_va(page_alloc());
	virtio_dev_driver_ok(&dev);
	hdr(CMD_INFO);
	if (send(24) != RESP_INFO)
		return -1;
	memcpy(&width, resp + 24 + 8, 4);
	memcpy(&height, resp + 24 + 12, 4);
	if (width == 0 || height == 0 || width > MAX_W || height > MAX_H) {
		kprintf("popek: the display's mode %ux%u is not one popek shows\n", width, height);
		return -1;
	}
	uint64_t bytes = (uint64_t)width * height * 4;
	uint64_t pa = mem_alloc_range((bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), PAGE_SIZE);
	if (!pa)
		return -1;
	frame = pa_to_va(pa);
	memset(frame, 0, bytes);
	hdr(CMD_CREATE);
	put32(24, RES_ID);
	put32(28, FMT_BGRX);
	put32(32, width);
	put32(36, height);
	if (send(40) != RESP_OK)
		return -1;
	hdr(CMD_ATTACH);
	put32(24, RES_ID);
	put32(28, 1);
	put64(32, pa);
	put32(40, (uint32_t)bytes);
	if (send(48) != RESP_OK || rect_cmd(CMD_SCAN, 0, 0, width, height) != RESP_OK)
		return -1;
	gpu_update(0, 0, width, height);
	kprintf("  display   virtio-gpu at %lx, %ux%u\n", dev.base, width, height);
	return 0;
}

uint32_t *gpu_frame(uint32_t *w, uint32_t *h)
{
	*w = width;
	*h = height;
	return dead ? NULL : frame;
}

void gpu_update(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	if (!frame || dead || !w || !h)
		return;
	if (rect_cmd(CMD_XFER, x, y, w, h) == RESP_OK)
		rect_cmd(CMD_FLUSH, x, y, w, h);
}
