/*
 * Where popek lives (docs/memory-map.md has the picture).
 *
 * popek translates with Sv48.  A guest's Sv39 addresses, seen through Sv48,
 * index only top-level slots 0 (the lower half) and 511 (the sign-extended
 * upper half); guest-physical addresses of a guest running with paging off
 * also fall in slot 0.  popek takes slot 510 for itself: a direct map of
 * all physical memory, VA = DIRECT_MAP_BASE + PA, that no Sv39 address can
 * name.  popek's own image is reached through that same map.  Every shadow
 * root (issue 4) shares slot 510's subtree, mapped U=0, so a guest running
 * in U-mode can never touch it.
 */
#ifndef POPEK_ARCH_RISCV_MEMLAYOUT_H
#define POPEK_ARCH_RISCV_MEMLAYOUT_H

#define DIRECT_MAP_SLOT 510
#define DIRECT_MAP_BASE 0xffffff0000000000UL /* sign-extended slot 510 << 39 */
#define DIRECT_MAP_SIZE (1UL << 39)          /* 512 GiB of physical addresses */
#define POPEK_LOAD_PA   0x80200000UL         /* where OpenSBI puts its S-mode payload */

#ifndef __ASSEMBLER__
#include <stdint.h>
static inline void *pa_to_va(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}
static inline uint64_t va_to_pa(const void *va)
{
	return (uint64_t)va - DIRECT_MAP_BASE;
}
#endif

#endif
