/*
 * A virtual PLIC per VM (RISC-V PLIC spec 1.0.0), laid out like QEMU virt's
 * sifive,plic-1.0.0 for a one-hart board: sources 1..31, two contexts
 * (0 = the hart's M-mode, 1 = its S-mode).  Register map, offsets from the
 * base (0xc000000 on the virt board):
 *
 *   0x000000 + 4*src           priority of source src (3 bits, 0 = never)
 *   0x001000                   pending bits of sources 0..31 (read-only)
 *   0x002000 + 0x80*ctx        enable bits of context ctx
 *   0x200000 + 0x1000*ctx      priority threshold of context ctx
 *   0x200004 + 0x1000*ctx      claim (read) / complete (write) of context ctx
 *
 * Devices signal their lines with vplic_set_level(), each time the board's
 * device would (vplic.c says why that matters); popek asks
 * vplic_pending() before entering the guest and turns the answer into the
 * guest's SEIP (context 1) or MEIP (context 0).
 */
#ifndef POPEK_DEV_VPLIC_H
#define POPEK_DEV_VPLIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emul.h"

#define VPLIC_SIZE     0x600000
#define VPLIC_NSOURCES 32 /* ids 0..31; 0 means "no interrupt" and has no source */
#define VPLIC_NCTX     2
#define VPLIC_PRIO_MAX 7

struct vplic {
	uint32_t priority[VPLIC_NSOURCES];
	uint32_t pending; /* bit n: source n has a latched request (see vplic.c) */
	uint32_t claimed; /* bit n: source n is claimed and not yet completed */
	uint32_t enable[VPLIC_NCTX];
	uint32_t threshold[VPLIC_NCTX];
	bool line[VPLIC_NCTX]; /* each context's output, as last updated (vplic.c) */
};

void vplic_init(struct vplic *p);
/*
 * Source irq's device signals its line (1..31; others are ignored): high (level != 0) latches
 * a request; low, as on the board, withdraws nothing (vplic.c).
 */
void vplic_set_level(struct vplic *p, uint32_t irq, int level);
/*
 * Whether context ctx's output is raised: it had a claimable interrupt above its threshold
 * at the vPLIC's last update (vplic.c: an enable write alone changes nothing, as on the board).
 */
bool vplic_pending(const struct vplic *p, int ctx);

/* The MMIO model; dev is a struct vplic *. */
extern const struct mmio_ops vplic_ops;

#endif
