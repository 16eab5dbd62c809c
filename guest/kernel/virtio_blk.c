/*
 * virtio_blk.c — a virtio block device behind the virtio-mmio transport,
 * version 2 (Virtual I/O Device spec 1.1 §4.2.2, §5.2) or the legacy
 * version 1 (§4.2.4), told apart by the Version register.
 *
 * The device tree lists every virtio,mmio slot of the board; a slot with
 * DeviceID 0 is empty, DeviceID 2 is a block device.  We drive one
 * split virtqueue (§2.6) of QSIZE descriptors, one request at a time: a
 * chain of header (device-readable), data, and status byte (device-
 * writable); completion arrives as an interrupt through the PLIC.
 * virtio_blk_post hands the queue a chain someone else built, however
 * wrong, and waits for it with a deadline (mode=badqueue, badqueue.c).
 */
#include "virtio_blk.h"
#include "fdt.h"
#include "plic.h"
#include "proc.h"
#include "riscv.h"
#include "string.h"
#include "timer.h"
#include "vm.h"

/* MMIO registers (§4.2.2) */
#define MAGIC         0x000
#define VERSION       0x004
#define DEVICE_ID     0x008
#define DEV_FEATURES  0x010
#define DEV_FEAT_SEL  0x014
#define DRV_FEATURES  0x020
#define DRV_FEAT_SEL  0x024
#define PAGE_SIZE_REG 0x028 /* legacy: GuestPageSize */
#define QUEUE_SEL     0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM     0x038
#define QUEUE_ALIGN   0x03c /* legacy */
#define QUEUE_PFN     0x040 /* legacy */
#define QUEUE_READY   0x044
#define QUEUE_NOTIFY  0x050
#define IRQ_STATUS    0x060
#define IRQ_ACK       0x064
#define STATUS        0x070
#define QUEUE_DESC    0x080
#define QUEUE_DRIVER  0x090
#define QUEUE_DEVICE  0x0a0
#define CONFIG        0x100

/* device status bits (§2.1) */
#define S_ACK             1
#define S_DRIVER          2
#define S_DRIVER_OK       4
#define S_FEAT_OK         8
#define S_NEEDS_RESET     64

#define F_VERSION_1       32 /* feature bit: a modern (non-legacy) device */

#define INT_CONFIG_CHANGE 2 /* InterruptStatus bit (§4.2.2) */

#define QSIZE             VIRTIO_BLK_QSIZE
#define LEGACY_PAGE       4096 /* GuestPageSize and QueueAlign of a legacy queue */

struct virtq_avail {
	uint16_t flags, idx, ring[QSIZE], used_event;
};

struct virtq_used {
	uint16_t flags, idx;
	struct blk_used ring[QSIZE];
	uint16_t avail_event;
};

/*
 * Physically contiguous (VA == PA) as the device needs, and laid out as a
 * legacy device requires (§2.6.2): the descriptor table at the start of a
 * page, the avail ring right after it, the used ring at the next page
 * (QueueAlign = 4096).  A version 2 device takes the same three addresses.
 */
static struct {
	struct virtq_desc desc[QSIZE] __attribute__((aligned(LEGACY_PAGE)));
	struct virtq_avail avail;
	struct virtq_used used __attribute__((aligned(LEGACY_PAGE)));
	struct virtio_blk_req req;
	volatile uint8_t status;
	uint16_t used_seen;
	volatile int config_changed; /* the interrupt said so; look at Status */
} q __attribute__((aligned(4096)));

static volatile uint8_t *regs;
static int legacy; /* Version 1 */
static uint64_t base;
static uint32_t irq;
static uint64_t capacity; /* in 512-byte sectors */
static uint64_t dev_features, drv_features;
int virtio_blk_low_word_only;

