/* The virtio-mmio transport of popek's real-device drivers.  See virtio_mmio.h. */
#include "drivers/virtio_mmio.h"
#include "arch/riscv/memlayout.h"
#include "core/console.h"
#include "core/machine.h"
#include "core/mem.h"

#include <stddef.h>

/* §4.2.2 register offsets */
#define MMIO_MAGIC         0x000
#define MMIO_VERSION       0x004
#define MMIO_DEVICE_ID     0x008
#define MMIO_DEV_FEATURES  0x010
#define MMIO_DEV_FEAT_SEL  0x014
#define MMIO_DRV_FEATURES  0x020
#define MMIO_DRV_FEAT_SEL  0x024
#define MMIO_QUEUE_SEL     0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM     0x038
#define MMIO_QUEUE_READY   0x044
#define MMIO_QUEUE_NOTIFY  0x050
#define MMIO_INT_ACK       0x064
#define MMIO_STATUS        0x070
#define MMIO_QUEUE_DESC    0x080
#define MMIO_QUEUE_DRIVER  0x090
#define MMIO_QUEUE_DEVICE  0x0a0
#define MMIO_CONFIG        0x100

#define F_VERSION_1        32         /* §6.1 */
#define MAGIC_VIRT         0x74726976 /* "virt" */

#define STATUS_ACK         1
#define STATUS_DRIVER      2
#define STATUS_DRIVER_OK   4
#define STATUS_FEATURES_OK 8

#define USED_F_NO_NOTIFY   1 /* §2.6.7: the device will look at the ring without a notify */
#define INT_ALL            3 /* InterruptStatus: used buffer, configuration change */

static uint32_t rd(struct virtio_dev *d, unsigned off)
{
	return *(volatile uint32_t *)(d->regs + off);
}

static void wr(struct virtio_dev *d, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(d->regs + off) = v;
}

static void wr64(struct virtio_dev *d, unsigned off, uint64_t v)
{
	wr(d, off, (uint32_t)v);
	wr(d, off + 4, (uint32_t)(v >> 32));
}

int virtio_dev_find(struct virtio_dev *d, const struct machine *m, uint32_t id, const char *what)
{
	return virtio_dev_find_from(d, m, id, what, 0) < 0 ? -1 : 0;
}

int virtio_dev_find_from(struct virtio_dev *d, const struct machine *m, uint32_t id,
                         const char *what, int from)
{
	for (int i = from < 0 ? 0 : from; i < m->nvirtio; i++) {
		d->regs = pa_to_va(m->virtio[i].base);
		d->base = m->virtio[i].base;
		d->irq = m->virtio[i].irq;
		if (rd(d, MMIO_MAGIC) != MAGIC_VIRT || rd(d, MMIO_DEVICE_ID) != id)
			continue;
		if (rd(d, MMIO_VERSION) == 2)
			return i;
		kprintf("popek: %s at %lx speaks legacy virtio; start QEMU with "
		        "-global virtio-mmio.force-legacy=false\n",
		        what, d->base);
	}
	d->regs = NULL;
	return -1;
}

int virtio_dev_negotiate(struct virtio_dev *d, uint64_t want, uint64_t *got)
{
	wr(d, MMIO_STATUS, 0);
	wr(d, MMIO_STATUS, STATUS_ACK | STATUS_DRIVER);
	uint64_t offered = 0;
	for (unsigned sel = 0; sel < 2; sel++) {
		wr(d, MMIO_DEV_FEAT_SEL, sel);
		offered |= (uint64_t)rd(d, MMIO_DEV_FEATURES) << (32 * sel);
	}
	*got = (want & offered) | 1ull << F_VERSION_1;
	for (unsigned sel = 0; sel < 2; sel++) {
		wr(d, MMIO_DRV_FEAT_SEL, sel);
		wr(d, MMIO_DRV_FEATURES, (uint32_t)(*got >> (32 * sel)));
	}
	wr(d, MMIO_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
	return rd(d, MMIO_STATUS) & STATUS_FEATURES_OK ? 0 : -1;
}

int virtio_dev_queue_init(struct virtio_dev *d, struct virtq *q, uint16_t index, uint16_t num)
{
	wr(d, MMIO_QUEUE_SEL, index);
	if (num > VIRTQ_MAX || (num & (num - 1)) || rd(d, MMIO_QUEUE_NUM_MAX) < num)
		return -1;
	q->desc = pa_to_va(page_alloc());
	q->avail = pa_to_va(page_alloc());
	q->used = pa_to_va(page_alloc());
	q->index = index;
	q->num = num;
	for (uint16_t i = 0; i < num; i++)
		q->desc[i].next = i + 1;
	q->free_head = 0;
	q->nfree = num;
	q->last_used = 0;
	q->unnotified = false;
	wr(d, MMIO_QUEUE_NUM, num);
	wr64(d, MMIO_QUEUE_DESC, va_to_pa(q->desc));
	wr64(d, MMIO_QUEUE_DRIVER, va_to_pa(q->avail));
	wr64(d, MMIO_QUEUE_DEVICE, va_to_pa(q->used));
	wr(d, MMIO_QUEUE_READY, 1);
	return 0;
}

void virtio_dev_driver_ok(struct virtio_dev *d)
{
	wr(d, MMIO_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
}

uint32_t virtio_dev_config32(struct virtio_dev *d, unsigned off)
{
	return rd(d, MMIO_CONFIG + off);
}

uint8_t virtio_dev_config8(struct virtio_dev *d, unsigned off)
{
	return *(volatile uint8_t *)(d->regs + MMIO_CONFIG + off);
}

void virtio_dev_config8_write(struct virtio_dev *d, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(d->regs + MMIO_CONFIG + off) = v;
}

void virtio_dev_irq_ack(struct virtio_dev *d)
{
	wr(d, MMIO_INT_ACK, INT_ALL);
	__sync_synchronize(); /* the acknowledgement before the ring is read */
}

bool virtio_dev_notify(struct virtio_dev *d, struct virtq *q)
{
	if (!q->unnotified)
		return false;
	q->unnotified = false;
	__sync_synchronize(); /* the index before reading the device's flags */
	if (q->used->flags & USED_F_NO_NOTIFY)
		return false;
	wr(d, MMIO_QUEUE_NOTIFY, q->index);
	return true;
}

uint16_t virtq_desc_alloc(struct virtq *q)
{
	uint16_t i = q->free_head;
	q->free_head = q->desc[i].next;
	q->nfree--;
	return i;
}

void virtq_chain_free(struct virtq *q, uint16_t head)
{
	uint16_t i = head;
	for (;;) {
		uint16_t flags = q->desc[i].flags, next = q->desc[i].next;
		q->desc[i].next = q->free_head;
		q->free_head = i;
		q->nfree++;
		if (!(flags & VIRTQ_DESC_NEXT))
			break;
		i = next;
	}
}

void virtq_publish(struct virtq *q, uint16_t head)
{
	q->avail->ring[q->avail->idx % q->num] = head;
	__sync_synchronize(); /* §2.6.13: the ring entry before the index */
	q->avail->idx++;
	q->unnotified = true;
}

bool virtq_used_next(struct virtq *q, uint32_t *id, uint32_t *len)
{
	if (q->last_used == *(volatile uint16_t *)&q->used->idx)
		return false;
	__sync_synchronize(); /* the index before the entry it covers */
	*id = q->used->ring[q->last_used % q->num].id;
	*len = q->used->ring[q->last_used % q->num].len;
	q->last_used++;
	return true;
}
