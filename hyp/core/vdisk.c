#include "core/vdisk.h"

#include <stddef.h>

#include "core/check.h"
#include "core/console.h"
#include "core/guest_layout.h"
#include "core/panic.h"
#include "core/vm.h"
#include "drivers/virtio_blk.h"

#define VDISK_INFLIGHT DISK_SLOTS
#define VDISK_MAX      (BUNDLE_MAX_VMS * BUNDLE_MAX_DISKS)

/*
 * The real disk's queue is shared between VMs: each VM's minidisks together
 * may hold at most its share of the real descriptors and request slots, so
 * one VM flooding its minidisks leaves room for the others.  The share is
 * the queue divided by the VMs with disks still running, but never less
 * than one request of the largest size, so every VM can always make progress.
 */
static struct vdisk_vm {
	struct vm *vm;
	uint32_t descs, reqs; /* real descriptors and requests its minidisks hold */
	int dev0, ndev;       /* its minidisks: devices[dev0 .. dev0 + ndev) */
} vms[BUNDLE_MAX_VMS];
static int nvms, next_vm;

static struct vdisk_req {
	struct disk_req req;
	struct vblk_io *io;
	struct vdisk_vm *owner;
	bool busy;
} pool[VDISK_INFLIGHT];

/* Every minidisk device, by VM, to retry waiting requests when room frees. */
static struct vblk *devices[VDISK_MAX];
static int ndevices;

static void *guest_mem(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_gpa_to_hva(ctx, gpa, len);
}

static bool vdisk_running(const struct vdisk_vm *v)
{
	return v->vm->vcpu.state != VCPU_HALTED;
}

/* Whether v may take one more request of cost descriptors now. */
static bool vdisk_within_share(const struct vdisk_vm *v, uint32_t cost)
{
	uint32_t n = 0, descs, reqs;

	for (int i = 0; i < nvms; i++)
		n += vdisk_running(&vms[i]);
	n = n ? n : 1;
	descs = DISK_DESCS / n;
	if (descs < DISK_REQ_DESCS(DISK_MAX_SEG))
		descs = DISK_REQ_DESCS(DISK_MAX_SEG);
	reqs = DISK_SLOTS / n ? DISK_SLOTS / n : 1;
	return v->descs + cost <= descs && v->reqs < reqs;
}

static void done(struct disk_req *r, bool ok)
{
	struct vdisk_req *q = r->arg;

	CHECK(q->busy && q->owner->reqs > 0 && q->owner->descs >= DISK_REQ_DESCS(r->nseg),
	      "vdisk: a completion for a request no VM holds");
	q->busy = false;
	q->owner->descs -= DISK_REQ_DESCS(r->nseg);
	q->owner->reqs--;
	vblk_complete(q->io, ok);
	/*
	 * Round-robin over the VMs, so none always gets the freed room first;
	 * stopped VMs never.  A VM held back by its share holds a request, whose
	 * completion comes back here.
	 */
	for (int k = 0; k < nvms; k++) {
		struct vdisk_vm *v = &vms[(next_vm + k) % nvms];
		if (!vdisk_running(v))
			continue;
		for (int i = v->dev0; i < v->dev0 + v->ndev; i++)
			vblk_kick(devices[i]);
	}
	next_vm = nvms ? (next_vm + 1) % nvms : 0;
}

static int submit(void *ctx, struct vblk_io *io)
{
	struct vdisk_vm *v = ctx;
	struct vm *vm = v->vm;
	struct vdisk_req *q = NULL;
	int r;

	if (io->nseg > DISK_MAX_SEG)
		return VBLK_BACKEND_FAIL;
	if (!vdisk_within_share(v, DISK_REQ_DESCS(io->nseg)))
		return VBLK_BACKEND_BUSY;
	for (int i = 0; i < VDISK_INFLIGHT && !q; i++) {
		if (!pool[i].busy)
			q = &pool[i];
	}
	if (!q)
		return VBLK_BACKEND_BUSY;
	q->req.type = io->type;
	q->req.sector = io->sector;
	q->req.nseg = io->nseg;
	for (uint32_t i = 0; i < io->nseg; i++) {
		/* vblk checked that the segment lies wholly inside the VM's RAM */
		q->req.seg[i].pa = vm->ram_hpa + (io->seg[i].gpa - vm->ram_gpa);
		q->req.seg[i].len = io->seg[i].len;
	}
	q->req.done = done;
	q->req.arg = q;
	q->io = io;
	q->owner = v;
	r = disk_submit(&q->req);
	if (r == DISK_FAIL)
		return VBLK_BACKEND_FAIL;
	if (r != DISK_OK)
		return VBLK_BACKEND_BUSY;
	q->busy = true;
	v->descs += DISK_REQ_DESCS(io->nseg);
	v->reqs++;
	return VBLK_BACKEND_OK;
}

void vdisk_create(struct vm *vm, const struct bundle_vm *bv)
{
	struct vdisk_vm *v;

	if (!bv->ndisks)
		return;
	if (nvms == BUNDLE_MAX_VMS)
		panic("vm %s: more VMs with disks than a bundle holds", vm->name);
	v = &vms[nvms++];
	*v = (struct vdisk_vm){vm, 0, 0, ndevices, 0};
	if (bv->virtio == BUNDLE_VIRTIO_LEGACY)
		kprintf(
		    "popek: vm %s: %u disk(s) with the legacy virtio-mmio interface (version 1)\n",
		    vm->name, bv->ndisks);
	for (uint32_t i = 0; i < bv->ndisks && i < GUEST_VIRTIO_SLOTS; i++) {
		const struct bundle_disk *bd = &bv->disks[i];
		struct vblk *d = &vm->disks[i];
		uint64_t size = bd->size;
		if (bd->start + bd->size > disk_capacity()) {
			kprintf("popek: vm %s: minidisk %u lies outside the real disk (%lu MiB); "
			        "every request to it fails\n",
			        vm->name, i, disk_capacity() >> 20);
			size = 0;
		}
		vblk_init(d, bd->start, size, bd->flags & BUNDLE_DISK_RO,
		          bv->virtio == BUNDLE_VIRTIO_LEGACY, (struct vblk_mem){guest_mem, vm},
		          (struct vblk_backend){submit, v}, &vm->plic, GUEST_VIRTIO_IRQ(i));
		if (emul_add(&vm->emul, GUEST_VIRTIO_BASE + i * GUEST_VIRTIO_SIZE,
		             GUEST_VIRTIO_SIZE, &vblk_ops, d) < 0)
			panic("vm %s: virtio slot %u overlaps another device", vm->name, i);
		if (ndevices < VDISK_MAX) {
			devices[ndevices++] = d;
			v->ndev++;
		}
	}
}
