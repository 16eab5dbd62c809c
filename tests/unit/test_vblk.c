/*
 * The virtual virtio-blk: a small driver in the test sets up the queue in a
 * fake guest RAM as a guest would (through the modern registers, or the
 * legacy ones for a Version 1 device), posts requests (good and hostile), and
 * checks the status byte, the used ring, the backend's calls and the
 * interrupt line as a real vPLIC sees it.  A fake backend records each io
 * and completes it on demand, moving data to and from a fake real disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dev/vblk.h"
#include "dev/vplic.h"

/* Guest RAM: 1 MiB at 0x80000000, laid out by the test's driver. */
#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x100000ull
#define DESC     (RAM_BASE + 0x0000)
#define AVAIL    (RAM_BASE + 0x1000)
#define USED     (RAM_BASE + 0x2000)
#define HDR      (RAM_BASE + 0x3000)
#define ST       (RAM_BASE + 0x3800)
#define BUF(k)   (RAM_BASE + 0x10000 + 0x2000ull * (k))
#define RAM_END  (RAM_BASE + RAM_SIZE)
#define GUARD    0x10000ull
#define GUARD_B  0xa5

/* The minidisk: 64 sectors at byte 0x10000 of a 256 KiB real disk. */
#define START     0x10000ull
#define SIZE      0x8000ull
#define NSECT     (SIZE / 512)
#define DISK_SIZE 0x40000ull

#define QN        32 /* the queue size the driver picks */
#define BLK_IRQ   8  /* the virt board's first virtio-mmio slot */
#define PLIC_CTX  1

/* virtio-mmio registers (virtio 1.1 §4.2.2). */
enum {
	MAGIC = 0x000,
	VERSION = 0x004,
	DEVICE_ID = 0x008,
	VENDOR_ID = 0x00c,
	DEV_FEAT = 0x010,
	DEV_FEAT_SEL = 0x014,
	DRV_FEAT = 0x020,
	DRV_FEAT_SEL = 0x024,
	QUEUE_SEL = 0x030,
	QUEUE_NUM_MAX = 0x034,
	QUEUE_NUM = 0x038,
	QUEUE_READY = 0x044,
	QUEUE_NOTIFY = 0x050,
	INT_STATUS = 0x060,
	INT_ACK = 0x064,
	STATUS = 0x070,
	DESC_LO = 0x080,
	DESC_HI = 0x084,
	AVAIL_LO = 0x090,
	AVAIL_HI = 0x094,
	USED_LO = 0x0a0,
	USED_HI = 0x0a4,
	SHM_LEN_LO = 0x0b0,
	SHM_LEN_HI = 0x0b4,
	/* legacy (§4.2.4) */
	GUEST_PAGE_SIZE = 0x028,
	QUEUE_ALIGN = 0x03c,
	QUEUE_PFN = 0x040,
	CONFIG_GEN = 0x0fc,
	CONFIG = 0x100,
};

#define F_NEXT       1
#define F_W          2
#define F_IND        4

#define S_ACK        1
#define S_DRIVER     2
#define S_DRIVER_OK  4
#define S_FEAT_OK    8
#define S_NEEDS_RST  0x40
#define FEAT_VERSION (1ull << 32)

#define SENTINEL     0xee /* the status byte before the device writes it */

/* The test bench: RAM, real disk, vPLIC, device, fake backend. */
struct bench {
	uint8_t ram[RAM_SIZE];
	uint8_t guard[GUARD]; /* right after RAM: the device must never write here */
	uint8_t disk[DISK_SIZE];
	struct vplic plic;
	struct vblk blk;
	int calls;    /* submit() calls, refused ones included */
	int refuse;   /* refuse this many more */
	bool never;   /* answer VBLK_BACKEND_FAIL: the backend can never take a request */
	int ram_gets; /* mem.at calls */
	struct vblk_io *pending[2 * VBLK_QUEUE_MAX];
	int npending;
	struct vblk_io last; /* a copy of the last io accepted */
	uint16_t avail_idx;
	uint64_t desc_at, avail_at, used_at; /* where the test's driver keeps its queue */
	uint32_t feat_lo;                    /* extra low feature bits the driver takes */
	int commits;                         /* commit() calls */
	int calls_at_commit;                 /* submit() calls when commit() was last called */
};

#define EVENT_IDX (1u << 29)

/* What GET_ID writes, as the board's device: the id and its NUL, at most 20 bytes. */
static size_t id_bytes(const char *id)
{
	size_t n = strnlen(id, 20);
	return n < 20 ? n + 1 : 20;
}

static struct bench bench;

static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	struct bench *b = ctx;

	b->ram_gets++;
	if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len)
		return NULL;
	return b->ram + (gpa - RAM_BASE);
}

static uint8_t *ram(struct bench *b, uint64_t gpa)
{
	return b->ram + (gpa - RAM_BASE);
}

static void fake_commit(void *ctx)
{
	struct bench *b = ctx;

	b->commits++;
	b->calls_at_commit = b->calls;
}

static int fake_submit(void *ctx, struct vblk_io *io)
{
	struct bench *b = ctx;

	b->calls++;
	if (b->never)
		return -2;
	if (b->refuse > 0) {
		b->refuse--;
		return -1;
	}
	b->pending[b->npending++] = io;
	b->last = *io;
	return 0;
}

/* The backend finishes pending io k: moves its data, then tells the model. */
static void fake_complete(struct bench *b, int k, bool ok)
{
	struct vblk_io *io = b->pending[k];
	uint64_t off = io->sector * 512;

	for (uint32_t s = 0; s < io->nseg && ok; s++) {
		uint8_t *g = ram(b, io->seg[s].gpa);

		assert_true(off + io->seg[s].len <= DISK_SIZE);
		if (io->type == VIRTIO_BLK_T_IN)
			memcpy(g, b->disk + off, io->seg[s].len);
		else
			memcpy(b->disk + off, g, io->seg[s].len);
		off += io->seg[s].len;
	}
	memmove(&b->pending[k], &b->pending[k + 1], (b->npending - k - 1) * sizeof(b->pending[0]));
	b->npending--;
	vblk_complete(io, ok);
}

/* The model's io slots in use: exactly those the backend holds. */
static int busy_slots(struct bench *b)
{
	int n = 0;

	for (int i = 0; i < VBLK_QUEUE_MAX; i++)
		n += b->blk.io[i].busy;
	return n;
}

static void fake_complete_all(struct bench *b)
{
	while (b->npending)
		fake_complete(b, 0, true);
}

static uint64_t rd(struct bench *b, uint64_t off)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vblk_ops.read(&b->blk, off, 4, &v), 0);
	return v;
}

static void wr(struct bench *b, uint64_t off, uint64_t v)
{
	assert_int_equal(vblk_ops.write(&b->blk, off, 4, v), 0);
}

/* The level the device drives its line to: InterruptStatus != 0 (the vPLIC latches raises only). */
static bool line(struct bench *b)
{
	return b->blk.t.interrupt_status != 0;
}

static void bench_init_mode(struct bench *b, bool read_only, bool legacy)
{
	struct virtio_mem mem = {ram_at, b};
	struct vblk_backend be = {.submit = fake_submit, .commit = fake_commit, .ctx = b};

	memset(b, 0, sizeof(*b));
	for (uint64_t i = 0; i < DISK_SIZE; i++)
		b->disk[i] = (uint8_t)(i * 7 + (i >> 9));
	for (uint64_t i = 0x10000; i < RAM_SIZE; i++)
		b->ram[i] = (uint8_t)(i * 13 + 5);
	memset(b->guard, GUARD_B, GUARD);
	vplic_init(&b->plic);
	b->plic.priority[BLK_IRQ] = 1;
	b->plic.enable[PLIC_CTX] = 1u << BLK_IRQ;
	vblk_init(&b->blk, START, SIZE, read_only, legacy, mem, be, &b->plic, BLK_IRQ);
	b->desc_at = DESC;
	b->avail_at = AVAIL;
	b->used_at = USED;
}

static void bench_init(struct bench *b, bool read_only)
{
	bench_init_mode(b, read_only, false);
}

/* The driver's side of initialisation (§3.1.1, §4.2.3.2) with rings at desc, avail, used. */
static void drv_setup_at(struct bench *b, uint32_t num, uint64_t desc, uint64_t avail,
                         uint64_t used)
{
	memset(ram(b, DESC), 0, 0x3000);
	b->avail_idx = 0;
	wr(b, STATUS, 0);
	wr(b, STATUS, S_ACK);
	wr(b, STATUS, S_ACK | S_DRIVER);
	wr(b, DRV_FEAT_SEL, 1);
	wr(b, DRV_FEAT, 1); /* VERSION_1 */
	wr(b, DRV_FEAT_SEL, 0);
	wr(b, DRV_FEAT, (1u << 9) | b->feat_lo); /* FLUSH, and what the test adds */
	wr(b, STATUS, S_ACK | S_DRIVER | S_FEAT_OK);
	assert_int_equal(rd(b, STATUS) & S_FEAT_OK, S_FEAT_OK);
	wr(b, QUEUE_SEL, 0);
	assert_int_equal(rd(b, QUEUE_NUM_MAX), VBLK_QUEUE_MAX);
	wr(b, QUEUE_NUM, num);
	wr(b, DESC_LO, (uint32_t)desc);
	wr(b, DESC_HI, desc >> 32);
	wr(b, AVAIL_LO, (uint32_t)avail);
	wr(b, AVAIL_HI, avail >> 32);
	wr(b, USED_LO, (uint32_t)used);
	wr(b, USED_HI, used >> 32);
	wr(b, QUEUE_READY, 1);
	wr(b, STATUS, S_ACK | S_DRIVER | S_FEAT_OK | S_DRIVER_OK);
}

static void drv_setup(struct bench *b, uint32_t num)
{
	drv_setup_at(b, num, DESC, AVAIL, USED);
}

/* Where §2.6.2 puts a legacy queue's avail and used rings after a table at desc. */
static uint64_t legacy_avail(uint64_t desc, uint32_t num)
{
	return desc + 16ull * num;
}

static uint64_t legacy_used(uint64_t desc, uint32_t num, uint32_t align)
{
	uint64_t end = legacy_avail(desc, num) + 6 + 2ull * num;

	return (end + align - 1) / align * align;
}

/*
 * The legacy driver's initialisation (§4.2.4, §3.1.2): no FEATURES_OK step,
 * GuestPageSize, then the queue as QueueNum, QueueAlign (unless 0) and
 * QueuePFN.  The test's rings follow the legacy layout when it lies in RAM.
 */
