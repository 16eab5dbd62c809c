/*
 * Planning a directory's boot: each VM's kernel, initrd and device tree and
 * where each lands in the VM's guest-physical RAM (RAM at 0x8000_0000):
 *
 *   RAM end ─────────────────────────────
 *            2 MiB: the device tree (at RAM end - 2 MiB)
 *   dtb_gpa ─────────────────────────────
 *            the initrd, page-aligned, ending at or below dtb_gpa
 *            free
 *            the kernel: where its ELF segments or its Image header say
 *   0x8000_0000 ─────────────────────────
 *
 * The whole machine must hold every VM's RAM, 64 MiB for popek and the
 * bundle itself (QEMU loads it into the machine's RAM as the initrd).
 */
#ifndef POPEK_TOOLS_PLAN_H
#define POPEK_TOOLS_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bundle.h"
#include "directory.h"
#include "image.h"

#define PLAN_POPEK_RESERVED (64ULL << 20) /* machine RAM kept for popek itself */

struct plan_placement {
	uint64_t dtb_gpa;
	uint64_t initrd_gpa; /* 0 when there is no initrd */
};

/*
 * Places the device tree and the initrd of a VM of `memory` bytes whose
 * kernel occupies [kernel_gpa, kernel_gpa + kernel_span).  Returns NULL, or
 * what does not fit.  Pure.
 */
const char *plan_place(uint64_t memory, uint64_t kernel_gpa, uint64_t kernel_span,
                       uint64_t initrd_size, uint64_t dtb_size, struct plan_placement *out);

struct plan_vm {
	bool ok; /* everything below is valid */
	struct image kernel;
	uint8_t *initrd;
	size_t initrd_size;
	uint8_t *dtb;
	size_t dtb_size;
	struct plan_placement at;
	/*
	 * boot = firmware: where the board's fw_dynamic information says the payload is
	 * (QEMU's kernel_entry): the payload of `firmware`, else the kernel's load address.
	 */
	uint64_t next_addr;
};

struct plan {
	struct plan_vm vms[BUNDLE_MAX_VMS]; /* parallel to directory.vms */
	unsigned nvms;
	uint64_t bundle_size; /* of the bundle pack_bundle() would write */
};

/*
 * Loads and places every VM of `dir` that has a memory size and a readable
 * kernel, then checks that the machine holds them all.  Problems go to
 * dir->diag; returns how many were added.  Always call plan_free() afterwards.
 */
unsigned plan_build(struct directory *dir, struct plan *plan);
void plan_free(struct plan *plan);

#endif
