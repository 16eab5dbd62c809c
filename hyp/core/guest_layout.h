/*
 * The machine every VM sees: guest-physical addresses, sizes and interrupt
 * numbers, modelled on QEMU's virt board (hw/riscv/virt.c) so that a kernel
 * that boots there boots under popek unchanged.  The launcher writes them
 * into each guest's device tree; popek's device models decode accesses at
 * the same addresses.  Constants only: safe to include from freestanding code.
 *
 *   0x0010_0000  test device    sifive,test0 poweroff/reboot (boot = firmware only)
 *   0x0200_0000  CLINT          (boot = firmware only: vM guests program it)
 *   0x0c00_0000  PLIC           31 sources; context 0 = vM, context 1 = vS
 *   0x1000_0000  16550 UART     PLIC source 10
 *   0x1000_1000  virtio-mmio    slot N at 0x1000_1000 + N * 0x1000, PLIC source N + 1;
 *                               the VM's minidisks first, then its links, in order
 *   0x8000_0000  RAM            the VM's memory; its device tree sits 2 MiB below
 *                               the end, its initrd (page-aligned) just below that
 */
#ifndef POPEK_CORE_GUEST_LAYOUT_H
#define POPEK_CORE_GUEST_LAYOUT_H

#define GUEST_RAM_BASE       0x80000000ULL

#define GUEST_TEST_BASE      0x100000ULL
#define GUEST_TEST_SIZE      0x1000ULL
#define GUEST_TEST_FAIL      0x3333 /* written to the test device: power off, exit code above */
#define GUEST_TEST_PASS      0x5555 /* power off */
#define GUEST_TEST_RESET     0x7777 /* reset */

#define GUEST_CLINT_BASE     0x2000000ULL
#define GUEST_CLINT_SIZE     0x10000ULL
#define GUEST_CLINT_MSIP     0x0    /* offsets in the CLINT: hart 0's msip, */
#define GUEST_CLINT_MTIMECMP 0x4000 /* its mtimecmp, */
#define GUEST_CLINT_MTIME    0xbff8 /* and the shared mtime */

#define GUEST_PLIC_BASE      0xc000000ULL
#define GUEST_PLIC_SIZE      0x600000ULL
#define GUEST_PLIC_NDEV      31

#define GUEST_UART_BASE      0x10000000ULL
#define GUEST_UART_SIZE      0x100ULL
#define GUEST_UART_IRQ       10
#define GUEST_UART_CLOCK     3686400

#define GUEST_VIRTIO_BASE    0x10001000ULL
#define GUEST_VIRTIO_SIZE    0x1000ULL
#define GUEST_VIRTIO_SLOTS   8
#define GUEST_VIRTIO_IRQ(n)  (1 + (n)) /* slot n, 0-based */

#define GUEST_TIMEBASE_FREQ  10000000 /* Hz, as the virt board's */
#define GUEST_ISA            "rv64imafdc"
#define GUEST_MMU_TYPE       "riscv,sv48" /* the board's (its hart also takes Sv57) */

/* Interrupt causes (priv spec §3.1.9) wired to the PLIC and CLINT in the tree. */
#define GUEST_IRQ_S_SOFT   1
#define GUEST_IRQ_M_SOFT   3
#define GUEST_IRQ_M_TIMER  7
#define GUEST_IRQ_S_EXT    9
#define GUEST_IRQ_M_EXT    11

#define GUEST_DTB_FROM_END (2ULL << 20) /* the device tree at RAM end - 2 MiB */
#define GUEST_DTB_MAX      (2ULL << 20)
#define GUEST_PAGE_SIZE    4096ULL

#endif
