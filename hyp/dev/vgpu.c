/*
 * virtio-gpu 2D commands (virtio 1.2 §5.7.6), answered as the board's
 * device (QEMU 7.2 virtio-gpu-device without virgl, blob or EDID) answers
 * them: the same checks in the same order, the same error for each.
 *
 * Everything the guest sends is copied into popek's memory before it is
 * looked at.  A resource's pixels and its table of backing entries live in
 * the arena; the entries are checked against the VM's RAM when attached, and
 * every transfer reads the guest's pages through vgpu->mem again, so nothing
 * the guest does later can point the device outside its RAM.
 */
#include "dev/vgpu.h"

#include <stddef.h>

#include "core/check.h"
#include "lib/string.h"

#define ARENA_ALIGN 16
#define BPP         4 /* every format the device knows is 32 bits a pixel */

/* The wire structures (§5.7.6.7), little-endian like popek. */
struct hdr {
	uint32_t type;
	uint32_t flags;
	uint64_t fence_id;
	uint32_t ctx_id;
	uint8_t ring_idx;
	uint8_t padding[3];
};

struct cmd_create_2d {
	struct hdr hdr;
	uint32_t resource_id, format, width, height;
};

struct cmd_res {
	struct hdr hdr;
	uint32_t resource_id, padding;
};

struct cmd_set_scanout {
	struct hdr hdr;
	struct vgpu_rect r;
	uint32_t scanout_id, resource_id;
};

struct cmd_flush {
	struct hdr hdr;
	struct vgpu_rect r;
	uint32_t resource_id, padding;
};

struct cmd_transfer {
	struct hdr hdr;
	struct vgpu_rect r;
	uint64_t offset;
	uint32_t resource_id, padding;
};

struct cmd_attach {
	struct hdr hdr;
	uint32_t resource_id, nr_entries;
};

struct mem_entry {
	uint64_t addr;
	uint32_t length, padding;
};

struct cmd_cursor {
	struct hdr hdr;
	uint32_t scanout_id, x, y, padding;
	uint32_t resource_id, hot_x, hot_y, padding2;
};

struct display_one {
	struct vgpu_rect r;
	uint32_t enabled, flags;
};

#define MAX_SCANOUTS 16 /* §5.7.6.7 VIRTIO_GPU_MAX_SCANOUTS: the answer's size */

/* Where R, G and B sit in a pixel's four bytes, by format (§5.7.6.8). */
struct format {
	uint8_t r, g, b;
	bool known;
};

static const struct format formats[] = {
    [VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM] = {2, 1, 0, true},
    [VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM] = {2, 1, 0, true},
    [VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM] = {1, 2, 3, true},
    [VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM] = {1, 2, 3, true},
    [VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM] = {0, 1, 2, true},
    [VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM] = {3, 2, 1, true},
    [VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM] = {3, 2, 1, true},
    [VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM] = {0, 1, 2, true},
};

static bool format_known(uint32_t f)
{
	return f < sizeof formats / sizeof formats[0] && formats[f].known;
}

/* Resources. */

static struct vgpu_res *res_find(struct vgpu *g, uint32_t id)
{
	if (id == 0)
		return NULL;
	for (int i = 0; i < VGPU_MAX_RES; i++)
		if (g->res[i].id == id)
			return &g->res[i];
	return NULL;
}

static struct vgpu_ent *res_ents(const struct vgpu *g, const struct vgpu_res *r)
{
	return (struct vgpu_ent *)(void *)(g->arena + r->ent_off);
}

