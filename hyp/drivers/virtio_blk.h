/*
 * The real disk: the virtio-blk device QEMU offers (virtio 1.1, mmio
 * version 2), divided into minidisks.  Requests complete asynchronously by
 * interrupt, through the real PLIC; the data moves by DMA straight to and
 * from the physical pages given, which for guest I/O are the VM's own RAM.
 */
#ifndef POPEK_DRIVERS_VIRTIO_BLK_H
#define POPEK_DRIVERS_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

#define DISK_MAX_SEG 16
/*
 * The real queue: DISK_DESCS descriptors, of which a request of nseg data
 * segments takes DISK_REQ_DESCS(nseg) (header, data, status), and at most
 * DISK_SLOTS requests at once.  vdisk.c divides them between the VMs.
 */
#define DISK_DESCS           128
#define DISK_SLOTS           (DISK_DESCS / 3)
#define DISK_REQ_DESCS(nseg) ((nseg) + 2)

/* disk_submit's answers. */
#define DISK_OK   0
#define DISK_BUSY (-1) /* the queue is full: try again after a completion */
#define DISK_FAIL (-2) /* never: no disk, or too many segments */

struct disk_req {
	uint32_t type;   /* VIRTIO_BLK_T_IN, _OUT or _FLUSH */
	uint64_t sector; /* 512-byte sectors */
	uint32_t nseg;
	struct {
		uint64_t pa;
		uint32_t len;
	} seg[DISK_MAX_SEG];
	void (*done)(struct disk_req *r, bool ok); /* called from the disk's interrupt */
	void *arg;
};

/* Finds the disk among the machine's virtio-mmio slots and starts it; 0, or -1 if none. */
int disk_init(const struct machine *m);
/* Capacity in bytes (0 without a disk). */
uint64_t disk_capacity(void);
/*
 * Queues r: DISK_OK, DISK_BUSY or DISK_FAIL.  The device hears of it at the
 * next disk_notify(), so one notify starts a whole batch.
 */
int disk_submit(struct disk_req *r);
/* Tells the device about the requests queued since the last notify, if any. */
void disk_notify(void);

/* The real disk's side of every VM's requests (popek's `disk:` report line). */
struct disk_stats {
	uint64_t notifies;     /* QueueNotify writes */
	uint64_t notify_ticks; /* time in them: the device's own work on a notify */
	uint64_t interrupts;   /* its interrupts handled */
	uint64_t completions;  /* requests answered */
};
const struct disk_stats *disk_stats(void);

#endif