static void drv_setup_legacy(struct bench *b, uint32_t num, uint32_t page_size, uint32_t pfn,
                             uint32_t align)
{
	memset(ram(b, DESC), 0, 0x3000);
	b->avail_idx = 0;
	wr(b, STATUS, 0);
	wr(b, STATUS, S_ACK);
	wr(b, STATUS, S_ACK | S_DRIVER);
	wr(b, DRV_FEAT_SEL, 0);
	wr(b, DRV_FEAT, 1u << 9); /* FLUSH */
	wr(b, GUEST_PAGE_SIZE, page_size);
	wr(b, QUEUE_SEL, 0);
	assert_int_equal(rd(b, QUEUE_PFN), 0);
	assert_int_equal(rd(b, QUEUE_NUM_MAX), VBLK_QUEUE_MAX);
	wr(b, QUEUE_NUM, num);
	if (align)
		wr(b, QUEUE_ALIGN, align);
	wr(b, QUEUE_PFN, pfn);
	wr(b, STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	if (!b->blk.t.broken) {
		b->desc_at = b->blk.t.q[0].desc;
		b->avail_at = b->blk.t.q[0].avail;
		b->used_at = b->blk.t.q[0].used;
	}
}

/* The usual legacy queue: 4 KiB pages and alignment, the table at DESC. */
static void drv_setup_legacy_std(struct bench *b, uint32_t num)
{
	drv_setup_legacy(b, num, 4096, (uint32_t)(DESC >> 12), 4096);
	assert_false(b->blk.t.broken);
	assert_int_equal(b->avail_at, legacy_avail(DESC, num));
	assert_int_equal(b->used_at, legacy_used(DESC, num, 4096));
}

static void put_desc(struct bench *b, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
	uint8_t *p = ram(b, b->desc_at + 16 * i);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void put_hdr(struct bench *b, uint64_t at, uint32_t type, uint64_t sector)
{
	uint32_t zero = 0;

	memcpy(ram(b, at), &type, 4);
	memcpy(ram(b, at + 4), &zero, 4);
	memcpy(ram(b, at + 8), &sector, 8);
}

/* Makes head available (§2.6.13) without notifying. */
static void drv_post(struct bench *b, uint32_t num, uint16_t head)
{
	memcpy(ram(b, b->avail_at + 4 + 2 * (b->avail_idx % num)), &head, 2);
	b->avail_idx++;
	memcpy(ram(b, b->avail_at + 2), &b->avail_idx, 2);
}

static uint16_t used_idx(struct bench *b)
{
	uint16_t v;

	memcpy(&v, ram(b, b->used_at + 2), 2);
	return v;
}

static void used_elem(struct bench *b, uint32_t num, uint16_t i, uint32_t *id, uint32_t *len)
{
	memcpy(id, ram(b, b->used_at + 4 + 8 * (i % num)), 4);
	memcpy(len, ram(b, b->used_at + 4 + 8 * (i % num) + 4), 4);
}

/* A three-descriptor read of one sector into BUF(k), head at descriptor 3k, status at ST + k. */
static void drv_read(struct bench *b, uint32_t num, unsigned k, uint64_t sector)
{
	put_hdr(b, HDR + 16 * k, VIRTIO_BLK_T_IN, sector);
	put_desc(b, 3 * k, HDR + 16 * k, 16, F_NEXT, 3 * k + 1);
	put_desc(b, 3 * k + 1, BUF(k), 512, F_W | F_NEXT, 3 * k + 2);
	put_desc(b, 3 * k + 2, ST + k, 1, F_W, 0);
	*ram(b, ST + k) = SENTINEL;
	drv_post(b, num, 3 * k);
}

/*
 * The table of single requests.  Descriptor i of a case goes to slot i of
 * the table; NEXT is set on all but the last, pointing at the following
 * one, unless .next says otherwise.
 */
struct tdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags; /* F_W, F_IND (and F_NEXT for an explicit last one) */
	int next;       /* 0: the following descriptor; NX(i): descriptor i */
};
#define NX(i) ((i) + 1)

#define H_D                   \
	{                     \
		HDR, 16, 0, 0 \
	}
#define S_D                   \
	{                     \
		ST, 1, F_W, 0 \
	}
#define DIN(k, len)                 \
	{                           \
		BUF(k), len, F_W, 0 \
	}
#define DOUT(k, len)              \
	{                         \
		BUF(k), len, 0, 0 \
	}
#define NOSTATUS (-1)

static const struct rcase {
	const char *name;
	bool ro;
	uint32_t type;
	uint64_t sector;
	struct tdesc d[QN];
	int head;             /* the avail ring entry (default descriptor 0) */
	int status;           /* the status byte, or NOSTATUS: left as it was */
	uint32_t used_len;    /* used.len */
	int submits;          /* backend calls */
	uint64_t real_sector; /* of the io submitted */
	const char *id;       /* GET_ID: the 20 bytes expected in BUF(0) */
} rcases[] = {
    {"read one sector", .type = VIRTIO_BLK_T_IN, .sector = 3, .d = {H_D, DIN(0, 512), S_D},
     .status = 0, .used_len = 513, .submits = 1, .real_sector = START / 512 + 3},
    {"write two sectors", .type = VIRTIO_BLK_T_OUT, .sector = 10, .d = {H_D, DOUT(0, 1024), S_D},
     .status = 0, .used_len = 1, .submits = 1, .real_sector = START / 512 + 10},
    {"multi-segment read", .type = VIRTIO_BLK_T_IN, .sector = 0,
     .d = {H_D, DIN(0, 512), DIN(1, 4096), DIN(2, 1024), S_D}, .status = 0, .used_len = 5633,
     .submits = 1, .real_sector = START / 512},
    {"multi-segment write", .type = VIRTIO_BLK_T_OUT, .sector = 50,
     .d = {H_D, DOUT(0, 2048), DOUT(1, 512), S_D}, .status = 0, .used_len = 1, .submits = 1,
     .real_sector = START / 512 + 50},
    {"sixteen segments", .type = VIRTIO_BLK_T_IN, .sector = 1,
     .d = {H_D, DIN(0, 512), DIN(1, 512), DIN(2, 512), DIN(3, 512), DIN(4, 512), DIN(5, 512),
           DIN(6, 512), DIN(7, 512), DIN(8, 512), DIN(9, 512), DIN(10, 512), DIN(11, 512),
           DIN(12, 512), DIN(13, 512), DIN(14, 512), DIN(15, 512), S_D},
     .status = 0, .used_len = 16 * 512 + 1, .submits = 1, .real_sector = START / 512 + 1},
    {"seventeen segments", .type = VIRTIO_BLK_T_IN, .sector = 1,
     .d = {H_D, DIN(0, 512), DIN(1, 512), DIN(2, 512), DIN(3, 512), DIN(4, 512), DIN(5, 512),
           DIN(6, 512), DIN(7, 512), DIN(8, 512), DIN(9, 512), DIN(10, 512), DIN(11, 512),
           DIN(12, 512), DIN(13, 512), DIN(14, 512), DIN(15, 512), DIN(16, 512), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 8705},
    {"zero-length data descriptors are skipped", .type = VIRTIO_BLK_T_IN, .sector = 2,
     .d = {H_D, DIN(0, 0), DIN(1, 512), S_D}, .status = 0, .used_len = 513, .submits = 1,
     .real_sector = START / 512 + 2},
    {"a read of nothing completes at once", .type = VIRTIO_BLK_T_IN, .sector = 5, .d = {H_D, S_D},
     .status = 0, .used_len = 1},
    {"a read of nothing past the end", .type = VIRTIO_BLK_T_IN, .sector = NSECT + 1,
     .d = {H_D, S_D}, .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"flush", .type = VIRTIO_BLK_T_FLUSH, .d = {H_D, S_D}, .status = 0, .used_len = 1, .submits = 1,
     .real_sector = START / 512},
    {"flush on a read-only disk", .ro = true, .type = VIRTIO_BLK_T_FLUSH, .d = {H_D, S_D},
     .status = 0, .used_len = 1, .submits = 1, .real_sector = START / 512},
    {"get-id", .type = VIRTIO_BLK_T_GET_ID, .d = {H_D, DIN(0, 20), S_D}, .status = 0,
     .used_len = 21, .id = "popek-10000\0\0\0\0\0\0\0\0\0"},
    {"get-id into a larger buffer writes the id and its NUL", .type = VIRTIO_BLK_T_GET_ID,
     .d = {H_D, DIN(0, 512), S_D}, .status = 0, .used_len = 513,
     .id = "popek-10000\0\0\0\0\0\0\0\0\0"},
    /* The part of a chain in the other direction is ignored, as QEMU's device does. */
    {"get-id into a device-readable buffer", .type = VIRTIO_BLK_T_GET_ID,
     .d = {H_D, DOUT(0, 20), S_D}, .status = 0, .used_len = 1},
    {"last sector", .type = VIRTIO_BLK_T_IN, .sector = NSECT - 1, .d = {H_D, DIN(0, 512), S_D},
     .status = 0, .used_len = 513, .submits = 1, .real_sector = START / 512 + NSECT - 1},
    {"sector past the end", .type = VIRTIO_BLK_T_IN, .sector = NSECT, .d = {H_D, DIN(0, 512), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 513},
    {"write past the end", .type = VIRTIO_BLK_T_OUT, .sector = NSECT, .d = {H_D, DOUT(0, 512), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"read straddling the end", .type = VIRTIO_BLK_T_IN, .sector = NSECT - 1,
     .d = {H_D, DIN(0, 1024), S_D}, .status = VIRTIO_BLK_S_IOERR, .used_len = 1025},
    {"sector*512 + length overflows u64", .type = VIRTIO_BLK_T_OUT, .sector = (1ull << 55) - 1,
     .d = {H_D, DOUT(0, 512), S_D}, .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"sector*512 overflows u64", .type = VIRTIO_BLK_T_IN, .sector = UINT64_MAX,
     .d = {H_D, DIN(0, 512), S_D}, .status = VIRTIO_BLK_S_IOERR, .used_len = 513},
    {"write to a read-only disk", .ro = true, .type = VIRTIO_BLK_T_OUT,
     .d = {H_D, DOUT(0, 512), S_D}, .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"read from a read-only disk", .ro = true, .type = VIRTIO_BLK_T_IN,
     .d = {H_D, DIN(0, 512), S_D}, .status = 0, .used_len = 513, .submits = 1,
     .real_sector = START / 512},
    {"unknown type", .type = 99, .d = {H_D, DIN(0, 512), S_D}, .status = VIRTIO_BLK_S_UNSUPP,
     .used_len = 513},
    {"discard is not offered", .type = 11, .d = {H_D, DOUT(0, 16), S_D},
     .status = VIRTIO_BLK_S_UNSUPP, .used_len = 1},
    {"odd length", .type = VIRTIO_BLK_T_IN, .d = {H_D, DIN(0, 100), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 101},
    /* §2.6.4.1: no layout may be assumed; only the total must be whole sectors. */
    {"odd segments in a whole-sector total", .type = VIRTIO_BLK_T_OUT,
     .d = {H_D, DOUT(0, 256), DOUT(1, 256), S_D}, .status = 0, .used_len = 1, .submits = 1,
     .real_sector = START / 512},
    {"read into device-readable buffers", .type = VIRTIO_BLK_T_IN, .d = {H_D, DOUT(0, 512), S_D},
     .status = 0, .used_len = 1},
    {"write from device-writable buffers", .type = VIRTIO_BLK_T_OUT, .d = {H_D, DIN(0, 512), S_D},
     .status = 0, .used_len = 513},
    {"header not readable", .type = VIRTIO_BLK_T_IN, .d = {{HDR, 16, F_W, 0}, DIN(0, 512), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 529},
    {"header too short", .type = VIRTIO_BLK_T_IN, .d = {{HDR, 8, 0, 0}, DIN(0, 512), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 513},
    {"status not writable", .type = VIRTIO_BLK_T_IN, .d = {H_D, DIN(0, 512), {ST, 1, 0, 0}},
     .status = NOSTATUS, .used_len = 0},
    {"status of length 0", .type = VIRTIO_BLK_T_IN, .d = {H_D, {ST, 0, F_W, 0}}, .status = NOSTATUS,
     .used_len = 0},
    {"a header alone", .type = VIRTIO_BLK_T_FLUSH, .d = {H_D}, .status = NOSTATUS, .used_len = 0},
    {"data below RAM", .type = VIRTIO_BLK_T_IN, .d = {H_D, {RAM_BASE - 512, 512, F_W, 0}, S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"data above RAM", .type = VIRTIO_BLK_T_IN, .d = {H_D, {RAM_END, 512, F_W, 0}, S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"data straddling the end of RAM", .type = VIRTIO_BLK_T_OUT,
     .d = {H_D, {RAM_END - 256, 512, 0, 0}, S_D}, .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"data wrapping around 2^64", .type = VIRTIO_BLK_T_IN,
     .d = {H_D, {UINT64_MAX - 255, 512, F_W, 0}, S_D}, .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"header outside RAM", .type = VIRTIO_BLK_T_IN, .d = {{RAM_END, 16, 0, 0}, DIN(0, 512), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"status outside RAM", .type = VIRTIO_BLK_T_IN, .d = {H_D, DIN(0, 512), {RAM_END, 1, F_W, 0}},
     .status = NOSTATUS, .used_len = 0},
    {"a chain that loops", .type = VIRTIO_BLK_T_IN, .d = {H_D, {BUF(0), 512, F_W, NX(1)}, S_D},
     .status = NOSTATUS, .used_len = 0},
    {"a chain through the whole table and back", .type = VIRTIO_BLK_T_IN,
     .d = {H_D,          DIN(0, 512),  DIN(1, 512),  DIN(2, 512),
           DIN(3, 512),  DIN(4, 512),  DIN(5, 512),  DIN(6, 512),
           DIN(7, 512),  DIN(8, 512),  DIN(9, 512),  DIN(10, 512),
           DIN(11, 512), DIN(12, 512), DIN(13, 512), DIN(14, 512),
           DIN(15, 512), DIN(16, 512), DIN(17, 512), DIN(18, 512),
           DIN(19, 512), DIN(20, 512), DIN(21, 512), DIN(22, 512),
           DIN(23, 512), DIN(24, 512), DIN(25, 512), DIN(26, 512),
           DIN(27, 512), DIN(28, 512), DIN(29, 512), {ST, 1, F_W | F_NEXT, NX(0)}},
     .status = NOSTATUS, .used_len = 0},
    {"a chain as long as the queue is walked", .type = VIRTIO_BLK_T_IN,
     .d = {H_D,          DIN(0, 512),  DIN(1, 512),  DIN(2, 512),  DIN(3, 512),  DIN(4, 512),
           DIN(5, 512),  DIN(6, 512),  DIN(7, 512),  DIN(8, 512),  DIN(9, 512),  DIN(10, 512),
           DIN(11, 512), DIN(12, 512), DIN(13, 512), DIN(14, 512), DIN(15, 512), DIN(16, 512),
           DIN(17, 512), DIN(18, 512), DIN(19, 512), DIN(20, 512), DIN(21, 512), DIN(22, 512),
           DIN(23, 512), DIN(24, 512), DIN(25, 512), DIN(26, 512), DIN(27, 512), DIN(28, 512),
           DIN(29, 512), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 15361},
    {"next index past the queue", .type = VIRTIO_BLK_T_IN,
     .d = {H_D, {BUF(0), 512, F_W, NX(QN)}, S_D}, .status = NOSTATUS, .used_len = 0},
    {"next index past the queue size but inside VBLK_QUEUE_MAX", .type = VIRTIO_BLK_T_IN,
     .d = {{HDR, 16, 0, NX(QN + 1)}, DIN(0, 512), S_D}, .status = NOSTATUS, .used_len = 0},
    {"head index past the queue", .type = VIRTIO_BLK_T_IN, .d = {H_D, DIN(0, 512), S_D},
     .head = 0xffff, .status = NOSTATUS, .used_len = 0},
    {"indirect data descriptor", .type = VIRTIO_BLK_T_IN, .d = {H_D, {BUF(0), 512, F_IND, 0}, S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"indirect header", .type = VIRTIO_BLK_T_IN, .d = {{HDR, 16, F_IND, 0}, DIN(0, 512), S_D},
     .status = VIRTIO_BLK_S_IOERR, .used_len = 1},
    {"indirect status", .type = VIRTIO_BLK_T_IN, .d = {H_D, DIN(0, 512), {ST, 1, F_W | F_IND, 0}},
     .status = NOSTATUS, .used_len = 0},
    {"a longer status buffer answers in its last byte", .type = VIRTIO_BLK_T_FLUSH,
     .d = {H_D, {ST - 3, 4, F_W, 0}}, .status = 0, .used_len = 4, .submits = 1,
     .real_sector = START / 512},
};

static int rcase_ndesc(const struct rcase *c)
{
	int n = 0;

	while (n < QN && (c->d[n].addr || c->d[n].len))
		n++;
	return n;
}

/* One request of the table, through a modern queue or a legacy one. */
static void run_request(const struct rcase *c, bool legacy)
{
	struct bench *b = &bench;
	int n = rcase_ndesc(c), nseg = 0;
	uint16_t head = c->head ? (uint16_t)c->head : 0;
	uint32_t id, len;
	static uint8_t before[RAM_SIZE - 0x10000];

	bench_init_mode(b, c->ro, legacy);
	if (legacy)
		drv_setup_legacy_std(b, QN);
	else
		drv_setup(b, QN);
	put_hdr(b, HDR, c->type, c->sector);
	*ram(b, ST) = SENTINEL;
	for (int i = 0; i < n; i++) {
		const struct tdesc *t = &c->d[i];
		uint16_t flags = t->flags, next = 0;

		if (t->next) {
			flags |= F_NEXT;
			next = (uint16_t)(t->next - 1);
		} else if (i + 1 < n) {
			flags |= F_NEXT;
			next = (uint16_t)(i + 1);
		}
		put_desc(b, i, t->addr, t->len, flags, next);
		if (i > 0 && i < n - 1 && t->len)
			nseg++;
	}
	/*
	 * Past the queue's descriptors: bait that would make a good status
	 * descriptor (a legacy queue has its avail ring there).
	 */
	for (int i = QN; i < VBLK_QUEUE_MAX && !legacy; i++)
		put_desc(b, i, ST, 1, F_W, 0);
	memcpy(before, ram(b, RAM_BASE + 0x10000), sizeof(before));
	drv_post(b, QN, head);
	b->ram_gets = 0;
	wr(b, QUEUE_NOTIFY, 0);

	/* The walk is bounded by the queue size, whatever the chain. */
	assert_in_range(b->ram_gets, 1, 2 * QN + 8);
	assert_int_equal(b->calls, c->submits);
	assert_int_equal(busy_slots(b), b->npending);
	if (c->submits) {
		/* With the backend: nothing answered yet, and the io is what the chain says. */
		assert_int_equal(used_idx(b), 0);
		assert_false(line(b));
		assert_int_equal(b->last.sector, c->real_sector);
		assert_int_equal(b->last.type, c->type);
		assert_int_equal(b->last.head, head);
		assert_int_equal(b->last.nseg, c->type == VIRTIO_BLK_T_FLUSH ? 0 : nseg);
		for (uint32_t s = 0, i = 1; s < b->last.nseg; i++) {
			if (!c->d[i].len)
				continue;
			assert_int_equal(b->last.seg[s].gpa, c->d[i].addr);
			assert_int_equal(b->last.seg[s].len, c->d[i].len);
			s++;
		}
		fake_complete_all(b);
		/* The data went between the right sectors and buffers. */
		for (uint32_t s = 0, off = 0; s < b->last.nseg; s++) {
			uint64_t at = c->real_sector * 512 + off;

			if (c->type == VIRTIO_BLK_T_OUT)
				assert_memory_equal(b->disk + at,
				                    before + (b->last.seg[s].gpa - BUF(0)),
				                    b->last.seg[s].len);
			else
				assert_memory_equal(ram(b, b->last.seg[s].gpa), b->disk + at,
				                    b->last.seg[s].len);
			off += b->last.seg[s].len;
		}
	}
	assert_int_equal(used_idx(b), 1);
	used_elem(b, QN, 0, &id, &len);
	assert_int_equal(id, head);
	assert_int_equal(len, c->used_len);
	if (c->status == NOSTATUS)
		assert_int_equal(*ram(b, ST), SENTINEL);
	else
		assert_int_equal(*ram(b, ST), c->status);
	if (c->id) /* the id and its NUL, at most 20 bytes: the rest is left as it was */
		assert_memory_equal(ram(b, BUF(0)), c->id, id_bytes(c->id));
	if (!(c->submits && c->type == VIRTIO_BLK_T_IN) && !c->id) /* nothing else in RAM changed */
		assert_memory_equal(ram(b, RAM_BASE + 0x10000), before, sizeof(before));
	assert_true(line(b));
	assert_int_equal(rd(b, INT_STATUS), 1);
	assert_false(b->blk.t.broken);
	/* Reads of a chain that was not touched are not replayed by another notify. */
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(b), 1);
	assert_int_equal(b->calls, c->submits);
}

static void test_request(void **state)
{
	run_request(*state, false);
}

static void test_request_legacy(void **state)
{
	run_request(*state, true);
}

/* Register accesses, as scripts. */
enum rop { R_END, R_RD, R_WR, R_BADR, R_BADW };

struct rstep {
	enum rop op;
	uint64_t off;
	unsigned width; /* 0: 4 */
	uint64_t val;   /* R_RD: expected */
};

static const struct rscript {
	const char *name;
	struct rstep s[24];
	bool ro;
	bool legacy;
} rscripts[] = {
    {"identification",
     {{R_RD, MAGIC, 0, 0x74726976},
      {R_RD, VERSION, 0, 2},
      {R_RD, DEVICE_ID, 0, 2},
      {R_RD, VENDOR_ID, 0, 0x554d4551},
      {R_RD, CONFIG_GEN, 0, 0},
      {R_RD, STATUS, 0, 0},
      {R_RD, INT_STATUS, 0, 0},
      {R_RD, SHM_LEN_LO, 0, 0xffffffff},
      {R_RD, 0x0f0, 0, 0}}},
    {"device features by selector",
     {{R_RD, DEV_FEAT, 0, (1u << 2) | (1u << 6) | (1u << 9) | (1u << 29)},
      {R_WR, DEV_FEAT_SEL, 0, 1},
      {R_RD, DEV_FEAT, 0, 1},
      {R_WR, DEV_FEAT_SEL, 0, 2},
      {R_RD, DEV_FEAT, 0, 1}, /* the board's selector keeps one bit */
      {R_WR, DEV_FEAT_SEL, 0, 0},
      {R_RD, DEV_FEAT, 0, (1u << 2) | (1u << 6) | (1u << 9) | (1u << 29)}}},
    {"a read-only disk offers VIRTIO_BLK_F_RO", .ro = true,
     .s = {{R_RD, DEV_FEAT, 0, (1u << 2) | (1u << 5) | (1u << 6) | (1u << 9) | (1u << 29)}}},
    {"queues",
     {{R_RD, QUEUE_NUM_MAX, 0, VBLK_QUEUE_MAX},
      {R_RD, QUEUE_READY, 0, 0},
      {R_WR, QUEUE_SEL, 0, 1},
      {R_RD, QUEUE_NUM_MAX, 0, 0},
      {R_WR, QUEUE_READY, 0, 1},
      {R_RD, QUEUE_READY, 0, 0},
      {R_WR, QUEUE_SEL, 0, 0},
      {R_RD, QUEUE_READY, 0, 0},
      {R_RD, QUEUE_NUM, 0, 0}}},
    /* As the board's transport: the memory core's sizes; registers answer 4 bytes only. */
    {"registers: aligned accesses of 1 to 8 bytes, only 4-byte ones do anything",
     {{R_RD, MAGIC, 1, 0},
      {R_RD, MAGIC, 2, 0},
      {R_RD, MAGIC, 8, 0x274726976ull}, /* two 4-byte reads: magic, version */
      {R_BADR, MAGIC + 2, 4},
      {R_RD, MAGIC + 1, 1, 0},
      {R_BADR, VERSION, 3},
      {R_BADR, VERSION, 8},
      {R_WR, STATUS, 1, S_ACK},
      {R_RD, STATUS, 0, 0},
      {R_WR, STATUS, 8, S_ACK | (1ull << 32)},
      {R_RD, STATUS, 0, S_ACK},
      {R_BADW, QUEUE_NOTIFY + 2, 4},
      {R_BADR, 0x200, 4},
      {R_WR, STATUS, 0, 0},
      {R_RD, STATUS, 0, 0}}},
    {"configuration space",
     {{R_RD, CONFIG, 8, NSECT},
      {R_RD, CONFIG, 4, NSECT},
      {R_RD, CONFIG + 4, 4, 0},
      {R_RD, CONFIG, 1, NSECT & 0xff},
      {R_RD, CONFIG, 2, NSECT},
      {R_RD, CONFIG + 0x08, 4, 0},
      {R_RD, CONFIG + 0x0c, 4, VBLK_MAX_SEG},
      {R_RD, CONFIG + 0x10, 4, 0},
      {R_RD, CONFIG + 0x14, 4, 512},
      {R_RD, CONFIG + 0x14, 2, 512},
      {R_RD, CONFIG + 0x15, 1, 2},
      {R_RD, CONFIG + 0x38, 1, 0},
      {R_RD, CONFIG + 0x38, 4, 0xffffffff}, /* past the board's 57 bytes: all ones */
      {R_RD, CONFIG + 0x3c, 4, 0xffffffff},
      {R_BADR, CONFIG + 0x3a, 4},
      {R_BADR, CONFIG + 0x04, 8},
      {R_BADR, CONFIG + 1, 2},
      {R_BADR, CONFIG, 3},
      {R_RD, 0x1fc, 4, 0xffffffff},
      {R_BADR, 0x200, 4},
      {R_BADR, 0xffc, 4},
      {R_WR, CONFIG, 8, 0},
      {R_RD, CONFIG, 8, NSECT},
      {R_BADW, 0x400, 4}}},
    /* The board's device never refuses FEATURES_OK (vblk.c, status_write). */
    {"FEATURES_OK without VERSION_1 is kept, as on the board",
     {{R_WR, STATUS, 0, S_ACK | S_DRIVER},
      {R_WR, DRV_FEAT, 0, 1u << 9},
      {R_WR, STATUS, 0, S_ACK | S_DRIVER | S_FEAT_OK},
      {R_RD, STATUS, 0, S_ACK | S_DRIVER | S_FEAT_OK}}},
    {"features the device did not offer do not stop FEATURES_OK",
     {{R_WR, STATUS, 0, S_ACK | S_DRIVER},
      {R_WR, DRV_FEAT_SEL, 0, 1},
      {R_WR, DRV_FEAT, 0, 1},
      {R_WR, DRV_FEAT_SEL, 0, 0},
      {R_WR, DRV_FEAT, 0, (1u << 5) | (1u << 28)}, /* RO on a writable disk, INDIRECT_DESC */
      {R_WR, STATUS, 0, S_ACK | S_DRIVER | S_FEAT_OK},
      {R_RD, STATUS, 0, S_ACK | S_DRIVER | S_FEAT_OK},
      {R_WR, STATUS, 0, 0},
      {R_RD, STATUS, 0, 0}}},
    {"feature selectors keep one bit, across a reset",
     {{R_WR, DEV_FEAT_SEL, 0, 2},
      {R_RD, DEV_FEAT, 0, 1},
      {R_WR, STATUS, 0, 0},
      {R_RD, DEV_FEAT, 0, 1},
      {R_WR, DEV_FEAT_SEL, 0, 0x80000000},
      {R_RD, DEV_FEAT, 0, 1},
      {R_WR, DEV_FEAT_SEL, 0, 0},
      {R_RD, DEV_FEAT, 0, (1u << 2) | (1u << 6) | (1u << 9) | (1u << 29)}}},
    {"legacy: identification", .legacy = true,
     .s = {{R_RD, MAGIC, 0, 0x74726976},
           {R_RD, VERSION, 0, 1},
           {R_RD, DEVICE_ID, 0, 2},
           {R_RD, VENDOR_ID, 0, 0x554d4551},
           {R_RD, STATUS, 0, 0},
           {R_RD, INT_STATUS, 0, 0},
           {R_RD, QUEUE_PFN, 0, 0},
           {R_RD, QUEUE_NUM_MAX, 0, VBLK_QUEUE_MAX},
           {R_RD, SHM_LEN_LO, 0, 0xffffffff},
           {R_RD, SHM_LEN_HI, 0, 0xffffffff},
           {R_RD, CONFIG, 8, NSECT},
           {R_RD, CONFIG + 0x0c, 4, VBLK_MAX_SEG},
           {R_RD, CONFIG + 0x14, 4, 512}}},
    {"legacy: host features, without VERSION_1", .legacy = true,
     .s = {{R_RD, DEV_FEAT, 0, (1u << 2) | (1u << 6) | (1u << 9) | (1u << 24) | (1u << 29)},
           {R_WR, DEV_FEAT_SEL, 0, 1},
           {R_RD, DEV_FEAT, 0, 0},
           {R_WR, DEV_FEAT_SEL, 0, 2},
           {R_RD, DEV_FEAT, 0, 0},
           {R_WR, DEV_FEAT_SEL, 0, 0},
           {R_RD, DEV_FEAT, 0, (1u << 2) | (1u << 6) | (1u << 9) | (1u << 24) | (1u << 29)}}},
    {"legacy: a read-only disk offers VIRTIO_BLK_F_RO", .ro = true, .legacy = true,
     .s = {{R_RD, DEV_FEAT, 0,
            (1u << 2) | (1u << 5) | (1u << 6) | (1u << 9) | (1u << 24) | (1u << 29)}}},
    {"legacy: write-only registers read 0", .legacy = true,
     .s = {{R_WR, GUEST_PAGE_SIZE, 0, 4096},
           {R_RD, GUEST_PAGE_SIZE, 0, 0},
           {R_WR, QUEUE_ALIGN, 0, 4096},
           {R_RD, QUEUE_ALIGN, 0, 0},
           {R_WR, QUEUE_NUM, 0, 8},
           {R_RD, QUEUE_NUM, 0, 0},
           {R_WR, QUEUE_SEL, 0, 0},
           {R_RD, QUEUE_SEL, 0, 0},
           {R_RD, DRV_FEAT, 0, 0},
           {R_RD, DEV_FEAT_SEL, 0, 0}}},
    /* What only version 2 has reads 0 and ignores writes, as QEMU's legacy device does. */
    {"legacy: version 2 registers do nothing", .legacy = true,
     .s = {{R_WR, QUEUE_NUM, 0, 8},
           {R_WR, DESC_LO, 0, 0x80000000},
           {R_WR, AVAIL_LO, 0, 0x80001000},
           {R_WR, USED_LO, 0, 0x80002000},
           {R_WR, QUEUE_READY, 0, 1},
           {R_RD, QUEUE_READY, 0, 0},
           {R_RD, QUEUE_PFN, 0, 0},
           {R_RD, CONFIG_GEN, 0, 0},
           {R_WR, CONFIG_GEN, 0, 5},
           {R_RD, CONFIG_GEN, 0, 0}}},
    /* No FEATURES_OK step: the status byte is the driver's, as in QEMU's legacy device. */
    {"legacy: status is taken as written", .legacy = true,
     .s = {{R_WR, STATUS, 0, S_ACK | S_DRIVER},
           {R_WR, DRV_FEAT, 0, 1u << 28},
           {R_WR, STATUS, 0, S_ACK | S_DRIVER | S_FEAT_OK},
           {R_RD, STATUS, 0, S_ACK | S_DRIVER | S_FEAT_OK},
           {R_WR, STATUS, 0, S_ACK | S_DRIVER | S_DRIVER_OK},
           {R_RD, STATUS, 0, S_ACK | S_DRIVER | S_DRIVER_OK},
           {R_WR, STATUS, 0, 0},
           {R_RD, STATUS, 0, 0}}},
    {"legacy: registers answer 4-byte accesses; misaligned ones fault", .legacy = true,
     .s = {{R_RD, QUEUE_PFN, 2, 0},
           {R_WR, QUEUE_PFN, 1, 0x80},
           {R_BADW, GUEST_PAGE_SIZE + 1, 2},
           {R_BADR, QUEUE_ALIGN + 2, 4},
           {R_RD, QUEUE_PFN, 0, 0}}},
    /* A modern device has no legacy registers: they read 0 and ignore writes. */
    {"legacy registers do nothing on a version 2 device",
     {{R_WR, GUEST_PAGE_SIZE, 0, 4096},
      {R_WR, QUEUE_NUM, 0, 8},
      {R_WR, QUEUE_ALIGN, 0, 4096},
      {R_WR, QUEUE_PFN, 0, 0x80000},
      {R_RD, QUEUE_PFN, 0, 0},
      {R_RD, QUEUE_READY, 0, 0}}},
};

static void test_registers(void **state)
{
	const struct rscript *sc = *state;
	struct bench *b = &bench;

	bench_init_mode(b, sc->ro, sc->legacy);
	for (int i = 0; i < 24 && sc->s[i].op != R_END; i++) {
		const struct rstep *st = &sc->s[i];
		unsigned w = st->width ? st->width : 4;
		uint64_t v = 0xdeadbeef;
		int ret;

		switch (st->op) {
		case R_RD:
			ret = vblk_ops.read(&b->blk, st->off, w, &v);
			if (ret != 0 || v != st->val)
				fail_msg("%s: step %d: read %#x/%u gave %d, %#llx; want %#llx",
				         sc->name, i, (unsigned)st->off, w, ret,
				         (unsigned long long)v, (unsigned long long)st->val);
			break;
		case R_WR:
			if (vblk_ops.write(&b->blk, st->off, w, st->val) != 0)
				fail_msg("%s: step %d: write %#x/%u refused", sc->name, i,
				         (unsigned)st->off, w);
			break;
		case R_BADR:
			if (vblk_ops.read(&b->blk, st->off, w, &v) != -1)
				fail_msg("%s: step %d: read %#x/%u accepted", sc->name, i,
				         (unsigned)st->off, w);
			break;
		case R_BADW:
			if (vblk_ops.write(&b->blk, st->off, w, 0) != -1)
				fail_msg("%s: step %d: write %#x/%u accepted", sc->name, i,
				         (unsigned)st->off, w);
			break;
		case R_END:
			break;
		}
	}
}

/* Queue setups the device must refuse: it is broken until reset, and touches nothing. */
static const struct bad_queue {
	const char *name;
	uint32_t num;
	uint64_t desc, avail, used;
} bad_queues[] = {
    {"queue size 0", 0, DESC, AVAIL, USED},
    {"queue size not a power of 2", 24, DESC, AVAIL, USED},
    {"queue size above QueueNumMax", 2 * VBLK_QUEUE_MAX, DESC, AVAIL, USED},
    {"descriptor table below RAM", QN, RAM_BASE - 0x1000, AVAIL, USED},
    {"descriptor table straddling the end of RAM", QN, RAM_END - 256, AVAIL, USED},
    {"avail ring above RAM", QN, DESC, RAM_END, USED},
    {"used ring straddling the end of RAM", QN, DESC, AVAIL, RAM_END - 128},
    {"used ring at 2^64 - 8", QN, DESC, AVAIL, UINT64_MAX - 7},
    {"misaligned descriptor table", QN, DESC + 8, AVAIL, USED},
    {"misaligned avail ring", QN, DESC, AVAIL + 1, USED},
    {"misaligned used ring", QN, DESC, AVAIL, USED + 2},
};

static void test_bad_queue(void **state)
{
	const struct bad_queue *q = *state;
	struct bench *b = &bench;
	uint8_t snap[0x4000];

	bench_init(b, false);
	drv_setup_at(b, q->num, q->desc, q->avail, q->used);
	assert_true(b->blk.t.broken);
	assert_int_equal(rd(b, STATUS) & S_NEEDS_RST, S_NEEDS_RST);
	assert_int_equal(rd(b, INT_STATUS), 2); /* configuration change */
	assert_true(line(b));
	wr(b, INT_ACK, 2);
	assert_false(line(b));
	/* A good request in the test's own rings is not taken. */
	drv_read(b, QN, 0, 0);
	memcpy(snap, ram(b, RAM_BASE), sizeof(snap));
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 0);
	assert_memory_equal(snap, ram(b, RAM_BASE), sizeof(snap));
	/* A reset mends it. */
	drv_setup(b, QN);
	assert_false(b->blk.t.broken);
	assert_int_equal(rd(b, STATUS), 0xf);
	drv_read(b, QN, 0, 0);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 1);
}

/*
 * Legacy queue placement (§2.6.2): the table at QueuePFN × GuestPageSize, the
 * avail ring right after it, the used ring at the next multiple of QueueAlign.
 */
static const struct placement {
	const char *name;
	uint32_t num, page_size, pfn, align; /* align 0: not written (4096) */
	uint64_t desc, avail, used;
	uint32_t pfn_read; /* what QueuePFN reads back */
} placements[] = {
    {"legacy placement: 4 KiB pages and alignment", QN, 4096, 0x80000, 4096, RAM_BASE,
     RAM_BASE + 0x200, RAM_BASE + 0x1000, 0x80000},
    {"legacy placement: QueueAlign 4096 by default", QN, 4096, 0x80001, 0, RAM_BASE + 0x1000,
     RAM_BASE + 0x1200, RAM_BASE + 0x2000, 0x80001},
    {"legacy placement: the largest queue", VBLK_QUEUE_MAX, 4096, 0x80006, 4096, RAM_BASE + 0x6000,
     RAM_BASE + 0x6400, RAM_BASE + 0x7000, 0x80006},
    /* avail ends at 0x80 + 6 + 16: the next multiple of 16 is 0xa0. */
    {"legacy placement: QueueAlign 16", 8, 4096, 0x80000, 16, RAM_BASE, RAM_BASE + 0x80,
     RAM_BASE + 0xa0, 0x80000},
    /* avail ends at 0x40 + 6 + 8 = 0x4e, used_event included (§2.6.2). */
    {"legacy placement: QueueAlign 4", 4, 4096, 0x80000, 4, RAM_BASE, RAM_BASE + 0x40,
     RAM_BASE + 0x50, 0x80000},
    /* A multiple of 24 as an address: 0x80000000 is 8 past one, so 0xa0 is. */
    {"legacy placement: QueueAlign need not be a power of 2", 8, 4096, 0x80000, 24, RAM_BASE,
     RAM_BASE + 0x80, RAM_BASE + 0xa0, 0x80000},
    {"legacy placement: 64 KiB pages", QN, 0x10000, 0x8000, 4096, RAM_BASE, RAM_BASE + 0x200,
     RAM_BASE + 0x1000, 0x8000},
    /* As QEMU: only the lowest set bit of GuestPageSize counts. */
    {"legacy placement: page size 0x3000 counts as 4 KiB", QN, 0x3000, 0x80004, 4096,
     RAM_BASE + 0x4000, RAM_BASE + 0x4200, RAM_BASE + 0x5000, 0x80004},
    /* GuestPageSize 0 (or never written): QueuePFN is a byte address. */
    {"legacy placement: page size 0 means bytes", QN, 0, 0x80000400, 4096, RAM_BASE + 0x400,
     RAM_BASE + 0x600, RAM_BASE + 0x1000, 0x80000400},
};

static void test_legacy_placement(void **state)
{
	const struct placement *p = *state;
	struct bench *b = &bench;

	bench_init_mode(b, false, true);
	drv_setup_legacy(b, p->num, p->page_size, p->pfn, p->align);
	assert_false(b->blk.t.broken);
	assert_int_equal(b->blk.t.q[0].desc, p->desc);
	assert_int_equal(b->blk.t.q[0].avail, p->avail);
	assert_int_equal(b->blk.t.q[0].used, p->used);
	assert_int_equal(rd(b, QUEUE_PFN), p->pfn_read);
	/* A request goes through the rings where they were placed. */
	drv_read(b, p->num, 0, 4);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 1);
	fake_complete_all(b);
	assert_int_equal(used_idx(b), 1);
	assert_int_equal(*ram(b, ST), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram(b, BUF(0)), b->disk + START + 4 * 512, 512);
}

/*
 * Legacy setups popek must refuse: some part of the queue outside RAM or
 * misaligned, or a bad size.  The device breaks, as for QueueReady.
 */
static const struct bad_legacy {
	const char *name;
	uint32_t num, page_size, pfn, align;
} bad_legacy[] = {
    {"legacy: queue size 0", 0, 4096, 0x80000, 4096},
    {"legacy: queue size not a power of 2", 24, 4096, 0x80000, 4096},
    {"legacy: queue size above QueueNumMax", 2 * VBLK_QUEUE_MAX, 4096, 0x80000, 4096},
    {"legacy: table below RAM", QN, 4096, 0x7ffff, 4096},
    {"legacy: table past the end of RAM", QN, 4096, (uint32_t)(RAM_END >> 12), 4096},
    /* The table and avail ring fit in the last page; the used ring is the next page. */
    {"legacy: used ring past the end of RAM", QN, 4096, (uint32_t)((RAM_END >> 12) - 1), 4096},
    /* A table of 64 descriptors ends exactly at the end of RAM. */
    {"legacy: avail ring past the end of RAM", VBLK_QUEUE_MAX, 1024,
     (uint32_t)((RAM_END - 1024) >> 10), 4096},
    {"legacy: the largest PFN and page size", QN, 0x80000000, 0xffffffff, 4096},
    {"legacy: huge QueueAlign puts the used ring outside RAM", QN, 4096, 0x80000, 0x80000000},
    {"legacy: misaligned table", QN, 0, 0x80000008, 4096},
    /* avail ends at 0x20 + 10 = 0x2a: with QueueAlign 2 the used ring is not 4-aligned. */
    {"legacy: QueueAlign 2 misaligns the used ring", 2, 4096, 0x80000, 2},
    {"legacy: QueueAlign 6 misaligns the used ring", QN, 4096, 0x80000, 6},
};

static void test_bad_legacy_queue(void **state)
{
	const struct bad_legacy *q = *state;
	struct bench *b = &bench;
	static uint8_t snap[RAM_SIZE];

	bench_init_mode(b, false, true);
	drv_setup_legacy(b, q->num, q->page_size, q->pfn, q->align);
	assert_true(b->blk.t.broken);
	assert_int_equal(rd(b, STATUS) & S_NEEDS_RST, S_NEEDS_RST);
	assert_int_equal(rd(b, INT_STATUS), 2);
	assert_true(line(b));
	wr(b, INT_ACK, 2);
	assert_false(line(b));
	/* A good request in the test's own rings is not taken, and RAM is untouched. */
	drv_read(b, QN, 0, 0);
	memcpy(snap, b->ram, RAM_SIZE);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 0);
	assert_memory_equal(snap, b->ram, RAM_SIZE);
	/* Another PFN is not taken while the queue is set: only a reset mends it. */
	wr(b, QUEUE_PFN, (uint32_t)(DESC >> 12));
	assert_true(b->blk.t.broken);
	drv_setup_legacy_std(b, QN);
	assert_int_equal(rd(b, STATUS), S_ACK | S_DRIVER | S_DRIVER_OK);
	drv_read(b, QN, 0, 0);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 1);
}

/* GuestFeatures: the low word only, less what was not offered; fixed once FEATURES_OK is set. */
static void test_legacy_features(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init_mode(b, false, true);
	wr(b, STATUS, S_ACK | S_DRIVER);
	wr(b, DRV_FEAT_SEL, 0);
	wr(b, DRV_FEAT, (1u << 9) | (1u << 28) | (1u << 5));
	assert_int_equal(b->blk.t.negotiated, 1u << 9);
	wr(b, DRV_FEAT_SEL, 1);
	wr(b, DRV_FEAT, 1); /* VERSION_1 is not there to take */
	assert_int_equal(b->blk.t.negotiated, 1u << 9);
	wr(b, DRV_FEAT_SEL, 0);
	wr(b, STATUS, S_ACK | S_DRIVER | S_FEAT_OK);
	wr(b, DRV_FEAT, 1u << 6);
	assert_int_equal(b->blk.t.negotiated, 1u << 9);
	wr(b, STATUS, 0);
	assert_int_equal(b->blk.t.negotiated, 0);
}

/*
 * A version 2 driver that writes only the low feature word, never acknowledging
 * VERSION_1: the board's device sets FEATURES_OK and serves it, so popek's must.
 * What was not offered is dropped from what the device acts on.
 */
static void test_low_word_only_driver(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	wr(b, STATUS, 0);
	wr(b, STATUS, S_ACK | S_DRIVER);
	wr(b, DRV_FEAT_SEL, 0);
	wr(b, DRV_FEAT, (1u << 9) | (1u << 28) | EVENT_IDX);
	wr(b, STATUS, S_ACK | S_DRIVER | S_FEAT_OK);
	assert_int_equal(rd(b, STATUS), S_ACK | S_DRIVER | S_FEAT_OK);
	assert_int_equal(b->blk.t.negotiated, (1u << 9) | EVENT_IDX);
	/* written after FEATURES_OK: kept as the register's, not acted on */
	wr(b, DRV_FEAT, 0);
	assert_int_equal(b->blk.t.negotiated, (1u << 9) | EVENT_IDX);
	wr(b, QUEUE_SEL, 0);
	wr(b, QUEUE_NUM, QN);
	wr(b, DESC_LO, (uint32_t)DESC);
	wr(b, DESC_HI, DESC >> 32);
	wr(b, AVAIL_LO, (uint32_t)AVAIL);
	wr(b, AVAIL_HI, AVAIL >> 32);
	wr(b, USED_LO, (uint32_t)USED);
	wr(b, USED_HI, USED >> 32);
	wr(b, QUEUE_READY, 1);
	wr(b, STATUS, S_ACK | S_DRIVER | S_FEAT_OK | S_DRIVER_OK);
	assert_true(b->blk.t.q[0].vq.live);
	assert_true(b->blk.t.q[0].vq.event_idx);
	memset(ram(b, DESC), 0, 0x3000);
	b->avail_idx = 0;
	drv_read(b, QN, 0, 0);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 1);
	fake_complete(b, 0, true);
	assert_int_equal(used_idx(b), 1);
}

/*
 * Status = 0 resets a legacy device as a modern one (QueuePFN reads 0, late
 * answers are dropped) but keeps GuestPageSize and QueueAlign, as QEMU does.
 */
static void test_legacy_reset(void **state)
{
	struct bench *b = &bench;
	static uint8_t snap[RAM_SIZE];
	struct vblk_io *stale;

	(void)state;
	bench_init_mode(b, false, true);
	drv_setup_legacy(b, 8, 4096, (uint32_t)(DESC >> 12), 16);
	assert_int_equal(b->blk.t.q[0].used, DESC + 0xa0);
	drv_read(b, 8, 0, 1);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->npending, 1);
	stale = b->pending[0];
	wr(b, STATUS, 0);
	assert_int_equal(rd(b, STATUS), 0);
	assert_int_equal(rd(b, QUEUE_PFN), 0);
	assert_false(b->blk.t.q[0].ready);
	memcpy(snap, b->ram, RAM_SIZE);
	b->npending = 0;
	vblk_complete(stale, true);
	assert_memory_equal(snap, b->ram, RAM_SIZE);
	assert_false(line(b));
	/* Only QueueNum and QueuePFN again: the page size and alignment were kept. */
	b->avail_idx = 0;
	wr(b, STATUS, S_ACK | S_DRIVER);
	wr(b, QUEUE_NUM, 8);
	wr(b, QUEUE_PFN, (uint32_t)(DESC >> 12) + 1);
	wr(b, STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	assert_false(b->blk.t.broken);
	assert_int_equal(b->blk.t.q[0].desc, DESC + 0x1000);
	assert_int_equal(b->blk.t.q[0].used, DESC + 0x10a0);
	assert_int_equal(rd(b, QUEUE_PFN), (DESC >> 12) + 1);
}

/*
 * QueuePFN = 0 stops the queue: late answers are dropped, and a queue set up
 * again starts from index 0.  While a queue is set, QueueNum, QueueAlign and
 * another QueuePFN are ignored.
 */
static void test_legacy_pfn_zero(void **state)
{
	struct bench *b = &bench;
	static uint8_t snap[RAM_SIZE];
	struct vblk_io *stale;

	(void)state;
	bench_init_mode(b, false, true);
	drv_setup_legacy_std(b, QN);
	wr(b, QUEUE_NUM, 8);
	wr(b, QUEUE_ALIGN, 16);
	wr(b, QUEUE_PFN, (uint32_t)(DESC >> 12) + 1);
	assert_int_equal(b->blk.t.q[0].num, QN);
	assert_int_equal(b->blk.t.q[0].desc, DESC);
	assert_int_equal(b->blk.t.q[0].used, DESC + 0x1000);
	assert_int_equal(b->blk.t.queue_align, 4096);
	drv_read(b, QN, 0, 1);
	drv_read(b, QN, 1, 2);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->npending, 2);
	fake_complete(b, 0, true);
	assert_int_equal(used_idx(b), 1);
	stale = b->pending[0];
	wr(b, QUEUE_PFN, 0);
	assert_int_equal(rd(b, QUEUE_PFN), 0);
	assert_false(b->blk.t.q[0].ready);
	assert_int_equal(rd(b, STATUS), S_ACK | S_DRIVER | S_DRIVER_OK);
	memcpy(snap, b->ram, RAM_SIZE);
	b->npending = 0;
	vblk_complete(stale, true);
	assert_memory_equal(snap, b->ram, RAM_SIZE);
	/* Notifies without a queue take nothing. */
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 2);
	/* A new queue, elsewhere: its indices start at 0. */
	wr(b, QUEUE_PFN, (uint32_t)(DESC >> 12) + 4);
	assert_false(b->blk.t.broken);
	assert_int_equal(b->blk.t.q[0].desc, DESC + 0x4000);
	b->desc_at = b->blk.t.q[0].desc;
	b->avail_at = b->blk.t.q[0].avail;
	b->used_at = b->blk.t.q[0].used;
	b->avail_idx = 0;
	drv_read(b, QN, 0, 3);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 3);
	assert_int_equal(b->pending[0]->sector, START / 512 + 3);
	fake_complete_all(b);
	assert_int_equal(used_idx(b), 1);
	assert_int_equal(*ram(b, ST), VIRTIO_BLK_S_OK);
}

/* GET_ID names the extent by its start in hex, truncated to 20 bytes. */
static const struct id_case {
	const char *name;
	uint64_t start;
	const char id[21];
} id_cases[] = {
    {"get-id of an extent at 0", 0, "popek-0"},
    {"get-id in hex", 0xabcdef00, "popek-abcdef00"},
    {"get-id truncated to 20 bytes", 0xfedcba9876543200, "popek-fedcba98765432"},
};

static void test_get_id(void **state)
{
	const struct id_case *c = *state;
	struct bench *b = &bench;
	struct virtio_mem mem = {ram_at, b};
	struct vblk_backend be = {.submit = fake_submit, .ctx = b};

	bench_init(b, false);
	vblk_init(&b->blk, c->start, SIZE, false, false, mem, be, &b->plic, BLK_IRQ);
	drv_setup(b, QN);
	put_hdr(b, HDR, VIRTIO_BLK_T_GET_ID, 0);
	put_desc(b, 0, HDR, 16, F_NEXT, 1);
	put_desc(b, 1, BUF(0), 20, F_W | F_NEXT, 2);
	put_desc(b, 2, ST, 1, F_W, 0);
	drv_post(b, QN, 0);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(*ram(b, ST), VIRTIO_BLK_S_OK);
	assert_memory_equal(ram(b, BUF(0)), c->id, id_bytes(c->id));
}

/* The backend is full: the request stays in the avail ring until vblk_kick(). */
static void test_backend_full_then_kick(void **state)
{
	struct bench *b = &bench;
	uint32_t id, len;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	drv_read(b, QN, 0, 5);
	drv_read(b, QN, 1, 6);
	b->refuse = 1;
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 1);
	assert_int_equal(b->npending, 0);
	assert_int_equal(busy_slots(b), 0);
	assert_int_equal(b->blk.t.q[0].last_avail, 0);
	assert_int_equal(used_idx(b), 0);
	/* Another notify retries too (the same head, not the next one). */
	b->refuse = 1;
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 2);
	assert_int_equal(b->blk.t.q[0].last_avail, 0);
	vblk_kick(&b->blk);
	assert_int_equal(b->calls, 4);
	assert_int_equal(b->npending, 2);
	assert_int_equal(busy_slots(b), 2);
	assert_int_equal(b->pending[0]->head, 0);
	assert_int_equal(b->pending[1]->head, 3);
	assert_int_equal(b->pending[0]->sector, START / 512 + 5);
	assert_int_equal(b->blk.t.q[0].last_avail, 2);
	vblk_kick(&b->blk); /* nothing left to take */
	assert_int_equal(b->calls, 4);
	fake_complete_all(b);
	assert_int_equal(used_idx(b), 2);
	used_elem(b, QN, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 513);
	used_elem(b, QN, 1, &id, &len);
	assert_int_equal(id, 3);
	assert_memory_equal(ram(b, BUF(1)), b->disk + START + 6 * 512, 512);
}

