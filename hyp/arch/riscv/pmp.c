/*
 * PMP as the board checks it: entries are matched in order, the first whose
 * range touches the access decides it, and it must cover all of it.  An
 * unlocked entry does not bind M-mode; if no entry matches, M may access
 * and S and U may not (§3.7.1).  The board's granularity is 4 bytes.
 */
#include "arch/riscv/pmp.h"

#define CFG_R   0x01U
#define CFG_W   0x02U
#define CFG_X   0x04U
#define CFG_A   0x18U
#define CFG_L   0x80U
#define A_OFF   0x00U
#define A_TOR   0x08U
#define A_NA4   0x10U
#define A_NAPOT 0x18U
#define PMP_ALL (PMP_R | PMP_W | PMP_X)

/*
 * Entry i's range [*lo, *last], as the board computes it; false when it is
 * off.  TOR is QEMU 7.2's (pmp.c): [pmpaddr[i-1] << 2, (pmpaddr[i] << 2) - 1]
 * with the subtraction wrapping, so pmpaddr[i] = 0 covers everything from
 * the bottom up; a top below the bottom leaves the range [0, 0], not empty.
 * The bottom is pmpaddr[i - 1] as entry i was last written (vcsr.h).
 */
static bool entry_range(const struct vcsr *c, unsigned i, uint64_t *lo, uint64_t *last)
{
	uint64_t a = c->pmpaddr[i];
	switch (c->pmpcfg[i] & CFG_A) {
	case A_TOR:
		*lo = !i ? 0
		         : (c->pmp_tor_stale >> i & 1 ? c->pmp_tor_prev[i] : c->pmpaddr[i - 1])
		               << 2;
		*last = (a << 2) - 1;
		if (*lo > *last)
			*lo = *last = 0;
		return true;
	case A_NA4:
		*lo = a << 2;
		*last = *lo + 3;
		return true;
	case A_NAPOT: {
		/*
		 * Trailing ones give the size, 2^(ones + 3) bytes: all 54 of them
		 * 2^57, past the 56-bit physical space, as the board's
		 * pmp_decode_napot computes it.
		 */
		unsigned ones = 0;
		while (ones < 54 && (a >> ones & 1))
			ones++;
		uint64_t size = 1UL << (ones + 3);
		*lo = (a << 2) & ~(size - 1);
		*last = *lo + size - 1;
		return true;
	}
	}
	return false;
}

static unsigned cfg_perms(uint8_t cfg)
{
	return (cfg & CFG_R ? PMP_R : 0) | (cfg & CFG_W ? PMP_W : 0) | (cfg & CFG_X ? PMP_X : 0);
}

int pmp_perms(const struct vcsr *c, enum vmode mode, uint64_t addr, uint64_t len)
{
	if (!c->has_m)
		return PMP_ALL;
	uint64_t end = addr + len - 1; /* the last byte */
	for (unsigned i = 0; i < VPMP_ENTRIES; i++) {
		uint64_t lo, last;
		if (!entry_range(c, i, &lo, &last) || last < addr || lo > end)
			continue;
		if (lo > addr || last < end)
			return -1; /* partly inside the first entry it touches */
		if (mode == VMODE_M && !(c->pmpcfg[i] & CFG_L))
			return PMP_ALL;
		return (int)cfg_perms(c->pmpcfg[i]);
	}
	return mode == VMODE_M ? PMP_ALL : 0;
}
