/*
 * bench.c — mode=bench: microbenchmarks, one line each (format in README.md).
 *
 * A benchmark is a function doing `ops` operations; it runs `runs` times and
 * we report the median run's cycles (rdcycle), retired instructions
 * (rdinstret) and time (rdtime, converted with the DT's timebase-frequency),
 * each divided by ops.  Benchmarks of user-visible operations run in the
 * ubench program (guest/user/ubench.c), which reports through SYS_bench.
 */
#include "bench.h"
#include "exec.h"
#include "kalloc.h"
#include "printf.h"
#include "proc.h"
#include "riscv.h"
#include "sbi.h"
#include "timer.h"
#include "trap.h"
#include "virtio_blk.h"

#define MAX_RUNS 101

static uint64_t median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* Prints x/ops with two decimals. */
static void per_op(char *buf, int size, uint64_t x, uint64_t ops)
{
	uint64_t v = x * 100 / ops;
	snprintf(buf, size, "%lu.%02lu", v / 100, v % 100);
}

void bench_report(const char *name, uint64_t ops, uint64_t cycles, uint64_t instret, uint64_t time)
{
	char c[32], i[32], t[32];
	if (!ops)
		ops = 1;
	per_op(c, sizeof(c), cycles, ops);
	per_op(i, sizeof(i), instret, ops);
	per_op(t, sizeof(t), ticks_to_ns(time), ops);
	kprintf("bench %s ops=%lu cycles=%s instret=%s ns=%s\n", name, ops, c, i, t);
}

/* Counter values where a benchmark says its measured part ends (0: at return). */
static uint64_t end_cycle, end_instret, end_time;

static void measure(const char *name, uint64_t ops, int runs, void (*fn)(uint64_t ops))
{
	static uint64_t cy[MAX_RUNS], in[MAX_RUNS], tm[MAX_RUNS];
	for (int r = 0; r < runs; r++) {
		end_time = 0;
		uint64_t t0 = rdtime(), c0 = rdcycle(), i0 = rdinstret();
		fn(ops);
		uint64_t i1 = rdinstret(), c1 = rdcycle(), t1 = rdtime();
		if (end_time)
			i1 = end_instret, c1 = end_cycle, t1 = end_time;
		cy[r] = c1 - c0;
		in[r] = i1 - i0;
		tm[r] = t1 - t0;
	}
	bench_report(name, ops, median(cy, runs), median(in, runs), median(tm, runs));
}

static void read_sstatus(uint64_t ops)
{
	for (uint64_t i = 0; i < ops; i++)
		(void)csr_read(sstatus);
}

static void irq_off_on(uint64_t ops)
{
	for (uint64_t i = 0; i < ops; i++) {
		intr_off();
		intr_on();
	}
	intr_off();
}

static void timer_bench_hook(void)
{
	end_time = rdtime();
	end_cycle = rdcycle();
	end_instret = rdinstret();
	sbi_set_timer(~0UL);
}

/* From asking SBI for a timer interrupt "now" to the handler's first C line. */
static void timer_irq(uint64_t ops)
{
	(void)ops;
	timer_hook = timer_bench_hook;
	intr_on();
	sbi_set_timer(0);
	while (!end_time)
		;
	intr_off();
	timer_hook = 0;
}

#define DISK_CHUNK (64 * 1024)
static uint8_t disk_buf[DISK_CHUNK] __attribute__((aligned(4096)));

static void disk_1m(int write)
{
	for (uint64_t off = 0; off < (1 << 20); off += DISK_CHUNK)
		virtio_blk_rw(off / SECTOR_SIZE, disk_buf, DISK_CHUNK / SECTOR_SIZE, write);
}

static void disk_read_1m(uint64_t ops)
{
	(void)ops;
	disk_1m(0);
}

static void disk_write_1m(uint64_t ops)
{
	(void)ops;
	disk_1m(1);
}

/* Runs one ubench program variant to completion. */
static void user_bench(long which)
{
	if (proc_spawn("ubench", which, myproc()) < 0)
		panic("cannot spawn ubench");
	while (proc_wait(0) >= 0)
		;
}

void bench_run(void)
{
	timer_stop();
	measure("read-sstatus", 1000, 21, read_sstatus);
	measure("irq-disable-enable", 1000, 21, irq_off_on);
	measure("timer-irq", 1, 101, timer_irq);
	timer_start(); /* user benchmarks run preemptible, as processes do */
	for (long which = 0; which < 5; which++)
		user_bench(which);
	timer_stop();
	int disk = virtio_blk_present() && virtio_blk_capacity() * SECTOR_SIZE >= (1 << 20);
	if (disk)
		measure("disk-read-1MiB", 1, 5, disk_read_1m);
	else
		kprintf("bench disk-read-1MiB skipped=no-disk\n");
	if (disk && !virtio_blk_read_only())
		measure("disk-write-1MiB", 1, 5, disk_write_1m);
	else
		kprintf("bench disk-write-1MiB skipped=%s\n", disk ? "read-only" : "no-disk");
}