static uint64_t ents_bytes(uint32_t nents)
{
	return nents ? (uint64_t)(nents + 1) * sizeof(struct vgpu_ent) : 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Is [off, off+len) free of every live extent (the one being placed excluded)? */
static bool arena_free(const struct vgpu *g, uint64_t off, uint64_t len)
{
	for (int i = 0; i < VGPU_MAX_RES; i++) {
		const struct vgpu_res *r = &g->res[i];

		if (!r->id)
			continue;
		if (overlaps(off, len, r->pix_off, r->pix_len) ||
		    overlaps(off, len, r->ent_off, ents_bytes(r->nents)))
			return false;
	}
	return true;
}

/*
 * First fit: the lowest of 0 and the ends of the live extents where len bytes
 * fit.  At most 2 * VGPU_MAX_RES extents, so a plain scan does.  false when
 * the arena has no such room.
 */
static bool arena_alloc(const struct vgpu *g, uint64_t len, uint64_t *off)
{
	uint64_t best = UINT64_MAX;

	if (len == 0) {
		*off = 0;
		return true;
	}
	if (len > g->arena_size)
		return false;
	for (int i = -1; i < 2 * VGPU_MAX_RES; i++) {
		uint64_t c = 0;

		if (i >= 0) {
			const struct vgpu_res *r = &g->res[i / 2];
			uint64_t o = i % 2 ? r->ent_off : r->pix_off;
			uint64_t l = i % 2 ? ents_bytes(r->nents) : r->pix_len;

			if (!r->id || !l)
				continue;
			c = (o + l + ARENA_ALIGN - 1) & ~(uint64_t)(ARENA_ALIGN - 1);
		}
		if (c < best && c <= g->arena_size - len && arena_free(g, c, len))
			best = c;
	}
	if (best == UINT64_MAX)
		return false;
	*off = best;
	return true;
}

static void scanout_disable(struct vgpu *g)
{
	if (g->scanout_res)
		g->flush_gen++;
	g->scanout_res = 0;
	g->scanout = (struct vgpu_rect){0, 0, 0, 0};
}

static void res_destroy(struct vgpu *g, struct vgpu_res *r)
{
	if (g->scanout_res == r->id)
		scanout_disable(g);
	*r = (struct vgpu_res){0};
}

/*
 * Copies len bytes of r's backing from offset off into dst, as far as the
 * backing reaches (the board's device copies what there is and no more).
 */
static void backing_read(const struct vgpu *g, const struct vgpu_res *r, uint64_t off, uint8_t *dst,
                         uint64_t len)
{
	const struct vgpu_ent *e = res_ents(g, r);
	uint32_t lo = 0, hi = r->nents;

	if (!r->nents || off >= e[r->nents].start)
		return;
	/* the entry holding off: the last whose start is <= off */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e[mid].start <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < r->nents && len; i++) {
		uint64_t in = off - e[i].start;
		uint64_t n = e[i + 1].start - e[i].start - in;
		const uint8_t *src;

		if (n > len)
			n = len;
		src = g->mem.at(g->mem.ctx, e[i].gpa + in, n);
		/* checked at attach: the VM's RAM does not move or shrink */
		CHECK(src, "vgpu: backing entry %u of resource %u left RAM", i, r->id);
		if (!src)
			return;
		memcpy(dst, src, n);
		dst += n;
		len -= n;
		off += n;
	}
}

/* Commands.  Each answers a response type; GET_DISPLAY_INFO also fills resp. */

/* §5.7.6.8 VIRTIO_GPU_CMD_RESOURCE_CREATE_2D */
static uint32_t cmd_create_2d(struct vgpu *g, const void *p, const struct vgpu_req *req,
                              struct vgpu_resp *resp)
{
	const struct cmd_create_2d *c = p;
	struct vgpu_res *r = NULL;
	uint64_t bytes = (uint64_t)c->width * c->height * BPP, off;

	(void)req;
	(void)resp;
	if (c->resource_id == 0 || res_find(g, c->resource_id))
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!format_known(c->format))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	for (int i = 0; i < VGPU_MAX_RES && !r; i++)
		if (!g->res[i].id)
			r = &g->res[i];
	if (!r || !arena_alloc(g, bytes, &off))
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	*r = (struct vgpu_res){.id = c->resource_id,
	                       .format = c->format,
	                       .width = c->width,
	                       .height = c->height,
	                       .pix_off = off,
	                       .pix_len = bytes};
	memset(g->arena + off, 0, bytes); /* the board's new image is zeroed */
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/* §5.7.6.8 VIRTIO_GPU_CMD_RESOURCE_UNREF */
static uint32_t cmd_unref(struct vgpu *g, const void *p, const struct vgpu_req *req,
                          struct vgpu_resp *resp)
{
	const struct cmd_res *c = p;
	struct vgpu_res *r = res_find(g, c->resource_id);

	(void)req;
	(void)resp;
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	res_destroy(g, r);
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/*
 * A rectangle wholly inside a w x h resource.  Each bound is checked on its own
 * first, so that the sums below cannot wrap.
 */
static bool rect_inside(const struct vgpu_rect *q, uint32_t w, uint32_t h)
{
	return q->x <= w && q->y <= h && q->width <= w && q->height <= h &&
	       (uint64_t)q->x + q->width <= w && (uint64_t)q->y + q->height <= h;
}

/* §5.7.6.8 VIRTIO_GPU_CMD_SET_SCANOUT: one scanout; a zero resource disables it. */
static uint32_t cmd_set_scanout(struct vgpu *g, const void *p, const struct vgpu_req *req,
                                struct vgpu_resp *resp)
{
	const struct cmd_set_scanout *c = p;
	struct vgpu_res *r;

