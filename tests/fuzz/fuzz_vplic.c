/*
 * The virtual PLIC (hyp/dev/vplic.c): random source levels, priorities,
 * enables, thresholds, claims and completes, for every context the guest can
 * name (2 and up do not exist), at any offset and width.  After each step:
 *  - an access is accepted exactly when it is an aligned 32-bit one inside
 *    the window;
 *  - a claim returns 0 or a source that was pending (a request latched by
 *    its device's last signal, not claimed), enabled for the context, above
 *    its threshold, and of the highest priority among those (ties: the
 *    lowest id); it is then claimed and its request consumed;
 *  - a complete of any id below the number of sources ends its claim,
 *    from either context, as on the board; others change nothing;
 *  - vplic_pending() says whether a claim would return a source;
 *  - registers hold only what they can (3-bit priorities and thresholds, no
 *    priority for source 0),
 *    and what does not exist reads 0.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/vplic.h"
#include "fuzz_reader.h"

static struct vplic plic;

/* The source a claim by ctx must return. */
static uint32_t best(const struct vplic *p, uint32_t ctx)
{
	uint32_t id = 0, prio = p->threshold[ctx];
	for (uint32_t s = 1; s < VPLIC_NSOURCES; s++) {
		bool pending = (p->pending >> s & 1) && !(p->claimed >> s & 1);
		if (pending && (p->enable[ctx] >> s & 1) && p->priority[s] > prio) {
			id = s;
			prio = p->priority[s];
		}
	}
	return id;
}

/*
 * Each context's output as the board drives it: recomputed at every update (a device raising
 * its line, a claim, a complete of a source id, a priority or threshold write), kept otherwise.
 */
static bool model_line[VPLIC_NCTX];

static void updated(void)
{
	for (int c = 0; c < VPLIC_NCTX; c++)
		model_line[c] = best(&plic, (uint32_t)c) != 0;
}

static void check_state(void)
{
	REQUIRE(!(plic.pending & 1) && !(plic.claimed & 1));
	for (int c = 0; c < VPLIC_NCTX; c++) {
		REQUIRE(plic.threshold[c] <= VPLIC_PRIO_MAX);
		REQUIRE(vplic_pending(&plic, c) == model_line[c]);
	}
	REQUIRE(plic.priority[0] == 0);
	for (int s = 1; s < VPLIC_NSOURCES; s++)
		REQUIRE(plic.priority[s] <= VPLIC_PRIO_MAX);
	REQUIRE(!vplic_pending(&plic, -1) && !vplic_pending(&plic, VPLIC_NCTX));
}

/* An offset: a register of some source or context (up to 3, which do not exist), or anything. */
static uint64_t offset(struct reader *r)
{
	uint8_t k = reader_u8(r), i = reader_u8(r);
	uint32_t ctx = i % 4;
	switch (k % 8) {
	case 0:
		return 4 * (i % 40);
	case 1:
		return 0x1000 + 4 * (i % 4);
	case 2:
		return 0x2000 + 0x80 * ctx + 4 * (k >> 6);
	case 3:
		return 0x200000 + 0x1000 * ctx;
	case 4:
	case 5:
		return 0x200004 + 0x1000 * ctx;
	case 6:
		return reader_u32(r) % (VPLIC_SIZE + 0x100);
	default:
		return reader_u64(r);
	}
}

static void do_access(struct reader *r, bool write)
{
	uint64_t off = offset(r);
	unsigned width = 1u << (reader_u8(r) & 3);
	uint64_t val = reader_u8(r) & 1 ? reader_u8(r) : reader_u64(r);
	bool ok = width == 4 && (off & 3) == 0 && off < VPLIC_SIZE;
	bool claim = off >= 0x200004 && (off - 0x200004) % 0x1000 == 0 &&
	             (off - 0x200004) / 0x1000 < VPLIC_NCTX;
	uint32_t ctx = claim ? (uint32_t)((off - 0x200004) / 0x1000) : 0;
	uint32_t want = claim ? best(&plic, ctx) : 0, claimed = plic.claimed;
	uint32_t pending = plic.pending;
	bool prio = off >= 4 && off < 4 * VPLIC_NSOURCES,
	     thr = off >= 0x200000 && (off & 0xfff) == 0 && (off - 0x200000) / 0x1000 < VPLIC_NCTX;
	if (write) {
		REQUIRE((vplic_ops.write(&plic, off, width, val) == 0) == ok);
		if (ok && (prio || thr || (claim && (uint32_t)val < 96)))
			updated();
		REQUIRE(plic.pending == pending); /* only devices latch requests */
		if (ok && claim && (uint32_t)val < VPLIC_NSOURCES)
			REQUIRE(plic.claimed == (claimed & ~(1u << (uint32_t)val)));
		else if (ok && claim)
			REQUIRE(plic.claimed == claimed);
		return;
	}
	uint64_t got = 0xdead;
	REQUIRE((vplic_ops.read(&plic, off, width, &got) == 0) == ok);
	if (!ok)
		return;
	REQUIRE(got <= 0xffffffffu);
	if (claim) {
		REQUIRE(got == want);
		REQUIRE(plic.claimed == (claimed | (want ? 1u << want : 0)));
		REQUIRE(plic.pending == (pending & ~(want ? 1u << want : 0)));
		updated();
	} else if (off == 0x1000) {
		REQUIRE(got == (plic.pending & ~1u));
	} else if (off >= 0x2000 + 0x80 * VPLIC_NCTX && off < 0x200000) {
		REQUIRE(got == 0); /* enables of contexts that do not exist */
	} else if (off >= 0x200000 + 0x1000 * VPLIC_NCTX) {
		REQUIRE(got == 0); /* thresholds and claims of contexts that do not exist */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	vplic_init(&plic);
	memset(model_line, 0, sizeof(model_line));
	for (int steps = 0; r.size && steps < 256; steps++) {
		uint8_t op = reader_u8(&r);
		switch (op % 4) {
		case 0: {
			/* a device signals: high latches a request, low withdraws nothing */
			uint32_t irq = reader_u8(&r) % 40, before = plic.pending;
			vplic_set_level(&plic, irq, op & 4);
			bool source = irq >= 1 && irq < VPLIC_NSOURCES;
			REQUIRE(plic.pending == ((op & 4) && source ? before | 1u << irq : before));
			if ((op & 4) && source)
				updated();
			break;
		}
		case 1:
			do_access(&r, false);
			break;
		default:
			do_access(&r, true);
			break;
		}
		check_state();
	}
	return 0;
}