/* A reset with a request in flight: its late completion must not touch guest memory. */
static void test_reset_in_flight(void **state)
{
	struct bench *b = &bench;
	static uint8_t snap[RAM_SIZE];
	struct vblk_io *stale;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	drv_read(b, QN, 0, 1);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->npending, 1);
	wr(b, STATUS, 0);
	assert_int_equal(rd(b, STATUS), 0);
	assert_int_equal(rd(b, QUEUE_READY), 0);
	/* The driver sets the queue up again at the same place and reuses head 0. */
	drv_setup(b, QN);
	drv_read(b, QN, 0, 2);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->npending, 2);
	stale = b->pending[0];
	assert_ptr_not_equal(stale, b->pending[1]);
	memcpy(snap, b->ram, RAM_SIZE);
	b->pending[0] = b->pending[1];
	b->npending = 1;
	vblk_complete(stale, true);
	assert_memory_equal(snap, b->ram, RAM_SIZE);
	assert_false(line(b));
	assert_int_equal(rd(b, INT_STATUS), 0);
	assert_false(stale->busy);
	fake_complete_all(b);
	assert_int_equal(used_idx(b), 1);
	assert_int_equal(*ram(b, ST), VIRTIO_BLK_S_OK);
	assert_true(line(b));
}

/* ios still with the backend at a reset keep their slots until it completes them. */
static void test_stale_slots(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	drv_setup(b, VBLK_QUEUE_MAX);
	for (unsigned k = 0; k < VBLK_QUEUE_MAX / 4; k++)
		drv_read(b, VBLK_QUEUE_MAX, k, k);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->npending, VBLK_QUEUE_MAX / 4);
	/* Fill the other slots through another reset. */
	wr(b, STATUS, 0);
	for (int round = 0; round < 3; round++) {
		drv_setup(b, VBLK_QUEUE_MAX);
		for (unsigned k = 0; k < VBLK_QUEUE_MAX / 4; k++)
			drv_read(b, VBLK_QUEUE_MAX, k, k);
		wr(b, QUEUE_NOTIFY, 0);
		wr(b, STATUS, 0);
	}
	assert_int_equal(b->npending, VBLK_QUEUE_MAX);
	drv_setup(b, VBLK_QUEUE_MAX);
	drv_read(b, VBLK_QUEUE_MAX, 0, 7);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->npending, VBLK_QUEUE_MAX); /* no slot: waits */
	assert_int_equal(b->blk.t.q[0].last_avail, 0);
	fake_complete(b, 0, true); /* a stale one */
	assert_int_equal(used_idx(b), 0);
	vblk_kick(&b->blk);
	assert_int_equal(b->npending, VBLK_QUEUE_MAX);
	assert_int_equal(b->pending[VBLK_QUEUE_MAX - 1]->sector, START / 512 + 7);
	fake_complete(b, VBLK_QUEUE_MAX - 1, true);
	assert_int_equal(used_idx(b), 1);
	assert_int_equal(*ram(b, ST), VIRTIO_BLK_S_OK);
}

