/*
 * proc.c — processes and the round-robin scheduler.
 *
 * One hart, so no locks: the kernel runs with sstatus.SIE = 0 and takes
 * interrupts only in U-mode (where they are always enabled, §4.1.1) or while
 * idle in proc_idle.  A process gives up the CPU only by calling sched() —
 * from yield, sleep, exit, or on a timer interrupt taken in U-mode — so
 * sleep/wakeup needs no lock to avoid lost wakeups.
 *
 * Slot 0 is the boot thread (pid 0, "kmain"): it runs the self-tests and
 * benchmarks on the boot stack and is the parent of the processes it spawns.
 */
#include "proc.h"
#include "exec.h"
#include "memlayout.h"
#include "printf.h"
#include "string.h"
#include "trap.h"
#include "vm.h"

static struct proc procs[NPROC];
static uint8_t kstacks[NPROC][KSTACK_SIZE] __attribute__((aligned(16)));
static struct proc *current;
static int nextpid = 1;
uint64_t default_scounteren = COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR;

extern void swtch(struct context *old, struct context *new);
static void sched(void);

struct proc *myproc(void)
{
	return current;
}

void proc_init(void)
{
	struct proc *p = &procs[0];
	p->state = RUNNING;
	p->pagetable = kernel_pagetable;
	strncpy_z(p->name, "kmain", sizeof(p->name));
	current = p;
}

/* A new process's first swtch lands here, on its own kernel stack. */
static void forkret(void)
{
	user_return_from(current);
}

static struct proc *proc_alloc(const char *name)
{
	for (int i = 1; i < NPROC; i++) {
		struct proc *p = &procs[i];
		if (p->state != UNUSED)
			continue;
		memset(p, 0, sizeof(*p));
		p->pagetable = uvm_create();
		if (!p->pagetable)
			return 0;
		p->pid = nextpid++;
		p->asid = p->pid;
		if (asid_mask)
			sfence_vma_asid(p->asid & asid_mask); /* forget a previous owner */
		p->state = EMBRYO;
		p->kstack = kstacks[i];
		p->ctx.ra = (uint64_t)forkret;
		p->ctx.sp = (uint64_t)p->kstack + KSTACK_SIZE;
		p->scounteren = default_scounteren;
		strncpy_z(p->name, name, sizeof(p->name));
		return p;
	}
	return 0;
}

static void proc_free(struct proc *p)
{
	if (p->pagetable && p->pagetable != kernel_pagetable)
		uvm_free(p->pagetable);
	p->pagetable = 0;
	p->state = UNUSED;
}

int proc_spawn(const char *name, long arg, struct proc *parent)
{
	struct proc *p = proc_alloc(name);
	if (!p)
		return -1;
	if (exec_load(p, name) < 0) {
		proc_free(p);
		return -1;
	}
	p->tf.regs[REG_A0] = arg;
	p->parent = parent;
	p->state = RUNNABLE;
	return p->pid;
}

int proc_fork(void)
{
	struct proc *p = current, *np = proc_alloc(p->name);
	if (!np)
		return -1;
	if (uvm_copy(p->pagetable, np->pagetable) < 0) {
		proc_free(np);
		return -1;
	}
	np->tf = p->tf;
	np->tf.regs[REG_A0] = 0; /* fork returns 0 in the child */
	np->heap_start = p->heap_start;
	np->brk = p->brk;
	np->scounteren = p->scounteren;
	np->parent = p;
	np->state = RUNNABLE;
	return np->pid;
}

/*
 * Exit frees the address space at once (after moving off it) and leaves a
 * zombie for the parent's wait.  Orphans go to kmain.
 */
void proc_exit(int status)
{
	struct proc *p = current;
	vm_switch(kernel_pagetable, 0);
	uvm_free(p->pagetable);
	p->pagetable = kernel_pagetable;
	p->asid = 0;
	for (int i = 1; i < NPROC; i++)
		if (procs[i].parent == p)
			procs[i].parent = &procs[0];
	p->xstatus = status;
	p->state = ZOMBIE;
	wakeup(p->parent);
	sched(); /* never returns: wait() reaps the zombie */
	panic("zombie ran");
}

int proc_report_kills;

void proc_kill(struct proc *p, uint64_t cause, uint64_t tval)
{
	if (proc_report_kills)
		kprintf("pid %d (%s) killed: scause %lu stval 0x%lx\n", p->pid, p->name, cause,
		        tval);
	p->kill_cause = cause;
	p->kill_tval = tval;
	proc_exit(-1);
}

int proc_wait(struct exitinfo *info)
{
	struct proc *me = current;
	for (;;) {
		int havekids = 0;
		for (int i = 1; i < NPROC; i++) {
			struct proc *p = &procs[i];
			if (p->parent != me || p->state == UNUSED)
				continue;
			havekids = 1;
			if (p->state != ZOMBIE)
				continue;
			if (info)
				*info = (struct exitinfo){p->pid,      p->xstatus, p->faults,
				                          p->preempts, p->yields,  p->kill_cause,
				                          p->kill_tval};
			int pid = p->pid;
			p->parent = 0;
			proc_free(p);
			return pid;
		}
		if (!havekids)
			return -1;
		sleep_on(me);
	}
}

/*
 * Nothing to run: wait for an interrupt.  WFI resumes when an interrupt is
 * pending and enabled in sie even while sstatus.SIE = 0 (§3.3.3, §4.1.3),
 * so the window opened afterwards lets exactly the pending ones in.
 */
void proc_idle(void)
{
	asm volatile("wfi");
	intr_on();
	intr_off();
}

/* Round robin: the next RUNNABLE slot after the current one. */
static void sched(void)
{
	struct proc *old = current, *p = 0;
	for (;;) {
		for (int i = 1; i <= NPROC && !p; i++) {
			struct proc *q = &procs[(old - procs + i) % NPROC];
			if (q->state == RUNNABLE)
				p = q;
		}
		if (p)
			break;
		proc_idle();
	}
	p->state = RUNNING;
	if (p == old)
		return;
	current = p;
	vm_switch(p->pagetable, p->asid);
	csr_write(scounteren, p->scounteren);
	swtch(&old->ctx, &p->ctx);
}

void proc_yield(void)
{
	current->state = RUNNABLE;
	sched();
}

void sleep_on(void *chan)
{
	current->chan = chan;
	current->state = SLEEPING;
	sched();
	current->chan = 0;
}

void wakeup(void *chan)
{
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state == SLEEPING && procs[i].chan == chan)
			procs[i].state = RUNNABLE;
}
