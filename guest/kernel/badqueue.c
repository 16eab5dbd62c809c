/*
 * badqueue.c — mode=badqueue: a guest that hands its virtio-blk device
 * malformed requests (issue 6, hostile queues).
 *
 * Each case starts from one valid request — a read of CHUNK sectors at
 * sector 0: header, data (device-writable), status byte — and breaks one
 * thing in it: a buffer outside RAM or across its end, a device window, a
 * loop, a chain longer than the queue, a next index past the queue, an
 * INDIRECT flag (never negotiated), a header that is not 16 bytes, a
 * status byte the device may not write, a sector past the end, a length
 * that is not a whole number of sectors.  The device must answer each
 * with an error status (IOERR or UNSUPP) in the status byte or, when the
 * chain has no status byte it may use, with a used element of length 0
 * and the byte untouched.  Nothing may hang: every wait ends after
 * TIMEOUT_MS.  A valid request must still work at the end.  Buffers the
 * device might write are only ever our own pages; buffers outside RAM are
 * only ever device-readable where the bare board has a device.  Output,
 * identical on every run:
 *
 *   ok NAME
 *   FAIL NAME: why
 *   n/a NAME: why                 not counted
 *   N passed, N failed
 *
 * then power off.  A case is n/a when the device has what the case aims
 * at (the INDIRECT cases, when it offers VIRTIO_F_INDIRECT_DESC), or on
 * the bare board, when QEMU's own device answers otherwise in a way the
 * spec leaves to it: it gives up on the queue (DEVICE_NEEDS_RESET, virtio
 * 1.1 §2.1.2; we reset it and go on); its DMA reaches the whole bus, so
 * a buffer above RAM or at a device window "works" (unassigned space
 * reads 0); it takes the first 16 readable bytes as the header whatever
 * the descriptors (§2.6.4), and skips readable buffers in a read.  popek
 * offers no INDIRECT_DESC, keeps DMA inside the VM's RAM, checks every
 * descriptor and never gives up on a queue for a bad chain, so under popek
 * nothing is n/a.
 */
#include "badqueue.h"
#include "bootargs.h"
#include "fdt.h"
#include "kalloc.h"
#include "main.h"
#include "memlayout.h"
#include "printf.h"
#include "riscv.h"
#include "string.h"
#include "timer.h"
#include "virtio_blk.h"

#define QSIZE      VIRTIO_BLK_QSIZE
#define CHUNK      8    /* sectors in the valid request: one page */
#define TIMEOUT_MS 2000 /* per request */
#define NO_STATUS  0xff /* what the status byte holds until the device writes it */
#define F_NEXT     VIRTQ_DESC_F_NEXT
#define F_WRITE    VIRTQ_DESC_F_WRITE
#define F_INDIRECT VIRTQ_DESC_F_INDIRECT

/* The request a case builds, and where its buffers are. */
struct bq {
	struct virtq_desc d[QSIZE];
	uint16_t head, advance;
	struct virtio_blk_req *hdr;  /* in the control page */
	volatile uint8_t *status;    /* in the control page */
	struct virtq_desc *indirect; /* in the control page: 3 entries */
	uint8_t *data;               /* CHUNK sectors */
};

/* What the device must do with it. */
enum expect {
	ERROR,  /* status IOERR or UNSUPP */
	DROP,   /* used element of length 0, status byte untouched */
	DONE,   /* status OK (and the case's check passes) */
	BROKEN, /* DEVICE_NEEDS_RESET */
};

struct bq_case {
	const char *name;
	void (*build)(struct bq *b);
	enum expect expect;
	unsigned na_feature;     /* n/a when the device offers this feature bit (0: none) */
	const char *bare_answer; /* n/a when the device carries the request out instead, and why */
	const char *(*check)(struct bq *b); /* DONE: what must hold afterwards */
};

static uint64_t plic_base;
static char why[160];

/* The valid request every case starts from. */
static void bq_valid(struct bq *b, uint8_t *ctl)
{
	memset(b->d, 0, sizeof(b->d));
	b->hdr = (struct virtio_blk_req *)ctl;
	b->status = ctl + 64;
	b->indirect = (struct virtq_desc *)(ctl + 128);
	*b->hdr = (struct virtio_blk_req){VIRTIO_BLK_T_IN, 0, 0};
	*b->status = NO_STATUS;
	b->d[0] = (struct virtq_desc){(uint64_t)b->hdr, sizeof(*b->hdr), F_NEXT, 1};
	b->d[1] = (struct virtq_desc){(uint64_t)b->data, CHUNK * SECTOR_SIZE, F_NEXT | F_WRITE, 2};
	b->d[2] = (struct virtq_desc){(uint64_t)b->status, 1, F_WRITE, 0};
	b->head = 0;
	b->advance = 1;
}

