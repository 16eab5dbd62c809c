/*
 * The device side of virtio-mmio, shared by every virtual virtio device
 * (block, net, and those to come): the registers of version 2 (virtio 1.1
 * §4.2.2) and of the legacy version 1 (§4.2.4), feature negotiation (§3.1),
 * split virtqueues (§2.6) with the event index (§2.6.7, §2.6.10), and the
 * walk of a descriptor chain with every check a guest's ring needs.  A model
 * (dev/vblk.c, dev/vnet.c) says what its device is in a struct
 * virtio_mmio_model and holds only what is its own.
 *
 * Everything the guest controls is read once into popek's own memory before
 * it is checked (a descriptor, avail->idx, avail->flags, used_event), so a
 * guest changing its rings behind popek's back can only hurt its own
 * requests.  Pure logic: guest memory comes through virtio_mem.
 */
#ifndef POPEK_DEV_VIRTIO_MMIO_H
#define POPEK_DEV_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emul.h"

struct vplic;

#define VIRTIO_MMIO_QUEUES       2    /* queues a model may have */
#define VIRTIO_MMIO_QUEUE_MAX    256  /* the largest QueueNumMax a model may give */
#define VIRTIO_MMIO_LEGACY_ALIGN 4096 /* QueueAlign until the driver writes it */
#define VIRTIO_MMIO_CONFIG_MAX   256  /* bytes of configuration space a model may have */

/* Feature bits of the transport and the rings (§6). */
#define VIRTIO_F_NOTIFY_ON_EMPTY (1ull << 24) /* legacy: §2.6.7's "notify on empty" */
#define VIRTIO_F_ANY_LAYOUT      (1ull << 27) /* legacy: no layout assumed (popek assumes none) */
#define VIRTIO_F_EVENT_IDX       (1ull << 29)
#define VIRTIO_F_VERSION_1       (1ull << 32)

/* Split virtqueue (§2.6.5): flags of a descriptor. */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

/* Guest memory as a model may see it: a pointer to [gpa, gpa+len) in RAM, or NULL. */
struct virtio_mem {
	void *(*at)(void *ctx, uint64_t gpa, uint64_t len);
	void *ctx;
	/*
	 * Optional: the device wrote [gpa, gpa+len), a buffer it answers
	 * (virtio_mmio_push), as DMA would; popek's private copies of watched
	 * code pages follow it (watch.h).
	 */
	void (*wrote)(void *ctx, uint64_t gpa, uint64_t len);
	const bool *watched; /* optional: wrote is told only while *watched (no walk otherwise) */
};

/* What a device is; every field constant. */
struct virtio_mmio_model {
	uint32_t device_id; /* §5 */
	uint32_t nqueues;   /* at most VIRTIO_MMIO_QUEUES */
	uint32_t queue_max; /* QueueNumMax of each, a power of 2, at most VIRTIO_MMIO_QUEUE_MAX */
	/* Optional: QueueNumMax queue by queue where they differ (0: queue_max). */
	uint32_t queue_max_of[VIRTIO_MMIO_QUEUES];
	uint32_t config_len;
	/*
	 * The device-specific feature bits it can do (the transport adds its own:
	 * VERSION_1 and ANY_LAYOUT for version 2, NOTIFY_ON_EMPTY, EVENT_IDX).
	 */
	uint64_t (*features)(void *dev);
	/* Fills the configuration space, config_len bytes, little-endian. */
	void (*config)(void *dev, uint8_t *cfg);
	/*
	 * Optional: a write of `width` (1, 2 or 4) bytes at `off` inside the
	 * configuration space.  Without it, no field is writable.
	 */
	void (*config_write)(void *dev, uint32_t off, unsigned width, uint32_t val);
	/* The driver notified queue q (< nqueues). */
	void (*notify)(void *dev, uint32_t q);
	/* Optional: the device was reset (after the transport forgot its queues). */
	void (*reset)(void *dev);
};

/* A descriptor, as read once from the guest's table. */
struct virtio_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* A walked chain (§2.6.5.2): its descriptors in order, and what was wrong with them. */
struct virtio_chain {
	uint32_t n;            /* descriptors */
	bool bad_buffer;       /* one is INDIRECT, or a buffer is not wholly in RAM */
	uint32_t ordered;      /* the leading ones that keep readable before writable (§2.6.4.2) */
	struct virtio_desc *d; /* the caller's array */
};

/*
 * One queue: its registers, and the queue as the driver enabled it,
 * validated then (§2.6 Table 2.2, every part in the VM's RAM) and never read
 * from the registers again, which the driver may rewrite once the queue is
 * reset.  Only a live queue is ever read or written, and nothing else moves
 * last_avail and used_idx.
 */
struct virtio_vq {
	bool live;      /* enabled, valid, and the device not broken */
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated when it was enabled (§2.6.7, §2.6.10) */
	uint32_t num;
	uint64_t desc, avail, used;
	bool notify_on_empty; /* VIRTIO_F_NOTIFY_ON_EMPTY negotiated when it was enabled */
	bool checked;         /* the event index was consulted since the queue went live */
};

struct virtio_queue {
	uint32_t num;
	bool ready;                 /* the register as last written; legacy: a QueuePFN is set */
	uint64_t desc, avail, used; /* the ring address registers; the queue uses vq's */
	struct virtio_vq vq;        /* the queue in use */
	uint16_t last_avail;        /* next avail ring entry to take */
	uint16_t used_idx;          /* the device's own copy of used->idx */
};

