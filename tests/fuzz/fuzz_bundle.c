/*
 * bundle_check() (hyp/core/bundle.c) on random bundles.  The input is the
 * real disk's size (8 bytes, little-endian), then the bundle as QEMU loads
 * it; the seeds are bundles `popek pack` wrote.  The bundle is copied to a
 * buffer of exactly its size, so ASan sees any read past it.  Whatever
 * bundle_check() accepts is checked again here, written independently (128-bit
 * sums, no shared helpers), against everything vm.c and vdisk.c rely on:
 * every blob inside the bundle and its VM's RAM, entry and device tree in
 * RAM, every minidisk inside the disk, no two writable minidisks sharing a
 * byte, and every read-only one exactly another VM's writable one; every
 * network interface on a LAN that exists, with a unicast MAC other than zero
 * that no other interface has, disks and interfaces within the board's 8
 * virtio slots, at most one LAN uplinked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bundle.h"
#include "core/guest_layout.h"
#include "fuzz_reader.h"

typedef unsigned __int128 u128;

static void check_vm(const struct bundle_vm *vm, uint64_t total)
{
	u128 ram = BUNDLE_GUEST_RAM_BASE, ram_end = ram + vm->memory;

	REQUIRE(memchr(vm->name, '\0', BUNDLE_NAME_MAX) && vm->name[0] != '\0');
	REQUIRE(vm->memory > 0 && vm->memory % (2ULL << 20) == 0 &&
	        vm->memory <= BUNDLE_MAX_MEMORY);
	REQUIRE(vm->boot <= BUNDLE_BOOT_FIRMWARE && vm->timer <= BUNDLE_TIMER_VIRTUAL);
	REQUIRE(vm->virtio <= BUNDLE_VIRTIO_LEGACY);
	REQUIRE(vm->nblobs <= BUNDLE_MAX_BLOBS && vm->ndisks <= BUNDLE_MAX_DISKS);
	REQUIRE((vm->display_width == 0) == (vm->display_height == 0));
	REQUIRE(vm->display_width == 0 || (vm->display_width >= BUNDLE_DISPLAY_MIN &&
	                                   vm->display_width <= BUNDLE_DISPLAY_MAX_W &&
	                                   vm->display_height >= BUNDLE_DISPLAY_MIN &&
	                                   vm->display_height <= BUNDLE_DISPLAY_MAX_H));
	REQUIRE((u128)vm->ndisks + vm->nnics + (vm->display_width ? BUNDLE_DISPLAY_SLOTS : 0) <=
	        GUEST_VIRTIO_SLOTS);
	REQUIRE(vm->entry >= ram && vm->entry < ram_end);
	REQUIRE(vm->dtb_gpa >= ram && vm->dtb_gpa < ram_end);
	for (uint32_t i = 0; i < vm->nblobs; i++) {
		const struct bundle_blob *b = &vm->blobs[i];
		REQUIRE(b->offset % BUNDLE_ALIGN == 0);
		REQUIRE((u128)b->offset + b->size <= total);
		REQUIRE(b->gpa >= ram && (u128)b->gpa + b->size <= ram_end);
		REQUIRE(b->kind <= BUNDLE_BLOB_DTB);
	}
}

static int overlap(const struct bundle_disk *a, const struct bundle_disk *b)
{
	return (u128)a->start < (u128)b->start + b->size &&
	       (u128)b->start < (u128)a->start + a->size;
}

static void check_disks(const struct bundle_header *h, uint64_t disk)
{
	for (uint32_t v = 0; v < h->nvms; v++) {
		for (uint32_t i = 0; i < h->vms[v].ndisks; i++) {
			const struct bundle_disk *d = &h->vms[v].disks[i];
			REQUIRE(d->start % 512 == 0 && d->size % 512 == 0 && d->size > 0);
			REQUIRE((u128)d->start + d->size <= disk);
			REQUIRE((d->flags & ~BUNDLE_DISK_RO) == 0);
			int ro = d->flags & BUNDLE_DISK_RO, linked = 0;
			for (uint32_t w = 0; w < h->nvms; w++) {
				for (uint32_t j = 0; j < h->vms[w].ndisks; j++) {
					const struct bundle_disk *e = &h->vms[w].disks[j];
					if (e == d || (e->flags & BUNDLE_DISK_RO))
						continue;
					REQUIRE(ro || !overlap(d, e)); /* two writers never share */
					if (ro && w != v && e->start == d->start &&
					    e->size == d->size)
						linked = 1;
				}
			}
			REQUIRE(!ro || linked);
		}
	}
}

static void check_nets(const struct bundle_header *h)
{
	static const uint8_t zero[6];
	int uplinks = 0;

	REQUIRE(h->nlans <= BUNDLE_MAX_LANS);
	for (uint32_t l = 0; l < h->nlans; l++) {
		REQUIRE(memchr(h->lans[l].name, '\0', BUNDLE_NAME_MAX) && h->lans[l].name[0]);
		uplinks += (h->lans[l].flags & BUNDLE_LAN_UPLINK) != 0;
	}
	REQUIRE(uplinks <= 1);
	for (uint32_t v = 0; v < h->nvms; v++) {
		const struct bundle_vm *vm = &h->vms[v];
		REQUIRE(vm->nnics <= BUNDLE_MAX_NICS && vm->ndisks + vm->nnics <= 8);
		for (uint32_t i = 0; i < vm->nnics; i++) {
			const struct bundle_nic *n = &vm->nics[i];
			REQUIRE(n->lan < h->nlans);
			REQUIRE(!(n->mac[0] & 1) && memcmp(n->mac, zero, 6) != 0);
			for (uint32_t w = 0; w < h->nvms; w++) {
				for (uint32_t j = 0; j < h->vms[w].nnics; j++)
					REQUIRE((w == v && j == i) ||
					        memcmp(h->vms[w].nics[j].mac, n->mac, 6) != 0);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t disk = 0;

	if (size < 8)
		return 0;
	memcpy(&disk, data, 8);
	size -= 8;
	/* exactly `size` bytes, suitably aligned: a read past them is an ASan report */
	struct bundle_header *h = malloc(size ? size : 1);
	REQUIRE(h);
	memcpy(h, data + 8, size);
	if (!bundle_check(h, size, disk)) {
		REQUIRE(size >= sizeof(*h));
		REQUIRE(memcmp(h->magic, BUNDLE_MAGIC, 8) == 0 && h->version == BUNDLE_VERSION);
		REQUIRE(h->header_size == sizeof(*h));
		REQUIRE(h->total_size >= sizeof(*h) && h->total_size <= size);
		REQUIRE(h->nvms >= 1 && h->nvms <= BUNDLE_MAX_VMS);
		for (uint32_t v = 0; v < h->nvms; v++)
			check_vm(&h->vms[v], h->total_size);
		check_disks(h, disk);
		check_nets(h);
	}
	free(h);
	return 0;
}
