/*
 * A vM guest's debug triggers (Sdtrig, vcsr.c's tdata1/tdata2) firing as the
 * board's hart fires them (QEMU 7.2 target/riscv/debug.c), on watch.c's
 * address watches: the pages a trigger's addresses reach are watched, and
 * each fetch, load or store that a watch brings to popek is matched by
 * virtual address, access and privilege the way the board matches it.
 * A trigger that fires raises a breakpoint exception with tval 0 (the
 * board's), before the instruction has done anything.
 */
#ifndef POPEK_ARCH_RISCV_VTRIG_H
#define POPEK_ARCH_RISCV_VTRIG_H

#include <stdbool.h>
#include <stdint.h>

/* how an emulated access touches memory, as the board's watchpoints see it */
#define VTRIG_R 1u
#define VTRIG_W 2u

/* Per vCPU, in struct vcpu. */
struct vtrig {
	bool on; /* a trigger is enabled: fetch faults are checked against it */
	/* the instruction's whole access while emulate.c carries it out (acc 0: none) */
	uint64_t va;
	unsigned width;
	unsigned acc; /* VTRIG_R, VTRIG_W, or both for an AMO or SC */
};

struct vcpu;

/*
 * The triggers, or what their addresses translate to, may have changed
 * (a tdata1/tdata2 write, satp, sfence.vma): watches follow them.
 */
void vtrig_sync(struct vcpu *v);
/*
 * The piece at va of the access emulate_insn_access() is carrying out,
 * translated and allowed by PMP, not yet made: true when a trigger fires
 * (the breakpoint is delivered; the access must not happen).  Watches call
 * it for RAM; emulate.c for devices and where nothing is, which the board
 * checks too (an AMO there as a load and a store).
 */
enum vtrig_where { VTRIG_RAM, VTRIG_DEVICE, VTRIG_NOTHING };
bool vtrig_access(struct vcpu *v, uint64_t va, bool store, enum vtrig_where where);
/*
 * A fill of [va, va + len) for the access emulate_insn_access() is carrying
 * out failed (a page fault or an access fault: translation or PMP): true
 * when a load (store: a store) trigger over that range fires, which the
 * board checks before it raises the fault (QEMU 7.2.17 riscv_cpu_tlb_fill).
 * The breakpoint is delivered; the fault must not be.
 */
bool vtrig_fill_failed(struct vcpu *v, uint64_t va, uint64_t len, bool store);
/* True when an execute trigger fires for the instruction at pc in the current mode. */
bool vtrig_exec_fires(const struct vcpu *v, uint64_t pc);

#endif
