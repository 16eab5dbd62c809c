/*
 * A virtual virtio-blk device (virtio 1.1 §4.2 virtio-mmio, §5.2 block
 * device) presenting one minidisk — an extent of the real disk — to a VM.
 * It speaks either the modern interface (MMIO Version 2, §4.2.2) or the
 * legacy one (Version 1, §4.2.4), chosen per VM when it is created.
 *
 * The model is pure logic on the shared transport (dev/virtio_mmio.h),
 * which reads the guest's virtqueue (guest memory, bounds checked); the
 * model turns each request into a struct vblk_io for the backend (popek's
 * real disk driver), and completes
 * it in the guest's used ring when the backend calls vblk_complete().
 * Nothing a guest puts in its queue can make it touch memory outside the
 * VM's RAM or sectors outside its extent.
 */
#ifndef POPEK_DEV_VBLK_H
#define POPEK_DEV_VBLK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emul.h"
#include "dev/virtio_mmio.h"

#define VBLK_SIZE      0x1000 /* one virtio-mmio slot */
#define VBLK_QUEUE_MAX 64     /* QueueNumMax */
#define VBLK_MAX_SEG   16     /* data descriptors per request */
#define VBLK_SECTOR    512

struct vblk;

/* One request for the backend. */
struct vblk_io {
	struct vblk *dev;
	uint32_t type;   /* VIRTIO_BLK_T_IN, _OUT or _FLUSH */
	uint64_t sector; /* on the REAL disk: the extent's start already added */
	uint32_t nseg;
	struct {
		uint64_t gpa; /* guest-physical; wholly inside the VM's RAM */
		uint32_t len; /* a multiple of 512 */
	} seg[VBLK_MAX_SEG];
	/* completion bookkeeping, the model's own */
	uint16_t head;
	uint32_t written; /* bytes the device writes into the guest's buffers */
	uint64_t status_gpa;
	uint32_t gen; /* the device's generation when submitted: stale after a reset */
	bool busy;    /* with the backend (stale ones too, until it completes them) */
};

/* What a backend's submit answers. */
#define VBLK_BACKEND_OK   0
#define VBLK_BACKEND_BUSY (-1) /* no room now: vblk_kick() follows once there is */
#define VBLK_BACKEND_FAIL (-2) /* it can never carry io out (no disk): IOERR at once */

struct vblk_backend {
	/*
	 * Queues io.  BUSY leaves the request in the avail ring until the
	 * backend calls vblk_kick(); it must only be answered while the backend
	 * holds some request whose completion will kick, or the queue stalls.
	 */
	int (*submit)(void *ctx, struct vblk_io *io);
	/*
	 * Optional: the device took what the avail ring held; start what submit
	 * queued since the last commit (the real disk: one notify per batch).
	 */
	void (*commit)(void *ctx);
	void *ctx;
};

/* What a device counts: popek's `disk:` report line (core/vdisk.c, bench/run). */
struct vblk {
	struct virtio_mmio t; /* the transport: registers, the queue, its counters */
	/* configuration, set by vblk_init */
	uint64_t start, size; /* the extent on the real disk, bytes */
	bool read_only;
	struct vblk_backend backend;
	/* requests with the backend */
	struct vblk_io io[VBLK_QUEUE_MAX];
	uint64_t submitted; /* requests handed to the backend (popek's `disk:` report line) */
};

/* legacy: present MMIO Version 1 (§4.2.4) instead of Version 2. */
void vblk_init(struct vblk *d, uint64_t start, uint64_t size, bool read_only, bool legacy,
               struct virtio_mem mem, struct vblk_backend backend, struct vplic *plic,
               uint32_t irq);
/* The backend finished io: ok = false for an I/O error. */
void vblk_complete(struct vblk_io *io, bool ok);
/*
 * Starts requests the backend refused earlier, now that it may have room (also
 * those held back because every io slot was in use).
 */
void vblk_kick(struct vblk *d);

extern const struct mmio_ops vblk_ops; /* dev = struct vblk * */

/* virtio 1.1 §5.2.6 */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#endif
