/*
 * A virtual virtio-gpu device, 2D only (virtio 1.2 §5.7), one scanout of
 * the size the directory gives (`display = WIDTHxHEIGHT`).
 *
 * This is the command layer, independent of the transport: the transport
 * takes a chain from the control queue, hands its device-readable bytes to
 * vgpu_ctrl() through a struct vgpu_req, and writes the answer it gets into
 * the chain's device-writable part; chains from the cursor queue go to
 * vgpu_cursor(), which answers nothing.  Resources live in popek's memory
 * (an arena given to vgpu_init, the VM's display budget); their backing
 * pages are the guest's, checked to lie in its RAM when attached and read
 * again through vgpu->mem at every transfer.  Every command, resource id,
 * backing entry and rectangle is checked the way the board's device checks
 * it, and answered with the board's response.
 */
#ifndef POPEK_DEV_VGPU_H
#define POPEK_DEV_VGPU_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/virtio_mmio.h"

#define VGPU_MAX_RES     64    /* resources at once (the board's limit is memory) */
#define VGPU_CTRL_MAX    64    /* QueueNumMax of the control queue, as the board's */
#define VGPU_CURSOR_MAX  16    /* and of the cursor queue */
#define VGPU_MAX_ENTRIES 16384 /* backing entries per attach, as the board's */
#define VGPU_RESP_MAX    408   /* the largest answer: display info */
#define VGPU_CFG_LEN     16    /* struct virtio_gpu_config (§5.7.4) */

/* virtio 1.2 §5.7.6.7: command and response types. */
#define VIRTIO_GPU_CMD_GET_DISPLAY_INFO         0x0100
#define VIRTIO_GPU_CMD_RESOURCE_CREATE_2D       0x0101
#define VIRTIO_GPU_CMD_RESOURCE_UNREF           0x0102
#define VIRTIO_GPU_CMD_SET_SCANOUT              0x0103
#define VIRTIO_GPU_CMD_RESOURCE_FLUSH           0x0104
#define VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D      0x0105
#define VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING  0x0106
#define VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING  0x0107
#define VIRTIO_GPU_CMD_UPDATE_CURSOR            0x0300
#define VIRTIO_GPU_CMD_MOVE_CURSOR              0x0301
#define VIRTIO_GPU_RESP_OK_NODATA               0x1100
#define VIRTIO_GPU_RESP_OK_DISPLAY_INFO         0x1101
#define VIRTIO_GPU_RESP_ERR_UNSPEC              0x1200
#define VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY       0x1201
#define VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID  0x1202
#define VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID 0x1203
#define VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER   0x1205
#define VIRTIO_GPU_FLAG_FENCE                   1

/* §5.7.6.8: the 32-bit formats (all the device knows). */
#define VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM 1
#define VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM 2
#define VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM 3
#define VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM 4
#define VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM 67
#define VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM 68
#define VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM 121
#define VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM 134

/* A request's device-readable bytes, however the driver cut them into buffers. */
struct vgpu_req {
	/* Copies up to len bytes from offset off into buf; returns how many there were. */
	uint64_t (*read)(void *ctx, uint64_t off, void *buf, uint64_t len);
	void *ctx;
};

/* One backing entry as kept in the arena: where it is and where it starts in the backing. */
struct vgpu_ent {
	uint64_t gpa;
	uint64_t start; /* the sum of the lengths before it */
};

struct vgpu_res {
	uint32_t id; /* 0: the slot is free */
	uint32_t format, width, height;
	uint64_t pix_off, pix_len; /* width * height * 4 bytes in the arena */
	uint64_t ent_off;          /* nents + 1 struct vgpu_ent in the arena (the last: the end) */
	uint32_t nents;            /* 0: no backing */
};

struct vgpu_rect {
	uint32_t x, y, width, height;
};

struct vgpu_stats {
	uint64_t commands; /* control queue requests answered */
	uint64_t errors;   /* of those, answered with an error */
	uint64_t cursor;   /* cursor queue requests */
	uint64_t flushes;  /* RESOURCE_FLUSH that reached the scanout */
};

struct vgpu {
	uint32_t width, height; /* the one scanout's preferred mode */
	struct virtio_mem mem;
	uint8_t *arena; /* resources' pixels and backing tables */
	uint64_t arena_size;
	struct vgpu_res res[VGPU_MAX_RES];
	/* the scanout: which resource, and its rectangle; res_id 0 when disabled */
	uint32_t scanout_res;
	struct vgpu_rect scanout;
	/* the cursor as last set; it is not drawn into the screen (nor on the board) */
	uint32_t cursor_res, cursor_x, cursor_y, hot_x, hot_y;
	uint64_t flush_gen; /* bumped by every flush or scanout change that reaches the screen */
	struct vgpu_stats stats;
	/* the device on its transport */
	struct virtio_mmio t;
	struct virtio_desc desc[VGPU_CTRL_MAX];
};

/* An answer for the transport to write into the chain's device-writable part. */
struct vgpu_resp {
	uint32_t len;
	uint8_t bytes[VGPU_RESP_MAX];
};

/*
 * The arena is arena_size bytes of popek's memory the device keeps resources in;
 * its size is the VM's display budget (VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY beyond).
 */
void vgpu_init(struct vgpu *g, uint32_t width, uint32_t height, struct virtio_mem mem,
               uint8_t *arena, uint64_t arena_size, bool legacy, struct vplic *plic, uint32_t irq);
/* The arena the device needs for a WIDTHxHEIGHT display. */
uint64_t vgpu_arena_bytes(uint32_t width, uint32_t height);
/* Device reset (§2.1): every resource goes, the scanout is disabled. */
void vgpu_reset(struct vgpu *g);
/*
 * One control queue request and its answer.  A request shorter than its header is
 * answered VIRTIO_GPU_RESP_ERR_UNSPEC (the board's device never answers it).
 */
void vgpu_ctrl(struct vgpu *g, const struct vgpu_req *req, struct vgpu_resp *resp);
/* One cursor queue request; the board answers it with nothing written. */
void vgpu_cursor(struct vgpu *g, const struct vgpu_req *req);
/* The configuration space (§5.7.4), read as the board's: events_read 0, one scanout. */
uint32_t vgpu_config_read(const struct vgpu *g, uint32_t off, uint32_t size);

/*
 * The screen as the board's display would show it now: the pixel at (x, y)
 * of the scanout as 0xRRGGBB.  false when the scanout is disabled.
 */
bool vgpu_screen(const struct vgpu *g, uint32_t *width, uint32_t *height);
uint32_t vgpu_screen_rgb(const struct vgpu *g, uint32_t x, uint32_t y);

/* The screen for copying fast: its first pixel, bytes a row, where R, G and B sit in a pixel. */
struct vgpu_view {
	const uint8_t *px;
	uint64_t stride;
	uint32_t width, height;
	uint8_t r, g, b;
};
bool vgpu_screen_view(const struct vgpu *g, struct vgpu_view *v);

/* The guest's accesses to the device's virtio-mmio slot; dev = struct vgpu *. */
extern const struct mmio_ops vgpu_ops;

#endif
