/*
 * Minidisks sharing one real disk (hyp/core/vdisk.c, issue 15 item 6).
 * Three VMs over a fake real disk with the real driver's limits
 * (DISK_DESCS descriptors, DISK_SLOTS requests, completions in order):
 * A floods four minidisks with the largest requests, reposting every head
 * as soon as it comes back, as a hostile guest may (§2.6.6 only bounds the
 * entries it offers at once); B reads one sector at a time; C floods one
 * minidisk.  No VM may hold more than its share of the real queue, B's
 * reads must reach the disk at once, A and C must get the same throughput
 * whatever their number of minidisks, and a VM alone gets the whole queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/console.h"
#include "core/panic.h"
#include "core/vdisk.h"
#include "core/vm.h"
#include "drivers/virtio_blk.h"

#define RAM_SIZE  0x100000ull
#define RAM_BASE  BUNDLE_GUEST_RAM_BASE
#define QN        64
#define NVMS      3
#define A_DISKS   4
#define SEGS      DISK_MAX_SEG
#define CHAIN     (SEGS + 2) /* descriptors of one of A's requests */
#define VM_HPA(v) (0x100000000ull * ((v) + 1))

enum { A, B, C };

/* virtio-mmio registers (virtio 1.1 §4.2.2). */
enum {
	DRV_FEAT = 0x020,
	DRV_FEAT_SEL = 0x024,
	QUEUE_NUM = 0x038,
	QUEUE_READY = 0x044,
	QUEUE_NOTIFY = 0x050,
	STATUS = 0x070,
	DESC_LO = 0x080,
	AVAIL_LO = 0x090,
	USED_LO = 0x0a0,
};

static struct vm vms[NVMS];
static uint8_t ram[NVMS][RAM_SIZE];
static const int ndisks[NVMS] = {A_DISKS, 1, 1};

/* The fake real disk. */
static struct disk_req *fifo[4 * DISK_SLOTS];
static int nfifo;
static uint32_t descs_used, slots_used;
static long done_by[NVMS]; /* completions, by VM */

