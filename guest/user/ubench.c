/*
 * ubench — the user-level microbenchmarks of mode=bench; arg picks one.
 * Each runs RUNS times; the kernel prints the median run (SYS_bench).
 */
#include "user.h"

#define RUNS 21

static uint64_t cy[RUNS], in[RUNS], tm[RUNS];

static void measure(const char *name, long ops, int runs, void (*fn)(long ops))
{
	for (int r = 0; r < runs; r++) {
		uint64_t t0 = rdtime(), c0 = rdcycle(), i0 = rdinstret();
		fn(ops);
		uint64_t i1 = rdinstret(), c1 = rdcycle(), t1 = rdtime();
		cy[r] = c1 - c0;
		in[r] = i1 - i0;
		tm[r] = t1 - t0;
	}
	bench(name, ops, median(cy, runs), median(in, runs), median(tm, runs));
}

static void null_syscall(long ops)
{
	for (long i = 0; i < ops; i++)
		getpid();
}

/* Each new heap page costs one fault: allocate, zero, map, sfence, return. */
static void page_fault(long ops)
{
	volatile char *p = sbrk(ops * 4096);
	for (long i = 0; i < ops; i++)
		p[i * 4096] = 1;
}

/* With a partner that also yields, every yield is one switch there and back. */
static void yield_pair(long ops)
{
	for (long i = 0; i < ops / 2; i++)
		yield();
}

static void fork_exit_wait(long ops)
{
	for (long i = 0; i < ops; i++) {
		int pid = fork();
		if (pid == 0)
			exit(0);
		wait(0);
	}
}

static volatile uint64_t sink;

static void cpu_loop(long ops)
{
	uint64_t x = 1;
	for (long i = 0; i < ops; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
}

int main(long which)
{
	switch (which) {
	case 0:
		measure("null-syscall", 1000, RUNS, null_syscall);
		break;
	case 1:
		measure("page-fault", 32, RUNS, page_fault);
		break;
	case 2: {
		int pid = fork();
		if (pid == 0) { /* the partner: keeps yielding until well past the end */
			for (long i = 0; i < RUNS * 500L + 100; i++)
				yield();
			exit(0);
		}
		measure("context-switch", 1000, RUNS, yield_pair);
		wait(0);
		break;
	}
	case 3:
		measure("fork-exit-wait", 10, RUNS, fork_exit_wait);
		break;
	case 4:
		measure("cpu-loop", 100000, RUNS, cpu_loop);
		break;
	}
	return 0;
}
