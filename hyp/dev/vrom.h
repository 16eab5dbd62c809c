/*
 * The board's mask ROM (QEMU virt's "riscv_virt_board.mrom", 0x1000..0x10000),
 * for a VM that is its own firmware.  On the board it holds the reset vector
 * the hart starts at, which loads a0 = hart id, a1 = the device tree, a2 = the
 * address of the fw_dynamic information right behind it, t0 = the start
 * address, and jumps there; OpenSBI's fw_dynamic reads that information
 * (where its payload is, in which mode) through a2.  popek starts the vCPU as
 * if the vector had run (vcpu_init) and serves the same bytes here, so the
 * firmware finds them where the board has them.
 *
 * Reads of any width and alignment return the ROM's bytes (zero past the
 * vector and the information); writes are dropped, as the board drops writes
 * to ROM.  Instructions cannot be fetched from it under popek (an access
 * fault), where the board would run the vector again.
 */
#ifndef POPEK_DEV_VROM_H
#define POPEK_DEV_VROM_H

#include <stdint.h>

#include "core/emul.h"

#define VROM_BASE     0x1000
#define VROM_SIZE     0xf000
#define VROM_VECTOR   40                        /* bytes of the reset vector */
#define VROM_FW_INFO  (VROM_BASE + VROM_VECTOR) /* a2 at start */
#define VROM_CONTENTS (VROM_VECTOR + 6 * 8)

struct vrom {
	uint8_t bytes[VROM_CONTENTS];
};

/*
 * The board's vector for a start at `start` with the device tree at `fdt`, and its
 * fw_dynamic information: the payload at `next` in S-mode, hart 0.
 */
void vrom_init(struct vrom *r, uint64_t start, uint64_t fdt, uint64_t next);

/* The MMIO model; dev is a struct vrom *. */
extern const struct mmio_ops vrom_ops;

#endif
