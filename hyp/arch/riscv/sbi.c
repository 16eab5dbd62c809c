#include "arch/riscv/sbi.h"
#include "arch/riscv/riscv.h"

#define CAUSE_ILLEGAL_MASK (1UL << 2)

static struct sbi_firmware firmware; /* what sbi_firmware_init found */

/* The ecall itself; host builds (tests/unit/test_sbi.c) supply their own. */
#ifndef POPEK_HOST
struct sbiret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
	register uint64_t r_a0 __asm__("a0") = a0;
	register uint64_t r_a1 __asm__("a1") = a1;
	register uint64_t r_a2 __asm__("a2") = a2;
	register uint64_t r_a6 __asm__("a6") = fid;
	register uint64_t r_a7 __asm__("a7") = ext;
	__asm__ volatile("ecall"
	                 : "+r"(r_a0), "+r"(r_a1)
	                 : "r"(r_a2), "r"(r_a6), "r"(r_a7)
	                 : "memory");
	return (struct sbiret){(long)r_a0, (long)r_a1};
}
#endif

void sbi_putchar(char c)
{
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0);
}

struct sbi_firmware sbi_firmware_init(void)
{
	firmware = (struct sbi_firmware){0};
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_POPEK, 0, 0);
	if (r.error || r.value == 0)
		return firmware; /* stock firmware */
	/* Granted only when the answer is the new medeleg and it has the bit. */
	r = sbi_call(SBI_EXT_POPEK, SBI_POPEK_DELEGATE, CAUSE_ILLEGAL_MASK, 0, 0);
	firmware.delegates_illegal = !r.error && ((uint64_t)r.value & CAUSE_ILLEGAL_MASK);
	r = sbi_call(SBI_EXT_POPEK, SBI_POPEK_FEATURES, 0, 0, 0);
	firmware.sstc = !r.error && ((uint64_t)r.value & SBI_POPEK_FEATURE_SSTC);
	return firmware;
}

bool sbi_delegates_illegal(void)
{
	return firmware.delegates_illegal;
}

/*
 * With Sstc the timer is a CSR write (sip.STIP follows time >= stimecmp,
 * Sstc §1), not a trip through M-mode.  Guests cannot reach stimecmp: they
 * run in real U, and popek's virtual CSRs have no stimecmp of their own.
 */
void timer_set(uint64_t deadline)
{
	if (firmware.sstc)
		csr_write(0x14d, deadline); /* stimecmp */
	else
		sbi_call(SBI_EXT_TIME, 0, deadline, 0, 0);
}

#ifndef POPEK_HOST
void sbi_shutdown(int failure)
{
	sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN,
	         failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE, 0);
	sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}
#endif
