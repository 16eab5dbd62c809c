/*
 * Traps.  From popek itself every trap is a panic() (an ebreak with a
 * message) or a bug: both end in a register dump.  From a guest, the
 * exception cause indexes a table of handlers (docs/trap-flow.md); each
 * returns what happens next.
 */
#include "arch/riscv/trap.h"
#include "arch/riscv/emulate.h"
#include "arch/riscv/inject.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/trap_frame.h"
#include "arch/riscv/vsbi.h"
#include "arch/riscv/watch.h"
#include "core/check.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/vm.h"

#include <stddef.h>

_Static_assert(offsetof(struct trap_frame, sepc) == TF_SEPC, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, sstatus) == TF_SSTATUS, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, scause) == TF_SCAUSE, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, stval) == TF_STVAL, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame layout");
_Static_assert(offsetof(struct vcpu, sregs_written) == VCPU_SREGS_WRITTEN, "vcpu layout");

extern char trap_vector[];

void trap_init(void)
{
	csr_write(stvec, (uint64_t)trap_vector);
}

void trap_from_popek(struct trap_frame *tf)
{
	const char *msg = panic_message();
	if (tf->scause == CAUSE_BREAKPOINT && msg)
		panic_dump(tf, msg);
	panic_dump(tf, "unexpected trap in popek");
}

/*
 * A guest whose trap handler itself faults takes trap after trap and never
 * returns from any, as it would on the bare machine.  popek counts the traps
 * delivered since the guest last executed sret; past WEDGED_AFTER it reports
 * the VM and stops it rather than let it spin.
 */
/* WEDGED_AFTER: vcpu.h, which entry.S's system-call lane reads too */

static inline __attribute__((always_inline)) enum trap_action reflect(struct vcpu *v,
                                                                      uint64_t cause, uint64_t tval)
{
	v->stats.reflected++;
	v->note = "reflected";
	if (++v->fault_loop == WEDGED_AFTER) {
		kprintf("popek: vm %s: wedged: %d traps delivered without a return, the last "
		        "at pc %lx (scause %lu, stval %lx)\n",
		        v->vm->name, WEDGED_AFTER, v->pc, cause, tval);
		vm_event(v->vm, VM_EVENT_WEDGED);
		vm_stop(v->vm, "it cannot make progress");
		return TRAP_HALT;
	}
	vcpu_inject_trap(v, cause, tval);
	return TRAP_RESUME;
}

/*
 * With watches (a debugger's catch): the trap is delivered, then the VM
 * stops if its cause is caught.  Out of line, so that trap_reflect(), on the
 * fast lane's system calls, keeps its code.
 */
static __attribute__((noinline)) enum trap_action reflect_watched(struct vcpu *v, uint64_t cause,
                                                                  uint64_t tval)
{
	enum trap_action next = reflect(v, cause, tval);
	watch_trap(v, cause);
	return next;
}

enum trap_action trap_reflect(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	if (v->vm->watch_on)
		return reflect_watched(v, cause, tval);
	return reflect(v, cause, tval);
}

/*
 * A fetch that cannot happen: an execute trigger at the pc fires first, as
 * the board checks its breakpoints before it fetches (vtrig.c).
 */
static bool trigger_first(struct vcpu *v, uint64_t cause)
{
	return v->trig.on &&
	       (cause == CAUSE_FETCH_PAGE || cause == CAUSE_FETCH_ACCESS ||
	        cause == CAUSE_MISALIGNED_PC) &&
	       vtrig_exec_fires(v, v->pc);
}

static enum trap_action handle_reflect(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	if (trigger_first(v, cause))
		return trap_reflect(v, CAUSE_BREAKPOINT, 0);
	return trap_reflect(v, cause, tval);
}

/* An ebreak: a watch's (watch.c patches code with them), or the guest's own. */
static enum trap_action handle_breakpoint(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	if (watch_breakpoint(v)) {
		v->note = "watch";
		return TRAP_RESUME;
	}
	return trap_reflect(v, cause, tval);
}

/*
 * ecall from real U: the guest's own environment call from its virtual mode.
 * Without vM, popek is the SBI firmware and an ecall from vS is an SBI call.
 */
static enum trap_action handle_ecall(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	static const uint64_t ecall_from[] = {
	    [VMODE_U] = CAUSE_ECALL_U, [VMODE_S] = CAUSE_ECALL_S, [VMODE_M] = CAUSE_ECALL_M};
	(void)cause;
	(void)tval;
	if (v->mode == VMODE_S && !v->csr.has_m) {
		v->irq_stale = true; /* timer, IPIs, console: an SBI call may raise or clear any */
		return vsbi_handle(v);
	}
	return trap_reflect(v, ecall_from[v->mode], 0);
}