/* What the transport counts. */
struct virtio_mmio_stats {
	uint64_t notifies;   /* QueueNotify writes */
	uint64_t requests;   /* chains taken from avail rings */
	uint64_t answered;   /* used elements put in used rings */
	uint64_t interrupts; /* used-buffer notifications sent (InterruptStatus bit 0) */
	uint64_t suppressed; /* used elements the driver asked no notification for (§2.6.7) */
	uint64_t acks;       /* InterruptACK writes */
};

struct virtio_mmio {
	/* configuration, set by virtio_mmio_init */
	const struct virtio_mmio_model *model;
	void *dev;   /* the model's device, its callbacks' first argument */
	bool legacy; /* Version 1: the legacy register set, no VERSION_1 */
	struct virtio_mem mem;
	struct vplic *plic;
	uint32_t irq;
	/* registers */
	uint32_t status, queue_sel;
	/*
	 * The transport's feature selectors (0 or 1) and, version 2, the driver's two feature
	 * words as last written: the board's transport keeps all three across a device reset.
	 */
	uint32_t dev_features_sel, drv_features_sel;
	uint64_t drv_features;
	uint64_t negotiated; /* what the device acts on: taken at FEATURES_OK (legacy: at once) */
	uint32_t interrupt_status;
	uint32_t page_shift;  /* legacy GuestPageSize, as log2; kept across resets */
	uint32_t queue_align; /* legacy QueueAlign; kept across resets */
	bool broken;          /* DEVICE_NEEDS_RESET: nothing moves until a reset */
	uint32_t gen;         /* bumped by every device or queue reset */
	uint32_t config_gen;  /* ConfigGeneration: bumped by every configuration change */
	struct virtio_queue q[VIRTIO_MMIO_QUEUES];
	struct virtio_mmio_stats stats;
};

/* legacy: present MMIO Version 1 (§4.2.4) instead of Version 2. */
void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_mmio_model *model, void *dev,
                      bool legacy, struct virtio_mem mem, struct vplic *plic, uint32_t irq);

/* The guest's accesses to the 0x1000-byte slot; dev = struct virtio_mmio *. */
extern const struct mmio_ops virtio_mmio_ops;

/* [gpa, gpa+len) wholly in the VM's RAM (len > 0), or NULL: the one way into guest memory. */
void *virtio_mmio_at(const struct virtio_mmio *t, uint64_t gpa, uint64_t len);

/*
 * Takes the chains queue q's avail ring shows, calling take(dev, head) for
 * each: it answers 0 when the chain is consumed (answered now or later), -1
 * when it must stay in the ring (the model has no room: it calls
 * virtio_mmio_process again once it has).  With the event index, the ring is
 * read again after avail_event is written (§2.6.10), for what was added in
 * between.  Returns 1 when the ring was emptied, 0 when chains stay in it
 * (the model is full, or the device broke), -1 when the queue is not live.
 */
int virtio_mmio_process(struct virtio_mmio *t, uint32_t q, int (*take)(void *dev, uint16_t head));

/*
 * One chain for a device that answers as data arrives (a network's receive
 * queue): 1 and *head when one is there, 0 when the ring is empty (with the
 * event index, avail_event then asks the driver to notify for the next), -1
 * when the queue is not live or the ring is broken.
 */
int virtio_mmio_pop(struct virtio_mmio *t, uint32_t q, uint16_t *head);

/* Gives back the chain virtio_mmio_pop took last, untouched: the driver sees it unused. */
void virtio_mmio_unpop(struct virtio_mmio *t, uint32_t q);

/* Whether queue q's avail ring holds a chain not taken yet (reads avail->idx). */
bool virtio_mmio_pending(struct virtio_mmio *t, uint32_t q);

/*
 * Follows the chain from head into c (its descriptors into d, which holds
 * `max` >= the queue's size).  Returns -1 when it leaves the table or loops
 * (more descriptors than the queue has): there is then nothing to answer in.
 */
int virtio_mmio_walk(struct virtio_mmio *t, uint32_t q, uint16_t head, struct virtio_desc *d,
                     uint32_t max, struct virtio_chain *c);

/* Puts {head, len} in queue q's used ring and notifies as the driver asked (§2.6.8). */
void virtio_mmio_push(struct virtio_mmio *t, uint32_t q, uint16_t head, uint32_t len);

/*
 * The device changed its configuration space (virtio-input after a selection):
 * once the driver has set DRIVER_OK, ConfigGeneration moves and a configuration
 * change interrupt follows, as the board's virtio_notify_config() does (§4.2.2).
 */
void virtio_mmio_config_changed(struct virtio_mmio *t);

/* §2.1.2: the device broke (DEVICE_NEEDS_RESET); nothing moves until a reset. */
void virtio_mmio_break(struct virtio_mmio *t);

/* Whether queue q is live: enabled, valid, the device not broken. */
static inline bool virtio_mmio_live(const struct virtio_mmio *t, uint32_t q)
{
	return t->q[q].vq.live;
}

/* Whether the driver has set DRIVER_OK (§3.1.1) and the device is not broken. */
static inline bool virtio_mmio_driver_ok(const struct virtio_mmio *t)
{
	return (t->status & 0x04) && !t->broken;
}

/* The negotiated feature bits the device acts on. */
static inline uint64_t virtio_mmio_features(const struct virtio_mmio *t)
{
	return t->negotiated;
}

#endif
