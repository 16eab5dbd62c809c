/*
 * disk.c — mode=disk: fills the first disk with a pattern, reads it back
 * (issue 6, minidisks).
 *
 * Sector S of VM NAME holds the text "NAME:S" (S in decimal) padded to 512
 * bytes with '.'.  A VM cannot know its name, so the directory passes it in
 * the bootargs: name=NAME.  A disk that offers VIRTIO_BLK_F_RO (a link,
 * `link = VM N ro`) is not filled: we check that the driver refuses to
 * write it, that the device answers VIRTIO_BLK_S_IOERR to the writes we
 * send anyway, and that every sector reads; with expect=NAME2 the sectors
 * must hold NAME2's pattern.  Requests carry CHUNK sectors.  Output,
 * identical on every run, bare and under popek:
 *
 *   disk: NAME, N sectors, read-write      (or read-only)
 *   ok TEST
 *   FAIL TEST: why
 *   N passed, N failed                     then power off
 */
#include "disk.h"
#include "check.h"
#include "bootargs.h"
#include "kalloc.h"
#include "printf.h"
#include "string.h"
#include "virtio_blk.h"

#define CHUNK 8 /* sectors per request: one page */

static char name[32], expect[32];
static uint8_t *buf; /* CHUNK sectors, physically contiguous */

/* Sector s as VM who writes it. */
static void pattern(uint8_t *sec, const char *who, uint64_t s)
{
	memset(sec, '.', SECTOR_SIZE);
	int n = snprintf((char *)sec, SECTOR_SIZE, "%s:%lu", who, s);
	sec[n] = '.'; /* snprintf's NUL */
}

/* The first bytes of a sector, printable, for a FAIL line. */
static const char *show(const uint8_t *sec)
{
	static char out[28];
	int i, n = 0;
	for (i = 0; i < SECTOR_SIZE && sec[i] == 0; i++)
		;
	if (i == SECTOR_SIZE)
		return "zeros";
	out[n++] = '"';
	for (i = 0; i < 24 && sec[i] != '.'; i++)
		out[n++] = sec[i] >= 0x20 && sec[i] < 0x7f ? (char)sec[i] : '?';
	out[n++] = '"';
	out[n] = 0;
	return out;
}

static uint32_t chunk_at(uint64_t s)
{
	uint64_t left = virtio_blk_capacity() - s;
	return left < CHUNK ? (uint32_t)left : CHUNK;
}

/* ---- a read-write disk ---- */

static const char *t_write(void)
{
	for (uint64_t s = 0; s < virtio_blk_capacity(); s += CHUNK) {
		uint32_t n = chunk_at(s);
		for (uint32_t i = 0; i < n; i++)
			pattern(buf + i * SECTOR_SIZE, name, s + i);
		int e = virtio_blk_rw(s, buf, n, 1);
		CHECK(e == 0, "writing sectors %lu-%lu: %d", s, s + n - 1, e);
	}
	return 0;
}

