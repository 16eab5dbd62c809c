/*
 * Virtual virtio-blk over virtio-mmio version 2 (virtio 1.1 §4.2.2 registers,
 * §2.6 split virtqueue, §5.2 block device), or over the legacy version 1
 * (§4.2.4: QueuePFN and QueueAlign place the three parts of the queue in one
 * block, §2.6.2).  One queue, no indirect descriptors; the event index
 * (§2.6.7, §2.6.10) suppresses notifications both ways.  The two interfaces
 * differ in their registers only: the queue, the requests and every check of
 * them are the same.
 *
 * Everything the guest controls is read once into popek's own memory before
 * it is checked (a descriptor, the request header, avail->idx, avail->flags,
 * used_event), so a guest
 * changing its rings behind popek's back can only hurt its own requests.
 */
#include "dev/vblk.h"

#include <stddef.h>

#include "core/check.h"
#include "dev/vplic.h"
#include "lib/string.h"

/* Registers (§4.2.2, Table 4.1).  All are 32 bits wide. */
#define REG_MAGIC             0x000
#define REG_VERSION           0x004
#define REG_DEVICE_ID         0x008
#define REG_VENDOR_ID         0x00c
#define REG_DEVICE_FEATURES   0x010
#define REG_DEVICE_FEAT_SEL   0x014
#define REG_DRIVER_FEATURES   0x020
#define REG_DRIVER_FEAT_SEL   0x024
#define REG_GUEST_PAGE_SIZE   0x028 /* legacy only */
#define REG_QUEUE_SEL         0x030
#define REG_QUEUE_NUM_MAX     0x034
#define REG_QUEUE_NUM         0x038
#define REG_QUEUE_ALIGN       0x03c /* legacy only */
#define REG_QUEUE_PFN         0x040 /* legacy only */
#define REG_QUEUE_READY       0x044
#define REG_QUEUE_NOTIFY      0x050
#define REG_INTERRUPT_STATUS  0x060
#define REG_INTERRUPT_ACK     0x064
#define REG_STATUS            0x070
#define REG_QUEUE_DESC_LOW    0x080
#define REG_QUEUE_DESC_HIGH   0x084
#define REG_QUEUE_DRIVER_LOW  0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW  0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_SHM_LEN_LOW       0x0b0
#define REG_SHM_LEN_HIGH      0x0b4
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG            0x100
#define VBLK_REGS             (REG_CONFIG / 4)

#define VBLK_MAGIC            0x74726976 /* "virt" */
#define VBLK_VERSION          2
#define VBLK_VERSION_LEGACY   1
#define VBLK_DEVICE_ID        2          /* §5.2.1 */
#define VBLK_VENDOR_ID        0x554d4551 /* "QEMU", as on the bare board */

/* Device status (§2.1). */
#define STATUS_FEATURES_OK 0x08
#define STATUS_NEEDS_RESET 0x40

/* InterruptStatus (§4.2.2). */
#define INT_USED_BUFFER   0x1
#define INT_CONFIG_CHANGE 0x2

/* Feature bits (§6, §5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX     (1ull << 2)
#define VIRTIO_BLK_F_RO          (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE    (1ull << 6)
#define VIRTIO_BLK_F_FLUSH       (1ull << 9)
#define VIRTIO_F_NOTIFY_ON_EMPTY (1ull << 24) /* legacy: §2.6.7's "notify on empty" */
#define VIRTIO_F_ANY_LAYOUT      (1ull << 27) /* legacy: no layout assumed (popek assumes none) */
#define VIRTIO_F_EVENT_IDX       (1ull << 29)
#define VIRTIO_F_VERSION_1       (1ull << 32)

/* struct virtio_blk_config (§5.2.4), as far as virtio 1.1 defines it. */
#define CFG_CAPACITY 0x00
#define CFG_SIZE_MAX 0x08
#define CFG_SEG_MAX  0x0c
#define CFG_BLK_SIZE 0x14
#define CFG_LEN      57 /* the board's: up to write_zeroes_may_unmap (QEMU 7.2 virtio-blk) */

/* Split virtqueue (§2.6.5): flags of a descriptor. */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

/* §2.6.7: avail->flags; used_event and avail_event follow the two rings. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define USED_EVENT(num)            (4 + 2 * (size_t)(num)) /* in the avail ring */
#define AVAIL_EVENT(num)           (4 + 8 * (size_t)(num)) /* in the used ring */

/* §2.6 Table 2.2: sizes and alignments of the three parts of a queue of num entries. */
#define DESC_BYTES(num)  (16ull * (num))
#define AVAIL_BYTES(num) (6ull + 2ull * (num))
#define USED_BYTES(num)  (6ull + 8ull * (num))
#define DESC_ALIGN       16
#define AVAIL_ALIGN      2
#define USED_ALIGN       4

#define VBLK_ID_BYTES    20 /* §5.2.6: GET_ID answers 20 bytes, NUL-padded */
#define VBLK_HDR_LEN     16 /* type, reserved, sector */

/* A request handler's answer when the backend must do the work. */
#define VBLK_SUBMIT (-1)

struct vblk_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* Guest buffers as the device sees them (§2.6.4.1): no layout may be assumed. */
struct vblk_span {
	uint32_t n;
	bool too_many; /* more pieces than VBLK_MAX_SEG */
	uint64_t len;
	struct {
		uint64_t gpa;
		uint32_t len;
	} seg[VBLK_MAX_SEG];
};

/*
 * What a walk of a descriptor chain found.  Like QEMU's device, popek reads
 * the chain as two byte streams: the device-readable part (the 16-byte
 * header, then the data of a write) and the device-writable part (the data
 * of a read, then the status byte, its last byte).  How the guest cuts them
 * into descriptors does not matter.
 */
