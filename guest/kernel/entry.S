/*
 * entry.S — first instructions.  OpenSBI jumps here in S-mode with the MMU
 * off, a0 = hart id, a1 = physical address of the flattened device tree.
 * Set up a stack, clear .bss, call kmain(hartid, dtb) — nothing else.
 */
	.section .text.entry
	.globl _entry
_entry:
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

	.section .bss.stack
	.balign 4096
	.globl boot_stack
boot_stack:
	.space	4096 * 4
	.globl boot_stack_top
boot_stack_top:
