/*
 * Driver for the real virtio-blk device (virtio 1.1: §2.6 split virtqueues,
 * §3.1 device initialization, §4.2 virtio over MMIO, §5.2 block device).
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
#include "lib/string.h"

#include <stddef.h>

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
#define MMIO_INT_STATUS    0x060
#define MMIO_INT_ACK       0x064
#define MMIO_STATUS        0x070
#define MMIO_QUEUE_DESC    0x080
#define MMIO_QUEUE_DRIVER  0x090
#define MMIO_QUEUE_DEVICE  0x0a0
#define MMIO_CONFIG        0x100

#define STATUS_ACK         1
#define STATUS_DRIVER      2
#define STATUS_DRIVER_OK   4
#define STATUS_FEATURES_OK 8

#define F_BLK_FLUSH        9
#define F_VERSION_1        32
#define VIRTIO_ID_BLK      2

#define DESC_NEXT          1
#define DESC_WRITE         2
#define USED_F_NO_NOTIFY   1 /* §2.6.7: the device will look at the ring without a notify */
#define INT_ALL            3 /* InterruptStatus: used buffer, configuration change */

#define DISK_QUEUE         DISK_DESCS
#define DISK_REQS          DISK_SLOTS

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags, idx;
	uint16_t ring[DISK_QUEUE];
};

struct vring_used {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[DISK_QUEUE];
};

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

static volatile uint8_t *regs;
static struct vring_desc *desc;
static struct vring_avail *avail;
static struct vring_used *used;
static uint16_t free_head, nfree, last_used;
static bool unnotified; /* requests made available since the last notify */
static bool draining;   /* in disk_irq: its completions' new requests wait for its one notify */
static struct disk_stats stats;
static struct slot slots[DISK_REQS];
static struct slot *by_head[DISK_QUEUE]; /* the slot whose chain starts at a descriptor */
static uint64_t capacity;

static uint32_t rd(unsigned off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void wr(unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(regs + off) = v;
}

static void wr64(unsigned off, uint64_t v)
{
	wr(off, (uint32_t)v);
	wr(off + 4, (uint32_t)(v >> 32));
}

uint64_t disk_capacity(void)
{
	return capacity;
}

static uint16_t desc_alloc(void)
{
	uint16_t d = free_head;
	free_head = desc[d].next;
	nfree--;
	return d;
}

static void chain_free(uint16_t head)
{
	uint16_t d = head;
	for (;;) {
		uint16_t flags = desc[d].flags, next = desc[d].next;
		desc[d].next = free_head;
		free_head = d;
		nfree++;
		if (!(flags & DESC_NEXT))
			break;
		d = next;
	}
}

int disk_submit(struct disk_req *r)
{
	struct slot *s = NULL;
	for (int i = 0; i < DISK_REQS && !s; i++) {
		if (slots[i].head == 0xffff)
			s = &slots[i];
	}
	if (!regs || r->nseg > DISK_MAX_SEG)
		return DISK_FAIL;
	if (!s || nfree < DISK_REQ_DESCS(r->nseg))
		return DISK_BUSY;
	s->hdr.type = r->type;
	s->hdr.reserved = 0;
	s->hdr.sector = r->sector;
	s->status = 0xff;
	s->req = r;

	uint16_t head = desc_alloc(), d = head;
	desc[d] = (struct vring_desc){va_to_pa(&s->hdr), sizeof(s->hdr), DESC_NEXT, 0};
	for (uint32_t i = 0; i < r->nseg; i++) {
		uint16_t n = desc_alloc();
		desc[d].next = n;
		d = n;
		uint16_t flags = DESC_NEXT | (r->type == 0 ? DESC_WRITE : 0);
		desc[d] = (struct vring_desc){r->seg[i].pa, r->seg[i].len, flags, 0};
	}
	uint16_t st = desc_alloc();
	desc[d].next = st;
	desc[st] = (struct vring_desc){va_to_pa(&s->status), 1, DESC_WRITE, 0};
	s->head = head;
	by_head[head] = s;

	avail->ring[avail->idx % DISK_QUEUE] = head;
	__sync_synchronize(); /* §2.6.13: the ring entry before the index */
	avail->idx++;
	unnotified = true;
	return DISK_OK;
}

/*
 * One notify for everything made available since the last (§2.6.13.4), and
 * none while the device says it is looking at the ring anyway.
 */
void disk_notify(void)
{
	if (!unnotified || draining)
		return;
	unnotified = false;
	__sync_synchronize(); /* the index before reading the device's flags */
	if (used->flags & USED_F_NO_NOTIFY)
		return;
	uint64_t t = csr_read(time);
	wr(MMIO_QUEUE_NOTIFY, 0);
	stats.notify_ticks += csr_read(time) - t;
	stats.notifies++;
}

const struct disk_stats *disk_stats(void)
{
	return &stats;
}

/*
 * Every finished request in one pass: InterruptACK first (both bits,
 * without reading InterruptStatus: popek has nothing to do for a
 * configuration change), so an answer landing while the ring is drained
 * raises the line again; then what the completions freed starts with one
 * notify.
 */
static void disk_irq(void *arg)
{
	(void)arg;
	stats.interrupts++;
	wr(MMIO_INT_ACK, INT_ALL);
	__sync_synchronize();
	draining = true;
	while (last_used != used->idx) {
		__sync_synchronize();
		uint32_t head = used->ring[last_used % DISK_QUEUE].id;
		struct slot *s = head < DISK_QUEUE ? by_head[head] : NULL;

		last_used++;
		if (!s) /* not a chain popek made available: nothing to answer */
			continue;
		by_head[head] = NULL;
		chain_free((uint16_t)head);
		s->head = 0xffff;
		stats.completions++;
		s->req->done(s->req, s->status == 0);
	}
	draining = false;
	disk_notify();
}

static int probe(uint64_t base)
{
	regs = pa_to_va(base);
	if (rd(MMIO_MAGIC) != 0x74726976 || rd(MMIO_DEVICE_ID) != VIRTIO_ID_BLK)
		return -1;
	if (rd(MMIO_VERSION) != 2) {
		kprintf("popek: disk at %lx speaks legacy virtio; start QEMU with "
		        "-global virtio-mmio.force-legacy=false\n",
		        base);
		return -1;
	}
	return 0;
}

int disk_init(const struct machine *m)
{
	int slot = -1;
	for (int i = 0; i < m->nvirtio && slot < 0; i++) {
		if (probe(m->virtio[i].base) == 0)
			slot = i;
	}
	if (slot < 0) {
		regs = NULL;
		return -1;
	}
	/* §3.1.1: reset, acknowledge, negotiate, set up the queue, go. */
	wr(MMIO_STATUS, 0);
	wr(MMIO_STATUS, STATUS_ACK | STATUS_DRIVER);
	wr(MMIO_DEV_FEAT_SEL, 0);
	uint32_t lo = rd(MMIO_DEV_FEATURES) & (1u << F_BLK_FLUSH);
	wr(MMIO_DRV_FEAT_SEL, 0);
	wr(MMIO_DRV_FEATURES, lo);
	wr(MMIO_DRV_FEAT_SEL, 1);
	wr(MMIO_DRV_FEATURES, 1u << (F_VERSION_1 - 32));
	wr(MMIO_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
	if (!(rd(MMIO_STATUS) & STATUS_FEATURES_OK) || rd(MMIO_QUEUE_NUM_MAX) < DISK_QUEUE) {
		kprintf("popek: the disk refused popek's features or queue size\n");
		regs = NULL;
		return -1;
	}
	desc = pa_to_va(page_alloc());
	avail = pa_to_va(page_alloc());
	used = pa_to_va(page_alloc());
	for (uint16_t i = 0; i < DISK_QUEUE; i++)
		desc[i].next = i + 1;
	free_head = 0;
	nfree = DISK_QUEUE;
	for (int i = 0; i < DISK_REQS; i++)
		slots[i].head = 0xffff;
	wr(MMIO_QUEUE_SEL, 0);
	wr(MMIO_QUEUE_NUM, DISK_QUEUE);
	wr64(MMIO_QUEUE_DESC, va_to_pa(desc));
	wr64(MMIO_QUEUE_DRIVER, va_to_pa(avail));
	wr64(MMIO_QUEUE_DEVICE, va_to_pa(used));
	wr(MMIO_QUEUE_READY, 1);
	capacity = ((uint64_t)rd(MMIO_CONFIG + 4) << 32 | rd(MMIO_CONFIG)) * 512;
	if (plic_register(m->virtio[slot].irq, disk_irq, NULL) < 0)
		kprintf("popek: no interrupt for the disk; its requests would never complete\n");
	wr(MMIO_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
	kprintf("  disk      virtio-blk at %lx, irq %u, %lu MiB\n", m->virtio[slot].base,
	        m->virtio[slot].irq, capacity >> 20);
	return 0;
}
