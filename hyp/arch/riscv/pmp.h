/*
 * Physical memory protection of a VM with virtual M-mode (priv spec 1.12
 * §3.7): which of R, W and X a guest's pmpcfg/pmpaddr entries grant a mode
 * over a range of guest-physical addresses.  Pure logic, unit tested.
 */
#ifndef POPEK_ARCH_RISCV_PMP_H
#define POPEK_ARCH_RISCV_PMP_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/riscv/vcsr.h"

/* The permission bits pmp_perms() returns: those of a PTE, so shadow leaves can use them. */
#define PMP_R (1U << 1)
#define PMP_W (1U << 2)
#define PMP_X (1U << 3)

/*
 * The permissions `mode` has over every byte of [addr, addr + len), or -1
 * when the range is not decided by one entry (the highest-priority entry it
 * touches covers only part of it: an access so placed fails, §3.7.1.3, and a
 * shadow mapping of it must be split).  A VM without vM has no PMP: all.
 */
int pmp_perms(const struct vcsr *c, enum vmode mode, uint64_t addr, uint64_t len);

/* Whether `mode` may load every byte of [addr, addr + len): not where one entry decides part of it. */
static inline bool pmp_readable(const struct vcsr *c, enum vmode mode, uint64_t addr, uint64_t len)
{
	int pp = pmp_perms(c, mode, addr, len);
	return pp >= 0 && (pp & PMP_R);
}

#endif
