/*
 * A tiny S-mode guest for the launcher's tests: prints one line through the
 * SBI legacy console, then powers off through SBI SRST.  It carries a RISC-V
 * Image header, so the same bytes serve as a raw Image and (linked) as an ELF.
 * Regenerate the committed binaries with:
 *
 *   riscv64-linux-gnu-gcc -nostdlib -static -Wl,-Ttext=0x80200000 -Wl,--build-id=none -Wl,-n -s \
 *       -o hello.elf hello.S
 *   riscv64-linux-gnu-objcopy -O binary hello.elf hello.Image
 */
	.option norvc
	.section .text
	.globl _start
_start:
	j	run			/* code0, code1 */
	.balign 8
	.dword	0x200000		/* text_offset */
	.dword	_end - _start		/* image_size */
	.dword	0			/* flags */
	.word	2			/* version */
	.word	0
	.dword	0
	.ascii	"RISCV\0\0\0"		/* magic (deprecated) */
	.ascii	"RSC\x05"		/* magic2 */
	.word	0
run:
	lla	s0, msg
1:	lbu	a0, 0(s0)
	beqz	a0, 2f
	li	a7, 1			/* legacy console_putchar */
	ecall
	addi	s0, s0, 1
	j	1b
2:	li	a7, 0x53525354		/* SRST: system reset */
	li	a6, 0
	li	a0, 0			/* shutdown */
	li	a1, 0			/* no reason */
	ecall
	li	a7, 8			/* legacy shutdown, if SRST is missing */
	ecall
3:	wfi
	j	3b
msg:
	.asciz	"popek-hello: a tiny guest says hello\n"
	.balign 8
_end:
