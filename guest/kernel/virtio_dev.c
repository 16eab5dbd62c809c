/*
 * virtio_dev.c — the version 2 virtio-mmio transport (virtio 1.1 §4.2.2)
 * and split virtqueues (§2.6) for the display mode's devices, polled.
 */
#include "virtio_dev.h"
#include "fdt.h"
#include "string.h"
#include "vm.h"

#define MAGIC          0x000
#define VERSION        0x004
#define DEVICE_ID      0x008
#define DEV_FEATURES   0x010
#define DEV_FEAT_SEL   0x014
#define DRV_FEATURES   0x020
#define DRV_FEAT_SEL   0x024
#define QUEUE_SEL      0x030
#define QUEUE_NUM_MAX  0x034
#define QUEUE_NUM      0x038
#define QUEUE_READY    0x044
#define QUEUE_NOTIFY   0x050
#define STATUS         0x070
#define QUEUE_DESC     0x080
#define QUEUE_DRIVER   0x090
#define QUEUE_DEVICE   0x0a0
#define CONFIG         0x100

#define S_ACK          1
#define S_DRIVER       2
#define S_DRIVER_OK    4
#define S_FEAT_OK      8
#define F_VERSION_1_HI 1 /* bit 32: bit 0 of the high word */

static uint32_t rd(struct virtio_dev *d, uint32_t off)
{
	return *(volatile uint32_t *)(d->regs + off);
}

static void wr(struct virtio_dev *d, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(d->regs + off) = v;
}

static void wr64(struct virtio_dev *d, uint32_t off, uint64_t v)
{
	wr(d, off, (uint32_t)v);
	wr(d, off + 4, (uint32_t)(v >> 32));
}

/* §3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. */
int virtio_dev_find(struct virtio_dev *d, uint32_t device_id)
{
	return virtio_dev_find_if(d, device_id, 0);
}

int virtio_dev_find_if(struct virtio_dev *d, uint32_t device_id, int (*want)(struct virtio_dev *d))
{
	for (int node = -1; (node = fdt_find_compatible(node, "virtio,mmio")) >= 0;) {
		uint64_t base, size;

		if (fdt_reg(node, 0, &base, &size) < 0)
			continue;
		vm_map_device(base, size);
		d->regs = (volatile uint8_t *)base;
		if (rd(d, MAGIC) != 0x74726976 || rd(d, VERSION) != 2 ||
		    rd(d, DEVICE_ID) != device_id || (want && !want(d)))
			continue;
		d->irq = fdt_u32(node, "interrupts", 0);
		wr(d, STATUS, 0);
		wr(d, STATUS, S_ACK);
		wr(d, STATUS, S_ACK | S_DRIVER);
		wr(d, DEV_FEAT_SEL, 1);
		if (!(rd(d, DEV_FEATURES) & F_VERSION_1_HI))
			return -1;
		wr(d, DRV_FEAT_SEL, 0);
		wr(d, DRV_FEATURES, 0);
		wr(d, DRV_FEAT_SEL, 1);
		wr(d, DRV_FEATURES, F_VERSION_1_HI);
		wr(d, STATUS, S_ACK | S_DRIVER | S_FEAT_OK);
		if (!(rd(d, STATUS) & S_FEAT_OK))
			return -1;
		return 0;
	}
	d->regs = 0;
	return -1;
}

int virtio_dev_queue(struct virtio_dev *d, uint32_t n, struct vq *q)
{
	memset(q, 0, sizeof(*q));
	wr(d, QUEUE_SEL, n);
	if (rd(d, QUEUE_READY) || rd(d, QUEUE_NUM_MAX) < VQ_SIZE)
		return -1;
	wr(d, QUEUE_NUM, VQ_SIZE);
	wr64(d, QUEUE_DESC, (uint64_t)q->desc);
	wr64(d, QUEUE_DRIVER, (uint64_t)&q->avail);
	wr64(d, QUEUE_DEVICE, (uint64_t)&q->used);
	wr(d, QUEUE_READY, 1);
	return 0;
}

void virtio_dev_ready(struct virtio_dev *d)
{
	wr(d, STATUS, S_ACK | S_DRIVER | S_FEAT_OK | S_DRIVER_OK);
}

uint32_t virtio_dev_config(struct virtio_dev *d, uint32_t off)
{
	return rd(d, CONFIG + off);
}

void virtio_dev_config_w8(struct virtio_dev *d, uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(d->regs + CONFIG + off) = v;
}

uint8_t virtio_dev_config_r8(struct virtio_dev *d, uint32_t off)
{
	return *(volatile uint8_t *)(d->regs + CONFIG + off);
}

void vq_offer(struct virtio_dev *d, struct vq *q, uint32_t n, uint16_t head)
{
	q->avail.ring[q->avail.idx % VQ_SIZE] = head;
	__sync_synchronize(); /* the ring entry before the index (§2.6.13) */
	q->avail.idx++;
	__sync_synchronize();
	wr(d, QUEUE_NOTIFY, n);
}

int vq_used(struct vq *q, uint32_t *len)
{
	int id;

	if (*(volatile uint16_t *)&q->used.idx == q->used_seen)
		return -1;
	__sync_synchronize(); /* the element after the index (§2.6.8.2) */
	id = (int)*(volatile uint32_t *)&q->used.ring[q->used_seen % VQ_SIZE].id;
	*len = *(volatile uint32_t *)&q->used.ring[q->used_seen % VQ_SIZE].len;
	q->used_seen++;
	return id;
}