/* A write (device-readable data) from addr: for buffers where a device might be. */
static void bq_write_from(struct bq *b, uint64_t addr, uint32_t len)
{
	b->hdr->type = VIRTIO_BLK_T_OUT;
	b->d[1] = (struct virtq_desc){addr, len, F_NEXT, 2};
}

/* ---- buffers outside RAM, at device windows, at popek-looking addresses ---- */

static void data_above_ram(struct bq *b)
{
	b->d[1].addr = machine.ram_end + (1UL << 30);
}

static void data_top_of_space(struct bq *b)
{
	b->d[1].addr = 0xfffffffffffff000UL; /* addr + len wraps past 2^64 */
	b->d[1].len = 2 * 4096;
}

static void data_straddles_ram_end(struct bq *b)
{
	bq_write_from(b, machine.ram_end - 2048, 4096);
}

static void header_above_ram(struct bq *b)
{
	b->d[0].addr = machine.ram_end + 4096;
}

static void status_above_ram(struct bq *b)
{
	b->d[2].addr = machine.ram_end + 64;
}

static void data_plic_window(struct bq *b)
{
	bq_write_from(b, plic_base, 4096);
}

static void data_virtio_window(struct bq *b)
{
	bq_write_from(b, virtio_blk_base(), SECTOR_SIZE);
}

static void header_virtio_window(struct bq *b)
{
	b->d[0].addr = virtio_blk_base(); /* MagicValue: type "virt" */
}

/* 0x80200000 is where popek runs on the host; in a VM it is the VM's own kernel. */
static void data_at_0x80200000(struct bq *b)
{
	bq_write_from(b, KERNBASE, CHUNK * SECTOR_SIZE);
	b->hdr->sector = CHUNK;
}

static const char *check_0x80200000(struct bq *b)
{
	memset(b->data, 0, CHUNK * SECTOR_SIZE);
	int e = virtio_blk_rw(CHUNK, b->data, CHUNK, 0);
	if (e != 0)
		return "reading it back failed";
	if (memcmp(b->data, (void *)KERNBASE, CHUNK * SECTOR_SIZE) != 0)
		return "the disk does not hold the kernel's first page";
	return 0;
}

/* ---- chains ---- */

static void chain_loop(struct bq *b)
{
	b->d[2].flags |= F_NEXT;
	b->d[2].next = 1;
}

static void chain_self_loop(struct bq *b)
{
	b->d[0].next = 0;
}

/* Header, QSIZE - 2 data sectors, status: every descriptor of the queue. */
static void chain_fills_queue(struct bq *b)
{
	for (int i = 1; i < QSIZE - 1; i++)
		b->d[i] = (struct virtq_desc){(uint64_t)b->data + (uint64_t)(i - 1) * SECTOR_SIZE,
		                              SECTOR_SIZE, F_NEXT | F_WRITE, (uint16_t)(i + 1)};
	b->d[QSIZE - 1] = (struct virtq_desc){(uint64_t)b->status, 1, F_WRITE, 0};
}

/* The same, but the last descriptor goes on to the first: longer than the queue. */
static void chain_longer_than_queue(struct bq *b)
{
	chain_fills_queue(b);
	b->d[QSIZE - 1].flags |= F_NEXT;
	b->d[QSIZE - 1].next = 0;
}

static void next_past_queue(struct bq *b)
{
	b->d[0].next = QSIZE;
}

static void next_0xffff(struct bq *b)
{
	b->d[1].next = 0xffff;
}

static void head_past_queue(struct bq *b)
{
	b->head = QSIZE;
}

/* The whole valid request behind one INDIRECT descriptor (§2.6.5.3). */
static void indirect_head(struct bq *b)
{
	memcpy(b->indirect, b->d, 3 * sizeof(struct virtq_desc));
	b->d[0] = (struct virtq_desc){(uint64_t)b->indirect, 3 * sizeof(struct virtq_desc),
	                              F_INDIRECT, 0};
}

static void indirect_data(struct bq *b)
{
	b->d[1].flags |= F_INDIRECT;
}

