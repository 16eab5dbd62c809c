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
	/* where a request's time goes (vdisk_report), in timebase ticks */
	uint64_t notify_ticks; /* popek handling the guest's QueueNotify writes */
	uint64_t device_ticks; /* the real disk: submitted to answered */
	uint64_t guest_ticks;  /* the guest: interrupt raised to its InterruptACK */
	uint64_t raised_at;    /* when its pending interrupt went up; 0: none */
	uint64_t guest_waits;  /* interrupts the guest acknowledged */
} vms[BUNDLE_MAX_VMS];
static int nvms, next_vm;

static struct vdisk_req {
	struct disk_req req;
	struct vblk_io *io;
	struct vdisk_vm *owner;
	uint64_t submitted_at;
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
	struct vblk *d = q->io->dev;
	uint64_t raised = d->t.stats.interrupts, now = vcpu_now();

	q->busy = false;
	q->owner->descs -= DISK_REQ_DESCS(r->nseg);
	q->owner->reqs--;
	q->owner->device_ticks += now - q->submitted_at;
	vblk_complete(q->io, ok);
	if (d->t.stats.interrupts != raised && !q->owner->raised_at)
		q->owner->raised_at = now;
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
	q->submitted_at = vcpu_now();
	v->descs += DISK_REQ_DESCS(io->nseg);
	v->reqs++;
	return VBLK_BACKEND_OK;
}

static void commit(void *ctx)
{
	(void)ctx;
	disk_notify();
}

/*
 * The guest's accesses to its devices: vblk's, timed for the report where a
 * request's time goes (QueueNotify: popek's work; InterruptACK: the end of
 * the guest's reaction to an interrupt).
 */
#define VDISK_QUEUE_NOTIFY  0x050
#define VDISK_INTERRUPT_ACK 0x064

static int vdisk_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	return vblk_ops.read(dev, off, width, val);
}

static int vdisk_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vblk *d = dev;
	struct vdisk_vm *v = d->backend.ctx;
	uint64_t t = vcpu_now();
	int r = vblk_ops.write(dev, off, width, val);

	if (off == VDISK_QUEUE_NOTIFY)
		v->notify_ticks += vcpu_now() - t;
	if (off == VDISK_INTERRUPT_ACK && v->raised_at) {
		v->guest_ticks += t - v->raised_at;
		v->guest_waits++;
		v->raised_at = 0;
	}
	return r;
}

static const struct mmio_ops vdisk_ops = {
    .read = vdisk_read,
    .write = vdisk_write,
};

static struct vdisk_vm *vdisk_of(const struct vm *vm)
{
	for (int i = 0; i < nvms; i++) {
		if (vms[i].vm == vm)
			return &vms[i];
	}
	return NULL;
}

void vdisk_report(const struct vm *vm, uint64_t hz)
{
	const struct disk_stats *real = disk_stats();
	struct virtio_mmio_stats s = {0};
	uint64_t submitted = 0;
	const struct vdisk_vm *v = NULL;

	v = vdisk_of(vm);
	if (!v || !hz)
		return;
	for (int i = v->dev0; i < v->dev0 + v->ndev; i++) {
		const struct virtio_mmio_stats *x = &devices[i]->t.stats;
		s.notifies += x->notifies;
		s.requests += x->requests;
		submitted += devices[i]->submitted;
		s.answered += x->answered;
		s.interrupts += x->interrupts;
		s.suppressed += x->suppressed;
		s.acks += x->acks;
	}
	kprintf("popek: vm %s disk: notifies %lu; requests %lu; submitted %lu; answered %lu; "
	        "interrupts %lu; suppressed %lu; acks %lu; notify us %lu; device us %lu; "
	        "guest us %lu; guest waits %lu; real notifies %lu; real notify us %lu; "
	        "real interrupts %lu; real completions %lu\n",
	        vm->name, s.notifies, s.requests, submitted, s.answered, s.interrupts, s.suppressed,
	        s.acks, v->notify_ticks * 1000000 / hz, v->device_ticks * 1000000 / hz,
	        v->guest_ticks * 1000000 / hz, v->guest_waits, real->notifies,
	        real->notify_ticks * 1000000 / hz, real->interrupts, real->completions);
}

bool vdisk_busy(const struct vm *vm)
{
	const struct vdisk_vm *v = vdisk_of(vm);
	return v && v->reqs;
}

void vdisk_create(struct vm *vm, const struct bundle_vm *bv)
{
	struct vdisk_vm *v;

	if (!bv->ndisks)
		return;
	v = vdisk_of(vm);
	if (v) {
		/* A restart: the same devices, new; the old ones' requests have all come back. */
		CHECK(!v->reqs && !v->descs,
		      "vdisk: vm %s restarts with %u requests on the real disk", vm->name, v->reqs);
		*v = (struct vdisk_vm){.vm = vm, .dev0 = v->dev0, .ndev = v->ndev};
	} else {
		if (nvms == BUNDLE_MAX_VMS)
			panic("vm %s: more VMs with disks than a bundle holds", vm->name);
		v = &vms[nvms++];
		*v = (struct vdisk_vm){.vm = vm, .dev0 = ndevices};
		if (bv->virtio == BUNDLE_VIRTIO_LEGACY)
			kprintf("popek: vm %s: %u disk(s) with the legacy virtio-mmio interface "
			        "(version 1)\n",
			        vm->name, bv->ndisks);
	}
	bool first = v->ndev == 0;
	for (uint32_t i = 0; i < bv->ndisks && i < GUEST_VIRTIO_SLOTS; i++) {
		const struct bundle_disk *bd = &bv->disks[i];
		struct vblk *d = &vm->disks[i];
		uint64_t size = bd->size;
		if (bd->start + bd->size > disk_capacity()) {
			if (first)
				kprintf("popek: vm %s: minidisk %u lies outside the real disk (%lu "
				        "MiB); "
				        "every request to it fails\n",
				        vm->name, i, disk_capacity() >> 20);
			size = 0;
		}
		vblk_init(d, bd->start, size, bd->flags & BUNDLE_DISK_RO,
		          bv->virtio == BUNDLE_VIRTIO_LEGACY,
		          (struct virtio_mem){guest_mem, vm, vm_dma_wrote, &vm->watch_on},
		          (struct vblk_backend){submit, commit, v}, &vm->plic, GUEST_VIRTIO_IRQ(i));
		if (emul_add(&vm->emul, GUEST_VIRTIO_BASE + i * GUEST_VIRTIO_SIZE,
		             GUEST_VIRTIO_SIZE, &vdisk_ops, d) < 0)
			panic("vm %s: virtio slot %u overlaps another device", vm->name, i);
		if (first && ndevices < VDISK_MAX) {
			devices[ndevices++] = d;
			v->ndev++;
		}
	}
}
