/*
 * layout.h — the device differential's memory map and sequence format,
 * shared by the runtime (rt/, target) and written by the generator (gen.py,
 * which mirrors these numbers).
 *
 *   0x8000_0000  the runtime (rt/)
 *   0x8010_0000  the sequences: header, then per program a record and its ops
 *   0x8020_0000  the virtio queue: descriptors, avail ring (+0x100), used ring (+0x1000)
 *   0x8021_0000  the block request: header, data (+0x1000), status byte (+0x3000)
 */
#ifndef DEVDIFF_LAYOUT_H
#define DEVDIFF_LAYOUT_H

#define DD_RT_BASE    0x80000000
#define DD_OPS_BASE   0x80100000
#define DD_Q_DESC     0x80200000
#define DD_Q_AVAIL    0x80200100
#define DD_Q_USED     0x80201000
#define DD_REQ_HDR    0x80210000
#define DD_REQ_DATA   0x80211000
#define DD_REQ_STATUS 0x80214000
#define DD_MAGIC      0x4646494456454450 /* "PEDVDIFF" */

#define DD_UART       0x10000000
#define DD_TEST       0x100000
#define DD_VIRTIO_LO  0x10001000 /* slots of 0x1000, the last at 0x10008000 */
#define DD_VIRTIO_HI  0x10008000

enum dd_kind {
	DD_END,
	DD_RD,   /* read `width` bytes at addr; logged (only the bits of val, when val != 0) */
	DD_RDQ,  /* read, not logged (a value that depends on time) */
	DD_WR,   /* write val */
	DD_RDV,  /* as DD_RD, addr an offset in the disk's virtio-mmio window */
	DD_WRV,  /* as DD_WR, in the disk's window */
	DD_MIP,  /* log mip's interrupt bits */
	DD_BLK,  /* a block request: val = type | sector << 8, width = sectors, addr = parts */
	DD_WAIT, /* spin addr microseconds (lets the devices settle); logs nothing */
};

#ifndef __ASSEMBLER__
#include <stdint.h>

struct dd_hdr {
	uint64_t magic, nprog, verbose, reserved;
};

/* a program: its seed, its ops' count; the ops follow */
struct dd_prog {
	uint64_t seed, nops;
};

struct dd_op {
	uint32_t kind, width;
	uint64_t addr, val;
};
#endif
#endif