static struct {
	uint64_t gpa, len;
} wrote[8];
static int nwrote;

static void record_wrote(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	assert_true(nwrote < 8);
	wrote[nwrote].gpa = gpa;
	wrote[nwrote++].len = len;
}

/*
 * What the device wrote into guest memory, as DMA, is told to mem.wrote when
 * it answers: a read's data and status byte, a write's status byte alone
 * (popek's copies of code pages holding breakpoints follow, core/vm.h).
 */
static void test_wrote_told(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	b->blk.t.mem.wrote = record_wrote;
	nwrote = 0;
	drv_setup(b, QN);
	drv_read(b, QN, 0, 3);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(nwrote, 0); /* nothing written before the backend's answer */
	fake_complete_all(b);
	assert_int_equal(nwrote, 2);
	assert_int_equal(wrote[0].gpa, BUF(0));
	assert_int_equal(wrote[0].len, 512);
	assert_int_equal(wrote[1].gpa, ST);
	assert_int_equal(wrote[1].len, 1);
	nwrote = 0;
	put_hdr(b, HDR + 16, VIRTIO_BLK_T_OUT, 3);
	put_desc(b, 3, HDR + 16, 16, F_NEXT, 4);
	put_desc(b, 4, BUF(1), 512, F_NEXT, 5);
	put_desc(b, 5, ST + 1, 1, F_W, 0);
	drv_post(b, QN, 3);
	wr(b, QUEUE_NOTIFY, 0);
	fake_complete_all(b);
	assert_int_equal(used_idx(b), 2);
	assert_int_equal(nwrote, 1);
	assert_int_equal(wrote[0].gpa, ST + 1);
	assert_int_equal(wrote[0].len, 1);
}

