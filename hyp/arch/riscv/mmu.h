/* popek's own address space: the direct map of physical memory (memlayout.h). */
#ifndef POPEK_ARCH_RISCV_MMU_H
#define POPEK_ARCH_RISCV_MMU_H

#include <stdint.h>

struct machine;

/* Builds popek's Sv48 table (RAM and the devices the tree lists) and switches to it. */
void mmu_init(const struct machine *m);
/* Maps [pa, pa+size) at va in the table rooted at `root` with PTE bits `perm`. */
void mmu_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm);
/* Physical address of popek's root table. */
uint64_t mmu_root(void);

#endif
