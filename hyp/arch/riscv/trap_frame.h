/*
 * The registers saved on every trap into popek.  Offsets are shared with
 * entry.S; the C struct and the TF_* constants must agree (checked by a
 * static assertion in trap.c).
 *
 *   0    x0 (always 0, kept so x[i] is register i)   8 x1 ra   16 x2 sp ...
 *   256  sepc   264 sstatus   272 scause   280 stval
 */
#ifndef POPEK_ARCH_RISCV_TRAP_FRAME_H
#define POPEK_ARCH_RISCV_TRAP_FRAME_H

#define TF_X(n)    ((n)*8)
#define TF_SEPC    256
#define TF_SSTATUS 264
#define TF_SCAUSE  272
#define TF_STVAL   280
#define TF_SIZE    288

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame {
	uint64_t x[32];
	uint64_t sepc;
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;
};
#endif

#endif
