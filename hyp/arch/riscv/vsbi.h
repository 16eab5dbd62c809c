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

/*
 * popek serves an SBI call with interrupts off and no other VM running, so
 * the work of one call must be small whatever its arguments.
 *
 * DBCN console_write and console_read (§12.1, §12.2) may move fewer bytes
 * than asked and say how many; one call moves at most VSBI_DBCN_MAX.  A
 * byte written costs a poll of the real UART's LSR and a THR write, two
 * exits to the board's device model: a 256-byte call of text took 0.77 ms
 * under QEMU (about 3 us a byte sent), and a byte may go out twice ('\n' as
 * "\r\n", an escaped 0x1e).  128 bytes keep one call under about 0.8 ms,
 * below the shortest quantum a VM is given in the tests (2 ms), while a
 * line of the guest's (the console's line is 128 bytes too) goes in one call.
 */
#define VSBI_DBCN_MAX 128
/*
 * RFENCE sfence.vma over a range (§8.2): up to this many pages are flushed
 * one by one (65 when the range starts inside a page); a larger range
 * flushes everything.
 */
#define VSBI_RFENCE_MAX_PAGES 64

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
/*
 * A hart mask (SBI spec §3.1) as OpenSBI 1.1 reads it on the one-hart
 * board: 0 and *hits_hart0 set when it names hart 0, -1 when the base is
 * invalid (the caller returns SBI_ERR_INVALID_PARAM).
 */
int vsbi_hart_mask(uint64_t mask, uint64_t base, int *hits_hart0);
/*
 * One byte of SBI console output.  The board's firmware (OpenSBI) turns
 * "\n" into "\r\n" on its console; popek does the same, so a guest's
 * terminal shows the same bytes under popek as on the bare machine.
 */
void vsbi_console_putc(struct vcpu *v, char c);
/* The descriptor serving extension `ext`, or NULL (used by BASE probe). */
const struct vsbi_ext *vsbi_find(uint64_t ext);

/* fence.i on the VM's one hart (a host build counts it instead). */
#ifdef POPEK_HOST
void vsbi_host_fence_i(void);
static inline void vsbi_fence_i(void)
{
	vsbi_host_fence_i();
}
#else
static inline void vsbi_fence_i(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}
#endif

#endif
