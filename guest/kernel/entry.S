/*
 * entry.S — first instructions.  OpenSBI jumps here in S-mode with the MMU
 * off, a0 = hart id, a1 = physical address of the flattened device tree.
 * Record what the firmware entered us with (mode=csrdump prints it), set up
 * a stack, clear .bss, call kmain(hartid, dtb) — nothing else.
 */
	.section .text.entry
	.globl _entry
_entry:
	lla	t0, entry_state		/* the order of struct entry_state (csrdump.h) */
	sd	a0, 0(t0)
	sd	a1, 8(t0)
	csrr	t1, sstatus
	sd	t1, 16(t0)
	csrr	t1, sie
	sd	t1, 24(t0)
	csrr	t1, sip
	sd	t1, 32(t0)
	csrr	t1, stvec
	sd	t1, 40(t0)
	csrr	t1, scounteren
	sd	t1, 48(t0)
	csrr	t1, 0x10a		/* senvcfg */
	sd	t1, 56(t0)
	csrr	t1, sscratch
	sd	t1, 64(t0)
	csrr	t1, sepc
	sd	t1, 72(t0)
	csrr	t1, scause
	sd	t1, 80(t0)
	csrr	t1, stval
	sd	t1, 88(t0)
	csrr	t1, satp
	sd	t1, 96(t0)
	la	sp, boot_stack_top
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	call	kmain
3:	wfi
	j	3b

	.section .data
	.balign 8
	.globl entry_state
entry_state:				/* in .data: the .bss clear must not wipe it */
	.space	8 * 13

	.section .bss.stack
	.balign 4096
	.globl boot_stack
boot_stack:
	.space	4096 * 4
	.globl boot_stack_top
boot_stack_top:
