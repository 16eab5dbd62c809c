/*
 * A virtual CLINT for a VM with virtual M-mode, as the virt board's (SiFive
 * CLINT layout, one hart): msip at +0x0, mtimecmp at +0x4000, mtime at
 * +0xbff8.  mtime is the VM's clock, the one the guest's `time` CSR reads:
 * the real timebase, or the VM's own with timer = virtual (core/vclock.h);
 * mtimecmp is in that clock.  The model only holds the registers; the vCPU turns them into
 * mip.MSIP and mip.MTIP (vclint_msip, vclint_mtip) and aims the real timer
 * at mtimecmp.
 */
#ifndef POPEK_DEV_VCLINT_H
#define POPEK_DEV_VCLINT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emul.h"

struct vclint {
	uint32_t msip;     /* bit 0: hart 0's machine software interrupt */
	uint64_t mtimecmp; /* 0 at reset, as the board's: MTIP is pending until it is set */
	uint64_t (*now)(void *arg); /* the VM's clock: mtime */
	void (*changed)(void *arg); /* after a write: MSIP or MTIP may have changed */
	void *arg;
};

void vclint_init(struct vclint *c, uint64_t (*now)(void *), void (*changed)(void *), void *arg);
/* The level of the machine timer interrupt at time `now`. */
bool vclint_mtip(const struct vclint *c, uint64_t now);
/* The level of the machine software interrupt. */
bool vclint_msip(const struct vclint *c);

extern const struct mmio_ops vclint_ops;

#endif
