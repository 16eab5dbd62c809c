/*
 * probe.h — the probe guest of `popek pg` (docs/pg.md).
 *
 * Shared by C and assembly: the layout of the trap record the vector fills,
 * and the sstatus bits both touch.
 */
#ifndef POPEK_GUEST_PROBE_H
#define POPEK_GUEST_PROBE_H

/* priv spec 1.12 §4.1.1 */
#define SSTATUS_SIE      (1 << 1)
#define SSTATUS_SPIE     (1 << 5)
#define SSTATUS_SPP      (1 << 8)
#define SSTATUS_SUM      (1 << 18)
#define SSTATUS_MXR      (1 << 19)

#define PROBE_TRAP_CAUSE 0
#define PROBE_TRAP_TVAL  8
#define PROBE_TRAP_EPC   16
#define PROBE_TRAP_COUNT 24

#ifndef __ASSEMBLER__
#include <stdint.h>

/* What the vector saw of the last trap, and how many there were. */
struct probe_trap {
	uint64_t cause, tval, epc, count;
};
extern struct probe_trap probe_trap;

/* entry.S: run a stub in S-mode or in U-mode with t0 = operand; returns its a0. */
uint64_t probe_enter_s(void (*stub)(void), uint64_t operand);
uint64_t probe_enter_u(void (*stub)(void), uint64_t operand);
extern char probe_vector[], probe_vector_alt[];

/* Called by the vector on an interrupt, which no probe enables: says so, powers off. */
void probe_unexpected(uint64_t scause, uint64_t sepc) __attribute__((noreturn));
#endif

#endif
