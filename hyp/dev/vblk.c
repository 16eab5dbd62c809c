/*
 * Virtual virtio-blk (virtio 1.1 §5.2 block device) on the shared
 * virtio-mmio transport (dev/virtio_mmio.c), version 2 or legacy: one queue,
 * the requests and every check of them the same on both.  What the guest
 * controls is read once before it is checked (the transport's descriptors,
 * the request header here).
 */
#include "dev/vblk.h"

#include <stddef.h>

#include "lib/string.h"

#define VBLK_DEVICE_ID 2 /* §5.2.1 */

/* Feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX  (1ull << 2)
#define VIRTIO_BLK_F_RO       (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH    (1ull << 9)

/* struct virtio_blk_config (§5.2.4), as far as virtio 1.1 defines it. */
#define CFG_CAPACITY  0x00
#define CFG_SIZE_MAX  0x08
#define CFG_SEG_MAX   0x0c
#define CFG_BLK_SIZE  0x14
#define CFG_LEN       57 /* the board's: up to write_zeroes_may_unmap (QEMU 7.2 virtio-blk) */

#define VBLK_ID_BYTES 20 /* §5.2.6: GET_ID answers 20 bytes, NUL-padded */
#define VBLK_HDR_LEN  16 /* type, reserved, sector */

/* A request handler's answer when the backend must do the work. */
#define VBLK_SUBMIT (-1)

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

static void *vblk_at(const struct vblk *d, uint64_t gpa, uint64_t len)
{
	return virtio_mmio_at(&d->t, gpa, len);
}

/* Writes the status byte and returns the buffers to the guest. */
static void vblk_finish(struct vblk *d, const struct vblk_io *io, uint8_t status)
{
	uint8_t *st = vblk_at(d, io->status_gpa, 1);

	if (st)
		*(volatile uint8_t *)st = status;
	virtio_mmio_push(&d->t, 0, io->head, io->written);
}

/* Walking a chain (§2.6.5.2). */

static void span_clear(struct vblk_span *sp)
{
	sp->n = 0;
	sp->too_many = false;
	sp->len = 0;
}

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
 * Reads the chain from head into c, and sets io->status_gpa to the last
 * byte of its device-writable part.  Returns -1 when there is no status byte
 * to answer in: the chain leaves the table, loops (more descriptors than the
 * queue has), or has no device-writable byte in RAM at its end.
 */
static int vblk_walk(struct vblk *d, uint16_t head, struct vblk_chain *c, struct vblk_io *io)
{
	struct virtio_desc x[VBLK_QUEUE_MAX];
	struct virtio_chain ch;

	/* counters only: hdr and the spans' pieces are read up to what they count */
	c->n = 0;
	c->bad = false;
	c->hdr_len = 0;
	span_clear(&c->out);
	span_clear(&c->in);
	if (virtio_mmio_walk(&d->t, 0, head, x, VBLK_QUEUE_MAX, &ch) != 0)
		return -1;
	c->n = ch.n;
	c->bad = ch.bad_buffer;
	/* The status byte: the last byte of the last descriptor, which must be writable. */
	int st = (int)c->n - 1;
	if (x[st].len == 0 || !(x[st].flags & VIRTQ_DESC_F_WRITE) ||
	    (x[st].flags & VIRTQ_DESC_F_INDIRECT) || !vblk_at(d, x[st].addr, x[st].len))
		return -1;
	io->status_gpa = x[st].addr + x[st].len - 1;

	/* The two streams, up to a readable buffer after a writable one (§2.6.4.2). */
	for (uint32_t k = 0; k < c->n && !c->bad; k++) {
		uint64_t addr = x[k].addr, len = x[k].len;
		if (k == ch.ordered) {
			c->bad = true;
			break;
		}
		if (x[k].flags & VIRTQ_DESC_F_WRITE) {
			span_add(&c->in, addr, (int)k == st ? len - 1 : len);
			continue;
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
	io->gen = d->t.gen;
	io->busy = true;
	r = d->backend.submit(d->backend.ctx, io);
	if (r == VBLK_BACKEND_OK) {
		d->submitted++;
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

	/* every field but the pieces, which are read up to nseg (~300 bytes not zeroed) */
	req.dev = d;
	req.type = 0;
	req.sector = 0;
	req.nseg = 0;
	req.head = head;
	req.written = 0;
	req.status_gpa = 0;
	req.gen = 0;
	req.busy = false;
	if (vblk_walk(d, head, &c, &req) != 0) {
		/* Nowhere to say why, but the guest gets its head back. */
		virtio_mmio_push(&d->t, 0, head, 0);
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

/* Takes the request at head from the queue: 0 when it is consumed, -1 when the backend is full. */
static int vblk_take(void *dev, uint16_t head)
{
	return vblk_request(dev, head);
}

/*
 * Takes requests from the avail ring until it is empty or the backend is
 * full, then lets the backend start them all at once.
 */
static void vblk_process(struct vblk *d)
{
	if (virtio_mmio_process(&d->t, 0, vblk_take) < 0)
		return;
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
	if (io->gen != d->t.gen || !virtio_mmio_live(&d->t, 0))
		return;
	vblk_finish(d, io, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR);
}

/* Only queue 0 exists. */
static void vblk_notify(void *dev, uint32_t q)
{
	(void)q;
	vblk_process(dev);
}

/* The block features it can do; the transport adds its own. */
static uint64_t vblk_features(void *dev)
{
	const struct vblk *d = dev;

	return VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH |
	       (d->read_only ? VIRTIO_BLK_F_RO : 0);
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* struct virtio_blk_config, little-endian (§5.2.4); geometry and topology are 0. */
static void vblk_config(void *dev, uint8_t *cfg)
{
	const struct vblk *d = dev;

	memset(cfg, 0, CFG_LEN);
	put_le(cfg + CFG_CAPACITY, d->size / VBLK_SECTOR, 8);
	put_le(cfg + CFG_SIZE_MAX, 0, 4); /* VIRTIO_BLK_F_SIZE_MAX is not offered */
	put_le(cfg + CFG_SEG_MAX, VBLK_MAX_SEG, 4);
	put_le(cfg + CFG_BLK_SIZE, VBLK_SECTOR, 4);
}

/* No configuration field is writable without VIRTIO_BLK_F_CONFIG_WCE. */
static const struct virtio_mmio_model vblk_model = {
    .device_id = VBLK_DEVICE_ID,
    .nqueues = 1,
    .queue_max = VBLK_QUEUE_MAX,
    .config_len = CFG_LEN,
    .features = vblk_features,
    .config = vblk_config,
    .notify = vblk_notify,
};

static int vblk_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct vblk *d = dev;

	return virtio_mmio_ops.read(&d->t, off, width, val);
}

static int vblk_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vblk *d = dev;

	return virtio_mmio_ops.write(&d->t, off, width, val);
}

const struct mmio_ops vblk_ops = {
    .read = vblk_read,
    .write = vblk_write,
};

void vblk_init(struct vblk *d, uint64_t start, uint64_t size, bool read_only, bool legacy,
               struct virtio_mem mem, struct vblk_backend backend, struct vplic *plic, uint32_t irq)
{
	memset(d, 0, sizeof(*d));
	d->start = start;
	d->size = size;
	d->read_only = read_only;
	d->backend = backend;
	for (size_t i = 0; i < VBLK_QUEUE_MAX; i++)
		d->io[i].dev = d;
	virtio_mmio_init(&d->t, &vblk_model, d, legacy, mem, plic, irq);
}
