/*
 * popek's own calls down to the real SBI implementation (OpenSBI) in M-mode.
 * (What popek serves *to* guests is in sbi_*.c, issue 4.)
 */
#ifndef POPEK_ARCH_RISCV_SBI_H
#define POPEK_ARCH_RISCV_SBI_H

#include <stdint.h>

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR   0x01
#define SBI_EXT_LEGACY_SHUTDOWN  0x08
#define SBI_EXT_BASE             0x10
#define SBI_BASE_GET_MVENDORID   4
#define SBI_BASE_GET_MARCHID     5
#define SBI_BASE_GET_MIMPID      6
#define SBI_EXT_TIME             0x54494d45
#define SBI_EXT_SRST             0x53525354

#define SBI_SRST_SHUTDOWN        0
#define SBI_SRST_REASON_NONE     0
#define SBI_SRST_REASON_FAILURE  1

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2);
void sbi_putchar(char c);
void sbi_set_timer(uint64_t deadline);
/* Powers the machine off; `failure` tells the platform it was a crash. */
void sbi_shutdown(int failure) __attribute__((noreturn));

#endif