static uint32_t rd(int off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void wr(int off, uint32_t v)
{
	*(volatile uint32_t *)(regs + off) = v;
}

static void wr64(int off, uint64_t v)
{
	wr(off, (uint32_t)v);
	wr(off + 4, (uint32_t)(v >> 32));
}

static void virtio_blk_intr(void)
{
	uint32_t bits = rd(IRQ_STATUS) & 3;
	wr(IRQ_ACK, bits);
	if (bits & INT_CONFIG_CHANGE)
		q.config_changed = 1;
	wakeup(&q);
}

static uint64_t features_read(void)
{
	wr(DEV_FEAT_SEL, 0);
	uint64_t lo = rd(DEV_FEATURES);
	wr(DEV_FEAT_SEL, 1);
	return lo | (uint64_t)rd(DEV_FEATURES) << 32;
}

static void features_write(uint64_t f)
{
	wr(DRV_FEAT_SEL, 0);
	wr(DRV_FEATURES, (uint32_t)f);
	wr(DRV_FEAT_SEL, 1);
	wr(DRV_FEATURES, (uint32_t)(f >> 32));
}

/*
 * A legacy device (§3.1.2, §4.2.4): 32 feature bits, taken without a
 * FEATURES_OK step; the queue is placed by its first page (QueuePFN) in
 * pages of GuestPageSize, the used ring at QueueAlign.
 */
static int setup_legacy(void)
{
	wr(DEV_FEAT_SEL, 0);
	dev_features = rd(DEV_FEATURES);
	drv_features = dev_features & (1UL << VIRTIO_BLK_F_RO);
	wr(DRV_FEAT_SEL, 0);
	wr(DRV_FEATURES, (uint32_t)drv_features);
	wr(PAGE_SIZE_REG, LEGACY_PAGE);
	wr(QUEUE_SEL, 0);
	if (rd(QUEUE_PFN) || rd(QUEUE_NUM_MAX) < QSIZE)
		return -1;
	wr(QUEUE_NUM, QSIZE);
	wr(QUEUE_ALIGN, LEGACY_PAGE);
	wr(QUEUE_PFN, (uint32_t)((uint64_t)q.desc / LEGACY_PAGE));
	return 0;
}

/* A version 2 device: 64 feature bits, FEATURES_OK, the three ring addresses, QueueReady. */
static int setup_modern(void)
{
	dev_features = features_read();
	if (!(dev_features & (1UL << F_VERSION_1)))
		return -1;
	drv_features = dev_features & (1UL << F_VERSION_1 | 1UL << VIRTIO_BLK_F_RO);
	if (virtio_blk_low_word_only) {
		drv_features &= 0xffffffff;
		wr(DRV_FEAT_SEL, 0);
		wr(DRV_FEATURES, (uint32_t)drv_features);
	} else {
		features_write(drv_features);
	}
	wr(STATUS, S_ACK | S_DRIVER | S_FEAT_OK);
	if (!(rd(STATUS) & S_FEAT_OK))
		return -1;
	wr(QUEUE_SEL, 0);
	if (rd(QUEUE_READY) || rd(QUEUE_NUM_MAX) < QSIZE)
		return -1;
	wr(QUEUE_NUM, QSIZE);
	wr64(QUEUE_DESC, (uint64_t)q.desc);
	wr64(QUEUE_DRIVER, (uint64_t)&q.avail);
	wr64(QUEUE_DEVICE, (uint64_t)&q.used);
	wr(QUEUE_READY, 1);
	return 0;
}

/*
 * Device initialisation, §3.1.1 (legacy: §3.1.2): reset, ack, features,
 * queue, driver ok.  We take VERSION_1 (version 2 only) and, when offered,
 * VIRTIO_BLK_F_RO (§5.2.3: the device is read-only; writes fail, and we do
 * not send them).
 */
static int setup(void)
{
	wr(STATUS, 0);
	memset(&q, 0, sizeof(q));
	wr(STATUS, S_ACK);
	wr(STATUS, S_ACK | S_DRIVER);
	if ((legacy ? setup_legacy() : setup_modern()) < 0)
		return -1;
	wr(STATUS, S_ACK | S_DRIVER | (legacy ? 0 : S_FEAT_OK) | S_DRIVER_OK);
	capacity = rd(CONFIG) | (uint64_t)rd(CONFIG + 4) << 32;
	plic_enable(irq, virtio_blk_intr);
	return 0;
}

int virtio_blk_init(void)
{
	for (int node = -1; (node = fdt_find_compatible(node, "virtio,mmio")) >= 0;) {
		uint64_t size;
		if (fdt_reg(node, 0, &base, &size) < 0)
			continue;
		vm_map_device(base, size);
		volatile uint32_t *r = (volatile uint32_t *)base;
		uint32_t version = r[VERSION / 4];
		if (r[MAGIC / 4] != 0x74726976 || (version != 1 && version != 2) ||
		    r[DEVICE_ID / 4] != 2)
			continue; /* not "virt", an unknown version, or not a block device (0: empty) */
		regs = (volatile uint8_t *)base;
		legacy = version == 1;
		irq = fdt_u32(node, "interrupts", 0);
		if (setup() < 0) {
			regs = 0;
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Resets the device and sets it up again: the way out of DEVICE_NEEDS_RESET. */
int virtio_blk_reset(void)
{
	if (!regs)
		return -1;
	return setup();
}

int virtio_blk_present(void)
{
	return regs != 0 && capacity != 0;
}

uint64_t virtio_blk_capacity(void)
{
	return capacity;
}

int virtio_blk_offers(unsigned feature)
{
	return regs != 0 && feature < 64 && (dev_features >> feature) & 1;
}

int virtio_blk_read_only(void)
{
	return virtio_blk_offers(VIRTIO_BLK_F_RO);
}

uint64_t virtio_blk_base(void)
{
	return regs ? base : 0;
}

/* Makes head available `advance` times over (1 but for mode=badqueue) and notifies. */
static void offer(uint16_t head, uint16_t advance)
{
	q.avail.ring[q.avail.idx % QSIZE] = head;
	__sync_synchronize(); /* descriptors and ring entry before the index (§2.6.13) */
	q.avail.idx += advance;
	__sync_synchronize();
	wr(QUEUE_NOTIFY, 0);
}

/*
 * Waits for the next used element.  Without a deadline we sleep until the
 * interrupt; with one we poll (interrupts stay off), so a device that never
 * answers cannot keep us.  A device that gives up on the queue says so in
 * Status (§2.1.2), announced by a configuration change interrupt.
 */
static enum blk_wait wait_used(uint64_t deadline, struct blk_used *u)
{
	for (;;) {
		if (*(volatile uint16_t *)&q.used.idx != q.used_seen)
			break;
		if ((deadline || q.config_changed) && (rd(STATUS) & S_NEEDS_RESET))
			return BLK_BROKEN;
		if (!deadline)
			sleep_on(&q);
		else if (rdtime() >= deadline)
			return BLK_TIMEOUT;
	}
	__sync_synchronize(); /* the element after the index (§2.6.8.2) */
	*u = *(volatile struct blk_used *)&q.used.ring[q.used_seen % QSIZE];
	q.used_seen++;
	return BLK_USED;
}

/*
 * Sends one request as the usual chain: header (device-readable), data if
 * any (device-writable for T_IN), status byte (device-writable).  No policy:
 * the device decides.  Returns its status byte, or VIRTIO_BLK_ENODEV.
 */
int virtio_blk_request(uint32_t type, uint64_t sector, void *buf, uint32_t nsectors)
{
	struct blk_used u;
	uint16_t n = 0;

	if (!virtio_blk_present())
		return VIRTIO_BLK_ENODEV;
	q.req = (struct virtio_blk_req){type, 0, sector};
	q.status = 0xff;
	q.desc[n++] = (struct virtq_desc){(uint64_t)&q.req, sizeof(q.req), VIRTQ_DESC_F_NEXT, 1};
	if (nsectors)
		q.desc[n++] = (struct virtq_desc){
		    (uint64_t)buf, nsectors * SECTOR_SIZE,
		    VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0), 2};
	q.desc[n] = (struct virtq_desc){(uint64_t)&q.status, 1, VIRTQ_DESC_F_WRITE, 0};
	offer(0, 1);
	if (wait_used(0, &u) != BLK_USED)
		return VIRTIO_BLK_ENODEV;
	return q.status;
}

/* Reads or writes nsectors at sector; buf must be physically contiguous. */
int virtio_blk_rw(uint64_t sector, void *buf, uint32_t nsectors, int write)
{
	if (!virtio_blk_present())
		return VIRTIO_BLK_ENODEV;
	if (sector > capacity || nsectors > capacity - sector)
		return VIRTIO_BLK_ERANGE;
	if (write && virtio_blk_read_only())
		return VIRTIO_BLK_EROFS;
	return virtio_blk_request(write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector, buf,
	                          nsectors);
}

/* Copies table into the queue, offers head, and waits at most timeout_ms. */
enum blk_wait virtio_blk_post(const struct virtq_desc table[VIRTIO_BLK_QSIZE], uint16_t head,
                              uint16_t advance, uint64_t timeout_ms, struct blk_used *used)
{
	memcpy(q.desc, table, sizeof(q.desc));
	offer(head, advance);
	return wait_used(rdtime() + ms_to_ticks(timeout_ms), used);
}