/* InterruptStatus and the vPLIC line: up on a used buffer, down once acknowledged. */
static void test_interrupt(void **state)
{
	struct bench *b = &bench;
	uint64_t v;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	assert_false(line(b));
	drv_read(b, QN, 0, 0);
	drv_read(b, QN, 1, 1);
	wr(b, QUEUE_NOTIFY, 0);
	assert_false(line(b));
	fake_complete(b, 0, true);
	assert_true(line(b));
	assert_int_equal(rd(b, INT_STATUS), 1);
	/* The guest claims it at the PLIC, acknowledges it at the device, completes it. */
	vplic_ops.read(&b->plic, 0x200004 + 0x1000 * PLIC_CTX, 4, &v);
	assert_int_equal(v, BLK_IRQ);
	wr(b, INT_ACK, 2); /* a bit that is not set: no change */
	assert_int_equal(rd(b, INT_STATUS), 1);
	wr(b, INT_ACK, 1);
	assert_int_equal(rd(b, INT_STATUS), 0);
	vplic_ops.write(&b->plic, 0x200004 + 0x1000 * PLIC_CTX, 4, BLK_IRQ);
	assert_false(line(b));
	fake_complete(b, 0, true);
	assert_true(line(b));
	/* A reset lowers it. */
	wr(b, STATUS, 0);
	assert_false(line(b));
}

