/*
 * What every driver of a real virtio-mmio device shares (virtio 1.1: §2.6
 * split virtqueues, §3.1 device initialization, §4.2 virtio over MMIO):
 * finding the device among the board's slots by its device ID, the
 * handshake up to FEATURES_OK, queue setup, notifies and the walk of the
 * used ring.  Each driver (virtio_blk.c, virtio_net.c, ...) keeps only what
 * its device type adds: its requests, its configuration space, its
 * interrupt handler.  Only the modern interface (version 2) is driven.
 * Its names say virtio_dev (a real device popek drives) and virtq; the
 * transport popek's device models present to guests is dev/virtio_mmio.h.
 */
#ifndef POPEK_DRIVERS_VIRTIO_MMIO_H
#define POPEK_DRIVERS_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/* Device IDs (virtio 1.1 §5). */
#define VIRTIO_ID_NET    1
#define VIRTIO_ID_BLK    2
#define VIRTIO_ID_GPU    16
#define VIRTIO_ID_INPUT  18

#define VIRTQ_DESC_NEXT  1
#define VIRTQ_DESC_WRITE 2 /* the device writes the buffer */
/* One page holds the descriptors of a queue this size (§2.6.5). */
#define VIRTQ_MAX 256

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags, idx;
	uint16_t ring[];
};

struct virtq_used {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[];
};

/* One split virtqueue, each of its three parts in a page of its own. */
struct virtq {
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t index;     /* the queue's number on its device */
	uint16_t num;       /* its size: a power of two, at most VIRTQ_MAX */
	uint16_t free_head; /* free descriptors, linked through .next */
	uint16_t nfree;
	uint16_t last_used; /* the used-ring entries seen so far */
	bool unnotified;    /* chains made available since the last notify */
};

/* A real device: its mapped registers, and where the board put it. */
struct virtio_dev {
	volatile uint8_t *regs;
	uint64_t base;
	uint32_t irq;
};

/*
 * Finds the first slot holding a device of type `id` and maps it into `d`.
 * 0, or -1 when there is none (or only a legacy one, which is reported
 * naming `what`).
 */
int virtio_dev_find(struct virtio_dev *d, const struct machine *m, uint32_t id, const char *what);
/* The same from the machine's virtio slot `from` on: the slot's index, or -1. */
int virtio_dev_find_from(struct virtio_dev *d, const struct machine *m, uint32_t id,
                         const char *what, int from);
/*
 * §3.1.1 steps 1-6: reset, ACKNOWLEDGE and DRIVER, then the features of
 * `want` the device offers, plus VERSION_1, into *got.  0 once the device
 * has kept FEATURES_OK, or -1 if it refused.
 */
int virtio_dev_negotiate(struct virtio_dev *d, uint64_t want, uint64_t *got);
/* Sets up queue `index` with `num` entries (fresh zeroed pages).  0, or -1 if too large. */
int virtio_dev_queue_init(struct virtio_dev *d, struct virtq *q, uint16_t index, uint16_t num);
/* §3.1.1 step 8: DRIVER_OK, the device is live. */
void virtio_dev_driver_ok(struct virtio_dev *d);
/* The device's configuration space (§4.2.2, offset 0x100 on). */
uint32_t virtio_dev_config32(struct virtio_dev *d, unsigned off);
uint8_t virtio_dev_config8(struct virtio_dev *d, unsigned off);
void virtio_dev_config8_write(struct virtio_dev *d, unsigned off, uint8_t v);
/* InterruptACK of both causes, without reading InterruptStatus. */
void virtio_dev_irq_ack(struct virtio_dev *d);
/*
 * The one notify for everything made available on q since the last
 * (§2.6.13.4), unless the device says it looks at the ring anyway
 * (VIRTQ_USED_F_NO_NOTIFY).  True if QueueNotify was written.
 */
bool virtio_dev_notify(struct virtio_dev *d, struct virtq *q);

/* A free descriptor's index (the caller has checked q->nfree). */
uint16_t virtq_desc_alloc(struct virtq *q);
/* Returns the chain starting at head to the free list. */
void virtq_chain_free(struct virtq *q, uint16_t head);
/* Makes the chain at head available to the device (heard of at the next notify). */
void virtq_publish(struct virtq *q, uint16_t head);
/*
 * The next entry the device put in the used ring: true with its chain head
 * and written length, false when there is none left.  Entries come from
 * the device and are trusted like it; callers still check id < q->num.
 */
bool virtq_used_next(struct virtq *q, uint32_t *id, uint32_t *len);

#endif
