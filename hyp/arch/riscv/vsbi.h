/*
 * The SBI popek serves to its guests (SBI spec v2.0).  One file per
 * extension, each exporting one descriptor; vsbi.c lists them and
 * dispatches a guest's ecall from virtual S-mode on a7 (extension) and a6
 * (function).  Unknown extensions and functions return
 * SBI_ERR_NOT_SUPPORTED; nothing hangs.
 */
#ifndef POPEK_ARCH_RISCV_VSBI_H
#define POPEK_ARCH_RISCV_VSBI_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/riscv/vcpu.h"

#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6

struct vsbi_ret {
	long error;
	long value;
};

struct vsbi_ext {
	uint64_t first, last; /* extension IDs served (a range only for legacy calls) */
	const char *name;
	/*
	 * Serves function `fid` with arguments in v->x[10..15]; fills *ret.
	 * Returns what happens next (TRAP_RESUME almost always).
	 */
	enum trap_action (*call)(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret);
	bool legacy; /* v0.1 calls return one value in a0 and leave a1 alone */
};

extern const struct vsbi_ext vsbi_base, vsbi_time, vsbi_ipi, vsbi_rfence, vsbi_hsm, vsbi_srst,
    vsbi_dbcn, vsbi_legacy;

/* An ecall from virtual S-mode; advances pc past it. */
enum trap_action vsbi_handle(struct vcpu *v);
/* Whether a hart mask (SBI spec §3.1) names only hart 0 or nothing: 0, or -1 if other harts. */
int vsbi_hart_mask(uint64_t mask, uint64_t base, int *hits_hart0);
/*
 * One byte of SBI console output.  The board's firmware (OpenSBI) turns
 * "\n" into "\r\n" on its console; popek does the same, so a guest's
 * terminal shows the same bytes under popek as on the bare machine.
 */
void vsbi_console_putc(struct vcpu *v, char c);
/* The descriptor serving extension `ext`, or NULL (used by BASE probe). */
const struct vsbi_ext *vsbi_find(uint64_t ext);

#endif
