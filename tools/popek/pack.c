/*
 * Packing the boot bundle.  See pack.h.
 */
#include "pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the bundle is written in place");

static uint64_t align_up(uint64_t v)
{
	return (v + BUNDLE_ALIGN - 1) & ~(uint64_t)(BUNDLE_ALIGN - 1);
}

uint64_t pack_size(const struct plan *plan)
{
	uint64_t size = align_up(sizeof(struct bundle_header));

	for (unsigned v = 0; v < plan->nvms; v++) {
		const struct plan_vm *pv = &plan->vms[v];
		if (!pv->ok)
			continue;
		size +=
		    align_up(pv->kernel.size) + align_up(pv->initrd_size) + align_up(pv->dtb_size);
	}
	return size;
}

/* Appends one blob to VM `vm` and copies its bytes to the bundle at *off. */
static void add_blob(uint8_t *bundle, struct bundle_vm *vm, uint64_t *off,
                     enum bundle_blob_kind kind, uint64_t gpa, const void *data, uint64_t size)
{
	struct bundle_blob *b = &vm->blobs[vm->nblobs++];

	b->gpa = gpa;
	b->offset = *off;
	b->size = size;
	b->kind = kind;
	memcpy(bundle + *off, data, size);
	*off = align_up(*off + size);
}

const char *pack_bundle(const struct directory *dir, const struct plan *plan, uint8_t **out,
                        size_t *len)
{
	uint64_t size = pack_size(plan);
	uint8_t *bundle;

	*out = NULL;
	if (dir->nvms == 0 || dir->nvms > BUNDLE_MAX_VMS || plan->nvms != dir->nvms)
		return "nothing to pack";
	for (unsigned v = 0; v < plan->nvms; v++) {
		if (!plan->vms[v].ok)
			return "a VM was not planned";
		for (unsigned i = 0; i < dir->vms[v].nlinks; i++) {
			if (dir->vms[v].links[i].target < 0)
				return "a link was not resolved";
		}
	}
	bundle = calloc(1, size);
	if (!bundle)
		return "out of memory";

	struct bundle_header *h = (struct bundle_header *)bundle;
	memcpy(h->magic, BUNDLE_MAGIC, sizeof(h->magic));
	h->version = BUNDLE_VERSION;
	h->header_size = sizeof(*h);
	h->total_size = size;
	h->machine_memory = dir->machine_memory;
	h->harts = dir->harts;
	h->nvms = dir->nvms;

	uint64_t off = align_up(sizeof(*h));
	for (unsigned v = 0; v < dir->nvms; v++) {
		const struct directory_vm *dv = &dir->vms[v];
		const struct plan_vm *pv = &plan->vms[v];
		struct bundle_vm *bv = &h->vms[v];

		snprintf(bv->name, sizeof(bv->name), "%s", dv->name);
		bv->memory = dv->memory;
		bv->entry = pv->kernel.entry;
		bv->dtb_gpa = pv->at.dtb_gpa;
		bv->next_addr = pv->next_addr;
		bv->boot = dv->boot;
		bv->timer = dv->timer;
		bv->trace = dv->trace;
		bv->quantum_us = dv->quantum_us;
		bv->virtio = dv->virtio;
		bv->gdb = dv->gdb;

		add_blob(bundle, bv, &off, BUNDLE_BLOB_KERNEL, pv->kernel.gpa, pv->kernel.data,
		         pv->kernel.size);
		if (pv->initrd_size)
			add_blob(bundle, bv, &off, BUNDLE_BLOB_INITRD, pv->at.initrd_gpa,
			         pv->initrd, pv->initrd_size);
		add_blob(bundle, bv, &off, BUNDLE_BLOB_DTB, pv->at.dtb_gpa, pv->dtb, pv->dtb_size);

		/* Minidisks first, then links, in order: virtio-mmio slot i is disks[i]. */
		for (unsigned i = 0; i < dv->nminidisks; i++) {
			struct bundle_disk *d = &bv->disks[bv->ndisks++];
			d->start = dv->minidisks[i].start;
			d->size = dv->minidisks[i].size;
		}
		for (unsigned i = 0; i < dv->nlinks; i++) {
			const struct directory_link *l = &dv->links[i];
			const struct directory_minidisk *m =
			    &dir->vms[l->target].minidisks[l->index];
			struct bundle_disk *d = &bv->disks[bv->ndisks++];
			d->start = m->start;
			d->size = m->size;
			d->flags = BUNDLE_DISK_RO;
		}
		/* Network interfaces in order, eth0 first, at the slots after the disks. */
		for (unsigned i = 0; i < dv->nnics; i++) {
			struct bundle_nic *n = &bv->nics[bv->nnics++];
			memcpy(n->mac, dv->nics[i].mac, sizeof(n->mac));
			n->lan = (uint16_t)dv->nics[i].lan;
		}
		bv->display_width = dv->display_width;
		bv->display_height = dv->display_height;
	}
	h->nlans = dir->nlans;
	for (unsigned l = 0; l < dir->nlans; l++) {
		snprintf(h->lans[l].name, sizeof(h->lans[l].name), "%s", dir->lans[l].name);
		h->lans[l].flags = dir->lans[l].uplink ? BUNDLE_LAN_UPLINK : 0;
	}

	const char *why = bundle_check(h, size, dir->disk_exists ? dir->disk_size : 0);
	if (why) {
		free(bundle);
		return why;
	}
	*out = bundle;
	*len = size;
	return NULL;
}