/* The driver claims more requests than the queue holds (§2.6.6). */
static void avail_idx_jump(struct bq *b)
{
	b->advance = QSIZE + 1;
}

/* ---- headers and status bytes ---- */

static void header_8_bytes(struct bq *b)
{
	b->d[0].len = 8;
}

static void header_24_bytes(struct bq *b)
{
	b->d[0].len = 24;
}

static void header_writable(struct bq *b)
{
	b->d[0].flags |= F_WRITE;
}

static void status_readonly(struct bq *b)
{
	bq_write_from(b, (uint64_t)b->data, CHUNK * SECTOR_SIZE);
	b->d[2].flags = 0;
}

static void status_zero_length(struct bq *b)
{
	b->d[2].len = 0;
}

static void unknown_type(struct bq *b)
{
	b->hdr->type = 0x7e57;
}

static void read_into_readable(struct bq *b)
{
	b->d[1].flags = F_NEXT;
}

/* ---- sectors and lengths ---- */

static void sector_at_end(struct bq *b)
{
	b->hdr->sector = virtio_blk_capacity();
}

static void sector_straddles_end(struct bq *b)
{
	b->hdr->sector = virtio_blk_capacity() - CHUNK / 2;
}

static void sector_overflows(struct bq *b)
{
	b->hdr->sector = ~0UL - CHUNK / 2; /* sector + CHUNK wraps */
}

static void sector_bytes_wrap(struct bq *b)
{
	b->hdr->sector = 1UL << 55; /* sector * 512 == 2^64 */
}

static void odd_length(struct bq *b)
{
	b->d[1].len = 1000;
}

static void one_byte_write(struct bq *b)
{
	bq_write_from(b, (uint64_t)b->data, 1);
}

/* QEMU maps DMA through the whole bus: unassigned space reads 0 and ignores writes. */
#define BUS "the bare board's device DMA reaches the whole bus"

static const struct bq_case cases[] = {
    {"data-far-above-ram", data_above_ram, ERROR, 0, BUS, 0},
    {"data-at-top-of-address-space", data_top_of_space, ERROR, 0, 0, 0},
    {"data-straddles-ram-end", data_straddles_ram_end, ERROR, 0, BUS, 0},
    {"header-above-ram", header_above_ram, ERROR, 0, BUS, 0},
    {"status-above-ram", status_above_ram, DROP, 0, BUS, 0},
    {"data-at-0x80200000-own-ram", data_at_0x80200000, DONE, 0, 0, check_0x80200000},
    {"data-plic-window", data_plic_window, ERROR, 0, BUS, 0},
    {"data-virtio-window", data_virtio_window, ERROR, 0, BUS, 0},
    {"header-virtio-window", header_virtio_window, ERROR, 0, BUS, 0},
    {"chain-loop", chain_loop, DROP, 0, 0, 0},
    {"chain-self-loop", chain_self_loop, DROP, 0, 0, 0},
    {"chain-fills-queue", chain_fills_queue, DONE, 0, 0, 0},
    {"chain-longer-than-queue", chain_longer_than_queue, DROP, 0, 0, 0},
    {"next-past-queue", next_past_queue, DROP, 0, 0, 0},
    {"next-0xffff", next_0xffff, DROP, 0, 0, 0},
    {"head-past-queue", head_past_queue, DROP, 0, 0, 0},
    {"indirect-head", indirect_head, DROP, VIRTIO_F_INDIRECT_DESC, 0, 0},
    {"indirect-data", indirect_data, ERROR, VIRTIO_F_INDIRECT_DESC, 0, 0},
    {"header-8-bytes", header_8_bytes, ERROR, 0, 0, 0},
    /* Not malformed (§2.6.4.1): the first 16 readable bytes are the header; the rest is ignored. */
    {"header-24-bytes", header_24_bytes, DONE, 0, 0, 0},
    {"header-device-writable", header_writable, ERROR, 0, 0, 0},
    {"status-not-writable", status_readonly, DROP, 0, 0, 0},
    {"status-zero-length", status_zero_length, DROP, 0, 0, 0},
    {"unknown-type", unknown_type, ERROR, 0, 0, 0},
    /* Not malformed either: a read ignores device-readable buffers after its header. */
    {"read-into-readable-buffer", read_into_readable, DONE, 0, 0, 0},
    {"sector-at-end", sector_at_end, ERROR, 0, 0, 0},
    {"sector-straddles-end", sector_straddles_end, ERROR, 0, 0, 0},
    {"sector-overflows", sector_overflows, ERROR, 0, 0, 0},
    {"sector-bytes-wrap", sector_bytes_wrap, ERROR, 0, 0, 0},
    {"odd-length", odd_length, ERROR, 0, 0, 0},
    {"one-byte-write", one_byte_write, ERROR, 0, 0, 0},
    {"avail-idx-jump", avail_idx_jump, BROKEN, 0, 0, 0},
};

