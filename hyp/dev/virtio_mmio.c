/*
 * The device side of virtio-mmio (see virtio_mmio.h): version 2 (virtio 1.1
 * §4.2.2) or the legacy version 1 (§4.2.4: QueuePFN and QueueAlign place the
 * three parts of a queue in one block, §2.6.2).  No indirect descriptors.
 * The two interfaces differ in their registers only: the queues, the chains
 * and every check of them are the same.
 */
#include "dev/virtio_mmio.h"

#include <stddef.h>

#include "core/check.h"
#include "dev/vplic.h"
#include "lib/string.h"

/* Registers (§4.2.2, Table 4.1).  All are 32 bits wide. */
#define REG_MAGIC                  0x000
#define REG_VERSION                0x004
#define REG_DEVICE_ID              0x008
#define REG_VENDOR_ID              0x00c
#define REG_DEVICE_FEATURES        0x010
#define REG_DEVICE_FEAT_SEL        0x014
#define REG_DRIVER_FEATURES        0x020
#define REG_DRIVER_FEAT_SEL        0x024
#define REG_GUEST_PAGE_SIZE        0x028 /* legacy only */
#define REG_QUEUE_SEL              0x030
#define REG_QUEUE_NUM_MAX          0x034
#define REG_QUEUE_NUM              0x038
#define REG_QUEUE_ALIGN            0x03c /* legacy only */
#define REG_QUEUE_PFN              0x040 /* legacy only */
#define REG_QUEUE_READY            0x044
#define REG_QUEUE_NOTIFY           0x050
#define REG_INTERRUPT_STATUS       0x060
#define REG_INTERRUPT_ACK          0x064
#define REG_STATUS                 0x070
#define REG_QUEUE_DESC_LOW         0x080
#define REG_QUEUE_DESC_HIGH        0x084
#define REG_QUEUE_DRIVER_LOW       0x090
#define REG_QUEUE_DRIVER_HIGH      0x094
#define REG_QUEUE_DEVICE_LOW       0x0a0
#define REG_QUEUE_DEVICE_HIGH      0x0a4
#define REG_SHM_LEN_LOW            0x0b0
#define REG_SHM_LEN_HIGH           0x0b4
#define REG_CONFIG_GENERATION      0x0fc
#define REG_CONFIG                 0x100
#define VIRTIO_MMIO_REGS           (REG_CONFIG / 4)

#define VIRTIO_MMIO_MAGIC          0x74726976 /* "virt" */
#define VIRTIO_MMIO_VERSION        2
#define VIRTIO_MMIO_VERSION_LEGACY 1
#define VIRTIO_MMIO_VENDOR_ID      0x554d4551 /* "QEMU", as on the bare board */

/* Device status (§2.1). */
#define STATUS_DRIVER_OK   0x04
#define STATUS_FEATURES_OK 0x08
#define STATUS_NEEDS_RESET 0x40

/* InterruptStatus (§4.2.2). */
#define INT_USED_BUFFER   0x1
#define INT_CONFIG_CHANGE 0x2

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

