#ifndef VIRTIO_DEV_H
#define VIRTIO_DEV_H

#include <stdint.h>

/*
 * A version 2 virtio-mmio device (virtio 1.1 §4.2.2) with split virtqueues
 * (§2.6) of VQ_SIZE entries, driven by polling: the display mode's GPU and
 * keyboard.  The block driver (virtio_blk.c) keeps its own, older code.
 */
#define VQ_SIZE 16

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vq {
	struct vq_desc desc[VQ_SIZE] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[VQ_SIZE], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[VQ_SIZE];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
	uint16_t used_seen;
};

struct virtio_dev {
	volatile uint8_t *regs;
	uint32_t irq;
};

/* Finds the first slot holding device_id, resets it and takes VERSION_1 only; -1: none. */
int virtio_dev_find(struct virtio_dev *d, uint32_t device_id);
/* The same, the first of them for which want(d), given its registers, is true. */
int virtio_dev_find_if(struct virtio_dev *d, uint32_t device_id, int (*want)(struct virtio_dev *d));
/* Gives queue n its rings; -1 when the device has no such queue or a smaller one. */
int virtio_dev_queue(struct virtio_dev *d, uint32_t n, struct vq *q);
void virtio_dev_ready(struct virtio_dev *d);                    /* DRIVER_OK */
uint32_t virtio_dev_config(struct virtio_dev *d, uint32_t off); /* a 32-bit config field */
void virtio_dev_config_w8(struct virtio_dev *d, uint32_t off, uint8_t v);
uint8_t virtio_dev_config_r8(struct virtio_dev *d, uint32_t off);

/* Offers the chain starting at head on queue n and notifies. */
void vq_offer(struct virtio_dev *d, struct vq *q, uint32_t n, uint16_t head);
/* The next used element's id, or -1 when there is none yet; *len its length. */
int vq_used(struct vq *q, uint32_t *len);

#endif