/*
 * Framing (§2.6.4): "the device MUST NOT make assumptions about the
 * particular arrangement of descriptors".  These requests are valid; they
 * only put the parts of one in other descriptors than the usual three.
 * Run with framing=on in the bootargs.  FRAMING_SECTOR holds a pattern
 * written before them.
 */
#define FRAMING_SECTOR  (3 * CHUNK)
#define FRAMING_BYTE(i) ((uint8_t)((i)*29 + 1))

static uint8_t *ctl_page(struct bq *b)
{
	return (uint8_t *)b->hdr;
}

static const char *framing_data_is_pattern(const uint8_t *p)
{
	for (int i = 0; i < SECTOR_SIZE; i++)
		if (p[i] != FRAMING_BYTE(i))
			return "the data read is not what the sector holds";
	return 0;
}

/* A read of FRAMING_SECTOR whose header is two descriptors of 8 bytes. */
static void header_split(struct bq *b)
{
	b->hdr->sector = FRAMING_SECTOR;
	b->d[0].len = 8;
	b->d[1] = (struct virtq_desc){(uint64_t)b->hdr + 8, 8, F_NEXT, 2};
	b->d[2] = (struct virtq_desc){(uint64_t)b->data, SECTOR_SIZE, F_NEXT | F_WRITE, 3};
	b->d[3] = (struct virtq_desc){(uint64_t)b->status, 1, F_WRITE, 0};
}

static const char *check_header_split(struct bq *b)
{
	return framing_data_is_pattern(b->data);
}

/* A read of FRAMING_SECTOR into one writable descriptor: the sector, then the status byte. */
static void data_and_status(struct bq *b)
{
	uint8_t *p = ctl_page(b) + 2048;
	b->hdr->sector = FRAMING_SECTOR;
	memset(p, 0, SECTOR_SIZE);
	b->status = p + SECTOR_SIZE;
	*b->status = NO_STATUS;
	b->d[1] = (struct virtq_desc){(uint64_t)p, SECTOR_SIZE + 1, F_WRITE, 0};
	b->d[0].next = 1;
}

static const char *check_data_and_status(struct bq *b)
{
	return framing_data_is_pattern(ctl_page(b) + 2048);
}

/* A write of one sector at FRAMING_SECTOR + 1 whose header and data share a descriptor. */
static void header_and_data(struct bq *b)
{
	uint8_t *p = ctl_page(b) + 1024;
	*(struct virtio_blk_req *)p =
	    (struct virtio_blk_req){VIRTIO_BLK_T_OUT, 0, FRAMING_SECTOR + 1};
	for (int i = 0; i < SECTOR_SIZE; i++)
		p[16 + i] = FRAMING_BYTE(i);
	b->d[0] = (struct virtq_desc){(uint64_t)p, 16 + SECTOR_SIZE, F_NEXT, 1};
	b->d[1] = (struct virtq_desc){(uint64_t)b->status, 1, F_WRITE, 0};
}

static const char *check_header_and_data(struct bq *b)
{
	memset(b->data, 0, SECTOR_SIZE);
	if (virtio_blk_rw(FRAMING_SECTOR + 1, b->data, 1, 0) != 0)
		return "reading it back failed";
	return framing_data_is_pattern(b->data);
}

static const struct bq_case framing_cases[] = {
    {"framing-header-in-two-descriptors", header_split, DONE, 0, 0, check_header_split},
    {"framing-data-and-status-in-one-descriptor", data_and_status, DONE, 0, 0,
     check_data_and_status},
    {"framing-header-and-data-in-one-descriptor", header_and_data, DONE, 0, 0,
     check_header_and_data},
};

enum verdict { PASS, FAIL, NOT_APPLICABLE };

#define VERDICT(v, ...)                                  \
	do {                                             \
		snprintf(why, sizeof(why), __VA_ARGS__); \
		return (v);                              \
	} while (0)

