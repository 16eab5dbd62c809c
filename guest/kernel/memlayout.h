/*
 * memlayout.h — the kernel's view of memory.
 *
 * The kernel maps all of RAM at its physical address (VA == PA) with 2 MiB
 * superpages, U=0, G=1, in every address space, and the device windows the
 * device tree lists the same way.  User programs live below USER_TOP, far
 * below RAM and the devices on the virt board:
 *
 *   0x0000_0000_0001_0000  user text, data, bss       (ELF, linked at USER_BASE)
 *                 ...      user heap, grows up         (sbrk, demand-paged)
 *   0x0000_0000_03ff_0000  user stack, USTACK_PAGES    (grows down from USER_TOP)
 *   0x0000_0000_0400_0000  USER_TOP
 *   0x0000_0000_0c00_0000  PLIC     \  mapped U=0 in every address space;
 *   0x0000_0000_1000_0000  UART,    /  addresses come from the device tree
 *                          virtio
 *   0x0000_0000_8000_0000  RAM: OpenSBI, then this kernel at 0x8020_0000,
 *                          then free pages up to the DT's memory size
 *
 * Tests borrow the user range of the kernel's own page table (which no user
 * process uses) at TEST_VA for scratch mappings.
 */
#ifndef MEMLAYOUT_H
#define MEMLAYOUT_H

#define KERNBASE     0x80200000UL
#define USER_BASE    0x10000UL
#define USER_TOP     0x4000000UL
#define USTACK_PAGES 4
#define USTACK_BASE  (USER_TOP - USTACK_PAGES * PGSIZE)
#define TEST_VA      0x3000000UL
#define KSTACK_SIZE  (4 * PGSIZE)

#endif