int kprintf(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

int emul_add(struct emul *e, uint64_t base, uint64_t size, const struct mmio_ops *ops, void *dev)
{
	(void)e, (void)base, (void)size, (void)ops, (void)dev;
	return 0;
}

uint64_t disk_capacity(void)
{
	return 64ull << 20;
}

static int notifies, submits;
static bool unnotified;

int disk_submit(struct disk_req *r)
{
	if (r->nseg > DISK_MAX_SEG)
		return DISK_FAIL;
	if (slots_used == DISK_SLOTS || descs_used + DISK_REQ_DESCS(r->nseg) > DISK_DESCS)
		return DISK_BUSY;
	slots_used++;
	descs_used += DISK_REQ_DESCS(r->nseg);
	fifo[nfifo++] = r;
	submits++;
	unnotified = true;
	return DISK_OK;
}

/* As the real driver: one notify for whatever was queued since the last. */

void disk_notify(void)
{
	if (unnotified)
		notifies++;
	unnotified = false;
}

const struct disk_stats *disk_stats(void)
{
	static const struct disk_stats none;

	return &none;
}

/* Whose request r is: its first segment lies in that VM's RAM. */
static int owner(const struct disk_req *r)
{
	return (int)(r->seg[0].pa / VM_HPA(0)) - 1;
}

/* Real descriptors VM v holds. */
static uint32_t held(int v)
{
	uint32_t n = 0;

	for (int i = 0; i < nfifo; i++)
		n += owner(fifo[i]) == v ? DISK_REQ_DESCS(fifo[i]->nseg) : 0;
	return n;
}

static void disk_complete_first(void)
{
	struct disk_req *r = fifo[0];

	assert_true(nfifo > 0);
	memmove(fifo, fifo + 1, (size_t)--nfifo * sizeof(fifo[0]));
	slots_used--;
	descs_used -= DISK_REQ_DESCS(r->nseg);
	done_by[owner(r)]++;
	r->done(r, true);
}

static void *ram_at(void *ctx, uint64_t gpa, uint64_t len)
{
	uint8_t *m = ctx;

	if (gpa < RAM_BASE || len > RAM_SIZE || gpa - RAM_BASE > RAM_SIZE - len)
		return NULL;
	return m + (gpa - RAM_BASE);
}

/* Guest layout of minidisk i: its queue, its headers, its status bytes, then data. */
static uint64_t q_desc(int i)
{
	return RAM_BASE + 0x4000ull * i;
}
static uint64_t q_avail(int i)
{
	return q_desc(i) + 0x1000;
}
static uint64_t q_used(int i)
{
	return q_desc(i) + 0x2000;
}
static uint64_t hdr(int i, int k)
{
	return RAM_BASE + 0x40000 + 0x100ull * i + 16ull * k;
}
static uint64_t status(int i, int k)
{
	return RAM_BASE + 0x48000 + 0x100ull * i + k;
}
static uint64_t data(int i, int k)
{
	return RAM_BASE + 0x80000 + 0x8000ull * (3 * i + k);
}

static uint8_t *at(int v, uint64_t gpa)
{
	return ram[v] + (gpa - RAM_BASE);
}

static void put16(int v, uint64_t gpa, uint16_t x)
{
	memcpy(at(v, gpa), &x, 2);
}

static uint16_t get16(int v, uint64_t gpa)
{
	uint16_t x;

	memcpy(&x, at(v, gpa), 2);
	return x;
}

static void put_desc(int v, int i, unsigned n, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
	uint8_t *p = at(v, q_desc(i) + 16ull * n);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void reg(int v, int i, uint64_t off, uint64_t val)
{
	assert_int_equal(vblk_ops.write(&vms[v].disks[i], off, 4, val), 0);
}

/* The driver's side of §3.1.1 for minidisk i of VM v. */
static void drv_setup(int v, int i)
{
	reg(v, i, STATUS, 0);
	reg(v, i, STATUS, 3);
	reg(v, i, DRV_FEAT_SEL, 1);
	reg(v, i, DRV_FEAT, 1); /* VERSION_1 */
	reg(v, i, DRV_FEAT_SEL, 0);
	reg(v, i, DRV_FEAT, 0);
	reg(v, i, STATUS, 0xb);
	reg(v, i, QUEUE_NUM, QN);
	reg(v, i, DESC_LO, (uint32_t)q_desc(i));
	reg(v, i, DESC_LO + 4, q_desc(i) >> 32);
	reg(v, i, AVAIL_LO, (uint32_t)q_avail(i));
	reg(v, i, AVAIL_LO + 4, q_avail(i) >> 32);
	reg(v, i, USED_LO, (uint32_t)q_used(i));
	reg(v, i, USED_LO + 4, q_used(i) >> 32);
	reg(v, i, QUEUE_READY, 1);
	reg(v, i, STATUS, 0xf);
	assert_true(vms[v].disks[i].t.q[0].vq.live);
}

/* A read of n sectors at sector k * 64 as chain k: header, n 512-byte pieces, status. */
static void put_read(int v, int i, int k, int n)
{
	unsigned d0 = (unsigned)(k * (n + 2));
	uint32_t type = VIRTIO_BLK_T_IN;
	uint64_t sector = 64ull * k;

	memcpy(at(v, hdr(i, k)), &type, 4);
	memcpy(at(v, hdr(i, k)) + 8, &sector, 8);
	put_desc(v, i, d0, hdr(i, k), 16, 1, (uint16_t)(d0 + 1));
	for (int s = 0; s < n; s++)
		put_desc(v, i, d0 + 1 + s, data(i, k) + 512ull * s, 512, 3, (uint16_t)(d0 + 2 + s));
	put_desc(v, i, d0 + 1 + n, status(i, k), 1, 2, 0);
}

/*
 * A flooder: the three chains of the largest requests its queue holds,
 * offered over and over, so the device always has QN requests to take.
 */
static void flood_setup(int v, int i)
{
	drv_setup(v, i);
	for (int k = 0; k < 3; k++)
		put_read(v, i, k, SEGS);
	for (int j = 0; j < QN; j++)
		put16(v, q_avail(i) + 4 + 2ull * j, (uint16_t)(CHAIN * (j % 3)));
}

static void flood(int v, int i)
{
	put16(v, q_avail(i) + 2, (uint16_t)(get16(v, q_used(i) + 2) + QN));
	reg(v, i, QUEUE_NOTIFY, 0);
}

/* B: one one-sector read at a time. */
static uint16_t b_posted;

static void b_post(void)
{
	put16(B, q_avail(0) + 4 + 2ull * (b_posted % QN), 0);
	b_posted++;
	put16(B, q_avail(0) + 2, b_posted);
	reg(B, 0, QUEUE_NOTIFY, 0);
}

static bool b_at_disk(void)
{
	for (int i = 0; i < nfifo; i++)
		if (owner(fifo[i]) == B)
			return true;
	return false;
}

static uint32_t share(int running)
{
	uint32_t s = DISK_DESCS / running;

	return s < DISK_REQ_DESCS(DISK_MAX_SEG) ? DISK_REQ_DESCS(DISK_MAX_SEG) : s;
}

static int setup(void **state)
{
	(void)state;
	for (int v = 0; v < NVMS; v++) {
		struct bundle_vm bv;

		memset(&bv, 0, sizeof(bv));
		snprintf(vms[v].name, sizeof(vms[v].name), "vm%c", 'a' + v);
		vms[v].ram_gpa = RAM_BASE;
		vms[v].ram_size = RAM_SIZE;
		vms[v].ram_hpa = VM_HPA(v);
		vms[v].vcpu.state = VCPU_RUNNABLE;
		vplic_init(&vms[v].plic);
		bv.ndisks = (uint32_t)ndisks[v];
		for (int i = 0; i < ndisks[v]; i++)
			bv.disks[i] =
			    (struct bundle_disk){(uint64_t)(4 * v + i) << 20, 1 << 20, 0, 0};
		vdisk_create(&vms[v], &bv);
		/* The test's own RAM: vdisk's accessor would reach the VM's real pages. */
		for (int i = 0; i < ndisks[v]; i++)
			vms[v].disks[i].t.mem = (struct virtio_mem){ram_at, ram[v]};
	}
	return 0;
}

/* A floods all four of its minidisks: it holds its share and no more. */
static void test_flood_holds_share(void **state)
{
	(void)state;
	for (int i = 0; i < A_DISKS; i++) {
		flood_setup(A, i);
		flood(A, i);
	}
	assert_true(nfifo > 0);
	assert_true(held(A) <= share(NVMS));
	assert_true(DISK_DESCS - descs_used >= DISK_REQ_DESCS(DISK_MAX_SEG));
}

/* B's read reaches the real disk at once, not after A's. */
static void test_other_vm_not_starved(void **state)
{
	(void)state;
	drv_setup(B, 0);
	put_read(B, 0, 0, 1);
	b_post();
	assert_true(b_at_disk());
}

/*
 * Completions in order, A reposting all the while: every one of B's reads
 * is at the disk the moment it is posted, and A never holds more than its share.
 */
static void test_sustained(void **state)
{
	long waited = 0, b0 = done_by[B];

	(void)state;
	for (int round = 0; round < 600; round++) {
		disk_complete_first();
		for (int i = 0; i < A_DISKS; i++)
			flood(A, i);
		assert_true(held(A) <= share(NVMS));
		if (get16(B, q_used(0) + 2) == b_posted) {
			b_post();
			waited += !b_at_disk();
		}
	}
	assert_int_equal(waited, 0);
	assert_true(done_by[B] - b0 >= 100);
}

/* C floods too: A's four minidisks get it no more of the disk than C's one. */
static void test_flooders_split_evenly(void **state)
{
	long a0, c0, a, c;

	(void)state;
	flood_setup(C, 0);
	flood(C, 0);
	a0 = done_by[A];
	c0 = done_by[C];
	for (int round = 0; round < 1200; round++) {
		disk_complete_first();
		for (int i = 0; i < A_DISKS; i++)
			flood(A, i);
		flood(C, 0);
		assert_true(held(A) <= share(NVMS) && held(C) <= share(NVMS));
		if (get16(B, q_used(0) + 2) == b_posted)
			b_post();
	}
	a = done_by[A] - a0;
	c = done_by[C] - c0;
	print_message("A %ld, C %ld requests of %d sectors\n", a, c, SEGS);
	assert_true(a > 0 && c > 0);
	assert_true(labs(a - c) * 10 <= a + c); /* within 10% of each other */
}

/*
 * One QueueNotify that makes many requests available costs the real disk
 * one notify, after all of them are queued; so does one completion that
 * lets several waiting requests in.
 */
static void test_one_notify_per_batch(void **state)
{
	int n0, s0;

	(void)state;
	while (nfifo)
		disk_complete_first();
	n0 = notifies;
	s0 = submits;
	flood(A, 0);
	assert_true(submits - s0 > 1);
	assert_int_equal(notifies - n0, 1);
	assert_false(unnotified);
	n0 = notifies;
	s0 = submits;
	disk_complete_first();
	assert_true(submits - s0 >= 1);
	assert_int_equal(notifies - n0, 1);
	assert_false(unnotified);
}

/* B and C stop: A, alone now, may use the whole queue. */
static void test_alone_gets_all(void **state)
{
	(void)state;
	vms[B].vcpu.state = VCPU_HALTED;
	vms[C].vcpu.state = VCPU_HALTED;
	for (int round = 0; round < 200; round++) {
		disk_complete_first();
		for (int i = 0; i < A_DISKS; i++)
			flood(A, i);
	}
	assert_true(held(A) > share(NVMS));
	assert_true(DISK_DESCS - descs_used < DISK_REQ_DESCS(DISK_MAX_SEG));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flood_holds_share),
	    cmocka_unit_test(test_other_vm_not_starved),
	    cmocka_unit_test(test_sustained),
	    cmocka_unit_test(test_flooders_split_evenly),
	    cmocka_unit_test(test_one_notify_per_batch),
	    cmocka_unit_test(test_alone_gets_all),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