static void put16(struct bench *b, uint64_t gpa, uint16_t v)
{
	memcpy(ram(b, gpa), &v, 2);
}

static uint16_t get16(struct bench *b, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, ram(b, gpa), 2);
	return v;
}

/*
 * §2.6.7.2: without the event index, avail->flags = NO_INTERRUPT asks the
 * device not to interrupt; the answers still go to the used ring.  (Before,
 * every answer raised the line.)
 */
static void test_no_interrupt_flag(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	put16(b, b->avail_at, 1); /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	drv_read(b, QN, 0, 0);
	drv_read(b, QN, 1, 1);
	wr(b, QUEUE_NOTIFY, 0);
	fake_complete(b, 0, true);
	assert_int_equal(used_idx(b), 1);
	assert_int_equal(*ram(b, ST + 0), VIRTIO_BLK_S_OK);
	assert_false(line(b));
	assert_int_equal(rd(b, INT_STATUS), 0);
	put16(b, b->avail_at, 0);
	fake_complete(b, 0, true);
	assert_int_equal(used_idx(b), 2);
	assert_true(line(b));
	assert_int_equal(b->blk.t.stats.suppressed, 1);
	assert_int_equal(b->blk.t.stats.interrupts, 1);
}

/* The same through a legacy queue, whose avail ring has the same flags. */
static void test_legacy_no_interrupt_flag(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init_mode(b, false, true);
	drv_setup_legacy_std(b, QN);
	put16(b, b->avail_at, 1);
	drv_read(b, QN, 0, 0);
	wr(b, QUEUE_NOTIFY, 0);
	fake_complete(b, 0, true);
	assert_int_equal(used_idx(b), 1);
	assert_false(line(b));
}

