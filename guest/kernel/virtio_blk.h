#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H

#include <stdint.h>

#define SECTOR_SIZE 512

int virtio_blk_init(void);
int virtio_blk_present(void);
uint64_t virtio_blk_capacity(void);
int virtio_blk_rw(uint64_t sector, void *buf, uint32_t nsectors, int write);

#endif
