/* Emulating what a guest cannot be allowed to do itself: privileged instructions, MMIO, MPRV. */
#ifndef POPEK_ARCH_RISCV_EMULATE_H
#define POPEK_ARCH_RISCV_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/riscv/vcpu.h"

/* What popek emulated, for the counters. */
enum emul_kind {
	EMUL_CSR,
	EMUL_SRET,
	EMUL_WFI,
	EMUL_SFENCE,
	EMUL_MMIO, /* a load or store to a device window */
	EMUL_MRET,
	EMUL_LDST, /* a load or store to RAM under MPRV, or where PMP is finer than a page */
	EMUL_KIND_COUNT,
};

/*
 * An illegal-instruction trap from real U-mode (`tval`: the instruction bits
 * the hardware reported, or 0).  Privileged instructions the guest's virtual
 * mode may execute are emulated; everything else is reflected as illegal
 * instruction, exactly as the hardware would.
 */
enum trap_action emulate_illegal(struct vcpu *v, uint64_t cause, uint64_t tval);
/*
 * One CSR access as the guest would make it at privilege `mode`, with its
 * effects on the shadows applied (a CSR instruction's, and a debugger's
 * register reads and writes): 0 with *old the CSR's value before, or -1 when
 * it is illegal there, nothing changed.
 */
int emulate_csr_rmw(struct vcpu *v, enum vmode mode, unsigned csr, enum vcsr_op op,
                    uint64_t operand, bool write, uint64_t *old);
/* The guest's instruction at pc, read through its own page tables; 0 when unreadable. */
uint32_t emulate_fetch(struct vcpu *v, uint64_t pc);
/*
 * entry.S's express lane missed the fetch cache at va: whether va's page is
 * reachable for execution through the installed view's shadow, remembered.
 */
bool express_fetch_fill(struct vcpu *v, uint64_t va);
/* Emulates the sensitive instructions that follow, saving their traps (emulate.c). */
void emulate_ahead(struct vcpu *v);
/*
 * The fast lane for an illegal-instruction trap with bits `tval`: a CSR
 * access from vS or vM (a trap handler's sscratch, sepc, scause, stval,
 * sstatus, sie through vcsr_fast(); a context switch's satp and scounteren
 * through the general path; not sstatus and mstatus beyond vcsr_fast()'s
 * bits, PMP and the triggers), and the next ones, through the fetch cache;
 * or an sret.  What it does is what emulate_illegal() then emulate_ahead() would
 * do (tests/fuzz/fuzz_emulate.c compares the two), and changes nothing
 * load_hardware() sets up but the view (LOAD says so); when it changes
 * interrupt enables, it says whether one became deliverable.
 */
enum emulate_fast {
	EMULATE_FAST_NONE,  /* not such an access: nothing done */
	EMULATE_FAST_DONE,  /* done, and the next instruction is not a SYSTEM one */
	EMULATE_FAST_AHEAD, /* done so far: emulate_ahead() takes over at the pc */
	EMULATE_FAST_IRQ,   /* done, and an interrupt is now deliverable: inject it */
	/*
	 * An sret the guest's mode may execute, done: its mode, and so its view,
	 * changed.  The caller goes on with emulate_fast_resume().
	 */
	EMULATE_FAST_VIEW,
	/*
	 * Done, and the next instruction is not a SYSTEM one, but an access
	 * changed the view (sstatus.SUM, satp) or FP's state (sstatus.FS): the
	 * caller loads them (vcpu_load_view), then the guest runs on.
	 */
	EMULATE_FAST_LOAD,
};
enum emulate_fast emulate_fast(struct vcpu *v, uint64_t tval);
/*
 * After the guest's mode changed in the fast lane (EMULATE_FAST_VIEW, a
 * reflected system call): IRQ when an interrupt is deliverable, first or
 * after the CSR accesses at the guest's pc the lane serves; DONE when the
 * guest may run on; AHEAD when emulate_ahead() takes over at the pc.  Like
 * emulate_fast(), it fills no shadow.
 */
enum emulate_fast emulate_fast_resume(struct vcpu *v);
/*
 * The load or store at the guest's pc, which faulted on va (`cause`: its
 * page fault) and which popek must carry out itself: to a device window,
 * under MPRV, or where PMP is finer than a page.  Reflects the fault the
 * hardware would give when the access is not allowed.
 */
enum trap_action emulate_load_store(struct vcpu *v, uint64_t cause, uint64_t va);

/* How emulate_access() touches memory */
enum emulate_acc { EMULATE_LOAD, EMULATE_STORE };

/*
 * width bytes at va, as the guest's loads and stores reach them now (MPP's
 * translation under MPRV, PMP, RAM or a device; *device set for a device):
 * 0, or -1 with the fault to take in *cause and *tval.  Loads fill *val.
 */
int emulate_access(struct vcpu *v, uint64_t va, unsigned width, enum emulate_acc acc, uint64_t *val,
                   bool *device, uint64_t *cause, uint64_t *tval);

/*
 * emulate_access() for the instruction at the pc (its whole access: trig_acc
 * says how a debug trigger sees it, vtrig.h): 1 when a watch held the
 * instruction back, nothing done, the guest to resume as the watch left it.
 */
int emulate_insn_access(struct vcpu *v, uint64_t va, unsigned width, enum emulate_acc acc,
                        unsigned trig_acc, uint64_t *val, bool *device, uint64_t *cause,
                        uint64_t *tval);

/*
 * The accesses emulate_load_store() leaves to emulate_atomic.c: FP loads and
 * stores, AMOs and LR/SC, at v->pc (insn); anything else gets the access
 * fault of the trap (cause, va) that brought it.
 */
enum trap_action emulate_mem_other(struct vcpu *v, uint32_t insn, uint64_t cause, uint64_t va);
/*
 * A store fault just filled the shadow: whether it was an SC's (the
 * instruction at the pc, as the hardware fetches it).  Its reservation was
 * the hardware's, which this trap dropped: emulate_load_store() carries it
 * out, where the SC run again would fail.
 */
bool emulate_sc_refilled(struct vcpu *v);
/*
 * A watch just stepped the instruction at lr_pc over (watch.c) and trapped
 * at the next: when that one was an LR and this is its SC, the hardware's
 * reservation went with the trap.  The SC is carried out as the board's
 * would run it (memory still holds what the LR read: it stores).
 */
void emulate_sc_after_step(struct vcpu *v, uint64_t lr_pc);

#endif
