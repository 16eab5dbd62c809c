/*
 * Checking the boot bundle before popek uses a byte of it.  See bundle.h.
 * Pure logic: compiled into popek, into the launcher (to check what it
 * wrote) and into the unit tests.
 */
#include "core/bundle.h"

#include <stddef.h>

#include "core/guest_layout.h"

/* True when [off, off + size) lies inside [0, len) without overflow. */
static int range_inside(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

static int name_ok(const char *name)
{
	for (int i = 0; i < BUNDLE_NAME_MAX; i++) {
		if (name[i] == '\0')
			return i > 0;
	}
	return 0;
}

static const char *vm_check(const struct bundle_vm *vm, uint64_t len)
{
	if (!name_ok(vm->name))
		return "VM name empty or not terminated";
	if (vm->memory == 0 || vm->memory % (2ULL << 20) != 0 || vm->memory > BUNDLE_MAX_MEMORY)
		return "VM memory not a non-zero multiple of 2 MiB";
	if (vm->boot > BUNDLE_BOOT_FIRMWARE || vm->timer > BUNDLE_TIMER_VIRTUAL)
		return "VM boot or timer mode unknown";
	if (vm->virtio > BUNDLE_VIRTIO_LEGACY)
		return "VM virtio interface unknown";
	if (vm->gdb > BUNDLE_GDB_WAIT)
		return "VM gdb setting unknown";
	if (vm->nblobs > BUNDLE_MAX_BLOBS || vm->ndisks > BUNDLE_MAX_DISKS)
		return "VM has too many blobs or disks";

	uint64_t ram_end = BUNDLE_GUEST_RAM_BASE + vm->memory;
	if (vm->entry < BUNDLE_GUEST_RAM_BASE || vm->entry >= ram_end)
		return "VM entry point outside its RAM";
	if (vm->dtb_gpa < BUNDLE_GUEST_RAM_BASE || vm->dtb_gpa >= ram_end)
		return "VM device tree outside its RAM";
	for (uint32_t i = 0; i < vm->nblobs; i++) {
		const struct bundle_blob *b = &vm->blobs[i];
		if (b->offset % BUNDLE_ALIGN != 0 || !range_inside(b->offset, b->size, len))
			return "blob outside the bundle";
		if (b->gpa < BUNDLE_GUEST_RAM_BASE ||
		    !range_inside(b->gpa - BUNDLE_GUEST_RAM_BASE, b->size, vm->memory))
			return "blob outside its VM's RAM";
		if (b->kind > BUNDLE_BLOB_DTB)
			return "blob of unknown kind";
	}
	if (vm->nnics > BUNDLE_MAX_NICS || vm->reserved2 != 0)
		return "VM has too many network interfaces";
	if (vm->ndisks + vm->nnics + (vm->display_width ? BUNDLE_DISPLAY_SLOTS : 0) >
	    GUEST_VIRTIO_SLOTS)
		return "VM has more disks, interfaces and display devices than the board has "
		       "virtio "
		       "slots";
	if (!vm->display_width != !vm->display_height ||
	    (vm->display_width &&
	     (vm->display_width < BUNDLE_DISPLAY_MIN || vm->display_width > BUNDLE_DISPLAY_MAX_W ||
	      vm->display_height < BUNDLE_DISPLAY_MIN ||
	      vm->display_height > BUNDLE_DISPLAY_MAX_H)))
		return "VM display size out of range";
	for (uint32_t i = 0; i < vm->ndisks; i++) {
		const struct bundle_disk *d = &vm->disks[i];
		if (d->start % 512 != 0 || d->size % 512 != 0 || d->size == 0)
			return "minidisk extent not 512-aligned or empty";
		if ((d->flags & ~BUNDLE_DISK_RO) != 0 || d->reserved != 0)
			return "minidisk flags unknown";
	}
	return 0;
}

/* True when [a, a + as) and [b, b + bs) share a byte; both lie inside the disk (no wrap). */
static int extents_overlap(const struct bundle_disk *a, const struct bundle_disk *b)
{
	return a->start < b->start + b->size && b->start < a->start + a->size;
}

/*
 * What the directory guarantees (docs/minidisks.md), checked again: every
 * extent inside the real disk; no two writable extents share a byte, in one
 * VM or two; a read-only extent is exactly another VM's writable minidisk
 * (what `link = VM N ro` makes), so it overlaps that one and nothing else
 * writable.  Otherwise one VM could write what another reads or writes.
 */
static const char *disks_check(const struct bundle_header *b, uint64_t disk_bytes)
{
	for (uint32_t v = 0; v < b->nvms; v++) {
		for (uint32_t i = 0; i < b->vms[v].ndisks; i++) {
			const struct bundle_disk *d = &b->vms[v].disks[i];
			if (d->start > disk_bytes || d->size > disk_bytes - d->start)
				return "minidisk extent past the end of the real disk";
		}
	}
	for (uint32_t v = 0; v < b->nvms; v++) {
		for (uint32_t i = 0; i < b->vms[v].ndisks; i++) {
			const struct bundle_disk *d = &b->vms[v].disks[i];
			int ro = d->flags & BUNDLE_DISK_RO, linked = 0;
			for (uint32_t w = 0; w < b->nvms; w++) {
				for (uint32_t j = 0; j < b->vms[w].ndisks; j++) {
					const struct bundle_disk *e = &b->vms[w].disks[j];
					if (e == d || (e->flags & BUNDLE_DISK_RO))
						continue;
					if (!ro && extents_overlap(d, e))
						return "writable minidisks overlap";
					linked |= ro && w != v && e->start == d->start &&
					          e->size == d->size;
				}
			}
			if (ro && !linked)
				return "read-only minidisk is not another VM's minidisk";
		}
	}
	return 0;
}

/*
 * Networks: names terminated, flags known, one uplink at most; each
 * interface on a LAN that exists, with a unicast MAC other than zero that
 * no other interface has (the switch tells ports apart by it).
 */
static int mac_equal(const uint8_t *a, const uint8_t *b)
{
	int same = 1;

	for (int i = 0; i < 6; i++)
		same &= a[i] == b[i];
	return same;
}

static const char *nets_check(const struct bundle_header *b)
{
	static const uint8_t zero[6];
	int uplinks = 0;

	if (b->nlans > BUNDLE_MAX_LANS || b->reserved != 0)
		return "bundle names too many LANs";
	for (uint32_t l = 0; l < b->nlans; l++) {
		if (!name_ok(b->lans[l].name))
			return "LAN name empty or not terminated";
		if ((b->lans[l].flags & ~BUNDLE_LAN_UPLINK) || b->lans[l].reserved)
			return "LAN flags unknown";
		uplinks += (b->lans[l].flags & BUNDLE_LAN_UPLINK) != 0;
	}
	if (uplinks > 1)
		return "more than one LAN uplinked";
	for (uint32_t v = 0; v < b->nvms; v++) {
		for (uint32_t i = 0; i < b->vms[v].nnics; i++) {
			const struct bundle_nic *n = &b->vms[v].nics[i];
			if (n->lan >= b->nlans)
				return "network interface on a LAN that does not exist";
			if ((n->mac[0] & 1) || mac_equal(n->mac, zero))
				return "network interface MAC multicast or zero";
			for (uint32_t w = 0; w <= v; w++) {
				for (uint32_t j = 0; j < (w == v ? i : b->vms[w].nnics); j++) {
					if (mac_equal(b->vms[w].nics[j].mac, n->mac))
						return "two network interfaces with one MAC";
				}
			}
		}
	}
	return 0;
}

const char *bundle_check(const struct bundle_header *b, uint64_t len, uint64_t disk_bytes)
{
	static const char magic[8] = BUNDLE_MAGIC;

	if (len < sizeof(*b))
		return "bundle shorter than its header";
	for (int i = 0; i < 8; i++) {
		if (b->magic[i] != magic[i])
			return "bad magic: not a popek boot bundle";
	}
	if (b->version != BUNDLE_VERSION)
		return "bundle version not supported by this popek";
	if (b->header_size != sizeof(*b))
		return "bundle header size mismatch";
	if (b->total_size > len || b->total_size < sizeof(*b))
		return "bundle total size larger than what was loaded";
	if (b->nvms == 0 || b->nvms > BUNDLE_MAX_VMS)
		return "bundle names no VMs, or too many";
	for (uint32_t i = 0; i < b->nvms; i++) {
		const char *why = vm_check(&b->vms[i], b->total_size);
		if (why)
			return why;
	}
	const char *why = nets_check(b);
	return why ? why : disks_check(b, disk_bytes);
}