static const char *t_flush(void)
{
	int e = virtio_blk_request(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	CHECK(e == VIRTIO_BLK_S_OK, "status %d", e);
	return 0;
}

/* Every sector holds who's pattern. */
static const char *read_verify(const char *who)
{
	static uint8_t want[SECTOR_SIZE];
	for (uint64_t s = 0; s < virtio_blk_capacity(); s += CHUNK) {
		uint32_t n = chunk_at(s);
		memset(buf, 0, CHUNK * SECTOR_SIZE);
		int e = virtio_blk_rw(s, buf, n, 0);
		CHECK(e == 0, "reading sectors %lu-%lu: %d", s, s + n - 1, e);
		for (uint32_t i = 0; i < n; i++) {
			pattern(want, who, s + i);
			CHECK(memcmp(buf + i * SECTOR_SIZE, want, SECTOR_SIZE) == 0,
			      "sector %lu holds %s, expected \"%s:%lu\"", s + i,
			      show(buf + i * SECTOR_SIZE), who, s + i);
		}
	}
	return 0;
}

static const char *t_read_verify(void)
{
	return read_verify(name);
}

/* Requests that end past the last sector fail (the driver would not send them). */
static const char *t_past_end(void)
{
	uint64_t cap = virtio_blk_capacity();
	int e1 = virtio_blk_request(VIRTIO_BLK_T_IN, cap - CHUNK / 2, buf, CHUNK);
	int e2 = virtio_blk_request(VIRTIO_BLK_T_IN, cap, buf, 1);
	int e3 = virtio_blk_rw(cap, buf, 1, 0);
	CHECK(e1 == VIRTIO_BLK_S_IOERR, "a read across the end: status %d, expected IOERR", e1);
	CHECK(e2 == VIRTIO_BLK_S_IOERR, "a read at the end: status %d, expected IOERR", e2);
	CHECK(e3 == VIRTIO_BLK_ERANGE, "the driver sent a read past the end (%d)", e3);
	return 0;
}

/* ---- a read-only disk ---- */

static const char *t_ro_driver_refuses(void)
{
	pattern(buf, name, 0);
	int e = virtio_blk_rw(0, buf, 1, 1);
	CHECK(e == VIRTIO_BLK_EROFS, "the driver sent a write to a read-only disk (%d)", e);
	return 0;
}

/* We send writes anyway, our own pattern at the first and last chunk: the device must refuse. */
static const char *t_ro_write_ioerr(void)
{
	uint64_t at[2] = {0, virtio_blk_capacity() > CHUNK ? virtio_blk_capacity() - CHUNK : 0};
	for (int k = 0; k < 2; k++) {
		uint32_t n = chunk_at(at[k]);
		for (uint32_t i = 0; i < n; i++)
			pattern(buf + i * SECTOR_SIZE, name, at[k] + i);
		int e = virtio_blk_request(VIRTIO_BLK_T_OUT, at[k], buf, n);
		CHECK(e == VIRTIO_BLK_S_IOERR, "a write to sector %lu: status %d, expected IOERR",
		      at[k], e);
	}
	return 0;
}

/* Without expect=, only that every sector reads. */
static const char *t_ro_read(void)
{
	if (expect[0])
		return read_verify(expect);
	for (uint64_t s = 0; s < virtio_blk_capacity(); s += CHUNK) {
		int e = virtio_blk_rw(s, buf, chunk_at(s), 0);
		CHECK(e == 0, "reading sector %lu: %d", s, e);
	}
	return 0;
}

enum which { RW, RO, BOTH };

static const struct disk_test {
	const char *name;
	const char *(*fn)(void);
	enum which on;
} disk_tests[] = {
    {"disk-write", t_write, RW},
    {"disk-flush", t_flush, RW},
    {"disk-read-verify", t_read_verify, RW},
    {"disk-ro-driver-refuses", t_ro_driver_refuses, RO},
    {"disk-ro-write-ioerr", t_ro_write_ioerr, RO},
    {"disk-ro-read", t_ro_read, RO},
    {"disk-past-end", t_past_end, BOTH},
};

void disk_run(void)
{
	int passed = 0, failed = 0;
	int ro = virtio_blk_read_only();

	bootarg_value("expect", expect, sizeof(expect));
	if (bootarg_value("name", name, sizeof(name)) < 0 || !name[0]) {
		kprintf("FAIL disk-name: no name=NAME in the bootargs\n");
		failed++;
	} else if (!virtio_blk_present()) {
		kprintf("FAIL disk-present: no virtio-blk disk\n");
		failed++;
	} else {
		kprintf("disk: %s, %lu sectors, %s%s%s\n", name, virtio_blk_capacity(),
		        ro ? "read-only" : "read-write",
		        expect[0] ? ", expecting the pattern of " : "", expect);
		buf = kalloc();
		for (unsigned i = 0; i < sizeof(disk_tests) / sizeof(disk_tests[0]); i++) {
			const struct disk_test *t = &disk_tests[i];
			if (t->on != BOTH && t->on != (ro ? RO : RW))
				continue;
			const char *r = t->fn();
			if (r) {
				kprintf("FAIL %s: %s\n", t->name, r);
				failed++;
			} else {
				kprintf("ok %s\n", t->name);
				passed++;
			}
		}
		kfree(buf);
	}
	kprintf("%d passed, %d failed\n", passed, failed);
}
