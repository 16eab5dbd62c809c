/*
 * popek's own calls down to the real SBI implementation (OpenSBI) in M-mode.
 * (What popek serves *to* guests is in sbi_*.c, issue 4.)
 */
#ifndef POPEK_ARCH_RISCV_SBI_H
#define POPEK_ARCH_RISCV_SBI_H

#include <stdbool.h>
#include <stdint.h>

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR   0x01
#define SBI_EXT_LEGACY_SHUTDOWN  0x08
#define SBI_EXT_BASE             0x10
#define SBI_BASE_PROBE_EXT       3
#define SBI_BASE_GET_MVENDORID   4
#define SBI_BASE_GET_MARCHID     5
#define SBI_BASE_GET_MIMPID      6
#define SBI_EXT_TIME             0x54494d45
#define SBI_EXT_SRST             0x53525354

/*
 * popek's firmware (docs/firmware.md): an extension in the SBI spec's
 * firmware-specific space (§3, 0x0A000000-0x0AFFFFFF).  DELEGATE(mask) asks
 * for these exception causes to go straight to S-mode (only illegal
 * instruction may be asked) and answers the hart's new medeleg; FEATURES
 * answers what else the firmware set up.  Stock firmware has no such
 * extension: sbi_probe_extension answers 0.
 */
#define SBI_EXT_POPEK           0x0A504F50
#define SBI_POPEK_DELEGATE      0
#define SBI_POPEK_FEATURES      1
#define SBI_POPEK_FEATURE_SSTC  (1UL << 0) /* Sstc present, menvcfg.STCE set */

#define SBI_SRST_SHUTDOWN       0
#define SBI_SRST_REASON_NONE    0
#define SBI_SRST_REASON_FAILURE 1

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2);
void sbi_putchar(char c);

/* What the firmware popek booted on gave it (sbi_firmware_init). */
struct sbi_firmware {
	bool delegates_illegal; /* illegal-instruction traps from U reach popek directly */
	bool sstc;              /* popek may write stimecmp itself */
};

/*
 * Asks the firmware for the delegation of illegal instructions and reads
 * its features, once at boot; on stock firmware nothing is asked and both
 * stay false.  Returns what was granted.
 */
struct sbi_firmware sbi_firmware_init(void);
/* What sbi_firmware_init() found: do U-mode illegal instructions reach popek directly? */
bool sbi_delegates_illegal(void);
/* popek's own timer: interrupt at `deadline` (time units), by stimecmp or SBI TIME. */
void timer_set(uint64_t deadline);
/* Powers the machine off; `failure` tells the platform it was a crash. */
void sbi_shutdown(int failure) __attribute__((noreturn));

#endif
