/*
 * trap.c — where every trap is handled after trapvec.S saved the registers.
 *
 * Interrupts and exceptions are dispatched through tables indexed by the
 * scause code (priv spec 1.12 §4.1.9).  An exception from U goes to its
 * handler or kills the process; an exception from S is either one a test
 * armed (see trap_expect) or a kernel bug.
 */
#include "trap.h"
#include "console.h"
#include "plic.h"
#include "printf.h"
#include "riscv.h"
#include "syscall.h"
#include "timer.h"
#include "vm.h"
#include "memlayout.h"

struct trap_record last_irq;
volatile uint64_t ssi_count;

static struct {
	struct trap_record *rec;
	enum trap_resume how;
} expect;

void trap_expect(struct trap_record *rec, enum trap_resume how)
{
	rec->hit = 0;
	expect.rec = rec;
	expect.how = how;
}

void trap_disarm(void)
{
	expect.rec = 0;
}

/* Supervisor software interrupt: pending only because someone set sip.SSIP. */
static enum trap_action irq_software(void)
{
	csr_clear(sip, SIP_SSIP);
	ssi_count++;
	return TRAP_RESUME;
}

static enum trap_action irq_timer(void)
{
	return timer_intr() ? TRAP_YIELD : TRAP_RESUME;
}

static enum trap_action irq_external(void)
{
	plic_intr();
	return TRAP_RESUME;
}

typedef enum trap_action (*irq_fn)(void);
static const irq_fn irq_table[NCAUSES] = {
    [IRQ_SSI] = irq_software,
    [IRQ_STI] = irq_timer,
    [IRQ_SEI] = irq_external,
};

static enum trap_action handle_irq(uint64_t code)
{
	if (code < NCAUSES && irq_table[code])
		return irq_table[code]();
	panic("unexpected interrupt %lu", code);
}

static enum trap_action user_ecall(struct proc *p, struct trapframe *tf, uint64_t tval)
{
	(void)tval;
	tf->epc += 4; /* ecall is never compressed */
	return syscall_dispatch(p, tf);
}

static enum trap_action user_page_fault(struct proc *p, struct trapframe *tf, uint64_t tval)
{
	(void)tf;
	return uvm_demand(p, tval) == 0 ? TRAP_RESUME : TRAP_KILL;
}

/* Exceptions from U with no entry here kill the process. */
typedef enum trap_action (*exc_fn)(struct proc *, struct trapframe *, uint64_t);
static const exc_fn user_exc_table[NCAUSES] = {
    [CAUSE_USER_ECALL] = user_ecall,
    [CAUSE_LOAD_PAGE_FAULT] = user_page_fault,
    [CAUSE_STORE_PAGE_FAULT] = user_page_fault,
};

void user_trap(struct trapframe *tf)
{
	struct proc *p = myproc();
	uint64_t cause = csr_read(scause), tval = csr_read(stval);
	uint64_t code = cause & ~CAUSE_IRQ_FLAG;
	enum trap_action act;

	if (cause & CAUSE_IRQ_FLAG)
		act = handle_irq(code);
	else if (code < NCAUSES && user_exc_table[code])
		act = user_exc_table[code](p, tf, tval);
	else
		act = TRAP_KILL;

	if (act == TRAP_KILL)
		proc_kill(p, cause, tval);
	if (act == TRAP_YIELD) {
		p->preempts++;
		proc_yield();
	}
	user_return_from(p);
}

extern void user_return(struct trapframe *tf) __attribute__((noreturn));

/*
 * Back to U: SPP = 0 so sret drops to U, SPIE = 1 so interrupts are taken
 * there, SIE stays 0 until the sret (§4.1.1).  sscratch = trapframe.
 */
void user_return_from(struct proc *p)
{
	struct trapframe *tf = &p->tf;
	tf->ksp = (uint64_t)p->kstack + KSTACK_SIZE;
	tf->sstatus =
	    (csr_read(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE | SSTATUS_SUM)) | SSTATUS_SPIE;
	user_return(tf);
}

static unsigned insn_length(uint64_t epc)
{
	return (*(const uint16_t *)epc & 3) == 3 ? 4 : 2;
}

void kernel_trap(struct trapframe *f)
{
	uint64_t cause = csr_read(scause), tval = csr_read(stval);
	if (cause & CAUSE_IRQ_FLAG) {
		last_irq = (struct trap_record){1, cause, f->epc, tval, f->sstatus};
		handle_irq(cause & ~CAUSE_IRQ_FLAG);
		return;
	}
	struct trap_record *rec = expect.rec;
	if (!rec)
		panic("kernel trap: scause 0x%lx sepc 0x%lx stval 0x%lx sstatus 0x%lx ra 0x%lx",
		      cause, f->epc, tval, f->sstatus, f->regs[REG_RA]);
	*rec = (struct trap_record){1, cause, f->epc, tval, f->sstatus};
	expect.rec = 0;
	f->epc = expect.how == TRAP_SKIP ? f->epc + insn_length(f->epc) : f->regs[REG_RA];
}

void trap_init(void)
{
	csr_write(sscratch, 0);
	csr_write(stvec, (uint64_t)trap_vector);
	csr_write(sie, SIP_SSIP | SIP_STIP | SIP_SEIP);
}
