#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H

#include <stdint.h>

#define SECTOR_SIZE 512

/* Request types and status values (virtio 1.1 §5.2.6). */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

/* Feature bits (§5.2.3, §6). */
#define VIRTIO_BLK_F_RO        5
#define VIRTIO_F_INDIRECT_DESC 28

/*
 * virtio_blk_rw's answers below zero: the driver refused the request and
 * the device never saw it.  Zero and above are the device's status byte.
 */
#define VIRTIO_BLK_ENODEV (-1) /* no disk, or the device stopped answering */
#define VIRTIO_BLK_ERANGE (-2) /* past the end of the disk */
#define VIRTIO_BLK_EROFS  (-3) /* a write to a disk that offers VIRTIO_BLK_F_RO */

int virtio_blk_init(void);
int virtio_blk_present(void);
uint64_t virtio_blk_capacity(void);
int virtio_blk_read_only(void);
int virtio_blk_offers(unsigned feature);
uint64_t virtio_blk_base(void);

int virtio_blk_rw(uint64_t sector, void *buf, uint32_t nsectors, int write);
int virtio_blk_request(uint32_t type, uint64_t sector, void *buf, uint32_t nsectors);

/*
 * The raw queue, for mode=badqueue: a split virtqueue (§2.6) of
 * VIRTIO_BLK_QSIZE descriptors that a caller fills by hand.
 */
#define VIRTIO_BLK_QSIZE      8
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* A request's header (§5.2.6). */
struct virtio_blk_req {
	uint32_t type; /* VIRTIO_BLK_T_* */
	uint32_t reserved;
	uint64_t sector;
};

/* What virtio_blk_post saw. */
enum blk_wait {
	BLK_USED,    /* the device put an element in the used ring */
	BLK_BROKEN,  /* it set DEVICE_NEEDS_RESET instead (§2.1.2) */
	BLK_TIMEOUT, /* neither before the deadline */
};

struct blk_used {
	uint32_t id, len;
};

enum blk_wait virtio_blk_post(const struct virtq_desc table[VIRTIO_BLK_QSIZE], uint16_t head,
                              uint16_t advance, uint64_t timeout_ms, struct blk_used *used);
int virtio_blk_reset(void);
/*
 * Set before virtio_blk_reset(): a version 2 device is set up the way some drivers
 * written against the virt board do it, writing only the low word of the driver's
 * features (so never acknowledging VERSION_1, bit 32).
 */
extern int virtio_blk_low_word_only;

#endif