	(void)req;
	(void)resp;
	if (c->scanout_id != 0)
		return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
	if (c->resource_id == 0) {
		scanout_disable(g);
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	r = res_find(g, c->resource_id);
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!r->nents)
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	/* the board's device takes no scanout smaller than 16 x 16 */
	if (!rect_inside(&c->r, r->width, r->height) || c->r.width < 16 || c->r.height < 16)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	g->scanout_res = r->id;
	g->scanout = c->r;
	g->flush_gen++;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/* §5.7.6.8 VIRTIO_GPU_CMD_RESOURCE_FLUSH: no backing needed. */
static uint32_t cmd_flush(struct vgpu *g, const void *p, const struct vgpu_req *req,
                          struct vgpu_resp *resp)
{
	const struct cmd_flush *c = p;
	struct vgpu_res *r = res_find(g, c->resource_id);

	(void)req;
	(void)resp;
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!rect_inside(&c->r, r->width, r->height))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	if (g->scanout_res == r->id) {
		g->flush_gen++;
		g->stats.flushes++;
	}
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/*
 * §5.7.6.8 VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D.  Row h of the rectangle comes
 * from backing offset offset + stride * h, computed in 32 bits as the board's
 * device does; a transfer at offset 0 of whole rows from (0, 0) copies the whole
 * image, whatever its height, as the board's does.
 */
static uint32_t cmd_transfer(struct vgpu *g, const void *p, const struct vgpu_req *req,
                             struct vgpu_resp *resp)
{
	const struct cmd_transfer *c = p;
	struct vgpu_res *r = res_find(g, c->resource_id);
	uint32_t stride;
	uint8_t *pix;

	(void)req;
	(void)resp;
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!r->nents)
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	if (!rect_inside(&c->r, r->width, r->height))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	stride = r->width * BPP;
	pix = g->arena + r->pix_off;
	if (c->offset || c->r.x || c->r.y || c->r.width != r->width) {
		for (uint32_t h = 0; h < c->r.height; h++) {
			uint32_t src = (uint32_t)c->offset + stride * h;
			uint64_t dst = (uint64_t)(c->r.y + h) * stride + (uint64_t)c->r.x * BPP;

			backing_read(g, r, src, pix + dst, (uint64_t)c->r.width * BPP);
		}
	} else {
		backing_read(g, r, 0, pix, r->pix_len);
	}
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/*
 * §5.7.6.8 VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING: nr_entries entries follow the
 * command.  Each must be non-empty and wholly in the VM's RAM; zero entries
 * leave the resource without backing, as on the board.
 */
static uint32_t cmd_attach(struct vgpu *g, const void *p, const struct vgpu_req *req,
                           struct vgpu_resp *resp)
{
	const struct cmd_attach *c = p;
	struct vgpu_res *r = res_find(g, c->resource_id);
	struct vgpu_ent *e;
	uint64_t off, start = 0;

	(void)resp;
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (r->nents || c->nr_entries > VGPU_MAX_ENTRIES)
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	if (c->nr_entries == 0)
		return VIRTIO_GPU_RESP_OK_NODATA;
	if (!arena_alloc(g, ents_bytes(c->nr_entries), &off))
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	e = (struct vgpu_ent *)(void *)(g->arena + off);
	for (uint32_t i = 0; i < c->nr_entries; i++) {
		struct mem_entry m;

		if (req->read(req->ctx, sizeof *c + (uint64_t)i * sizeof m, &m, sizeof m) !=
		    sizeof m)
			return VIRTIO_GPU_RESP_ERR_UNSPEC;
		if (m.length == 0 || m.addr + m.length < m.addr ||
		    !g->mem.at(g->mem.ctx, m.addr, m.length))
			return VIRTIO_GPU_RESP_ERR_UNSPEC;
		e[i] = (struct vgpu_ent){m.addr, start};
		start += m.length;
	}
	e[c->nr_entries] = (struct vgpu_ent){0, start};
	r->ent_off = off;
	r->nents = c->nr_entries;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/* §5.7.6.8 VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING */
static uint32_t cmd_detach(struct vgpu *g, const void *p, const struct vgpu_req *req,
                           struct vgpu_resp *resp)
{
	const struct cmd_res *c = p;
	struct vgpu_res *r = res_find(g, c->resource_id);