static const uint64_t access_fault_of[] = {
    [CAUSE_FETCH_PAGE] = CAUSE_FETCH_ACCESS,
    [CAUSE_LOAD_PAGE] = CAUSE_LOAD_ACCESS,
    [CAUSE_STORE_PAGE] = CAUSE_STORE_ACCESS,
};

/* Shadow miss, guest page fault, guest access fault, or an access popek carries out. */
static enum trap_action handle_page_fault(struct vcpu *v, uint64_t cause, uint64_t va)
{
	if (trigger_first(v, cause))
		return trap_reflect(v, CAUSE_BREAKPOINT, 0);
	enum shadow_fault r = shadow_fault(v, cause, va);
	switch (r) {
	case SHADOW_FILLED:
		if (cause == CAUSE_STORE_PAGE && emulate_sc_refilled(v))
			return emulate_load_store(v, cause, va);
		return TRAP_RESUME;
	case SHADOW_PAGE_FAULT:
	case SHADOW_ACCESS_FAULT:
		/* a load or store trigger would fire first: emulate.c finds out (vtrig.h) */
		if (v->trig.on && cause != CAUSE_FETCH_PAGE)
			return emulate_load_store(v, cause, va);
		return trap_reflect(v, r == SHADOW_PAGE_FAULT ? cause : access_fault_of[cause], va);
	case SHADOW_EMULATE:
		return emulate_load_store(v, cause, va);
	}
	return TRAP_RESUME;
}

/*
 * The guest runs on after a trap handled with TRAP_RESUME (and what was
 * emulated ahead).  When nothing since the last sync_interrupts() could have
 * made an interrupt pending (irq_stale: a real interrupt, a device access, an
 * SBI call) and none is deliverable now, only its view can have changed:
 * loaded here, and the guest re-entered at once (TRAP_REENTER).  Otherwise
 * vcpu_run_slice() syncs, delivers and sets up the hardware.  The timer
 * needs nothing: what could move its deadline marks irq_stale, and the real
 * one stays armed for the quantum's end.
 */
static enum trap_action trap_resume(struct vcpu *v)
{
	if (v->irq_stale || vcpu_deliverable_irq(v))
		return TRAP_RESUME;
	vcpu_load_view(v);
	return TRAP_REENTER;
}

typedef enum trap_action (*guest_handler)(struct vcpu *v, uint64_t cause, uint64_t tval);

static const guest_handler guest_exceptions[CAUSE_EXCEPTION_MAX] = {
    [CAUSE_MISALIGNED_PC] = handle_reflect, [CAUSE_FETCH_ACCESS] = handle_reflect,
    [CAUSE_ILLEGAL_INSN] = emulate_illegal, [CAUSE_BREAKPOINT] = handle_breakpoint,
    [CAUSE_MISALIGNED_LD] = handle_reflect, [CAUSE_LOAD_ACCESS] = handle_reflect,
    [CAUSE_MISALIGNED_ST] = handle_reflect, [CAUSE_STORE_ACCESS] = handle_reflect,
    [CAUSE_ECALL_U] = handle_ecall,         [CAUSE_FETCH_PAGE] = handle_page_fault,
    [CAUSE_LOAD_PAGE] = handle_page_fault,  [CAUSE_STORE_PAGE] = handle_page_fault,
};

/* Every trap but the fast lane's; out of line, so that the fast lane saves no registers. */
__attribute__((noinline)) static enum trap_action trap_dispatch(struct vcpu *v, uint64_t scause,
                                                                uint64_t stval)
{
	if (scause & CAUSE_INTERRUPT) {
		v->irq_stale = true;
		vcpu_handle_irq(v, scause & ~CAUSE_INTERRUPT);
		if (v->vm->trace)
			kprintf("trace %s %s pc=%lx interrupt=%lu (popek's) -> resume\n",
			        v->vm->name, vcpu_mode_name(v->mode), v->pc,
			        scause & ~CAUSE_INTERRUPT);
		return TRAP_RESUME;
	}
	enum vmode mode = v->mode;
	uint64_t pc = v->pc;
	guest_handler h = scause < CAUSE_EXCEPTION_MAX ? guest_exceptions[scause] : NULL;
	if (!h)
		panic("vm %s: exception %lu from U-mode cannot happen", v->vm->name, scause);
	v->stats.by_cause[scause]++;
	v->note = "?";
	uint64_t ahead = v->stats.ahead;
	enum trap_action next = h(v, scause, stval);
	const char *note = v->note; /* what became of this trap, not of what was emulated ahead */
	/* with watches, every instruction runs where a patch or a step can catch it */
	if (next == TRAP_RESUME && !v->vm->watch_on)
		emulate_ahead(v);
	if (next == TRAP_RESUME && !v->vm->fast_off)
		return trap_resume(v);
	if (v->vm->trace)
		kprintf("trace %s %s pc=%lx insn=%08x cause=%lu tval=%lx: %s%s -> %s pc=%lx\n",
		        v->vm->name, vcpu_mode_name(mode), pc,
		        scause == CAUSE_ILLEGAL_INSN && stval ? (uint32_t)stval
		                                              : emulate_fetch(v, pc),
		        scause, stval, note, v->stats.ahead != ahead ? " (and ahead)" : "",
		        vcpu_mode_name(v->mode), v->pc);
	return next;
}

