/*
 * Driver for the real virtio-blk device (virtio 1.1 §5.2) on the shared
 * virtio-mmio transport (virtio_mmio.h).
 * One queue of DISK_QUEUE descriptors; each request takes a header, its
 * data segments and a status byte.
 */
#include "drivers/virtio_blk.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/riscv.h"
#include "core/console.h"
#include "core/machine.h"
#include "core/mem.h"
#include "drivers/plic.h"
#include "drivers/virtio_mmio.h"
#include "lib/string.h"

#include <stddef.h>

#define F_BLK_FLUSH 9

#define DISK_QUEUE  DISK_DESCS
#define DISK_REQS   DISK_SLOTS

/* What the device reads first and writes last for every request (§5.2.6). */
struct slot {
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	uint8_t status;
	struct disk_req *req;
	uint16_t head; /* first descriptor, or 0xffff when the slot is free */
};

static struct virtio_dev dev;
static struct virtq vq;
static bool draining; /* in disk_irq: its completions' new requests wait for its one notify */
static struct disk_stats stats;
static struct slot slots[DISK_REQS];
static struct slot *by_head[DISK_QUEUE]; /* the slot whose chain starts at a descriptor */
static uint64_t capacity;

uint64_t disk_capacity(void)
{
	return capacity;
}

int disk_submit(struct disk_req *r)
{
	struct slot *s = NULL;
	for (int i = 0; i < DISK_REQS && !s; i++) {
		if (slots[i].head == 0xffff)
			s = &slots[i];
	}
	if (!dev.regs || r->nseg > DISK_MAX_SEG)
		return DISK_FAIL;
	if (!s || vq.nfree < DISK_REQ_DESCS(r->nseg))
		return DISK_BUSY;
	s->hdr.type = r->type;
	s->hdr.reserved = 0;
	s->hdr.sector = r->sector;
	s->status = 0xff;
	s->req = r;

	struct virtq_desc *desc = vq.desc;
	uint16_t head = virtq_desc_alloc(&vq), d = head;
	desc[d] = (struct virtq_desc){va_to_pa(&s->hdr), sizeof(s->hdr), VIRTQ_DESC_NEXT, 0};
	for (uint32_t i = 0; i < r->nseg; i++) {
		uint16_t n = virtq_desc_alloc(&vq);
		desc[d].next = n;
		d = n;
		uint16_t flags = VIRTQ_DESC_NEXT | (r->type == 0 ? VIRTQ_DESC_WRITE : 0);
		desc[d] = (struct virtq_desc){r->seg[i].pa, r->seg[i].len, flags, 0};
	}
	uint16_t st = virtq_desc_alloc(&vq);
	desc[d].next = st;
	desc[st] = (struct virtq_desc){va_to_pa(&s->status), 1, VIRTQ_DESC_WRITE, 0};
	s->head = head;
	by_head[head] = s;
	virtq_publish(&vq, head);
	return DISK_OK;
}

/* Not from disk_irq: its completions' new requests wait for its one notify at the end. */
void disk_notify(void)
{
	if (draining || !dev.regs)
		return;
	uint64_t t = csr_read(time);
	if (!virtio_dev_notify(&dev, &vq))
		return;
	stats.notify_ticks += csr_read(time) - t;
	stats.notifies++;
}

const struct disk_stats *disk_stats(void)
{
	return &stats;
}

/*
 * Every finished request in one pass: InterruptACK first (popek has
 * nothing to do for a configuration change), so an answer landing while
 * the ring is drained raises the line again; then what the completions
 * freed starts with one notify.
 */
static void disk_irq(void *arg)
{
	(void)arg;
	stats.interrupts++;
	virtio_dev_irq_ack(&dev);
	draining = true;
	uint32_t head, len;
	while (virtq_used_next(&vq, &head, &len)) {
		struct slot *s = head < DISK_QUEUE ? by_head[head] : NULL;
		if (!s) /* not a chain popek made available: nothing to answer */
			continue;
		by_head[head] = NULL;
		virtq_chain_free(&vq, (uint16_t)head);
		s->head = 0xffff;
		stats.completions++;
		s->req->done(s->req, s->status == 0);
	}
	draining = false;
	disk_notify();
}

int disk_init(const struct machine *m)
{
	uint64_t features;
	if (virtio_dev_find(&dev, m, VIRTIO_ID_BLK, "disk") < 0)
		return -1;
	if (virtio_dev_negotiate(&dev, 1ull << F_BLK_FLUSH, &features) < 0 ||
	    virtio_dev_queue_init(&dev, &vq, 0, DISK_QUEUE) < 0) {
		kprintf("popek: the disk refused popek's features or queue size\n");
		dev.regs = NULL;
		return -1;
	}
	for (int i = 0; i < DISK_REQS; i++)
		slots[i].head = 0xffff;
	capacity =
	    ((uint64_t)virtio_dev_config32(&dev, 4) << 32 | virtio_dev_config32(&dev, 0)) * 512;
	if (plic_register(dev.irq, disk_irq, NULL) < 0)
		kprintf("popek: no interrupt for the disk; its requests would never complete\n");
	virtio_dev_driver_ok(&dev);
	kprintf("  disk      virtio-blk at %lx, irq %u, %lu MiB\n", dev.base, dev.irq,
	        capacity >> 20);
	return 0;
}