static enum verdict bq_run(const struct bq_case *c, struct bq *b)
{
	struct blk_used u;
	enum blk_wait w;
	uint8_t st;

	if (c->na_feature && virtio_blk_offers(c->na_feature))
		VERDICT(NOT_APPLICABLE, "the device offers feature bit %u, what the case aims at",
		        c->na_feature);
	c->build(b);
	w = virtio_blk_post(b->d, b->head, b->advance, TIMEOUT_MS, &u);
	st = *b->status;
	if (w == BLK_TIMEOUT) {
		virtio_blk_reset();
		VERDICT(FAIL, "no answer in %d ms", TIMEOUT_MS);
	}
	if (w == BLK_BROKEN) {
		virtio_blk_reset();
		if (c->expect == BROKEN)
			return PASS;
		VERDICT(NOT_APPLICABLE, "bare device: it set DEVICE_NEEDS_RESET (§2.1.2); reset");
	}
	if (c->expect == BROKEN)
		VERDICT(FAIL, "used element {%u, %u}, status %u; expected DEVICE_NEEDS_RESET", u.id,
		        u.len, st);
	if (u.id != b->head)
		VERDICT(FAIL, "used element for descriptor %u, expected %u", u.id, b->head);
	/* Carried out: status OK, or no status byte but bytes counted as written. */
	if (c->bare_answer && (st == VIRTIO_BLK_S_OK || (c->expect == DROP && u.len != 0)))
		VERDICT(NOT_APPLICABLE, "bare device: used length %u, status %u: %s", u.len, st,
		        c->bare_answer);
	if (c->expect == DROP) {
		if (u.len != 0)
			VERDICT(FAIL, "used length %u, expected 0", u.len);
		if (st != NO_STATUS)
			VERDICT(FAIL, "the device wrote %u to a status byte it may not write", st);
		return PASS;
	}
	if (c->expect == DONE) {
		const char *r = st != VIRTIO_BLK_S_OK ? "not OK" : c->check ? c->check(b) : 0;
		if (r)
			VERDICT(FAIL, "status %u: %s", st, r);
		return PASS;
	}
	if (st != VIRTIO_BLK_S_IOERR && st != VIRTIO_BLK_S_UNSUPP)
		VERDICT(FAIL, "status %u (used length %u), expected IOERR or UNSUPP", st, u.len);
	return PASS;
}

/*
 * The re-enable attack (issue 15 item 1), on a queue of our own of RE_NUM
 * entries.  RE_K reads are answered, RE_LATE more are left with the device,
 * and at once the queue is reset and enabled again with QueueNum 0 and its
 * used ring in a page of ours, P (legacy: QueuePFN 0, QueueNum 0,
 * QueueAlign 8, QueuePFN at P).  A device that answered a late read through
 * a ring of size 0 would put its used element 8·RE_K bytes into P, past
 * where any ring of ours may reach: that is the only FAIL.  popek refuses
 * the queue (DEVICE_NEEDS_RESET) and writes nothing; QEMU, which ignores
 * QueueNum 0, moves the ring of RE_NUM entries to P, or resets the whole
 * device on QueuePFN 0: both fine.  Several late reads, so that some are
 * still out when the queue changes.
 */
#define RE_NUM   64
#define RE_K     200 /* reads answered first */
#define RE_LATE  20
#define RE_MARK  0xa5
#define RE_REACH (8 + 6 + 8 * RE_NUM) /* the most of P a ring of RE_NUM entries covers */

/*
 * Our queue: the table, the avail ring right after it, the used ring after
 * that at QueueAlign 8, where QEMU (which leaves used_event out of the
 * avail ring's size) and §2.6.2 agree.
 */
struct re_queue {
	struct virtq_desc desc[RE_NUM];
	struct {
		uint16_t flags, idx, ring[RE_NUM], used_event;
	} avail;
	struct {
		uint16_t flags, idx;
		struct blk_used ring[RE_NUM];
	} used __attribute__((aligned(8)));
};

static volatile uint32_t *re_regs;

static void re_wr(int off, uint32_t v)
{
	re_regs[off / 4] = v;
}

static uint32_t re_rd(int off)
{
	return re_regs[off / 4];
}