/*
 * A trap the fast lane took, counted as trap_from_guest() counts one.  The
 * label marks its first emulated CSR access for bench/insn-count.c (a nop
 * of its own, which no other path reaches).
 */
static inline __attribute__((always_inline)) void trap_fast_count(struct vcpu *v)
{
	__asm__ volatile(".globl trap_fast_counted\ntrap_fast_counted: nop");
	v->stats.traps++;
	v->stats.by_cause[CAUSE_ILLEGAL_INSN]++;
}

/*
 * The guest's mode changed (an sret, a system call): what follows it is
 * emulated ahead as the full path would, then an interrupt that became
 * deliverable goes to vcpu_run_slice(), which delivers it; otherwise the
 * new mode's view is loaded and the guest runs on at once.
 */
static enum trap_action trap_fast_view(struct vcpu *v)
{
	enum emulate_fast next = emulate_fast_resume(v);
	if (next == EMULATE_FAST_IRQ)
		return TRAP_RESUME; /* vcpu_run_slice() delivers it */
	if (next == EMULATE_FAST_AHEAD) {
		emulate_ahead(v);
		return trap_resume(v);
	}
	/* DONE or LOAD: none deliverable, and the lane runs only between syncs */
	CHECK(!v->irq_stale, "vm %s: the fast lane ran with interrupts to sync", v->vm->name);
	vcpu_load_view(v);
	return TRAP_REENTER;
}

/*
 * A system call (ecall from vU): reflected into the guest's kernel as the
 * full path reflects it.  An ecall from vS (an SBI call, which may change
 * interrupts and the timer) or vM takes the full path.
 */
static enum trap_action trap_fast_ecall(struct vcpu *v)
{
	if (v->mode != VMODE_U)
		return TRAP_PENDING;
	v->stats.traps++;
	v->stats.by_cause[CAUSE_ECALL_U]++;
	enum trap_action next = trap_reflect(v, CAUSE_ECALL_U, 0);
	return next == TRAP_RESUME ? trap_fast_view(v) : next;
}

enum trap_action trap_fast(struct vcpu *v)
{
	/* The guest may have dirtied its FP state: sstatus.FS tells (§3.1.6.6). */
	if ((csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS)
		v->csr.mstatus |= SSTATUS_FS;
	uint64_t scause = csr_read(scause);
	if (v->vm->fast_off)
		return TRAP_PENDING;
	if (scause != CAUSE_ILLEGAL_INSN)
		return scause == CAUSE_ECALL_U ? trap_fast_ecall(v) : TRAP_PENDING;
	enum emulate_fast fast = emulate_fast(v, csr_read(stval));
	if (fast == EMULATE_FAST_NONE)
		return TRAP_PENDING;
	trap_fast_count(v);
	if (fast == EMULATE_FAST_DONE)
		return TRAP_REENTER;
	if (fast == EMULATE_FAST_LOAD) { /* the view (SUM, satp) or the real FS changed */
		vcpu_load_view(v);
		return TRAP_REENTER;
	}
	if (fast == EMULATE_FAST_IRQ)
		return TRAP_RESUME; /* vcpu_run_slice() delivers it */
	if (fast == EMULATE_FAST_VIEW)
		return trap_fast_view(v);
	emulate_ahead(v);
	return trap_resume(v);
}

enum trap_action trap_from_guest(struct vcpu *v)
{
	uint64_t scause = csr_read(scause), stval = csr_read(stval);
	v->stats.traps++;
	return trap_dispatch(v, scause, stval);
}
