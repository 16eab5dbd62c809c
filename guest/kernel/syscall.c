/*
 * syscall.c — system calls: ecall from U with the number in a7, arguments in
 * a0..a5, result in a0 (-1 for any error).  Pointers from user space are
 * only touched through copyin/copyout, which check them first.
 */
#include "syscall.h"
#include "bench.h"
#include "console.h"
#include "kalloc.h"
#include "memlayout.h"
#include "string.h"
#include "timer.h"
#include "vm.h"

#define ARG(n) (tf->regs[REG_A0 + (n)])

static long sys_exit(struct proc *p, struct trapframe *tf)
{
	(void)p;
	proc_exit((int)ARG(0));
}

static long sys_fork(struct proc *p, struct trapframe *tf)
{
	(void)p, (void)tf;
	return proc_fork();
}

static long sys_wait(struct proc *p, struct trapframe *tf)
{
	struct exitinfo info;
	int pid = proc_wait(&info);
	if (pid >= 0 && ARG(0) && copyout(p, ARG(0), &info.status, sizeof(int)) < 0)
		return -1;
	return pid;
}

static long sys_read(struct proc *p, struct trapframe *tf)
{
	char buf[128];
	uint64_t n = ARG(2) < sizeof(buf) ? ARG(2) : sizeof(buf);
	if (ARG(0) != 0)
		return -1;
	long got = console_read(buf, n, 0);
	if (got > 0 && copyout(p, ARG(1), buf, got) < 0)
		return -1;
	return got;
}

static long sys_write(struct proc *p, struct trapframe *tf)
{
	char buf[128];
	uint64_t done = 0, n = ARG(2);
	if (ARG(0) != 1 && ARG(0) != 2)
		return -1;
	while (done < n) {
		uint64_t chunk = n - done < sizeof(buf) ? n - done : sizeof(buf);
		if (copyin(p, buf, ARG(1) + done, chunk) < 0)
			return -1;
		console_write(buf, chunk);
		done += chunk;
	}
	return n;
}

static long sys_getpid(struct proc *p, struct trapframe *tf)
{
	(void)tf;
	return p->pid;
}

/* Grows the heap without mapping anything: pages arrive on first touch. */
static long sys_sbrk(struct proc *p, struct trapframe *tf)
{
	uint64_t old = p->brk, n = ARG(0);
	if ((long)n < 0 || old + n > USTACK_BASE)
		return -1;
	p->brk += n;
	return old;
}

static long sys_sleep(struct proc *p, struct trapframe *tf)
{
	(void)p;
	uint64_t until = time_ms() + ARG(0);
	while (time_ms() < until)
		sleep_on((void *)&ticks);
	return 0;
}

static long sys_yield(struct proc *p, struct trapframe *tf)
{
	(void)tf;
	p->yields++;
	proc_yield();
	return 0;
}

static long sys_spawn(struct proc *p, struct trapframe *tf)
{
	char name[16];
	for (unsigned i = 0; i < sizeof(name); i++) {
		if (copyin(p, &name[i], ARG(0) + i, 1) < 0)
			return -1;
		if (!name[i])
			return proc_spawn(name, (long)ARG(1), p);
	}
	return -1;
}

static long sys_uptime(struct proc *p, struct trapframe *tf)
{
	(void)p, (void)tf;
	return time_ms();
}

/* bench(name, ops, cycles, instret, time): medians of one run of ops. */
static long sys_bench(struct proc *p, struct trapframe *tf)
{
	char name[32];
	for (unsigned i = 0; i < sizeof(name); i++) {
		if (copyin(p, &name[i], ARG(0) + i, 1) < 0)
			return -1;
		if (!name[i]) {
			bench_report(name, ARG(1), ARG(2), ARG(3), ARG(4));
			return 0;
		}
	}
	return -1;
}

/* The sstatus the hardware left at this very ecall (SPP, SPIE, SIE). */
static long sys_trapinfo(struct proc *p, struct trapframe *tf)
{
	(void)p;
	return tf->sstatus;
}

typedef long (*syscall_fn)(struct proc *, struct trapframe *);
static const syscall_fn syscalls[NSYSCALLS] = {
    [SYS_exit] = sys_exit,         [SYS_fork] = sys_fork,     [SYS_wait] = sys_wait,
    [SYS_read] = sys_read,         [SYS_write] = sys_write,   [SYS_getpid] = sys_getpid,
    [SYS_sbrk] = sys_sbrk,         [SYS_sleep] = sys_sleep,   [SYS_yield] = sys_yield,
    [SYS_spawn] = sys_spawn,       [SYS_uptime] = sys_uptime, [SYS_bench] = sys_bench,
    [SYS_trapinfo] = sys_trapinfo,
};

enum trap_action syscall_dispatch(struct proc *p, struct trapframe *tf)
{
	uint64_t n = tf->regs[REG_A7];
	tf->regs[REG_A0] = n < NSYSCALLS && syscalls[n] ? syscalls[n](p, tf) : -1;
	return TRAP_RESUME;
}
