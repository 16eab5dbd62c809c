/*
 * Minidisks: joins each VM's virtual virtio-blk devices (dev/vblk.c) to
 * the real disk (drivers/virtio_blk.c).  A request's guest-physical buffers
 * become host-physical ones inside the VM's RAM; its sector, already moved
 * into the minidisk's extent and bounds-checked by the model, goes to the
 * real disk as it is.  Each VM's minidisks together hold at most its share
 * of the real disk's queue, and VMs waiting for room are served round-robin.
 */
#ifndef POPEK_CORE_VDISK_H
#define POPEK_CORE_VDISK_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct bundle_vm;

/*
 * Creates the VM's virtio-blk devices, one per disk in its bundle entry, all
 * with the virtio-mmio interface the entry names (modern or legacy).  Again
 * at a restart: the same minidisks, in the state of a device just reset.
 */
void vdisk_create(struct vm *vm, const struct bundle_vm *bv);
/*
 * Whether the VM still has requests on the real disk: a restarting VM waits
 * for them, since their completions write into its RAM and its old rings.
 */
bool vdisk_busy(const struct vm *vm);
/*
 * One line of the VM's disk counters (nothing for a VM without disks): its
 * devices' (struct virtio_mmio_stats, and vblk.submitted), where its
 * requests' time went, in µs at timebase hz, and the real disk's
 * (machine-wide).
 */
void vdisk_report(const struct vm *vm, uint64_t hz);

#endif
