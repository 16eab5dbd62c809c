/*
 * progs.S — the user programs, embedded in the kernel image.  guest.mk
 * links each guest/user/NAME.c to build/guest/user/NAME.elf and passes the
 * names as USER_PROG_LIST; this file includes each ELF and emits the table
 * user_progs[] = { {"NAME", start, end}, ..., {0} } (struct prog, exec.h).
 */
	.section .rodata.progs, "a"
	.irp	name, USER_PROG_LIST
	.balign	8
\name\()_elf:
	.incbin	"\name\().elf"
\name\()_elf_end:
\name\()_str:
	.asciz	"\name"
	.endr

	.balign	8
	.globl	user_progs
user_progs:
	.irp	name, USER_PROG_LIST
	.dword	\name\()_str, \name\()_elf, \name\()_elf_end
	.endr
	.dword	0, 0, 0
