#include "core/vdisk.h"
#include "core/console.h"
#include "core/guest_layout.h"
#include "core/panic.h"
#include "core/vm.h"
#include "drivers/virtio_blk.h"

#include <stddef.h>

#define VDISK_INFLIGHT 64
#define VDISK_MAX      (BUNDLE_MAX_VMS * BUNDLE_MAX_DISKS)

static struct vdisk_req {
	struct disk_req req;
	struct vblk_io *io;
	bool busy;
} pool[VDISK_INFLIGHT];

/* Every minidisk device and its VM, to retry waiting requests when room frees. */
static struct {
	struct vblk *dev;
	struct vm *vm;
} devices[VDISK_MAX];
static int ndevices, next_kick;

static void *guest_mem(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_gpa_to_hva(ctx, gpa, len);
}

static void done(struct disk_req *r, bool ok)
{
	struct vdisk_req *q = r->arg;
	q->busy = false;
	vblk_complete(q->io, ok);
	/* Round-robin, so no VM's disk always gets the freed room first; stopped VMs never. */
	for (int k = 0; k < ndevices; k++) {
		int i = (next_kick + k) % ndevices;
		if (devices[i].vm->vcpu.state != VCPU_HALTED)
			vblk_kick(devices[i].dev);
	}
	next_kick = ndevices ? (next_kick + 1) % ndevices : 0;
}

static int submit(void *ctx, struct vblk_io *io)
{
	struct vm *vm = ctx;
	struct vdisk_req *q = NULL;
	for (int i = 0; i < VDISK_INFLIGHT && !q; i++) {
		if (!pool[i].busy)
			q = &pool[i];
	}
	if (!q || io->nseg > DISK_MAX_SEG)
		return -1;
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
	if (disk_submit(&q->req) < 0)
		return -1;
	q->busy = true;
	return 0;
}

void vdisk_create(struct vm *vm, const struct bundle_vm *bv)
{
	if (bv->virtio == BUNDLE_VIRTIO_LEGACY && bv->ndisks)
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
		          (struct vblk_backend){submit, vm}, &vm->plic, GUEST_VIRTIO_IRQ(i));
		if (emul_add(&vm->emul, GUEST_VIRTIO_BASE + i * GUEST_VIRTIO_SIZE,
		             GUEST_VIRTIO_SIZE, &vblk_ops, d) < 0)
			panic("vm %s: virtio slot %u overlaps another device", vm->name, i);
		if (ndevices < VDISK_MAX) {
			devices[ndevices].dev = d;
			devices[ndevices++].vm = vm;
		}
	}
}