void *virtio_mmio_at(const struct virtio_mmio *t, uint64_t gpa, uint64_t len)
{
	if (len == 0 || gpa + len < gpa)
		return NULL;
	return t->mem.at(t->mem.ctx, gpa, len);
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

static void ring_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static struct virtio_desc desc_read(const uint8_t *table, uint16_t i)
{
	const volatile uint8_t *p = table + 16 * (size_t)i;
	struct virtio_desc x;

	x.addr = *(const volatile uint64_t *)p;
	x.len = *(const volatile uint32_t *)(p + 8);
	x.flags = *(const volatile uint16_t *)(p + 12);
	x.next = *(const volatile uint16_t *)(p + 14);
	return x;
}

/* Interrupts: the line follows InterruptStatus (level-triggered, like QEMU's). */

static void virtio_mmio_update_irq(struct virtio_mmio *t)
{
	if (t->plic)
		vplic_set_level(t->plic, t->irq, t->interrupt_status != 0);
}

static void virtio_mmio_interrupt(struct virtio_mmio *t, uint32_t bits)
{
	t->interrupt_status |= bits;
	virtio_mmio_update_irq(t);
}

/*
 * §2.1.2: a device in an error state sets DEVICE_NEEDS_RESET and sends a
 * configuration change notification.  Nothing is taken from or put in a
 * queue until the driver resets the device.
 */
void virtio_mmio_config_changed(struct virtio_mmio *t)
{
	if (!(t->status & STATUS_DRIVER_OK))
		return;
	t->config_gen++;
	virtio_mmio_interrupt(t, INT_CONFIG_CHANGE);
}

void virtio_mmio_break(struct virtio_mmio *t)
{
	t->broken = true;
	for (uint32_t q = 0; q < VIRTIO_MMIO_QUEUES; q++)
		t->q[q].vq.live = false;
	t->status |= STATUS_NEEDS_RESET;
	virtio_mmio_interrupt(t, INT_CONFIG_CHANGE);
}

/*
 * What the device can do.  The board's devices can also do the legacy NOTIFY_ON_EMPTY, and
 * their version 2 ones ANY_LAYOUT: a legacy interface offers NOTIFY_ON_EMPTY (ANY_LAYOUT
 * when the model says so), a version 2 one offers neither (§6.3) but takes them from a
 * driver that sets them anyway (QEMU 7.2 masks only what it offers for reading).
 */
static uint64_t virtio_mmio_features_all(const struct virtio_mmio *t)
{
	return (t->legacy ? 0 : VIRTIO_F_VERSION_1 | VIRTIO_F_ANY_LAYOUT) |
	       VIRTIO_F_NOTIFY_ON_EMPTY | VIRTIO_F_EVENT_IDX | t->model->features(t->dev);
}

/* What it offers.  A legacy device does not offer VERSION_1 (§6.1): its features fit in 32 bits. */
static uint64_t virtio_mmio_features_offered(const struct virtio_mmio *t)
{
	uint64_t legacy_only = VIRTIO_F_NOTIFY_ON_EMPTY | VIRTIO_F_ANY_LAYOUT;

	return virtio_mmio_features_all(t) & (t->legacy ? ~0ull : ~legacy_only);
}

/* §2.6: a queue of num entries with its parts aligned and wholly in the VM's RAM. */
/* QueueNumMax of queue q. */
static uint32_t virtio_mmio_queue_max(const struct virtio_mmio *t, const struct virtio_queue *q)
{
	uint32_t qi = (uint32_t)(q - t->q);

	return t->model->queue_max_of[qi] ? t->model->queue_max_of[qi] : t->model->queue_max;
}

static bool virtio_mmio_vq_valid(const struct virtio_mmio *t, const struct virtio_queue *q,
                                 uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	return num != 0 && num <= virtio_mmio_queue_max(t, q) && !(num & (num - 1)) &&
	       desc % DESC_ALIGN == 0 && avail % AVAIL_ALIGN == 0 && used % USED_ALIGN == 0 &&
	       virtio_mmio_at(t, desc, DESC_BYTES(num)) &&
	       virtio_mmio_at(t, avail, AVAIL_BYTES(num)) &&
	       virtio_mmio_at(t, used, USED_BYTES(num));
}

/*
 * One part of a live queue.  Every ring access comes through here, so the
 * geometry is always the one validated at enable time.
 */
static void *virtio_mmio_vq_part(struct virtio_mmio *t, const struct virtio_queue *q, uint64_t gpa,
                                 uint64_t len)
{
	void *p;

	(void)q; /* with POPEK_CHECK off, only the checks read it */
	CHECK(q->vq.live && !t->broken, "virtio: ring access to a queue that is not live");
	CHECK(virtio_mmio_vq_valid(t, q, q->vq.num, q->vq.desc, q->vq.avail, q->vq.used),
	      "virtio: the live queue is not valid");
	/* at most one per request the model can hold, and the one being taken */
	CHECK((uint16_t)(q->last_avail - q->used_idx) <= virtio_mmio_queue_max(t, q) + 1,
	      "virtio: %u chains taken but not answered", (uint16_t)(q->last_avail - q->used_idx));
	p = virtio_mmio_at(t, gpa, len);
	CHECK(p, "virtio: a part of the live queue left RAM");
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
static bool virtio_mmio_used_notify(struct virtio_queue *q, const uint8_t *avail)
{
	/* With NOTIFY_ON_EMPTY, an emptied queue notifies whatever else says (QEMU 7.2). */
	if (q->vq.notify_on_empty && q->last_avail == q->used_idx &&
	    ring_rd16(avail + 2) == q->last_avail)
		return true;
	if (q->vq.event_idx) {
		/* The board's device notifies for the first answer after the queue went live. */
		bool first = !q->vq.checked;
		q->vq.checked = true;
		return first ||
		       ring_rd16(avail + USED_EVENT(q->vq.num)) == (uint16_t)(q->used_idx - 1);
	}
	return !(ring_rd16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/*
 * The chain at head had `len` bytes written into its device-writable
 * buffers, in order (§2.6.8.1: used.len): each piece goes to mem.wrote.
 */
static void virtio_mmio_wrote(struct virtio_mmio *t, struct virtio_queue *q, uint16_t head,
                              uint32_t len)
{
	const uint8_t *table = virtio_mmio_vq_part(t, q, q->vq.desc, DESC_BYTES(q->vq.num));
	uint16_t i = head;

	if (!table)
		return;
	for (uint32_t n = 0; len && i < q->vq.num && n < q->vq.num; n++) {
		struct virtio_desc d = desc_read(table, i);
		uint32_t k = d.len < len ? d.len : len;
		if ((d.flags & VIRTQ_DESC_F_WRITE) && k) {
			if (virtio_mmio_at(t, d.addr, k))
				t->mem.wrote(t->mem.ctx, d.addr, k);
			len -= k;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		i = d.next;
	}
}

/*
 * Puts {head, len} in the used ring: the element first, then the index
 * (§2.6.8.2).  Never for a queue that is not live: after a reset the
 * guest no longer expects the answer, and once broken (§2.1.2) the device
 * puts nothing in its queue, as QEMU's.
 */
void virtio_mmio_push(struct virtio_mmio *t, uint32_t qi, uint16_t head, uint32_t len)
{
	struct virtio_queue *q = &t->q[qi];
	uint8_t *used, *elem;
	const uint8_t *avail;

	CHECK(q->vq.live, "virtio: an answer for a queue that is not live");
	if (!q->vq.live)
		return;
	used = virtio_mmio_vq_part(t, q, q->vq.used, USED_BYTES(q->vq.num));
	avail = virtio_mmio_vq_part(t, q, q->vq.avail, AVAIL_BYTES(q->vq.num));
	if (!used || !avail) {
		virtio_mmio_break(t);
		return;
	}
	if (t->mem.wrote && len && (!t->mem.watched || *t->mem.watched))
		virtio_mmio_wrote(t, q, head, len);
	elem = used + 4 + 8 * (size_t)(q->used_idx % q->vq.num);
	ring_wr32(elem, head);
	ring_wr32(elem + 4, len);
	ring_fence();
	q->used_idx++;
	ring_wr16(used + 2, q->used_idx);
	ring_fence(); /* the index before reading what the driver wants (§2.6.7.2) */
	t->stats.answered++;
	if (virtio_mmio_used_notify(q, avail)) {
		t->stats.interrupts++;
		virtio_mmio_interrupt(t, INT_USED_BUFFER);
	} else {
		t->stats.suppressed++;
	}
}

/*
 * Follows the chain (§2.6.5.2).  A descriptor index outside the table, or
 * more descriptors than the queue has (a loop), leave nothing to answer in.
 */
int virtio_mmio_walk(struct virtio_mmio *t, uint32_t qi, uint16_t head, struct virtio_desc *x,
                     uint32_t max, struct virtio_chain *c)
{
	struct virtio_queue *q = &t->q[qi];
	const uint8_t *table = virtio_mmio_vq_part(t, q, q->vq.desc, DESC_BYTES(q->vq.num));
	uint16_t i = head;
	bool writable = false;

	CHECK(max >= q->vq.num, "virtio: a walk with room for %u of %u descriptors", max,
	      q->vq.num);
	*c = (struct virtio_chain){.d = x};
	if (!table || max < q->vq.num)
		return -1;
	for (;;) {
		if (i >= q->vq.num || c->n == q->vq.num)
			return -1;
		x[c->n] = desc_read(table, i);
		if ((x[c->n].flags & VIRTQ_DESC_F_INDIRECT) ||
		    (x[c->n].len && !virtio_mmio_at(t, x[c->n].addr, x[c->n].len)))
			c->bad_buffer = true;
		/* §2.6.4.2: readable buffers come first */
		if (x[c->n].flags & VIRTQ_DESC_F_WRITE)
			writable = true;
		else if (writable && c->ordered == 0)
			c->ordered = c->n;
		if (!(x[c->n++].flags & VIRTQ_DESC_F_NEXT))
			break;
		i = x[c->n - 1].next;
	}
	if (c->ordered == 0) /* a readable one after a writable one is never the first */
		c->ordered = c->n;
	return 0;
}

/*
 * Takes the chains avail->idx shows: true when the ring is empty, false when
 * the model has no room (or the device broke): a call again follows then.
 */
static bool virtio_mmio_take(struct virtio_mmio *t, struct virtio_queue *q, const uint8_t *avail,
                             int (*take)(void *dev, uint16_t head))
{
	uint16_t idx = ring_rd16(avail + 2);

	/* §2.6.6: the driver cannot have made more than num entries available. */
	if ((uint16_t)(idx - q->last_avail) > q->vq.num) {
		virtio_mmio_break(t);
		return false;
	}
	ring_fence();
	while (q->last_avail != idx && q->vq.live) {
		uint16_t head = ring_rd16(avail + 4 + 2 * (size_t)(q->last_avail % q->vq.num));

		/* Taken from here on, as the board's device counts it (its answer may come now). */
		q->last_avail++;
		if (take(t->dev, head) != 0) {
			q->last_avail--; /* the model is full: it stays in the ring */
			return false;
		}
		/* A chain that broke the device is not taken: nothing moves once broken. */
		if (q->vq.live)
			t->stats.requests++;
		else
			q->last_avail--;
	}
	return q->vq.live;
}

/* The avail and used rings of a live queue, or false (the device breaks if they left RAM). */
static bool virtio_mmio_rings(struct virtio_mmio *t, struct virtio_queue *q, const uint8_t **avail,
                              uint8_t **used)
{
	if (!q->vq.live)
		return false;
	*avail = virtio_mmio_vq_part(t, q, q->vq.avail, AVAIL_BYTES(q->vq.num));
	*used = virtio_mmio_vq_part(t, q, q->vq.used, USED_BYTES(q->vq.num));
	if (!*avail || !*used) {
		virtio_mmio_break(t);
		return false;
	}
	return true;
}

int virtio_mmio_process(struct virtio_mmio *t, uint32_t qi, int (*take)(void *dev, uint16_t head))
{
	struct virtio_queue *q = &t->q[qi];
	const uint8_t *avail;
	uint8_t *used;
	bool emptied;

	if (!virtio_mmio_rings(t, q, &avail, &used))
		return -1;
	while ((emptied = virtio_mmio_take(t, q, avail, take)) && q->vq.event_idx) {
		ring_wr16(used + AVAIL_EVENT(q->vq.num), q->last_avail);
		ring_fence();
		if (ring_rd16(avail + 2) == q->last_avail)
			break;
	}
	return emptied;
}

int virtio_mmio_pop(struct virtio_mmio *t, uint32_t qi, uint16_t *head)
{
	struct virtio_queue *q = &t->q[qi];
	const uint8_t *avail;
	uint8_t *used;
	uint16_t idx;

	if (!virtio_mmio_rings(t, q, &avail, &used))
		return -1;
	idx = ring_rd16(avail + 2);
	if (idx == q->last_avail && q->vq.event_idx) {
		/* Empty: ask for a notification with the next chain, then look again (§2.6.10). */
		ring_wr16(used + AVAIL_EVENT(q->vq.num), q->last_avail);
		ring_fence();
		idx = ring_rd16(avail + 2);
	}
	if (idx == q->last_avail)
		return 0;
	/* §2.6.6: the driver cannot have made more than num entries available. */
	if ((uint16_t)(idx - q->last_avail) > q->vq.num) {
		virtio_mmio_break(t);
		return -1;
	}
	ring_fence();
	*head = ring_rd16(avail + 4 + 2 * (size_t)(q->last_avail % q->vq.num));
	q->last_avail++;
	t->stats.requests++;
	return 1;
}

void virtio_mmio_unpop(struct virtio_mmio *t, uint32_t qi)
{
	struct virtio_queue *q = &t->q[qi];

	CHECK(q->vq.live && q->last_avail != q->used_idx, "virtio: nothing to give back");
	if (!q->vq.live)
		return;
	q->last_avail--;
	t->stats.requests--;
}

bool virtio_mmio_pending(struct virtio_mmio *t, uint32_t qi)
{
	struct virtio_queue *q = &t->q[qi];
	const uint8_t *avail;

	if (!q->vq.live)
		return false;
	avail = virtio_mmio_vq_part(t, q, q->vq.avail, AVAIL_BYTES(q->vq.num));
	return avail && ring_rd16(avail + 2) != q->last_avail;
}

/*
 * A queue reset: the device forgets the queue, answers still due from the
 * model go stale (gen), and a queue enabled again starts from index 0, as
 * a new ring does (virtio 1.2 §2.6.1 gives QueueReady = 0 this meaning; 1.1
 * leaves it open).  DEVICE_NEEDS_RESET stays until the device is reset.
 */
static void virtio_mmio_vq_reset(struct virtio_mmio *t, struct virtio_queue *q)
{
	q->vq = (struct virtio_vq){0};
	q->last_avail = q->used_idx = 0;
	t->gen++;
}

/*
 * §2.1.1 / §4.2.2.1: writing 0 to Status resets the device.  Answers still
 * due from the model go stale.  A legacy device keeps GuestPageSize and
 * QueueAlign, as QEMU's does: a driver may write GuestPageSize once, before
 * its first reset.  Like the board's transport, the reset also keeps the
 * feature selectors and the driver's feature words; only what was negotiated
 * is forgotten.
 */
static void virtio_mmio_reset(struct virtio_mmio *t)
{
	t->status = 0;
	t->queue_sel = 0;
	t->negotiated = 0;
	t->interrupt_status = 0;
	t->broken = false;
	for (uint32_t i = 0; i < t->model->nqueues; i++) {
		struct virtio_queue *q = &t->q[i];
		q->num = 0;
		q->ready = false;
		q->desc = q->avail = q->used = 0;
		virtio_mmio_vq_reset(t, q);
	}
	virtio_mmio_update_irq(t);
	if (t->model->reset)
		t->model->reset(t->dev);
}

/* The selected queue, or NULL when QueueSel names none. */
static struct virtio_queue *virtio_mmio_sel(struct virtio_mmio *t)
{
	return t->queue_sel < t->model->nqueues ? &t->q[t->queue_sel] : NULL;
}

/*
 * QueueReady = 1 (legacy: a QueuePFN other than 0).  The register reads 1
 * from now on, as §4.2.2 and QEMU have it, but the queue goes live only if
 * its size and parts are what §2.6 allows, each in the VM's RAM, and the
 * device is not broken; a bad queue breaks the device instead (QEMU too
 * sets DEVICE_NEEDS_RESET for rings it cannot map).
 */
static void virtio_mmio_queue_enable(struct virtio_mmio *t, struct virtio_queue *q)
{
	q->ready = true;
	virtio_mmio_vq_reset(t, q);
	if (t->broken)
		return;
	if (!virtio_mmio_vq_valid(t, q, q->num, q->desc, q->avail, q->used)) {
		virtio_mmio_break(t);
		return;
	}
	q->vq = (struct virtio_vq){
	    .live = true,
	    .event_idx = (t->negotiated & VIRTIO_F_EVENT_IDX) != 0,
	    .num = q->num,
	    .desc = q->desc,
	    .avail = q->avail,
	    .used = q->used,
	    .notify_on_empty = (t->negotiated & VIRTIO_F_NOTIFY_ON_EMPTY) != 0,
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
static void virtio_mmio_legacy_enable(struct virtio_mmio *t, struct virtio_queue *q, uint32_t pfn)
{
	uint64_t num = q->num, avail_end;

	q->desc = (uint64_t)pfn << t->page_shift;
	q->avail = q->desc + DESC_BYTES(num);
	avail_end = q->avail + AVAIL_BYTES(num);
	q->used = (avail_end + t->queue_align - 1) / t->queue_align * t->queue_align;
	virtio_mmio_queue_enable(t, q);
}

/*
 * QueuePFN = 0: the driver stops using the queue (§4.2.4).  Answers still due
 * from the model are dropped (gen differs), and a queue set up again starts
 * from index 0, as a new ring does.
 */
static void virtio_mmio_legacy_stop(struct virtio_mmio *t, struct virtio_queue *q)
{
	q->ready = false;
	q->desc = q->avail = q->used = 0;
	virtio_mmio_vq_reset(t, q);
}

/* Registers.  A queue's setup is fixed while it is ready. */

/* The selected queue when its setup may be written, else NULL. */
static struct virtio_queue *virtio_mmio_queue_setup(struct virtio_mmio *t)
{
	struct virtio_queue *q = virtio_mmio_sel(t);

	return q && !q->ready ? q : NULL;
}

static void set_low(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffull) | v;
}

static void set_high(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | (uint64_t)v << 32;
}

static uint32_t magic_read(struct virtio_mmio *t)
{
	(void)t;
	return VIRTIO_MMIO_MAGIC;
}

static uint32_t version_read(struct virtio_mmio *t)
{
	return t->legacy ? VIRTIO_MMIO_VERSION_LEGACY : VIRTIO_MMIO_VERSION;
}

static uint32_t device_id_read(struct virtio_mmio *t)
{
	return t->model->device_id;
}

static uint32_t vendor_id_read(struct virtio_mmio *t)
{
	(void)t;
	return VIRTIO_MMIO_VENDOR_ID;
}

static uint32_t device_features_read(struct virtio_mmio *t)
{
	return (uint32_t)(virtio_mmio_features_offered(t) >> (32 * t->dev_features_sel));
}

static uint32_t queue_num_max_read(struct virtio_mmio *t)
{
	struct virtio_queue *q = virtio_mmio_sel(t);

	return q ? virtio_mmio_queue_max(t, q) : 0;
}

static uint32_t queue_ready_read(struct virtio_mmio *t)
{
	struct virtio_queue *q = virtio_mmio_sel(t);

	return q && q->ready;
}

/* The page the queue starts at, in the current page size, as QEMU answers. */
static uint32_t queue_pfn_read(struct virtio_mmio *t)
{
	struct virtio_queue *q = virtio_mmio_sel(t);

	return q ? (uint32_t)(q->desc >> t->page_shift) : 0;
}

static uint32_t interrupt_status_read(struct virtio_mmio *t)
{
	return t->interrupt_status;
}

static uint32_t status_read(struct virtio_mmio *t)
{
	return t->status;
}

/* §4.2.2: "Reading from a non-existent region ... results in a length of -1". */
static uint32_t shm_len_read(struct virtio_mmio *t)
{
	(void)t;
	return 0xffffffff;
}

/* ConfigGeneration: 0 unless a model's configuration changed under the driver. */
static uint32_t config_generation_read(struct virtio_mmio *t)
{
	return t->config_gen;
}

static uint32_t (*const virtio_mmio_read_regs[VIRTIO_MMIO_REGS])(struct virtio_mmio *t) = {
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
    [REG_CONFIG_GENERATION / 4] = config_generation_read,
};

/*
 * Version 1 (§4.2.4).  Registers only version 2 has (QueueReady, the ring
 * addresses, ConfigGeneration) read 0 and ignore writes, as in QEMU.
 */
static uint32_t (*const virtio_mmio_legacy_read_regs[VIRTIO_MMIO_REGS])(struct virtio_mmio *t) = {
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
static void device_features_sel_write(struct virtio_mmio *t, uint32_t v)
{
	t->dev_features_sel = v != 0;
}

/*
 * §3.1.1: features are the driver's to choose until it sets FEATURES_OK.  The words are
 * kept as written; status_write takes them when FEATURES_OK is set.
 */
static void driver_features_write(struct virtio_mmio *t, uint32_t v)
{
	if (t->drv_features_sel == 0)
		set_low(&t->drv_features, v);
	else
		set_high(&t->drv_features, v);
}

/*
 * Legacy GuestFeatures: the low 32 bits only, taken at once (there is no
 * FEATURES_OK step), less what the device did not offer, as QEMU does.
 */
static void legacy_driver_features_write(struct virtio_mmio *t, uint32_t v)
{
	if (t->drv_features_sel != 0 || (t->status & STATUS_FEATURES_OK))
		return;
	t->drv_features = v;
	t->negotiated = v & virtio_mmio_features_all(t);
}

static void driver_features_sel_write(struct virtio_mmio *t, uint32_t v)
{
	t->drv_features_sel = v != 0;
}

static void queue_sel_write(struct virtio_mmio *t, uint32_t v)
{
	t->queue_sel = v;
}

static void queue_num_write(struct virtio_mmio *t, uint32_t v)
{
	struct virtio_queue *q = virtio_mmio_queue_setup(t);

	if (q)
		q->num = v;
}

/* Only the lowest set bit counts, and 0 means 1 byte, as in QEMU. */
static void guest_page_size_write(struct virtio_mmio *t, uint32_t v)
{
	uint32_t shift = 0;

	while (v && !(v & 1)) {
		v >>= 1;
		shift++;
	}
	t->page_shift = shift;
}

/* 0 is ignored, as in QEMU; any other value is checked when the queue is placed. */
static void queue_align_write(struct virtio_mmio *t, uint32_t v)
{
	if (v && virtio_mmio_queue_setup(t))
		t->queue_align = v;
}

static void queue_pfn_write(struct virtio_mmio *t, uint32_t v)
{
	struct virtio_queue *q = virtio_mmio_sel(t);

	if (!q)
		return;
	if (v == 0)
		virtio_mmio_legacy_stop(t, q);
	else if (!q->ready)
		virtio_mmio_legacy_enable(t, q, v);
}

static void queue_ready_write(struct virtio_mmio *t, uint32_t v)
{
	struct virtio_queue *q = virtio_mmio_sel(t);

	if (!q)
		return;
	if (v & 1) {
		if (!q->ready)
			virtio_mmio_queue_enable(t, q);
	} else {
		q->ready = false;
		virtio_mmio_vq_reset(t, q);
	}
}

/* The value is the queue's index (§4.2.2; no VIRTIO_F_NOTIFICATION_DATA). */
static void queue_notify_write(struct virtio_mmio *t, uint32_t v)
{
	t->stats.notifies++;
	if (v < t->model->nqueues)
		t->model->notify(t->dev, v);
}

static void interrupt_ack_write(struct virtio_mmio *t, uint32_t v)
{
	t->stats.acks++;
	t->interrupt_status &= ~v;
	virtio_mmio_update_irq(t);
}

/*
 * Setting FEATURES_OK takes the driver's features, less what the device did not offer.
 * §2.2.2 and §6.1 let a device refuse FEATURES_OK for features it did not offer or for a
 * driver without VERSION_1; the board's version 2 device never does, and kernels written
 * against it (a driver that writes only the low feature word never acknowledges
 * VERSION_1) rely on that, so popek's does not refuse either.
 */
static void status_write(struct virtio_mmio *t, uint32_t v)
{
	if (v == 0) {
		virtio_mmio_reset(t);
		return;
	}
	/* Legacy: no feature negotiation step (§3.1.2); the features were taken as written. */
	if (!t->legacy && (v & STATUS_FEATURES_OK) && !(t->status & STATUS_FEATURES_OK))
		t->negotiated = t->drv_features & virtio_mmio_features_all(t);
	t->status = (v & 0xff) | (t->status & STATUS_NEEDS_RESET);
}

/* The six ring address halves of version 2: which field, which half. */
static void queue_addr_write(struct virtio_mmio *t, size_t field, bool high, uint32_t v)
{
	struct virtio_queue *q = virtio_mmio_queue_setup(t);
	uint64_t *r;

	if (!q)
		return;
	r = (uint64_t *)((char *)q + field);
	if (high)
		set_high(r, v);
	else
		set_low(r, v);
}

static void queue_desc_low_write(struct virtio_mmio *t, uint32_t v)
{
	queue_addr_write(t, offsetof(struct virtio_queue, desc), false, v);
}

static void queue_desc_high_write(struct virtio_mmio *t, uint32_t v)
{
	queue_addr_write(t, offsetof(struct virtio_queue, desc), true, v);
}

static void queue_driver_low_write(struct virtio_mmio *t, uint32_t v)
{
	queue_addr_write(t, offsetof(struct virtio_queue, avail), false, v);
}

static void queue_driver_high_write(struct virtio_mmio *t, uint32_t v)
{
	queue_addr_write(t, offsetof(struct virtio_queue, avail), true, v);
}

static void queue_device_low_write(struct virtio_mmio *t, uint32_t v)
{
	queue_addr_write(t, offsetof(struct virtio_queue, used), false, v);
}

static void queue_device_high_write(struct virtio_mmio *t, uint32_t v)
{
	queue_addr_write(t, offsetof(struct virtio_queue, used), true, v);
}

static void (*const virtio_mmio_write_regs[VIRTIO_MMIO_REGS])(struct virtio_mmio *t, uint32_t v) = {
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

static void (*const virtio_mmio_legacy_write_regs[VIRTIO_MMIO_REGS])(struct virtio_mmio *t,
                                                                     uint32_t v) = {
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

/*
 * Accesses as the board's transport takes them.  QEMU 7.2's virtio-mmio sets no size limits
 * of its own, so its memory core's apply: any naturally aligned access of 1, 2, 4 or 8 bytes
 * inside the 0x200-byte window, an 8-byte one done as two 4-byte ones; misaligned ones and
 * the rest of the slot fault.  A register answers only a 4-byte access (§4.2.2 asks drivers
 * for nothing else): others read 0 and write nothing.  The configuration space takes 1, 2 and
 * 4 bytes; an access reaching past its end reads all ones and writes nothing.
 */
#define VIRTIO_MMIO_WINDOW 0x200

static bool virtio_mmio_access_ok(uint64_t off, unsigned width)
{
	return (width == 1 || width == 2 || width == 4 || width == 8) && off % width == 0 &&
	       off < VIRTIO_MMIO_WINDOW;
}

/* One access of at most 4 bytes, inside the window. */
static uint32_t virtio_mmio_read_piece(struct virtio_mmio *t, uint64_t off, unsigned width)
{
	if (off >= REG_CONFIG) {
		uint8_t cfg[VIRTIO_MMIO_CONFIG_MAX];
		uint32_t v = 0;

		if (off - REG_CONFIG + width > t->model->config_len)
			return UINT32_MAX >> (32 - 8 * width);
		t->model->config(t->dev, cfg);
		for (unsigned i = 0; i < width; i++)
			v |= (uint32_t)cfg[off - REG_CONFIG + i] << (8 * i);
		return v;
	}
	if (width != 4)
		return 0;
	uint32_t (*const *regs)(struct virtio_mmio *) =
	    t->legacy ? virtio_mmio_legacy_read_regs : virtio_mmio_read_regs;
	/* Write-only and unassigned registers read 0, as in QEMU. */
	return regs[off / 4] ? regs[off / 4](t) : 0;
}

/* A configuration write goes to the model, when it has writable fields, whole or not at all. */
static void virtio_mmio_write_piece(struct virtio_mmio *t, uint64_t off, unsigned width,
                                    uint32_t val)
{
	if (off >= REG_CONFIG) {
		if (t->model->config_write && off - REG_CONFIG + width <= t->model->config_len)
			t->model->config_write(t->dev, (uint32_t)(off - REG_CONFIG), width, val);
		return;
	}
	if (width != 4)
		return;
	void (*const *regs)(struct virtio_mmio *, uint32_t) =
	    t->legacy ? virtio_mmio_legacy_write_regs : virtio_mmio_write_regs;
	if (regs[off / 4])
		regs[off / 4](t, val);
}

static int virtio_mmio_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct virtio_mmio *t = dev;

	if (!virtio_mmio_access_ok(off, width))
		return -1;
	if (width == 8)
		*val = virtio_mmio_read_piece(t, off, 4) |
		       (uint64_t)virtio_mmio_read_piece(t, off + 4, 4) << 32;
	else
		*val = virtio_mmio_read_piece(t, off, width);
	return 0;
}

static int virtio_mmio_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct virtio_mmio *t = dev;

	if (!virtio_mmio_access_ok(off, width))
		return -1;
	if (width == 8) {
		virtio_mmio_write_piece(t, off, 4, (uint32_t)val);
		virtio_mmio_write_piece(t, off + 4, 4, (uint32_t)(val >> 32));
	} else {
		virtio_mmio_write_piece(t, off, width, (uint32_t)val);
	}
	return 0;
}

const struct mmio_ops virtio_mmio_ops = {
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_mmio_model *model, void *dev,
                      bool legacy, struct virtio_mem mem, struct vplic *plic, uint32_t irq)
{
	CHECK(model->nqueues <= VIRTIO_MMIO_QUEUES && model->queue_max <= VIRTIO_MMIO_QUEUE_MAX &&
	          model->config_len <= VIRTIO_MMIO_CONFIG_MAX,
	      "virtio: model of device %u larger than the transport", model->device_id);
	memset(t, 0, sizeof(*t));
	t->model = model;
	t->dev = dev;
	t->legacy = legacy;
	t->queue_align = VIRTIO_MMIO_LEGACY_ALIGN;
	t->mem = mem;
	t->plic = plic;
	t->irq = irq;
	virtio_mmio_update_irq(t);
}
