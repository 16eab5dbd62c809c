/*
 * virtio_blk.c — a virtio block device behind the virtio-mmio transport,
 * version 2 (Virtual I/O Device spec 1.1 §4.2.2, §5.2).
 *
 * The device tree lists every virtio,mmio slot of the board; a slot with
 * DeviceID 0 is empty, DeviceID 2 is a block device.  We drive one
 * split virtqueue (§2.6) of QSIZE descriptors, one request at a time: a
 * chain of header (device-readable), data, and status byte (device-
 * writable); completion arrives as an interrupt through the PLIC.
 */
#include "virtio_blk.h"
#include "fdt.h"
#include "plic.h"
#include "proc.h"
#include "riscv.h"
#include "string.h"
#include "vm.h"

/* MMIO registers (§4.2.2) */
#define MAGIC         0x000
#define VERSION       0x004
#define DEVICE_ID     0x008
#define DEV_FEATURES  0x010
#define DEV_FEAT_SEL  0x014
#define DRV_FEATURES  0x020
#define DRV_FEAT_SEL  0x024
#define QUEUE_SEL     0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM     0x038
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
#define S_ACK              1
#define S_DRIVER           2
#define S_DRIVER_OK        4
#define S_FEAT_OK          8

#define F_VERSION_1        32 /* feature bit: a modern (non-legacy) device */

#define QSIZE              8
#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct virtq_avail {
	uint16_t flags, idx, ring[QSIZE], used_event;
};

struct virtq_used {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[QSIZE];
	uint16_t avail_event;
};

struct blk_req {
	uint32_t type; /* 0 read, 1 write */
	uint32_t reserved;
	uint64_t sector;
};

/* One page each, physically contiguous (VA == PA) as the device needs. */
static struct {
	struct virtq_desc desc[QSIZE] __attribute__((aligned(4096)));
	struct virtq_avail avail __attribute__((aligned(4096)));
	struct virtq_used used __attribute__((aligned(4096)));
	struct blk_req req;
	volatile uint8_t status;
	uint16_t used_seen;
} q __attribute__((aligned(4096)));

static volatile uint8_t *regs;
static uint64_t capacity; /* in 512-byte sectors */

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
	wr(IRQ_ACK, rd(IRQ_STATUS) & 3);
	wakeup(&q);
}

/* Device initialisation, §3.1.1: reset, ack, features, queue, driver ok. */
static int setup(uint64_t base, uint32_t irq)
{
	regs = (volatile uint8_t *)base;
	wr(STATUS, 0);
	wr(STATUS, S_ACK);
	wr(STATUS, S_ACK | S_DRIVER);
	wr(DEV_FEAT_SEL, 1);
	if (!(rd(DEV_FEATURES) & (1U << (F_VERSION_1 - 32))))
		return -1;
	wr(DRV_FEAT_SEL, 0);
	wr(DRV_FEATURES, 0);
	wr(DRV_FEAT_SEL, 1);
	wr(DRV_FEATURES, 1U << (F_VERSION_1 - 32));
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
	wr(STATUS, S_ACK | S_DRIVER | S_FEAT_OK | S_DRIVER_OK);
	capacity = rd(CONFIG) | (uint64_t)rd(CONFIG + 4) << 32;
	plic_enable(irq, virtio_blk_intr);
	return 0;
}

int virtio_blk_init(void)
{
	for (int node = -1; (node = fdt_find_compatible(node, "virtio,mmio")) >= 0;) {
		uint64_t base, size;
		if (fdt_reg(node, 0, &base, &size) < 0)
			continue;
		vm_map_device(base, size);
		volatile uint32_t *r = (volatile uint32_t *)base;
		if (r[MAGIC / 4] != 0x74726976 || r[VERSION / 4] != 2 || r[DEVICE_ID / 4] != 2)
			continue; /* not "virt", legacy, or not a block device (0: empty) */
		return setup(base, fdt_u32(node, "interrupts", 0));
	}
	return -1;
}

int virtio_blk_present(void)
{
	return regs != 0 && capacity != 0;
}

uint64_t virtio_blk_capacity(void)
{
	return capacity;
}

/* Reads or writes nsectors at sector; buf must be physically contiguous. */
int virtio_blk_rw(uint64_t sector, void *buf, uint32_t nsectors, int write)
{
	if (!virtio_blk_present() || sector + nsectors > capacity)
		return -1;
	q.req = (struct blk_req){write ? 1 : 0, 0, sector};
	q.status = 0xff;
	q.desc[0] = (struct virtq_desc){(uint64_t)&q.req, sizeof(q.req), VIRTQ_DESC_F_NEXT, 1};
	q.desc[1] = (struct virtq_desc){(uint64_t)buf, nsectors * SECTOR_SIZE,
	                                VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE), 2};
	q.desc[2] = (struct virtq_desc){(uint64_t)&q.status, 1, VIRTQ_DESC_F_WRITE, 0};
	q.avail.ring[q.avail.idx % QSIZE] = 0;
	__sync_synchronize(); /* descriptors before the index (§2.6.13) */
	q.avail.idx++;
	__sync_synchronize();
	wr(QUEUE_NOTIFY, 0);
	while (*(volatile uint16_t *)&q.used.idx == q.used_seen)
		sleep_on(&q);
	__sync_synchronize();
	q.used_seen++;
	return q.status == 0 ? 0 : -1;
}
