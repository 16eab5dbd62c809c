/* sysnum.h — system call numbers, shared by the kernel and guest/user/usys.S. */
#ifndef SYSNUM_H
#define SYSNUM_H

#define SYS_exit     1
#define SYS_fork     2
#define SYS_wait     3
#define SYS_read     4
#define SYS_write    5
#define SYS_getpid   6
#define SYS_sbrk     7
#define SYS_sleep    8
#define SYS_yield    9
#define SYS_spawn    10
#define SYS_uptime   11
#define SYS_bench    12
#define SYS_trapinfo 13
#define NSYSCALLS    14

#endif
