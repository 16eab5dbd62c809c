#ifndef PROC_H
#define PROC_H

#include <stdint.h>
#include "riscv.h"

/* Callee-saved registers, switched by swtch.S. */
struct context {
	uint64_t ra, sp;
	uint64_t s[12];
};

/*
 * Registers saved on a trap (trapvec.S knows these offsets).  A trap from U
 * saves into the process's trapframe, found through sscratch; a trap from S
 * pushes the same layout onto the kernel stack.
 *
 *   0   regs[0..31]  x0 slot unused; regs[2] is the interrupted sp
 *   256 epc          sepc at the trap
 *   264 sstatus      sstatus at the trap (SPP, SPIE as the hardware set them)
 *   272 ksp          kernel stack top for this process (user traps only)
 */
struct trapframe {
	uint64_t regs[32];
	uint64_t epc;
	uint64_t sstatus;
	uint64_t ksp;
	uint64_t pad;
};

#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A7 17

enum procstate { UNUSED, EMBRYO, RUNNABLE, RUNNING, SLEEPING, ZOMBIE };

struct proc {
	int pid;
	enum procstate state;
	char name[16];
	struct context ctx;
	uint8_t *kstack; /* KSTACK_SIZE bytes */
	struct trapframe tf;
	pte_t *pagetable;
	uint64_t asid;
	uint64_t heap_start, brk; /* heap: [heap_start, brk), demand-paged */
	uint64_t scounteren;      /* counters this process may read */
	struct proc *parent;
	void *chan; /* sleeping on */
	int xstatus;
	/* accounting, reported to the parent by wait */
	uint64_t faults, preempts, yields;
	uint64_t kill_cause, kill_tval;
};

/* What a parent learns about a child that exited. */
struct exitinfo {
	int pid, status;
	uint64_t faults, preempts, yields;
	uint64_t kill_cause, kill_tval; /* valid when status == -1 */
};

#define NPROC 16

void proc_init(void);
struct proc *myproc(void);
int proc_spawn(const char *name, long arg, struct proc *parent);
int proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
void proc_kill(struct proc *p, uint64_t cause, uint64_t tval) __attribute__((noreturn));
int proc_wait(struct exitinfo *info);
void proc_yield(void);
void sleep_on(void *chan);
void wakeup(void *chan);
void proc_idle(void);
extern uint64_t default_scounteren;
extern int proc_report_kills; /* say so on the console when a process is killed */

#endif
