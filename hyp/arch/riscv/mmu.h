/* popek's own address space: the direct map of physical memory (memlayout.h). */
#ifndef POPEK_ARCH_RISCV_MMU_H
#define POPEK_ARCH_RISCV_MMU_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/* Builds popek's Sv48 table (RAM and the devices the tree lists) and switches to it. */
void mmu_init(const struct machine *m);
/* Maps [pa, pa+size) at va in the table rooted at `root` with PTE bits `perm`. */
void mmu_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm);
/*
 * Runs popek on its own table (ASID 0), off every VM's shadows: before a
 * VM's shadow pool is reset, whose pages the hart may still be using.
 */
void mmu_load_own(void);
/* Physical address of popek's root table. */
uint64_t mmu_root(void);
/* The largest ASID the hart implements (probed at boot): 0xffff with QEMU's 16 bits. */
uint64_t mmu_asid_mask(void);
/*
 * sfence.vma x0, asid (priv spec 1.12 §4.2.1): the TLB entries of one address
 * space, not the global ones (popek's direct map is G = 1).  Host builds:
 * tests/fuzz/hostvm.c.
 */
void mmu_fence_asid(uint64_t asid);
/*
 * True when `needed` ASIDs (0 to needed - 1) fit: else some address spaces
 * share one, and the TLB must be flushed on every satp change (vcpu.c).
 */
bool mmu_asids_enough(uint64_t needed);

#endif
