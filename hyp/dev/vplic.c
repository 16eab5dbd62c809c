/*
 * Virtual PLIC, as the board's PLIC behaves (Debian's QEMU 7.2,
 * hw/intc/sifive_plic.c as its stable updates have it; measured by
 * tests/devdiff), which is more lenient than the PLIC spec 1.0.0 in places a
 * kernel written against the board can rely on:
 *
 * - The gateway latches a request each time a device signals its line high,
 *   not while the line is high, and only a claim takes the request away: a
 *   device lowering its line (a virtio InterruptACK, a 16550 whose IIR read
 *   acknowledged THRI) withdraws nothing.  A line still high after the
 *   complete raises nothing until the device signals again (the spec's
 *   level-triggered gateway would re-raise at once, forever, for a 16550
 *   whose driver never reads IIR).  Device models therefore signal at the
 *   moments the board's devices do, and only then.
 * - A complete clears the claim of any source id below the number of
 *   sources, whether or not the completing context enables it (the spec
 *   says such a write is ignored).
 */
#include "dev/vplic.h"

#include <stddef.h>

#include "lib/string.h"

/* Sources that exist: 1..31.  Bit 0 of pending is 0: there is no source 0. */
#define VPLIC_BOARD_SOURCES 96 /* the board's PLIC has ids 0..95; popek's sources stop at 31 */
#define VPLIC_SOURCES_MASK  0xfffffffeu

void vplic_init(struct vplic *p)
{
	memset(p, 0, sizeof(*p));
}

static uint32_t vplic_best(const struct vplic *p, int ctx);

/*
 * The board drives each context's interrupt output from what it computed at its last
 * update: a device raising its line, a claim, a complete, a priority or threshold write.
 * An enable write is no update there: the output keeps its value until the next one.
 */
static void vplic_update(struct vplic *p)
{
	for (int ctx = 0; ctx < VPLIC_NCTX; ctx++)
		p->line[ctx] = vplic_best(p, ctx) != 0;
}

void vplic_set_level(struct vplic *p, uint32_t irq, int level)
{
	if (irq != 0 && irq < VPLIC_NSOURCES && level) {
		p->pending |= 1u << irq;
		vplic_update(p);
	}
}

/* Requests a claim may take: latched, and not in service. */
static uint32_t vplic_claimable(const struct vplic *p)
{
	return p->pending & ~p->claimed & VPLIC_SOURCES_MASK;
}

/*
 * The source a claim by ctx would return, or 0: the highest-priority pending
 * enabled source whose priority exceeds the threshold (spec "Priority
 * Thresholds": the PLIC "masks all PLIC interrupts of a priority less than or
 * equal to threshold"); ties go to the lowest id (spec "Interrupt Priorities").
 */
static uint32_t vplic_best(const struct vplic *p, int ctx)
{
	uint32_t cand = vplic_claimable(p) & p->enable[ctx];
	uint32_t best = 0, best_prio = p->threshold[ctx];

	/* Up to the highest candidate only: every claim, complete and raised line asks. */
	for (uint32_t irq = 1; irq < VPLIC_NSOURCES && cand >> irq; irq++) {
		if (((cand >> irq) & 1) && p->priority[irq] > best_prio) {
			best = irq;
			best_prio = p->priority[irq];
		}
	}
	return best;
}

bool vplic_pending(const struct vplic *p, int ctx)
{
	if (ctx < 0 || ctx >= VPLIC_NCTX)
		return false;
	return p->line[ctx];
}

/* Registers.  idx is the index within a bank (source, or context). */

static uint32_t priority_read(struct vplic *p, uint32_t src)
{
	return p->priority[src];
}

/*
 * WARL (spec "Interrupt Priorities"): the low 3 bits are kept, as the board does.  Source 0
 * has no register there (its priorities start at offset 4): it reads 0, writes do nothing.
 */
static void priority_write(struct vplic *p, uint32_t src, uint32_t val)
{
	if (src == 0)
		return;
	p->priority[src] = val & VPLIC_PRIO_MAX;
	vplic_update(p);
}