struct vblk_chain {
	uint32_t n; /* descriptors in the chain */
	bool bad;   /* INDIRECT, a buffer not wholly in RAM, readable after writable */
	uint8_t hdr[VBLK_HDR_LEN]; /* the header, gathered from the readable part */
	uint32_t hdr_len;          /* how much of it the readable part held */
	struct vblk_span out, in;  /* data: readable after the header; writable before the status */
};

/* The one way into guest memory: [gpa, gpa+len) wholly in the VM's RAM, or NULL. */
static void *vblk_at(const struct vblk *d, uint64_t gpa, uint64_t len)
{
	if (len == 0 || gpa + len < gpa)
		return NULL;
	return d->mem.at(d->mem.ctx, gpa, len);
}

/*
 * Ring fields are read and written exactly once each through volatile
 * accesses (the guest may change them at any time), and ordered by fences:
 * §2.6.13 has the driver write a ring entry before avail->idx, and the device
 * a used element before used->idx (§2.6.8.2).
 */
static uint16_t ring_rd16(const void *p)
{
	return *(const volatile uint16_t *)p;
}

static void ring_wr16(void *p, uint16_t v)
{
	*(volatile uint16_t *)p = v;
}

static void ring_wr32(void *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

static void vblk_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static struct vblk_desc desc_read(const uint8_t *table, uint16_t i)
{
	const volatile uint8_t *p = table + 16 * (size_t)i;
	struct vblk_desc x;

	x.addr = *(const volatile uint64_t *)p;
	x.len = *(const volatile uint32_t *)(p + 8);
	x.flags = *(const volatile uint16_t *)(p + 12);
	x.next = *(const volatile uint16_t *)(p + 14);
	return x;
}

/* Interrupts: the line follows InterruptStatus (level-triggered, like QEMU's). */

static void vblk_update_irq(struct vblk *d)
{
	if (d->plic)
		vplic_set_level(d->plic, d->irq, d->interrupt_status != 0);
}

static void vblk_interrupt(struct vblk *d, uint32_t bits)
{
	d->interrupt_status |= bits;
	vblk_update_irq(d);
}

/*
 * §2.1.2: a device in an error state sets DEVICE_NEEDS_RESET and sends a
 * configuration change notification.  Nothing is taken from or put in the
 * queue until the driver resets the device.
 */
static void vblk_break(struct vblk *d)
{
	d->broken = true;
	d->vq.live = false;
	d->status |= STATUS_NEEDS_RESET;
	vblk_interrupt(d, INT_CONFIG_CHANGE);
}

/*
 * What the device can do.  The board's device can also do the legacy NOTIFY_ON_EMPTY, and
 * its version 2 one ANY_LAYOUT: its legacy interface offers NOTIFY_ON_EMPTY (a legacy block
 * device there has no ANY_LAYOUT), its version 2 one offers neither (§6.3) but takes them
 * from a driver that sets them anyway (QEMU 7.2 masks only what it offers for reading).
 */
static uint64_t vblk_features_all(const struct vblk *d)
{
	return (d->legacy ? 0 : VIRTIO_F_VERSION_1 | VIRTIO_F_ANY_LAYOUT) |
	       VIRTIO_F_NOTIFY_ON_EMPTY | VIRTIO_F_EVENT_IDX | VIRTIO_BLK_F_SEG_MAX |
	       VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | (d->read_only ? VIRTIO_BLK_F_RO : 0);
}

/* What it offers.  A legacy device does not offer VERSION_1 (§6.1): its features fit in 32 bits. */
static uint64_t vblk_features(const struct vblk *d)
{
	uint64_t legacy_only = VIRTIO_F_NOTIFY_ON_EMPTY | VIRTIO_F_ANY_LAYOUT;

	return vblk_features_all(d) & (d->legacy ? ~0ull : ~legacy_only);
}

/* §2.6: a queue of num entries with its parts aligned and wholly in the VM's RAM. */
static bool vblk_vq_valid(const struct vblk *d, uint32_t num, uint64_t desc, uint64_t avail,
                          uint64_t used)
{
	return num != 0 && num <= VBLK_QUEUE_MAX && !(num & (num - 1)) && desc % DESC_ALIGN == 0 &&
	       avail % AVAIL_ALIGN == 0 && used % USED_ALIGN == 0 &&
	       vblk_at(d, desc, DESC_BYTES(num)) && vblk_at(d, avail, AVAIL_BYTES(num)) &&
	       vblk_at(d, used, USED_BYTES(num));
}

/*
 * One part of the live queue.  Every ring access comes through here, so
 * the geometry is always the one validated at enable time.
 */
static void *vblk_vq_part(struct vblk *d, uint64_t gpa, uint64_t len)
{
	void *p;

	CHECK(d->vq.live && !d->broken, "vblk: ring access to a queue that is not live");
	CHECK(vblk_vq_valid(d, d->vq.num, d->vq.desc, d->vq.avail, d->vq.used),
	      "vblk: the live queue is not valid");
	/* at most one per io slot, and the one being taken (vblk_take) */
	CHECK((uint16_t)(d->last_avail - d->used_idx) <= VBLK_QUEUE_MAX + 1,
	      "vblk: %u requests taken but not answered", (uint16_t)(d->last_avail - d->used_idx));
	p = vblk_at(d, gpa, len);
	CHECK(p, "vblk: a part of the live queue left RAM");
	return p;
}

/*
 * Whether the element just put in the used ring (used_idx - 1) calls for a
 * notification (§2.6.7.2).  With the event index, when the index passes
 * used_event (§2.6.10's vring_need_event for one step; step by step covers
 * any batch), and the flag is ignored; without it, unless avail->flags says
 * NO_INTERRUPT.  Each field is read once; any value is safe, the guest only
 * chooses when it hears of its own answers.
 */
static bool vblk_used_notify(struct vblk *d, const uint8_t *avail)
{
	/* With NOTIFY_ON_EMPTY, an emptied queue notifies whatever else says (QEMU 7.2). */
	if (d->vq.notify_on_empty && d->last_avail == d->used_idx &&
	    ring_rd16(avail + 2) == d->last_avail)
		return true;
	if (d->vq.event_idx) {
		/* The board's device notifies for the first answer after the queue went live. */
		bool first = !d->vq.checked;
		d->vq.checked = true;
		return first ||
		       ring_rd16(avail + USED_EVENT(d->vq.num)) == (uint16_t)(d->used_idx - 1);
	}
	return !(ring_rd16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/*
 * Puts {head, len} in the used ring: the element first, then the index
 * (§2.6.8.2).  Never for a queue that is not live: after a reset the
 * guest no longer expects the answer, and once broken (§2.1.2) the device
 * puts nothing in its queue, as QEMU's.
 */
static void vblk_used_push(struct vblk *d, uint16_t head, uint32_t len)
{
	uint8_t *used, *elem;
	const uint8_t *avail;

	CHECK(d->vq.live, "vblk: an answer for a queue that is not live");
	if (!d->vq.live)
		return;
	used = vblk_vq_part(d, d->vq.used, USED_BYTES(d->vq.num));
	avail = vblk_vq_part(d, d->vq.avail, AVAIL_BYTES(d->vq.num));
	if (!used || !avail) {
		vblk_break(d);
		return;
	}
	elem = used + 4 + 8 * (size_t)(d->used_idx % d->vq.num);
	ring_wr32(elem, head);
	ring_wr32(elem + 4, len);
	vblk_fence();
	d->used_idx++;
	ring_wr16(used + 2, d->used_idx);
	vblk_fence(); /* the index before reading what the driver wants (§2.6.7.2) */
	d->stats.answered++;
	if (vblk_used_notify(d, avail)) {
		d->stats.interrupts++;
		vblk_interrupt(d, INT_USED_BUFFER);
	} else {
		d->stats.suppressed++;
	}
}

/* Writes the status byte and returns the buffers to the guest. */
static void vblk_finish(struct vblk *d, const struct vblk_io *io, uint8_t status)
{
	uint8_t *st = vblk_at(d, io->status_gpa, 1);

	if (st)
		*(volatile uint8_t *)st = status;
	vblk_used_push(d, io->head, io->written);
}

/* Walking a chain (§2.6.5.2). */

static void span_add(struct vblk_span *sp, uint64_t gpa, uint64_t len)
{
	if (len == 0)
		return;
	sp->len += len;
	if (sp->n == VBLK_MAX_SEG) {
		sp->too_many = true;
		return;
	}
	sp->seg[sp->n].gpa = gpa;
	sp->seg[sp->n].len = (uint32_t)len;
	sp->n++;
}

/*
 * Follows the chain from head into c, and sets io->status_gpa to the last
 * byte of its device-writable part.  Returns -1 when there is no status byte
 * to answer in: the chain leaves the table, loops (more descriptors than the
 * queue has), or has no device-writable byte in RAM at its end.
 */
static int vblk_walk(struct vblk *d, uint16_t head, struct vblk_chain *c, struct vblk_io *io)
{
	const uint8_t *table = vblk_vq_part(d, d->vq.desc, DESC_BYTES(d->vq.num));
	struct vblk_desc x[VBLK_QUEUE_MAX];
	uint16_t i = head;

	memset(c, 0, sizeof(*c));
	if (!table)
		return -1;
	for (;;) {
		if (i >= d->vq.num || c->n == d->vq.num)
			return -1;
		x[c->n] = desc_read(table, i);
		if ((x[c->n].flags & VIRTQ_DESC_F_INDIRECT) ||
		    (x[c->n].len && !vblk_at(d, x[c->n].addr, x[c->n].len)))
			c->bad = true;
		if (!(x[c->n++].flags & VIRTQ_DESC_F_NEXT))
			break;
		i = x[c->n - 1].next;
	}
	/* The status byte: the last byte of the last descriptor, which must be writable. */
	int st = (int)c->n - 1;
	if (x[st].len == 0 || !(x[st].flags & VIRTQ_DESC_F_WRITE) ||
	    (x[st].flags & VIRTQ_DESC_F_INDIRECT) || !vblk_at(d, x[st].addr, x[st].len))
		return -1;
	io->status_gpa = x[st].addr + x[st].len - 1;

	bool writable = false;
	for (uint32_t k = 0; k < c->n && !c->bad; k++) {
		uint64_t addr = x[k].addr, len = x[k].len;
		if (x[k].flags & VIRTQ_DESC_F_WRITE) {
			writable = true;
			span_add(&c->in, addr, (int)k == st ? len - 1 : len);
			continue;
		}
		if (writable) { /* §2.6.4.2: readable buffers come first */
			c->bad = true;
			break;
		}
		uint32_t take =
		    VBLK_HDR_LEN - c->hdr_len < len ? VBLK_HDR_LEN - c->hdr_len : (uint32_t)len;
		if (take) {
			memcpy(c->hdr + c->hdr_len, vblk_at(d, addr, take),
			       take); /* once: the guest may change it */
			c->hdr_len += take;
		}
		span_add(&c->out, addr + take, len - take);
	}
	return 0;
}

/*
 * Request handlers (§5.2.6), by type.  Each returns the status to answer
 * at once, or VBLK_SUBMIT with io ready for the backend.
 */

static int vblk_rw(struct vblk *d, const struct vblk_chain *c, struct vblk_io *io, uint64_t sector)
{
	bool in = io->type == VIRTIO_BLK_T_IN;
	const struct vblk_span *data =
	    in ? &c->in : &c->out; /* the other part is ignored, as QEMU does */

	if (data->too_many || data->len % VBLK_SECTOR)
		return VIRTIO_BLK_S_IOERR;
	if (!in && d->read_only)
		return VIRTIO_BLK_S_IOERR;
	/* Within the extent, written so that nothing overflows. */
	if (sector > d->size / VBLK_SECTOR || data->len > d->size - sector * VBLK_SECTOR)
		return VIRTIO_BLK_S_IOERR;
	/* used.len is 32 bits: it must be able to count the bytes read. */
	if (data->len >= UINT32_MAX)
		return VIRTIO_BLK_S_IOERR;
	io->nseg = data->n;
	for (uint32_t i = 0; i < data->n; i++) {
		io->seg[i].gpa = data->seg[i].gpa;
		io->seg[i].len = data->seg[i].len;
	}
	io->sector = d->start / VBLK_SECTOR + sector;
	return io->nseg ? VBLK_SUBMIT : VIRTIO_BLK_S_OK;
}

/* An extent of size 0 is a minidisk that could not be placed on the real disk: it fails. */
static int vblk_flush(struct vblk *d, const struct vblk_chain *c, struct vblk_io *io,
                      uint64_t sector)
{
	(void)c;
	(void)sector;
	if (d->size == 0)
		return VIRTIO_BLK_S_IOERR;
	io->nseg = 0;
	io->sector = d->start / VBLK_SECTOR;
	return VBLK_SUBMIT;
}

/*
 * "popek-<start of the extent in hex>" and its NUL, at most 20 bytes, truncated to the
 * buffers given; the rest of them untouched, as QEMU's device does with its serial (which
 * `popek run --bare` sets to the same string).
 */
static int vblk_get_id(struct vblk *d, const struct vblk_chain *c, struct vblk_io *io,
                       uint64_t sector)
{
	static const char hex[] = "0123456789abcdef";
	char id[VBLK_ID_BYTES] = "popek-";
	size_t n = 6, done = 0;
	int shift = 60;

	(void)io;
	(void)sector;
	while (shift > 0 && !((d->start >> shift) & 0xf))
		shift -= 4;
	for (; shift >= 0 && n < sizeof(id); shift -= 4)
		id[n++] = hex[(d->start >> shift) & 0xf];
	size_t size = n < sizeof(id) ? n + 1 : sizeof(id);
	for (uint32_t s = 0; s < c->in.n && done < size; s++) {
		size_t k = c->in.seg[s].len < size - done ? c->in.seg[s].len : size - done;
		void *p = vblk_at(d, c->in.seg[s].gpa, k);

		if (!p)
			return VIRTIO_BLK_S_IOERR;
		memcpy(p, id + done, k);
		done += k;
	}
	return VIRTIO_BLK_S_OK;
}

typedef int (*vblk_handler)(struct vblk *d, const struct vblk_chain *c, struct vblk_io *io,
                            uint64_t sector);

static const vblk_handler vblk_handlers[] = {
    [VIRTIO_BLK_T_IN] = vblk_rw,
    [VIRTIO_BLK_T_OUT] = vblk_rw,
    [VIRTIO_BLK_T_FLUSH] = vblk_flush,
    [VIRTIO_BLK_T_GET_ID] = vblk_get_id,
};

/* The status for the request in c, or VBLK_SUBMIT. */
static int vblk_parse(struct vblk *d, const struct vblk_chain *c, struct vblk_io *io)
{
	uint64_t sector;

	if (c->bad || c->hdr_len < VBLK_HDR_LEN)
		return VIRTIO_BLK_S_IOERR;
	memcpy(&io->type, c->hdr, 4);
	memcpy(&sector, c->hdr + 8, 8);
	if (io->type >= sizeof(vblk_handlers) / sizeof(vblk_handlers[0]) ||
	    !vblk_handlers[io->type])
		return VIRTIO_BLK_S_UNSUPP;
	return vblk_handlers[io->type](d, c, io, sector);
}

static struct vblk_io *vblk_io_alloc(struct vblk *d)
{
	for (size_t i = 0; i < VBLK_QUEUE_MAX; i++) {
		if (!d->io[i].busy)
			return &d->io[i];
	}
	return NULL;
}

/* Hands req to the backend in a free slot: 0 (taken), or -1 when it has to wait. */
static int vblk_submit(struct vblk *d, const struct vblk_io *req)
{
	struct vblk_io *io = vblk_io_alloc(d);
	int r;

	if (!io)
		return -1;
	*io = *req;
	io->dev = d;
	io->gen = d->gen;
	io->busy = true;
	r = d->backend.submit(d->backend.ctx, io);
	if (r == VBLK_BACKEND_OK) {
		d->stats.submitted++;
		return 0;
	}
	io->busy = false;
	if (r != VBLK_BACKEND_FAIL)
		return -1;
	vblk_finish(d, req, VIRTIO_BLK_S_IOERR);
	return 0;
}

/* Takes the request at head: 0 when it is consumed, -1 when it must wait for the backend. */
static int vblk_request(struct vblk *d, uint16_t head)
{
	struct vblk_chain c;
	struct vblk_io req;
	int status;

	memset(&req, 0, sizeof(req));
	req.head = head;
	if (vblk_walk(d, head, &c, &req) != 0) {
		/* Nowhere to say why, but the guest gets its head back. */
		vblk_used_push(d, head, 0);
		return 0;
	}
	/*
	 * used.len: every device-writable byte of the chain, whatever the request
	 * and its outcome, as the board's device reports it (QEMU's req->in_len).
	 */
	req.written = c.in.len < UINT32_MAX ? (uint32_t)c.in.len + 1 : UINT32_MAX;
	status = vblk_parse(d, &c, &req);
	if (status == VBLK_SUBMIT)
		return vblk_submit(d, &req);
	vblk_finish(d, &req, (uint8_t)status);
	return 0;
}

/*
 * Takes the requests avail->idx shows: true when the ring is empty, false
 * when the backend is full (or the device broke): a kick follows then.
 */
static bool vblk_take(struct vblk *d, const uint8_t *avail)
{
	uint16_t idx = ring_rd16(avail + 2);

	/* §2.6.6: the driver cannot have made more than num entries available. */
	if ((uint16_t)(idx - d->last_avail) > d->vq.num) {
		vblk_break(d);
		return false;
	}
	vblk_fence();
	while (d->last_avail != idx && d->vq.live) {
		uint16_t head = ring_rd16(avail + 4 + 2 * (size_t)(d->last_avail % d->vq.num));

		/* Taken from here on, as the board's device counts it (its answer may come now). */
		d->last_avail++;
		if (vblk_request(d, head) != 0) {
			d->last_avail--; /* the backend is full: it stays in the ring */
			return false;
		}
		/* A request that broke the device is not taken: nothing moves once broken. */
		if (d->vq.live)
			d->stats.requests++;
		else
			d->last_avail--;
	}
	return d->vq.live;
}

/*
 * Takes requests from the avail ring until it is empty or the backend is
 * full, then lets the backend start them all at once.  With the event index
 * the driver notifies again only once it makes the entry after the last one
 * taken available (§2.6.10: avail_event), so the ring is read again after
 * avail_event is written, for what was added in between.
 */
static void vblk_process(struct vblk *d)
{
	const uint8_t *avail;
	uint8_t *used;

	if (!d->vq.live)
		return;
	avail = vblk_vq_part(d, d->vq.avail, AVAIL_BYTES(d->vq.num));
	used = vblk_vq_part(d, d->vq.used, USED_BYTES(d->vq.num));
	if (!avail || !used) {
		vblk_break(d);
		return;
	}
	while (vblk_take(d, avail) && d->vq.event_idx) {
		ring_wr16(used + AVAIL_EVENT(d->vq.num), d->last_avail);
		vblk_fence();
		if (ring_rd16(avail + 2) == d->last_avail)
			break;
	}
	if (d->backend.commit)
		d->backend.commit(d->backend.ctx);
}

void vblk_kick(struct vblk *d)
{
	vblk_process(d);
}

void vblk_complete(struct vblk_io *io, bool ok)
{
	struct vblk *d = io->dev;

	if (!io->busy)
		return;
	io->busy = false;
	/* Reset (device or queue) since, or broken: no answer goes to the queue. */
	if (io->gen != d->gen || !d->vq.live)
		return;
	vblk_finish(d, io, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR);
}

/*
 * §2.1.1 / §4.2.2.1: writing 0 to Status resets the device.  ios still with
 * the backend go stale.  A legacy device keeps GuestPageSize and QueueAlign,
 * as QEMU's does: a driver may write GuestPageSize once, before its first reset.
 */
/*
 * A queue reset: the device forgets the queue, answers still due from the
 * backend go stale (gen), and a queue enabled again starts from index 0, as
 * a new ring does (virtio 1.2 §2.6.1 gives QueueReady = 0 this meaning; 1.1
 * leaves it open).  DEVICE_NEEDS_RESET stays until the device is reset.
 */
static void vblk_vq_reset(struct vblk *d)
{
	d->vq = (struct vblk_vq){0};
	d->last_avail = d->used_idx = 0;
	d->gen++;
}

/*
 * §2.1.1 / §4.2.2.1: writing 0 to Status resets the device.  ios still with
 * the backend go stale.  A legacy device keeps GuestPageSize and QueueAlign,
 * as QEMU's does: a driver may write GuestPageSize once, before its first reset.
 * Like the board's transport, the reset also keeps the feature selectors and
 * the driver's feature words; only what was negotiated is forgotten.
 */
static void vblk_reset(struct vblk *d)
{
	d->status = 0;
	d->queue_sel = 0;
	d->negotiated = 0;
	d->interrupt_status = 0;
	d->queue_num = 0;
	d->queue_ready = false;
	d->desc = d->avail = d->used = 0;
	d->broken = false;
	vblk_vq_reset(d);
	vblk_update_irq(d);
}

/*
 * QueueReady = 1 (legacy: a QueuePFN other than 0).  The register reads 1
 * from now on, as §4.2.2 and QEMU have it, but the queue goes live only if
 * its size and parts are what §2.6 allows, each in the VM's RAM, and the
 * device is not broken; a bad queue breaks the device instead (QEMU too
 * sets DEVICE_NEEDS_RESET for rings it cannot map).
 */
static void vblk_queue_enable(struct vblk *d)
{
	d->queue_ready = true;
	vblk_vq_reset(d);
	if (d->broken)
		return;
	if (!vblk_vq_valid(d, d->queue_num, d->desc, d->avail, d->used)) {
		vblk_break(d);
		return;
	}
	d->vq = (struct vblk_vq){
	    .live = true,
	    .event_idx = (d->negotiated & VIRTIO_F_EVENT_IDX) != 0,
	    .num = d->queue_num,
	    .desc = d->desc,
	    .avail = d->avail,
	    .used = d->used,
	    .notify_on_empty = (d->negotiated & VIRTIO_F_NOTIFY_ON_EMPTY) != 0,
	};
}

/*
 * The legacy queue (§2.6.2, §4.2.4): the descriptor table at QueuePFN ×
 * GuestPageSize, the avail ring right after it, the used ring at the next
 * multiple of QueueAlign.  Nothing here can overflow: the table starts below
 * 2^63 (a 32-bit PFN shifted by at most 31), a 32-bit queue size makes the
 * parts at most 2^37 bytes, and QueueAlign is below 2^32 and never 0.  The
 * checks are QueueReady's.
 */
static void vblk_legacy_enable(struct vblk *d, uint32_t pfn)
{
	uint64_t num = d->queue_num, avail_end;

	d->desc = (uint64_t)pfn << d->page_shift;
	d->avail = d->desc + DESC_BYTES(num);
	avail_end = d->avail + AVAIL_BYTES(num);
	d->used = (avail_end + d->queue_align - 1) / d->queue_align * d->queue_align;
	vblk_queue_enable(d);
}

/*
 * QueuePFN = 0: the driver stops using the queue (§4.2.4).  Answers still due
 * from the backend are dropped (gen differs), and a queue set up again starts
 * from index 0, as a new ring does.
 */
static void vblk_legacy_stop(struct vblk *d)
{
	d->queue_ready = false;
	d->desc = d->avail = d->used = 0;
	vblk_vq_reset(d);
}

/* Registers.  Only queue 0 exists; a queue's setup is fixed while it is ready. */

static bool vblk_queue_setup(const struct vblk *d)
{
	return d->queue_sel == 0 && !d->queue_ready;
}

static void set_low(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffull) | v;
}

static void set_high(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | (uint64_t)v << 32;
}

static uint32_t magic_read(struct vblk *d)
{
	(void)d;
	return VBLK_MAGIC;
}

static uint32_t version_read(struct vblk *d)
{
	return d->legacy ? VBLK_VERSION_LEGACY : VBLK_VERSION;
}

static uint32_t device_id_read(struct vblk *d)
{
	(void)d;
	return VBLK_DEVICE_ID;
}

static uint32_t vendor_id_read(struct vblk *d)
{
	(void)d;
	return VBLK_VENDOR_ID;
}

static uint32_t device_features_read(struct vblk *d)
{
	return (uint32_t)(vblk_features(d) >> (32 * d->dev_features_sel));
}

static uint32_t queue_num_max_read(struct vblk *d)
{
	return d->queue_sel == 0 ? VBLK_QUEUE_MAX : 0;
}

static uint32_t queue_ready_read(struct vblk *d)
{
	return d->queue_sel == 0 && d->queue_ready;
}

/* The page the queue starts at, in the current page size, as QEMU answers. */
static uint32_t queue_pfn_read(struct vblk *d)
{
	return d->queue_sel == 0 ? (uint32_t)(d->desc >> d->page_shift) : 0;
}

static uint32_t interrupt_status_read(struct vblk *d)
{
	return d->interrupt_status;
}

static uint32_t status_read(struct vblk *d)
{
	return d->status;
}

/* §4.2.2: "Reading from a non-existent region ... results in a length of -1". */
static uint32_t shm_len_read(struct vblk *d)
{
	(void)d;
	return 0xffffffff;
}

static uint32_t (*const vblk_read_regs[VBLK_REGS])(struct vblk *d) = {
    [REG_MAGIC / 4] = magic_read,
    [REG_VERSION / 4] = version_read,
    [REG_DEVICE_ID / 4] = device_id_read,
    [REG_VENDOR_ID / 4] = vendor_id_read,
    [REG_DEVICE_FEATURES / 4] = device_features_read,
    [REG_QUEUE_NUM_MAX / 4] = queue_num_max_read,
    [REG_QUEUE_READY / 4] = queue_ready_read,
    [REG_INTERRUPT_STATUS / 4] = interrupt_status_read,
    [REG_STATUS / 4] = status_read,
    [REG_SHM_LEN_LOW / 4] = shm_len_read,
    [REG_SHM_LEN_HIGH / 4] = shm_len_read,
    /* ConfigGeneration: the configuration never changes, so always 0. */
};

/*
 * Version 1 (§4.2.4).  Registers only version 2 has (QueueReady, the ring
 * addresses, ConfigGeneration) read 0 and ignore writes, as in QEMU.
 */
static uint32_t (*const vblk_legacy_read_regs[VBLK_REGS])(struct vblk *d) = {
    [REG_MAGIC / 4] = magic_read,
    [REG_VERSION / 4] = version_read,
    [REG_DEVICE_ID / 4] = device_id_read,
    [REG_VENDOR_ID / 4] = vendor_id_read,
    [REG_DEVICE_FEATURES / 4] = device_features_read,
    [REG_QUEUE_NUM_MAX / 4] = queue_num_max_read,
    [REG_QUEUE_PFN / 4] = queue_pfn_read,
    [REG_INTERRUPT_STATUS / 4] = interrupt_status_read,
    [REG_STATUS / 4] = status_read,
    [REG_SHM_LEN_LOW / 4] = shm_len_read,
    [REG_SHM_LEN_HIGH / 4] = shm_len_read,
};

/* The board's transport keeps one bit of a selector: any value but 0 selects the high word. */
static void device_features_sel_write(struct vblk *d, uint32_t v)
{
	d->dev_features_sel = v != 0;
}

/*
 * §3.1.1: features are the driver's to choose until it sets FEATURES_OK.  The words are
 * kept as written; status_write takes them when FEATURES_OK is set.
 */
static void driver_features_write(struct vblk *d, uint32_t v)
{
	if (d->drv_features_sel == 0)
		set_low(&d->drv_features, v);
	else
		set_high(&d->drv_features, v);
}

/*
 * Legacy GuestFeatures: the low 32 bits only, taken at once (there is no
 * FEATURES_OK step), less what the device did not offer, as QEMU does.
 */
static void legacy_driver_features_write(struct vblk *d, uint32_t v)
{
	if (d->drv_features_sel != 0 || (d->status & STATUS_FEATURES_OK))
		return;
	d->drv_features = v;
	d->negotiated = v & vblk_features_all(d);
}

static void driver_features_sel_write(struct vblk *d, uint32_t v)
{
	d->drv_features_sel = v != 0;
}

static void queue_sel_write(struct vblk *d, uint32_t v)
{
	d->queue_sel = v;
}

static void queue_num_write(struct vblk *d, uint32_t v)
{
	if (vblk_queue_setup(d))
		d->queue_num = v;
}

/* Only the lowest set bit counts, and 0 means 1 byte, as in QEMU. */
static void guest_page_size_write(struct vblk *d, uint32_t v)
{
	uint32_t shift = 0;

	while (v && !(v & 1)) {
		v >>= 1;
		shift++;
	}
	d->page_shift = shift;
}

/* 0 is ignored, as in QEMU; any other value is checked when the queue is placed. */
static void queue_align_write(struct vblk *d, uint32_t v)
{
	if (v && vblk_queue_setup(d))
		d->queue_align = v;
}

static void queue_pfn_write(struct vblk *d, uint32_t v)
{
	if (d->queue_sel != 0)
		return;
	if (v == 0)
		vblk_legacy_stop(d);
	else if (!d->queue_ready)
		vblk_legacy_enable(d, v);
}

static void queue_ready_write(struct vblk *d, uint32_t v)
{
	if (d->queue_sel != 0)
		return;
	if (v & 1) {
		if (!d->queue_ready)
			vblk_queue_enable(d);
	} else {
		d->queue_ready = false;
		vblk_vq_reset(d);
	}
}

/* The value is the queue's index (§4.2.2; no VIRTIO_F_NOTIFICATION_DATA). */
static void queue_notify_write(struct vblk *d, uint32_t v)
{
	d->stats.notifies++;
	if (v == 0)
		vblk_process(d);
}

static void interrupt_ack_write(struct vblk *d, uint32_t v)
{
	d->stats.acks++;
	d->interrupt_status &= ~v;
	vblk_update_irq(d);
}

/*
 * Setting FEATURES_OK takes the driver's features, less what the device did not offer.
 * §2.2.2 and §6.1 let a device refuse FEATURES_OK for features it did not offer or for a
 * driver without VERSION_1; the board's version 2 device never does, and kernels written
 * against it (a driver that writes only the low feature word never acknowledges
 * VERSION_1) rely on that, so popek's does not refuse either.
 */
static void status_write(struct vblk *d, uint32_t v)
{
	if (v == 0) {
		vblk_reset(d);
		return;
	}
	/* Legacy: no feature negotiation step (§3.1.2); the features were taken as written. */
	if (!d->legacy && (v & STATUS_FEATURES_OK) && !(d->status & STATUS_FEATURES_OK))
		d->negotiated = d->drv_features & vblk_features_all(d);
	d->status = (v & 0xff) | (d->status & STATUS_NEEDS_RESET);
}

static void queue_desc_low_write(struct vblk *d, uint32_t v)
{
	if (vblk_queue_setup(d))
		set_low(&d->desc, v);
}

static void queue_desc_high_write(struct vblk *d, uint32_t v)
{
	if (vblk_queue_setup(d))
		set_high(&d->desc, v);
}

static void queue_driver_low_write(struct vblk *d, uint32_t v)
{
	if (vblk_queue_setup(d))
		set_low(&d->avail, v);
}

static void queue_driver_high_write(struct vblk *d, uint32_t v)
{
	if (vblk_queue_setup(d))
		set_high(&d->avail, v);
}

static void queue_device_low_write(struct vblk *d, uint32_t v)
{
	if (vblk_queue_setup(d))
		set_low(&d->used, v);
}

static void queue_device_high_write(struct vblk *d, uint32_t v)
{
	if (vblk_queue_setup(d))
		set_high(&d->used, v);
}

static void (*const vblk_write_regs[VBLK_REGS])(struct vblk *d, uint32_t v) = {
    [REG_DEVICE_FEAT_SEL / 4] = device_features_sel_write,
    [REG_DRIVER_FEATURES / 4] = driver_features_write,
    [REG_DRIVER_FEAT_SEL / 4] = driver_features_sel_write,
    [REG_QUEUE_SEL / 4] = queue_sel_write,
    [REG_QUEUE_NUM / 4] = queue_num_write,
    [REG_QUEUE_READY / 4] = queue_ready_write,
    [REG_QUEUE_NOTIFY / 4] = queue_notify_write,
    [REG_INTERRUPT_ACK / 4] = interrupt_ack_write,
    [REG_STATUS / 4] = status_write,
    [REG_QUEUE_DESC_LOW / 4] = queue_desc_low_write,
    [REG_QUEUE_DESC_HIGH / 4] = queue_desc_high_write,
    [REG_QUEUE_DRIVER_LOW / 4] = queue_driver_low_write,
    [REG_QUEUE_DRIVER_HIGH / 4] = queue_driver_high_write,
    [REG_QUEUE_DEVICE_LOW / 4] = queue_device_low_write,
    [REG_QUEUE_DEVICE_HIGH / 4] = queue_device_high_write,
};

static void (*const vblk_legacy_write_regs[VBLK_REGS])(struct vblk *d, uint32_t v) = {
    [REG_DEVICE_FEAT_SEL / 4] = device_features_sel_write,
    [REG_DRIVER_FEATURES / 4] = legacy_driver_features_write,
    [REG_DRIVER_FEAT_SEL / 4] = driver_features_sel_write,
    [REG_GUEST_PAGE_SIZE / 4] = guest_page_size_write,
    [REG_QUEUE_SEL / 4] = queue_sel_write,
    [REG_QUEUE_NUM / 4] = queue_num_write,
    [REG_QUEUE_ALIGN / 4] = queue_align_write,
    [REG_QUEUE_PFN / 4] = queue_pfn_write,
    [REG_QUEUE_NOTIFY / 4] = queue_notify_write,
    [REG_INTERRUPT_ACK / 4] = interrupt_ack_write,
    [REG_STATUS / 4] = status_write,
};

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* struct virtio_blk_config, little-endian (§5.2.4); geometry and topology are 0. */
static void vblk_config(const struct vblk *d, uint8_t cfg[CFG_LEN])
{
	memset(cfg, 0, CFG_LEN);
	put_le(cfg + CFG_CAPACITY, d->size / VBLK_SECTOR, 8);
	put_le(cfg + CFG_SIZE_MAX, 0, 4); /* VIRTIO_BLK_F_SIZE_MAX is not offered */
	put_le(cfg + CFG_SEG_MAX, VBLK_MAX_SEG, 4);
	put_le(cfg + CFG_BLK_SIZE, VBLK_SECTOR, 4);
}

/*
 * Accesses as the board's transport takes them.  QEMU 7.2's virtio-mmio sets no size limits
 * of its own, so its memory core's apply: any naturally aligned access of 1, 2, 4 or 8 bytes
 * inside the 0x200-byte window, an 8-byte one done as two 4-byte ones; misaligned ones and
 * the rest of the slot fault.  A register answers only a 4-byte access (§4.2.2 asks drivers
 * for nothing else): others read 0 and write nothing.  The configuration space takes 1, 2 and
 * 4 bytes; an access reaching past its end reads all ones and writes nothing.
 */
#define VBLK_WINDOW 0x200

static bool vblk_access_ok(uint64_t off, unsigned width)
{
	return (width == 1 || width == 2 || width == 4 || width == 8) && off % width == 0 &&
	       off < VBLK_WINDOW;
}

/* One access of at most 4 bytes, inside the window. */
static uint32_t vblk_read_piece(struct vblk *d, uint64_t off, unsigned width)
{
	if (off >= REG_CONFIG) {
		uint8_t cfg[CFG_LEN];
		uint32_t v = 0;

		if (off - REG_CONFIG + width > CFG_LEN)
			return UINT32_MAX >> (32 - 8 * width);
		vblk_config(d, cfg);
		for (unsigned i = 0; i < width; i++)
			v |= (uint32_t)cfg[off - REG_CONFIG + i] << (8 * i);
		return v;
	}
	if (width != 4)
		return 0;
	uint32_t (*const *regs)(struct vblk *) = d->legacy ? vblk_legacy_read_regs : vblk_read_regs;
	/* Write-only and unassigned registers read 0, as in QEMU. */
	return regs[off / 4] ? regs[off / 4](d) : 0;
}

/* No configuration field is writable without VIRTIO_BLK_F_CONFIG_WCE. */
static void vblk_write_piece(struct vblk *d, uint64_t off, unsigned width, uint32_t val)
{
	if (off >= REG_CONFIG || width != 4)
		return;
	void (*const *regs)(struct vblk *, uint32_t) =
	    d->legacy ? vblk_legacy_write_regs : vblk_write_regs;
	if (regs[off / 4])
		regs[off / 4](d, val);
}

static int vblk_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct vblk *d = dev;

	if (!vblk_access_ok(off, width))
		return -1;
	if (width == 8)
		*val = vblk_read_piece(d, off, 4) | (uint64_t)vblk_read_piece(d, off + 4, 4) << 32;
	else
		*val = vblk_read_piece(d, off, width);
	return 0;
}

static int vblk_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vblk *d = dev;

	if (!vblk_access_ok(off, width))
		return -1;
	if (width == 8) {
		vblk_write_piece(d, off, 4, (uint32_t)val);
		vblk_write_piece(d, off + 4, 4, (uint32_t)(val >> 32));
	} else {
		vblk_write_piece(d, off, width, (uint32_t)val);
	}
	return 0;
}

const struct mmio_ops vblk_ops = {
    .read = vblk_read,
    .write = vblk_write,
};

void vblk_init(struct vblk *d, uint64_t start, uint64_t size, bool read_only, bool legacy,
               struct vblk_mem mem, struct vblk_backend backend, struct vplic *plic, uint32_t irq)
{
	memset(d, 0, sizeof(*d));
	d->start = start;
	d->size = size;
	d->read_only = read_only;
	d->legacy = legacy;
	d->queue_align = VBLK_LEGACY_ALIGN;
	d->mem = mem;
	d->backend = backend;
	d->plic = plic;
	d->irq = irq;
	for (size_t i = 0; i < VBLK_QUEUE_MAX; i++)
		d->io[i].dev = d;
	vblk_update_irq(d);
}