/*
 * VIRTIO_F_EVENT_IDX (§2.6.7, §2.6.10): the device interrupts only when
 * used->idx passes used_event, ignores NO_INTERRUPT, and says in avail_event
 * which avail index it wants to hear of next.  used_event is the guest's:
 * any value only moves its own interrupts.
 */
static void test_event_idx(void **state)
{
	struct bench *b = &bench;
	uint64_t used_event = AVAIL + 4 + 2 * QN, avail_event = USED + 4 + 8 * QN;

	(void)state;
	bench_init(b, false);
	assert_true(rd(b, DEV_FEAT) & EVENT_IDX);
	b->feat_lo = EVENT_IDX;
	drv_setup(b, QN);
	assert_true(b->blk.t.q[0].vq.event_idx);
	put16(b, used_event, 1); /* interrupt when the second answer is put */
	put16(b, AVAIL, 1);      /* NO_INTERRUPT: ignored with the event index */
	drv_read(b, QN, 0, 0);
	drv_read(b, QN, 1, 1);
	drv_read(b, QN, 2, 2);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(get16(b, avail_event), 3); /* notify me at the next entry */
	fake_complete(b, 0,
	              true); /* the first answer since the queue went live: the board notifies */
	assert_true(line(b));
	wr(b, INT_ACK, 1);
	fake_complete(b, 0, true);
	assert_true(line(b));
	wr(b, INT_ACK, 1);
	fake_complete(b, 0, true); /* past used_event: no interrupt */
	assert_false(line(b));
	assert_int_equal(used_idx(b), 3);
	assert_int_equal(b->blk.t.stats.suppressed, 1);
	/* used_event far behind or ahead, wrapping: never an interrupt, never a fault */
	put16(b, used_event, 0xffff);
	drv_read(b, QN, 3, 3);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(get16(b, avail_event), 4);
	fake_complete(b, 0, true);
	assert_false(line(b));
	put16(b, used_event, 4); /* the next one */
	drv_read(b, QN, 4, 4);
	wr(b, QUEUE_NOTIFY, 0);
	fake_complete(b, 0, true);
	assert_true(line(b));
	assert_int_equal(used_idx(b), 5);
}

/*
 * A version 2 driver that sets the legacy NOTIFY_ON_EMPTY bit gets it, as on the board (its
 * device takes what it can do, offered or not): an emptied queue notifies even when
 * avail->flags says NO_INTERRUPT.
 */
static void test_notify_on_empty(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	assert_false(rd(b, DEV_FEAT) & (1u << 24)); /* not offered by a version 2 device */
	b->feat_lo = 1u << 24;
	drv_setup(b, QN);
	assert_true(b->blk.t.q[0].vq.notify_on_empty);
	put16(b, AVAIL, 1); /* NO_INTERRUPT */
	drv_read(b, QN, 0, 0);
	drv_read(b, QN, 1, 1);
	wr(b, QUEUE_NOTIFY, 0);
	fake_complete(b, 0, true); /* one still in flight: the flag holds */
	assert_false(line(b));
	fake_complete(b, 0, true); /* the queue is empty now */
	assert_true(line(b));
	assert_int_equal(b->blk.t.stats.suppressed, 1);
}

/* Without the driver taking it, the event index stays off, and the flag counts. */
static void test_event_idx_not_taken(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	assert_false(b->blk.t.q[0].vq.event_idx);
	put16(b, AVAIL + 4 + 2 * QN, 5); /* used_event: ignored */
	drv_read(b, QN, 0, 0);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(get16(b, USED + 4 + 8 * QN), 0); /* avail_event left alone */
	fake_complete(b, 0, true);
	assert_true(line(b));
}

/* One notify, many requests: every one submitted, then one commit for the batch. */
static void test_commit_once(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	for (unsigned k = 0; k < 4; k++)
		drv_read(b, QN, k, k);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 4);
	assert_int_equal(b->commits, 1);
	assert_int_equal(b->calls_at_commit, 4);
	assert_int_equal(b->blk.t.stats.notifies, 1);
	assert_int_equal(b->blk.t.stats.requests, 4);
	assert_int_equal(b->blk.submitted, 4);
	fake_complete_all(b);
	assert_int_equal(b->blk.t.stats.answered, 4);
	assert_int_equal(b->blk.t.stats.interrupts, 4);
}

/* A backend error becomes VIRTIO_BLK_S_IOERR; completions may come in any order. */
static void test_errors_and_order(void **state)
{
	struct bench *b = &bench;
	struct vblk_io *io;
	uint32_t id, len;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	drv_read(b, QN, 0, 0);
	drv_read(b, QN, 1, 1);
	drv_read(b, QN, 2, 2);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->npending, 3);
	fake_complete(b, 2, true);
	fake_complete(b, 0, false);
	io = b->pending[0];
	fake_complete(b, 0, true);
	assert_int_equal(used_idx(b), 3);
	vblk_complete(io, true); /* a second completion of the same io is ignored */
	assert_int_equal(used_idx(b), 3);
	used_elem(b, QN, 0, &id, &len);
	assert_int_equal(id, 6);
	used_elem(b, QN, 1, &id, &len);
	assert_int_equal(id, 0);
	used_elem(b, QN, 2, &id, &len);
	assert_int_equal(id, 3);
	assert_int_equal(*ram(b, ST + 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(*ram(b, ST + 1), VIRTIO_BLK_S_OK);
	assert_int_equal(*ram(b, ST + 2), VIRTIO_BLK_S_OK);
}

/* Many more requests than the queue has entries: the rings' indices wrap. */
static void test_wrap(void **state)
{
	struct bench *b = &bench;
	uint32_t id, len;

	(void)state;
	bench_init(b, false);
	drv_setup(b, 4);
	for (unsigned r = 0; r < 70000; r++) {
		drv_read(b, 4, 0, r % NSECT);
		wr(b, QUEUE_NOTIFY, 0);
		assert_int_equal(b->npending, 1);
		fake_complete(b, 0, true);
		assert_int_equal(used_idx(b), (uint16_t)(r + 1));
		used_elem(b, 4, (uint16_t)r, &id, &len);
		assert_int_equal(id, 0);
		assert_int_equal(len, 513);
	}
	assert_memory_equal(ram(b, BUF(0)), b->disk + START + (69999 % NSECT) * 512, 512);
}

/* A driver claiming more available entries than the queue has breaks the device. */
static void test_avail_too_far(void **state)
{
	struct bench *b = &bench;
	uint16_t idx = QN + 1;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	drv_read(b, QN, 0, 0);
	memcpy(ram(b, AVAIL + 2), &idx, 2);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 0);
	assert_true(b->blk.t.broken);
	assert_int_equal(rd(b, STATUS) & S_NEEDS_RST, S_NEEDS_RST);
	assert_int_equal(used_idx(b), 0);
}

/* The queue's setup cannot change under a ready queue; notifies for other queues do nothing. */
static void test_setup_fixed_while_ready(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	wr(b, QUEUE_NUM, 64);
	wr(b, DESC_LO, 0);
	wr(b, USED_HI, 1);
	assert_int_equal(b->blk.t.q[0].num, QN);
	assert_int_equal(b->blk.t.q[0].desc, DESC);
	assert_int_equal(b->blk.t.q[0].used, USED);
	wr(b, QUEUE_SEL, 1);
	assert_int_equal(rd(b, QUEUE_READY), 0);
	wr(b, QUEUE_SEL, 0);
	assert_int_equal(rd(b, QUEUE_READY), 1);
	drv_read(b, QN, 0, 0);
	wr(b, QUEUE_NOTIFY, 1);
	assert_int_equal(b->calls, 0);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->calls, 1);
	/* A disabled queue drops completions instead of writing to a ring it gave up. */
	wr(b, QUEUE_READY, 0);
	assert_int_equal(rd(b, QUEUE_READY), 0);
	fake_complete_all(b);
	assert_int_equal(used_idx(b), 0);
	assert_int_equal(*ram(b, ST), SENTINEL);
}