	(void)req;
	(void)resp;
	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!r->nents)
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	r->nents = 0;
	r->ent_off = 0;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/* §5.7.6.8 VIRTIO_GPU_CMD_GET_DISPLAY_INFO: scanout 0 enabled at the directory's size. */
static uint32_t cmd_display_info(struct vgpu *g, const void *p, const struct vgpu_req *req,
                                 struct vgpu_resp *resp)
{
	struct display_one one = {{0, 0, g->width, g->height}, 1, 0};

	(void)p;
	(void)req;
	memset(resp->bytes, 0, sizeof(struct hdr) + MAX_SCANOUTS * sizeof one);
	memcpy(resp->bytes + sizeof(struct hdr), &one, sizeof one);
	resp->len = sizeof(struct hdr) + MAX_SCANOUTS * sizeof one;
	return VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
}

/* Blob commands, which the board's device answers so while blobs are off. */
static uint32_t cmd_blob(struct vgpu *g, const void *p, const struct vgpu_req *req,
                         struct vgpu_resp *resp)
{
	(void)g;
	(void)p;
	(void)req;
	(void)resp;
	return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
}

#define CMD_BASE 0x0100

static const struct {
	uint32_t (*run)(struct vgpu *g, const void *cmd, const struct vgpu_req *req,
	                struct vgpu_resp *resp);
	uint32_t size; /* the command's fixed part; a shorter one is answered OK, undone */
} cmds[] = {
    [VIRTIO_GPU_CMD_GET_DISPLAY_INFO - CMD_BASE] = {cmd_display_info, sizeof(struct hdr)},
    [VIRTIO_GPU_CMD_RESOURCE_CREATE_2D - CMD_BASE] = {cmd_create_2d, sizeof(struct cmd_create_2d)},
    [VIRTIO_GPU_CMD_RESOURCE_UNREF - CMD_BASE] = {cmd_unref, sizeof(struct cmd_res)},
    [VIRTIO_GPU_CMD_SET_SCANOUT - CMD_BASE] = {cmd_set_scanout, sizeof(struct cmd_set_scanout)},
    [VIRTIO_GPU_CMD_RESOURCE_FLUSH - CMD_BASE] = {cmd_flush, sizeof(struct cmd_flush)},
    [VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D - CMD_BASE] = {cmd_transfer, sizeof(struct cmd_transfer)},
    [VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING - CMD_BASE] = {cmd_attach, sizeof(struct cmd_attach)},
    [VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING - CMD_BASE] = {cmd_detach, sizeof(struct cmd_res)},
    [0x010c - CMD_BASE] = {cmd_blob, 0}, /* RESOURCE_CREATE_BLOB */
    [0x010d - CMD_BASE] = {cmd_blob, 0}, /* SET_SCANOUT_BLOB */
};

#define NCMDS (sizeof cmds / sizeof cmds[0])

void vgpu_ctrl(struct vgpu *g, const struct vgpu_req *req, struct vgpu_resp *resp)
{
	/* the largest fixed part of a command */
	union {
		struct hdr hdr;
		uint8_t bytes[sizeof(struct cmd_transfer)];
	} c = {0};
	struct hdr out = {0};
	uint32_t i = 0;

	resp->len = sizeof out;
	if (req->read(req->ctx, 0, &c, sizeof c.hdr) != sizeof c.hdr) {
		/*
		 * The board's device leaves this one unanswered for ever; popek answers,
		 * so that every chain it takes comes back (its transport's invariant).
		 */
		c.hdr = (struct hdr){0};
		out.type = VIRTIO_GPU_RESP_ERR_UNSPEC;
	} else if (c.hdr.type < CMD_BASE || (i = c.hdr.type - CMD_BASE) >= NCMDS || !cmds[i].run) {
		out.type = VIRTIO_GPU_RESP_ERR_UNSPEC;
	} else if (req->read(req->ctx, 0, &c, cmds[i].size) != cmds[i].size) {
		out.type = VIRTIO_GPU_RESP_OK_NODATA;
	} else {
		out.type = cmds[i].run(g, &c, req, resp);
	}
	if (c.hdr.flags & VIRTIO_GPU_FLAG_FENCE) {
		/* §5.7.6.7: a fenced command's answer carries its fence */
		out.flags = VIRTIO_GPU_FLAG_FENCE;
		out.fence_id = c.hdr.fence_id;
		out.ctx_id = c.hdr.ctx_id;
	}
	memcpy(resp->bytes, &out, sizeof out);
	CHECK(resp->len >= sizeof out && resp->len <= VGPU_RESP_MAX, "vgpu: answer of %u bytes",
	      resp->len);
	g->stats.commands++;
	if (out.type >= VIRTIO_GPU_RESP_ERR_UNSPEC)
		g->stats.errors++;
}

/* §5.7.6.10: the cursor queue; a short request changes nothing. */
void vgpu_cursor(struct vgpu *g, const struct vgpu_req *req)
{
	struct cmd_cursor c;

	g->stats.cursor++;
	if (req->read(req->ctx, 0, &c, sizeof c) != sizeof c || c.scanout_id != 0)
		return;
	if (c.hdr.type != VIRTIO_GPU_CMD_MOVE_CURSOR) {
		g->cursor_res = c.resource_id;
		g->hot_x = c.hot_x;
		g->hot_y = c.hot_y;
	}
	g->cursor_x = c.x;
	g->cursor_y = c.y;
}

uint32_t vgpu_config_read(const struct vgpu *g, uint32_t off, uint32_t size)
{
	/* events_read, events_clear, num_scanouts, num_capsets */
	static const uint8_t cfg[VGPU_CFG_LEN] = {[8] = 1};
	uint32_t v = 0;

	(void)g;
	for (uint32_t i = 0; i < size && i < 4; i++)
		if (off + i < VGPU_CFG_LEN)
			v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

uint64_t vgpu_arena_bytes(uint32_t width, uint32_t height)
{
	/*
	 * Two screens (a driver may build the next frame beside the one shown),
	 * cursors, and backing tables of one entry a page for both screens.
	 */
	uint64_t screen = (uint64_t)width * height * BPP;

	return 2 * screen + 4 * 64 * 64 * BPP + 2 * (screen / 4096 + 2) * sizeof(struct vgpu_ent);
}

/* The transport: two queues, control and cursor, each chain taken as the board's device takes it. */

/* A chain's readable bytes, in order, however the driver cut them. */
struct chain_reader {
	struct vgpu *g;
	struct virtio_chain *c;
};

static uint64_t chain_read(void *ctx, uint64_t off, void *buf, uint64_t len)
{
	struct chain_reader *r = ctx;
	uint64_t done = 0, pos = 0;

	for (uint32_t i = 0; i < r->c->n && done < len; i++) {
		const struct virtio_desc *d = &r->c->d[i];
		uint64_t skip, n;

		if (d->flags & VIRTQ_DESC_F_WRITE)
			break;
		if (off + done >= pos + d->len) {
			pos += d->len;
			continue;
		}
		skip = off + done - pos;
		n = d->len - skip;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)buf + done, virtio_mmio_at(&r->g->t, d->addr + skip, n), n);
		done += n;
		pos += d->len;
	}
	return done;
}

/* Writes the answer into the chain's writable buffers, as far as they reach; returns the bytes. */
static uint32_t chain_answer(struct vgpu *g, const struct virtio_chain *c,
                             const struct vgpu_resp *resp)
{
	uint32_t done = 0;

	for (uint32_t i = 0; i < c->n && done < resp->len; i++) {
		const struct virtio_desc *d = &c->d[i];
		uint32_t n = resp->len - done;

		if (!(d->flags & VIRTQ_DESC_F_WRITE) || d->len == 0)
			continue;
		if (n > d->len)
			n = d->len;
		memcpy(virtio_mmio_at(&g->t, d->addr, n), resp->bytes + done, n);
		done += n;
	}
	return done;
}

/*
 * A chain the board's device cannot map (outside the table, a loop, a
 * buffer outside RAM, INDIRECT, readable after writable) is a virtio_error()
 * there: the device breaks (§2.1.2).
 */
static bool vgpu_walk(struct vgpu *g, uint32_t q, uint16_t head, struct virtio_chain *c)
{
	if (virtio_mmio_walk(&g->t, q, head, g->desc, VGPU_CTRL_MAX, c) != 0 || c->bad_buffer ||
	    c->ordered != c->n) {
		virtio_mmio_break(&g->t);
		return false;
	}
	return true;
}

static int vgpu_ctrl_take(void *dev, uint16_t head)
{
	struct vgpu *g = dev;
	struct virtio_chain c;
	struct chain_reader r = {g, &c};
	struct vgpu_req req = {chain_read, &r};
	static struct vgpu_resp resp; /* popek takes one trap at a time */

	if (!vgpu_walk(g, 0, head, &c))
		return 0;
	vgpu_ctrl(g, &req, &resp);
	virtio_mmio_push(&g->t, 0, head, chain_answer(g, &c, &resp));
	return 0;
}

static int vgpu_cursor_take(void *dev, uint16_t head)
{
	struct vgpu *g = dev;
	struct virtio_chain c;
	struct chain_reader r = {g, &c};
	struct vgpu_req req = {chain_read, &r};

	if (!vgpu_walk(g, 1, head, &c))
		return 0;
	vgpu_cursor(g, &req);
	virtio_mmio_push(&g->t, 1, head, 0);
	return 0;
}

static void vgpu_notify(void *dev, uint32_t q)
{
	struct vgpu *g = dev;

	virtio_mmio_process(&g->t, q, q == 0 ? vgpu_ctrl_take : vgpu_cursor_take);
}

static uint64_t vgpu_features(void *dev)
{
	(void)dev;
	return 0; /* no virgl, no EDID, no blobs */
}

static void vgpu_config(void *dev, uint8_t *cfg)
{
	for (uint32_t i = 0; i < VGPU_CFG_LEN; i++)
		cfg[i] = (uint8_t)vgpu_config_read(dev, i, 1);
}

static void vgpu_model_reset(void *dev)
{
	vgpu_reset(dev);
}

static const struct virtio_mmio_model vgpu_model = {
    .device_id = 16, /* §5.7.1 */
    .nqueues = 2,
    .queue_max = VGPU_CTRL_MAX,
    .queue_max_of = {VGPU_CTRL_MAX, VGPU_CURSOR_MAX},
    .config_len = VGPU_CFG_LEN,
    .features = vgpu_features,
    .config = vgpu_config,
    .notify = vgpu_notify,
    .reset = vgpu_model_reset,
};

static int vgpu_mmio_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct vgpu *g = dev;