/* §3.1.1 (legacy §3.1.2) with our queue at qv: no features but VERSION_1. */
static void re_setup(struct re_queue *qv, int legacy)
{
	re_wr(0x070, 0);
	re_wr(0x070, 3);
	re_wr(0x024, 1);
	re_wr(0x020, legacy ? 0 : 1);
	re_wr(0x024, 0);
	re_wr(0x020, 0);
	re_wr(0x030, 0);
	re_wr(0x038, RE_NUM);
	if (legacy) {
		re_wr(0x028, 4096);
		re_wr(0x03c, 8);
		re_wr(0x040, (uint32_t)((uint64_t)qv >> 12));
		re_wr(0x070, 7);
		return;
	}
	re_wr(0x070, 0xb);
	re_wr(0x080, (uint32_t)(uint64_t)qv->desc);
	re_wr(0x084, (uint32_t)((uint64_t)qv->desc >> 32));
	re_wr(0x090, (uint32_t)(uint64_t)&qv->avail);
	re_wr(0x094, (uint32_t)((uint64_t)&qv->avail >> 32));
	re_wr(0x0a0, (uint32_t)(uint64_t)&qv->used);
	re_wr(0x0a4, (uint32_t)((uint64_t)&qv->used >> 32));
	re_wr(0x044, 1);
	re_wr(0x070, 0xf);
}

/* Offers chain k (descriptors 3k .. 3k + 2) without notifying. */
static void re_offer(struct re_queue *qv, int k)
{
	qv->avail.ring[qv->avail.idx % RE_NUM] = (uint16_t)(3 * k);
	__sync_synchronize();
	qv->avail.idx++;
	__sync_synchronize();
}

/* Chain k: a read of one page at sector 8k into data, its status byte in ctl. */
static void re_chain(struct re_queue *qv, int k, uint8_t *ctl, uint8_t *data)
{
	struct virtio_blk_req *hdr = (struct virtio_blk_req *)(ctl + 32 * k);
	uint16_t d = (uint16_t)(3 * k);

	*hdr = (struct virtio_blk_req){VIRTIO_BLK_T_IN, 0, (uint64_t)CHUNK * (k % 4)};
	qv->desc[d] = (struct virtq_desc){(uint64_t)hdr, sizeof(*hdr), F_NEXT, (uint16_t)(d + 1)};
	qv->desc[d + 1] =
	    (struct virtq_desc){(uint64_t)data, 4096, F_NEXT | F_WRITE, (uint16_t)(d + 2)};
	qv->desc[d + 2] = (struct virtq_desc){(uint64_t)(ctl + 2048 + k), 1, F_WRITE, 0};
}

/* Waits for used->idx to reach want; 0, or -1 after TIMEOUT_MS. */
static int re_wait(struct re_queue *qv, uint16_t want)
{
	uint64_t deadline = rdtime() + ms_to_ticks(TIMEOUT_MS);
	while (*(volatile uint16_t *)&qv->used.idx != want)
		if (rdtime() >= deadline)
			return -1;
	return 0;
}

static enum verdict re_enable_num0(struct re_queue *qv, uint8_t *ctl, uint8_t **data, uint8_t *p)
{
	int legacy = re_rd(0x004) == 1;

	re_setup(qv, legacy);
	for (int k = 0; k < RE_LATE; k++)
		re_chain(qv, k, ctl, data[k]);
	for (int k = 0; k < RE_K; k++) {
		re_offer(qv, 0);
		re_wr(0x050, 0);
		if (re_wait(qv, (uint16_t)(k + 1)) < 0)
			VERDICT(FAIL, "read %d of %d: no answer in %d ms", k + 1, RE_K, TIMEOUT_MS);
	}
	memset(p, RE_MARK, 4096);
	for (int k = 0; k < RE_LATE; k++)
		re_offer(qv, k);
	re_wr(0x050, 0);
	if (legacy) {
		re_wr(0x040, 0);
		re_wr(0x038, 0);
		re_wr(0x03c, 8);
		re_wr(0x040, (uint32_t)((uint64_t)p >> 12));
	} else {
		re_wr(0x044, 0);
		re_wr(0x038, 0);
		re_wr(0x0a0, (uint32_t)(uint64_t)p);
		re_wr(0x0a4, (uint32_t)((uint64_t)p >> 32));
		re_wr(0x044, 1);
	}
	/* Time for the late answers to come, wherever they go. */
	uint64_t until = rdtime() + ms_to_ticks(200);
	while (rdtime() < until)
		;
	for (int i = RE_REACH; i < 4096; i++)
		if (p[i] != RE_MARK)
			VERDICT(FAIL,
			        "the device wrote at byte %d of the new used ring's page (%s)", i,
			        re_rd(0x070) & 0x40 ? "DEVICE_NEEDS_RESET" : "not broken");
	return PASS;
}