/* Whether the guard band after RAM is as bench_init left it. */
static bool guard_intact(const struct bench *b)
{
	for (uint64_t i = 0; i < GUARD; i++)
		if (b->guard[i] != GUARD_B)
			return false;
	return true;
}

/*
 * Attacks on the queue's state (issue 15 item 1).  Each case has the driver
 * complete K reads, post one more that stays with the backend, then play
 * with the queue's registers; the late answer then comes.  It must land
 * nowhere: RAM byte for byte as it was, nothing past RAM.
 */
#define ATTACK_K 1000

static void attack_reenable_num0(struct bench *b)
{
	/* QueueReady = 0 unlocks QueueNum; 0 and a used ring at the end of RAM. */
	wr(b, QUEUE_READY, 0);
	wr(b, QUEUE_NUM, 0);
	wr(b, USED_LO, (uint32_t)(RAM_END - 8));
	wr(b, USED_HI, (RAM_END - 8) >> 32);
	wr(b, QUEUE_READY, 1);
}

static void attack_legacy_pfn_num0(struct bench *b)
{
	/* The same through QueuePFN: a table of 0 entries, its used ring 8 bytes on. */
	wr(b, QUEUE_PFN, 0);
	wr(b, QUEUE_NUM, 0);
	wr(b, QUEUE_ALIGN, 4);
	wr(b, QUEUE_PFN, (uint32_t)((RAM_END - 0x1000) >> 12));
}

/* A queue moved elsewhere while the read is out: its answer is not for the new ring. */
static void attack_reenable_moved(struct bench *b)
{
	wr(b, QUEUE_READY, 0);
	wr(b, USED_LO, (uint32_t)(USED + 0x4000));
	wr(b, QUEUE_READY, 1);
}

static void attack_legacy_moved(struct bench *b)
{
	wr(b, QUEUE_PFN, 0);
	wr(b, QUEUE_PFN, (uint32_t)(DESC >> 12) + 4);
}

/* The device breaks (§2.6.6: avail->idx too far ahead) while the read is out. */
static void attack_break(struct bench *b)
{
	uint16_t idx = (uint16_t)(b->avail_idx + QN + 1);

	memcpy(ram(b, b->avail_at + 2), &idx, 2);
	wr(b, QUEUE_NOTIFY, 0);
}

static const struct attack {
	const char *name;
	bool legacy;
	void (*trick)(struct bench *b);
	bool breaks; /* the device ends with DEVICE_NEEDS_RESET */
} attacks[] = {
    {"attack: QueueReady 0, QueueNum 0, used ring at the end of RAM, QueueReady 1", false,
     attack_reenable_num0, true},
    {"attack: legacy QueuePFN 0, QueueNum 0, a queue in the last page", true,
     attack_legacy_pfn_num0, true},
    {"attack: QueueReady 0 and a new used ring: the late answer is stale", false,
     attack_reenable_moved, false},
    {"attack: legacy QueuePFN 0 and a new queue: the late answer is stale", true,
     attack_legacy_moved, false},
    {"attack: an answer due when the device broke is dropped", false, attack_break, true},
    {"attack: legacy: an answer due when the device broke is dropped", true, attack_break, true},
};

static void test_attack(void **state)
{
	const struct attack *a = *state;
	struct bench *b = &bench;
	static uint8_t snap[RAM_SIZE];
	struct vblk_io *late;

	bench_init_mode(b, false, a->legacy);
	if (a->legacy)
		drv_setup_legacy_std(b, QN);
	else
		drv_setup(b, QN);
	for (int k = 0; k < ATTACK_K; k++) {
		drv_read(b, QN, 0, 0);
		wr(b, QUEUE_NOTIFY, 0);
		fake_complete_all(b);
	}
	assert_int_equal(used_idx(b), ATTACK_K % 65536);
	drv_read(b, QN, 1, 1);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(b->npending, 1);
	late = b->pending[0];
	a->trick(b);
	assert_int_equal(rd(b, STATUS) & S_NEEDS_RST, a->breaks ? S_NEEDS_RST : 0);
	memcpy(snap, b->ram, RAM_SIZE);
	fake_complete(b, 0, false); /* an error: the backend moves no data */
	assert_false(late->busy);
	assert_true(guard_intact(b));
	assert_memory_equal(snap, b->ram, RAM_SIZE);
	/* Notifies take nothing more from a broken device. */
	wr(b, QUEUE_NOTIFY, 0);
	if (a->breaks)
		assert_int_equal(b->npending, 0);
	assert_true(guard_intact(b));
	/* A reset and a new setup mend it. */
	if (a->legacy)
		drv_setup_legacy_std(b, QN);
	else
		drv_setup(b, QN);
	drv_read(b, QN, 0, 3);
	wr(b, QUEUE_NOTIFY, 0);
	fake_complete_all(b);
	assert_int_equal(used_idx(b), 1);
	assert_int_equal(*ram(b, ST), VIRTIO_BLK_S_OK);
}

/*
 * A flush on a minidisk that could not be placed (no real disk: size 0),
 * whose backend refuses everything as vdisk without a disk does: it must
 * be answered, IOERR, not wait for a kick that never comes (issue 15 item 7).
 */
static void test_flush_without_disk(void **state)
{
	struct bench *b = &bench;
	struct virtio_mem mem = {ram_at, b};
	struct vblk_backend be = {.submit = fake_submit, .ctx = b};

	(void)state;
	bench_init(b, false);
	vblk_init(&b->blk, 0, 0, false, false, mem, be, &b->plic, BLK_IRQ);
	drv_setup(b, QN);
	b->refuse = 1 << 20;
	put_hdr(b, HDR, VIRTIO_BLK_T_FLUSH, 0);
	put_desc(b, 0, HDR, 16, F_NEXT, 1);
	put_desc(b, 1, ST, 1, F_W, 0);
	*ram(b, ST) = SENTINEL;
	drv_post(b, QN, 0);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(b), 1);
	assert_int_equal(*ram(b, ST), VIRTIO_BLK_S_IOERR);
	/* A read there fails too, at once. */
	drv_read(b, QN, 1, 0);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(b), 2);
	assert_int_equal(*ram(b, ST + 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(b->npending, 0);
}

/* A backend that can never carry a request out says so: IOERR at once, the slot free. */
static void test_backend_never(void **state)
{
	struct bench *b = &bench;

	(void)state;
	bench_init(b, false);
	drv_setup(b, QN);
	b->never = true;
	drv_read(b, QN, 0, 0);
	put_hdr(b, HDR + 16, VIRTIO_BLK_T_FLUSH, 0);
	put_desc(b, 3, HDR + 16, 16, F_NEXT, 4);
	put_desc(b, 4, ST + 1, 1, F_W, 0);
	*ram(b, ST + 1) = SENTINEL;
	drv_post(b, QN, 3);
	wr(b, QUEUE_NOTIFY, 0);
	assert_int_equal(used_idx(b), 2);
	assert_int_equal(*ram(b, ST), VIRTIO_BLK_S_IOERR);
	assert_int_equal(*ram(b, ST + 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(busy_slots(b), 0);
	assert_int_equal(b->blk.t.q[0].last_avail, 2);
}

int main(void)
{
	enum { NR = sizeof(rcases) / sizeof(rcases[0]) };
	enum { NS = sizeof(rscripts) / sizeof(rscripts[0]) };
	enum { NQ = sizeof(bad_queues) / sizeof(bad_queues[0]) };
	enum { NI = sizeof(id_cases) / sizeof(id_cases[0]) };
	enum { NP = sizeof(placements) / sizeof(placements[0]) };
	enum { NB = sizeof(bad_legacy) / sizeof(bad_legacy[0]) };
	enum { NA = sizeof(attacks) / sizeof(attacks[0]) };
	static char legacy_names[NR][160];
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_backend_full_then_kick),
	    cmocka_unit_test(test_reset_in_flight),
	    cmocka_unit_test(test_stale_slots),
	    cmocka_unit_test(test_interrupt),
	    cmocka_unit_test(test_errors_and_order),
	    cmocka_unit_test(test_wrap),
	    cmocka_unit_test(test_avail_too_far),
	    cmocka_unit_test(test_setup_fixed_while_ready),
	    cmocka_unit_test(test_legacy_features),
	    cmocka_unit_test(test_low_word_only_driver),
	    cmocka_unit_test(test_legacy_reset),
	    cmocka_unit_test(test_legacy_pfn_zero),
	    cmocka_unit_test(test_flush_without_disk),
	    cmocka_unit_test(test_backend_never),
	    cmocka_unit_test(test_no_interrupt_flag),
	    cmocka_unit_test(test_legacy_no_interrupt_flag),
	    cmocka_unit_test(test_event_idx),
	    cmocka_unit_test(test_event_idx_not_taken),
	    cmocka_unit_test(test_notify_on_empty),
	    cmocka_unit_test(test_commit_once),
	    cmocka_unit_test(test_wrote_told),
	};
	enum { NF = sizeof(fixed) / sizeof(fixed[0]) };
	struct CMUnitTest tests[2 * NR + NS + NQ + NI + NP + NB + NA + NF];
	size_t n = 0;

	for (size_t i = 0; i < NR; i++)
		tests[n++] = (struct CMUnitTest){.name = rcases[i].name,
		                                 .test_func = test_request,
		                                 .initial_state = (void *)&rcases[i]};
	for (size_t i = 0; i < NR; i++) {
		snprintf(legacy_names[i], sizeof(legacy_names[i]), "legacy: %s", rcases[i].name);
		tests[n++] = (struct CMUnitTest){.name = legacy_names[i],
		                                 .test_func = test_request_legacy,
		                                 .initial_state = (void *)&rcases[i]};
	}
	for (size_t i = 0; i < NP; i++)
		tests[n++] = (struct CMUnitTest){.name = placements[i].name,
		                                 .test_func = test_legacy_placement,
		                                 .initial_state = (void *)&placements[i]};
	for (size_t i = 0; i < NB; i++)
		tests[n++] = (struct CMUnitTest){.name = bad_legacy[i].name,
		                                 .test_func = test_bad_legacy_queue,
		                                 .initial_state = (void *)&bad_legacy[i]};
	for (size_t i = 0; i < NS; i++)
		tests[n++] = (struct CMUnitTest){.name = rscripts[i].name,
		                                 .test_func = test_registers,
		                                 .initial_state = (void *)&rscripts[i]};
	for (size_t i = 0; i < NQ; i++)
		tests[n++] = (struct CMUnitTest){.name = bad_queues[i].name,
		                                 .test_func = test_bad_queue,
		                                 .initial_state = (void *)&bad_queues[i]};
	for (size_t i = 0; i < NI; i++)
		tests[n++] = (struct CMUnitTest){.name = id_cases[i].name,
		                                 .test_func = test_get_id,
		                                 .initial_state = (void *)&id_cases[i]};
	for (size_t i = 0; i < NA; i++)
		tests[n++] = (struct CMUnitTest){.name = attacks[i].name,
		                                 .test_func = test_attack,
		                                 .initial_state = (void *)&attacks[i]};
	for (size_t i = 0; i < NF; i++)
		tests[n++] = fixed[i];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