	return virtio_mmio_ops.read(&g->t, off, width, val);
}

static int vgpu_mmio_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vgpu *g = dev;

	return virtio_mmio_ops.write(&g->t, off, width, val);
}

const struct mmio_ops vgpu_ops = {
    .read = vgpu_mmio_read,
    .write = vgpu_mmio_write,
};

void vgpu_init(struct vgpu *g, uint32_t width, uint32_t height, struct virtio_mem mem,
               uint8_t *arena, uint64_t arena_size, bool legacy, struct vplic *plic, uint32_t irq)
{
	memset(g, 0, sizeof *g);
	g->width = width;
	g->height = height;
	g->mem = mem;
	g->arena = arena;
	g->arena_size = arena_size;
	virtio_mmio_init(&g->t, &vgpu_model, g, legacy, mem, plic, irq);
}

void vgpu_reset(struct vgpu *g)
{
	for (int i = 0; i < VGPU_MAX_RES; i++)
		if (g->res[i].id)
			res_destroy(g, &g->res[i]);
	scanout_disable(g);
}

bool vgpu_screen(const struct vgpu *g, uint32_t *width, uint32_t *height)
{
	*width = g->scanout.width;
	*height = g->scanout.height;
	return g->scanout_res != 0;
}

bool vgpu_screen_view(const struct vgpu *g, struct vgpu_view *v)
{
	const struct vgpu_res *r = NULL;

	for (int i = 0; i < VGPU_MAX_RES && !r; i++)
		if (g->scanout_res && g->res[i].id == g->scanout_res)
			r = &g->res[i];
	if (!r)
		return false;
	v->stride = (uint64_t)r->width * BPP;
	v->px = g->arena + r->pix_off + g->scanout.y * v->stride + (uint64_t)g->scanout.x * BPP;
	v->width = g->scanout.width;
	v->height = g->scanout.height;
	v->r = formats[r->format].r;
	v->g = formats[r->format].g;
	v->b = formats[r->format].b;
	return true;
}

uint32_t vgpu_screen_rgb(const struct vgpu *g, uint32_t x, uint32_t y)
{
	const struct vgpu_res *r = NULL;
	const struct format *f;
	const uint8_t *px;

	for (int i = 0; i < VGPU_MAX_RES && !r; i++)
		if (g->scanout_res && g->res[i].id == g->scanout_res)
			r = &g->res[i];
	if (!r || x >= g->scanout.width || y >= g->scanout.height)
		return 0;
	f = &formats[r->format];
	px = g->arena + r->pix_off +
	     ((uint64_t)(g->scanout.y + y) * r->width + g->scanout.x + x) * BPP;
	return (uint32_t)px[f->r] << 16 | (uint32_t)px[f->g] << 8 | px[f->b];
}