static void re_run(int *passed, int *failed)
{
	static const char *const labels[] = {"ok", "FAIL", "n/a"};
	struct re_queue *qv = kzalloc();
	uint8_t *ctl = kzalloc(), *p = kzalloc(), *data[RE_LATE];
	const char *name = "queue-reenable-num0";

	for (int k = 0; k < RE_LATE; k++)
		data[k] = kzalloc();
	re_regs = (volatile uint32_t *)virtio_blk_base();
	enum verdict v = re_enable_num0(qv, ctl, data, p);
	virtio_blk_reset();
	if (v == PASS)
		kprintf("ok %s\n", name);
	else
		kprintf("%s %s: %s\n", labels[v], name, why);
	*passed += v == PASS;
	*failed += v == FAIL;
	for (int k = 0; k < RE_LATE; k++)
		kfree(data[k]);
	kfree(p);
	kfree(ctl);
	kfree(qv);
}

/* After all of it, a valid write and read of our own data. */
static const char *bq_still_works(uint8_t *data)
{
	static uint8_t back[CHUNK * SECTOR_SIZE];
	for (int i = 0; i < CHUNK * SECTOR_SIZE; i++)
		data[i] = (uint8_t)(i * 13 + 5);
	if (virtio_blk_rw(2 * CHUNK, data, CHUNK, 1) != 0)
		return "the write failed";
	memset(back, 0, sizeof(back));
	if (virtio_blk_rw(2 * CHUNK, back, CHUNK, 0) != 0)
		return "the read failed";
	if (memcmp(data, back, sizeof(back)) != 0)
		return "read back differs";
	return 0;
}

static uint64_t find_plic(void)
{
	uint64_t base = 0, size;
	int node = fdt_find_compatible(-1, "riscv,plic0");
	if (node < 0)
		node = fdt_find_compatible(-1, "sifive,plic-1.0.0");
	if (node >= 0)
		fdt_reg(node, 0, &base, &size);
	return base;
}

/* Runs a table of cases; adds to *passed and *failed. */
static void bq_table(const struct bq_case *t, unsigned n, struct bq *b, uint8_t *ctl, int *passed,
                     int *failed)
{
	static const char *const labels[] = {"ok", "FAIL", "n/a"};
	for (unsigned i = 0; i < n; i++) {
		bq_valid(b, ctl);
		enum verdict v = bq_run(&t[i], b);
		if (v == PASS)
			kprintf("ok %s\n", t[i].name);
		else
			kprintf("%s %s: %s\n", labels[v], t[i].name, why);
		*passed += v == PASS;
		*failed += v == FAIL;
	}
}

void badqueue_run(void)
{
	int passed = 0, failed = 0;
	char framing[8];
	struct bq b;

	if (!virtio_blk_present() || virtio_blk_capacity() < 4 * CHUNK) {
		kprintf("FAIL badqueue-disk: no virtio-blk disk of %d sectors\n", 4 * CHUNK);
		kprintf("0 passed, 1 failed\n");
		return;
	}
	plic_base = find_plic();
	uint8_t *ctl = kzalloc();
	b.data = kzalloc();
	bq_table(cases, sizeof(cases) / sizeof(cases[0]), &b, ctl, &passed, &failed);
	bootarg_value("framing", framing, sizeof(framing));
	if (strcmp(framing, "on") == 0) {
		for (int i = 0; i < SECTOR_SIZE; i++)
			b.data[i] = FRAMING_BYTE(i);
		if (virtio_blk_rw(FRAMING_SECTOR, b.data, 1, 1) != 0)
			kprintf("FAIL framing: cannot write sector %d\n", FRAMING_SECTOR);
		bq_table(framing_cases, sizeof(framing_cases) / sizeof(framing_cases[0]), &b, ctl,
		         &passed, &failed);
	}
	re_run(&passed, &failed);
	const char *r = bq_still_works(b.data);
	if (r)
		kprintf("FAIL valid-request-still-works: %s\n", r);
	else
		kprintf("ok valid-request-still-works\n");
	passed += !r;
	failed += !!r;
	kfree(ctl);
	kfree(b.data);
	kprintf("%d passed, %d failed\n", passed, failed);
}
