/*
 * usys.S — program entry and system call stubs.  The kernel starts a
 * program at _start with sp = top of its stack and a0 = its argument.
 * A system call is ecall with the number in a7 (guest/kernel/sysnum.h).
 */
#include "sysnum.h"

	.section .text.start
	.globl	_start
_start:
	call	main
	call	exit

.macro SYSCALL name, num
	.text
	.globl	\name
\name:
	li	a7, \num
	ecall
	ret
.endm

	SYSCALL	exit, SYS_exit
	SYSCALL	fork, SYS_fork
	SYSCALL	wait, SYS_wait
	SYSCALL	read, SYS_read
	SYSCALL	write, SYS_write
	SYSCALL	getpid, SYS_getpid
	SYSCALL	sbrk, SYS_sbrk
	SYSCALL	sleep, SYS_sleep
	SYSCALL	yield, SYS_yield
	SYSCALL	spawn, SYS_spawn
	SYSCALL	uptime, SYS_uptime
	SYSCALL	bench, SYS_bench
	SYSCALL	trapinfo, SYS_trapinfo
