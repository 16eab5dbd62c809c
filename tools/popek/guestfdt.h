/*
 * Each guest's device tree, generated with libfdt's sequential-write API and
 * modelled on the one QEMU's virt board hands a kernel.  The addresses come
 * from guest_layout.h.  Pure: writes into a caller's buffer.
 */
#ifndef POPEK_TOOLS_GUESTFDT_H
#define POPEK_TOOLS_GUESTFDT_H

#include <stddef.h>
#include <stdint.h>

#include "core/bundle.h"

/* phandles in every guest tree */
#define GUESTFDT_PHANDLE_CPU0_INTC 1
#define GUESTFDT_PHANDLE_PLIC      2
#define GUESTFDT_PHANDLE_TEST      3  /* boot = firmware: the test device, a syscon */
#define GUESTFDT_RNG_SEED_BYTES    32 /* /chosen rng-seed, as the board passes; popek fills it */

struct guestfdt_vm {
	uint64_t memory;       /* bytes of RAM at GUEST_RAM_BASE */
	const char *bootargs;  /* NULL: no bootargs property */
	uint64_t initrd_start; /* guest-physical; start == end: no initrd */
	uint64_t initrd_end;
	enum bundle_boot boot; /* firmware: also the CLINT and the test device */
	unsigned ndisks;       /* virtio-mmio slots 0 .. ndisks-1 */
	unsigned nnics;        /* network interfaces: the slots after the disks */
	unsigned ndisplay;     /* 0, or 2: a GPU and a keyboard in the slots after those */
};

/*
 * Writes the tree for `vm` into buf[0..size).  Returns the size of the blob
 * (fdt_totalsize), or a negative libfdt error (-FDT_ERR_NOSPACE: buffer too small).
 */
int guestfdt_build(const struct guestfdt_vm *vm, void *buf, size_t size);

#endif