/* The latched requests, claimed or not: the board reads its pending array as it is. */
static uint32_t pending_read(struct vplic *p, uint32_t idx)
{
	(void)idx;
	return p->pending & VPLIC_SOURCES_MASK;
}

static uint32_t enable_read(struct vplic *p, uint32_t ctx)
{
	return p->enable[ctx];
}

/*
 * The spec hardwires bit 0 (no source 0) to 0; the board keeps it as written.  It enables
 * nothing: source 0 never has a request.
 */
static void enable_write(struct vplic *p, uint32_t ctx, uint32_t val)
{
	p->enable[ctx] = val;
}

static uint32_t threshold_read(struct vplic *p, uint32_t ctx)
{
	return p->threshold[ctx];
}

/* WARL (spec "Priority Thresholds"): the board keeps the low 3 bits (QEMU 7.2: value % 8). */
static void threshold_write(struct vplic *p, uint32_t ctx, uint32_t val)
{
	p->threshold[ctx] = val & VPLIC_PRIO_MAX;
	vplic_update(p);
}

/* Spec "Interrupt Claim Process": returns the best source (or 0) and clears its pending bit. */
static uint32_t claim_read(struct vplic *p, uint32_t ctx)
{
	uint32_t irq = vplic_best(p, (int)ctx);

	if (irq != 0) {
		p->pending &= ~(1u << irq);
		p->claimed |= 1u << irq;
	}
	vplic_update(p);
	return irq;
}

/*
 * Completion ends the source's service.  The board accepts it from any context for any id
 * below its number of sources (see the top of this file), and updates its outputs; ids
 * beyond are ignored.
 */
static void complete_write(struct vplic *p, uint32_t ctx, uint32_t val)
{
	(void)ctx;
	if (val >= VPLIC_BOARD_SOURCES)
		return;
	if (val < VPLIC_NSOURCES)
		p->claimed &= ~(1u << val);
	vplic_update(p); /* the board updates for any id it has, sources popek lacks included */
}

struct vplic_bank {
	uint32_t base, stride, count;
	uint32_t (*read)(struct vplic *p, uint32_t idx);
	void (*write)(struct vplic *p, uint32_t idx, uint32_t val); /* NULL: read-only */
};

static const struct vplic_bank vplic_banks[] = {
    {0x000000, 4, VPLIC_NSOURCES, priority_read, priority_write},
    {0x001000, 4, 1, pending_read, NULL},
    {0x002000, 0x80, VPLIC_NCTX, enable_read, enable_write},
    {0x200000, 0x1000, VPLIC_NCTX, threshold_read, threshold_write},
    {0x200004, 0x1000, VPLIC_NCTX, claim_read, complete_write},
};

static const struct vplic_bank *vplic_lookup(uint64_t off, uint32_t *idx)
{
	for (size_t i = 0; i < sizeof(vplic_banks) / sizeof(vplic_banks[0]); i++) {
		const struct vplic_bank *b = &vplic_banks[i];
		if (off < b->base || (off - b->base) % b->stride != 0)
			continue;
		if ((off - b->base) / b->stride < b->count) {
			*idx = (uint32_t)((off - b->base) / b->stride);
			return b;
		}
	}
	return NULL;
}

/* Only aligned 32-bit accesses: the registers are 32 bits wide (spec "Memory Map"). */
static bool vplic_access_ok(uint64_t off, unsigned width)
{
	return width == 4 && (off & 3) == 0 && off < VPLIC_SIZE;
}

static int vplic_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct vplic *p = dev;
	const struct vplic_bank *b;
	uint32_t idx;

	if (!vplic_access_ok(off, width))
		return -1;
	b = vplic_lookup(off, &idx);
	*val = b ? b->read(p, idx) : 0;
	return 0;
}

static int vplic_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vplic *p = dev;
	const struct vplic_bank *b;
	uint32_t idx;

	if (!vplic_access_ok(off, width))
		return -1;
	b = vplic_lookup(off, &idx);
	if (b && b->write)
		b->write(p, idx, (uint32_t)val);
	return 0;
}

const struct mmio_ops vplic_ops = {
    .read = vplic_read,
    .write = vplic_write,
};
