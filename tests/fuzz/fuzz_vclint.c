/*
 * The virtual CLINT (hyp/dev/vclint.c): msip, mtimecmp and mtime accesses of
 * every width at every offset, with the clock at any value.  After each
 * step the model matches a plain reading of the board's CLINT (QEMU 7.2's
 * ACLINT): aligned 4- and 8-byte accesses to the timer part (mtimecmp and
 * mtime, either half), aligned 4-byte ones to the msip part (bit 0 only);
 * other harts' registers and holes read 0 and ignore writes; other widths
 * and unaligned accesses are refused; mtime is the clock and cannot be written; the vCPU is
 * told of every accepted write to msip or mtimecmp, and of nothing else.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/guest_layout.h"
#include "dev/vclint.h"
#include "fuzz_reader.h"

static struct vclint clint;
static uint64_t clock_now, changes;
static uint32_t msip;
static uint64_t mtimecmp;

static uint64_t now(void *arg)
{
	REQUIRE(arg == &clint); /* the VM's clock, asked of its own vCPU */
	return clock_now;
}

static void changed(void *arg)
{
	REQUIRE(arg == &clint);
	changes++;
}

static uint64_t offset(struct reader *r)
{
	static const uint64_t regs[] = {GUEST_CLINT_MSIP,         GUEST_CLINT_MSIP + 4,
	                                GUEST_CLINT_MTIMECMP,     GUEST_CLINT_MTIMECMP + 4,
	                                GUEST_CLINT_MTIMECMP + 8, GUEST_CLINT_MTIME,
	                                GUEST_CLINT_MTIME + 4,    GUEST_CLINT_MTIMECMP - 4};
	uint8_t k = reader_u8(r);
	if (k < 0xc0)
		return regs[k % (sizeof(regs) / sizeof(regs[0]))] +
		       (k >> 5 & 1) * (reader_u8(r) & 7);
	if (k < 0xf0)
		return reader_u16(r) % GUEST_CLINT_SIZE;
	return reader_u64(r);
}

/* Which 4- or 8-byte register at `base` the access reaches, and at what shift. */
static bool in_reg(uint64_t off, unsigned width, uint64_t base, unsigned *shift)
{
	if (off < base || off - base >= 8 || (width != 4 && width != 8) || (off - base) % width)
		return false;
	*shift = 8 * (unsigned)(off - base);
	return true;
}

static void step(struct reader *r)
{
	uint8_t op = reader_u8(r);
	uint64_t off = offset(r);
	unsigned width = 1u << (reader_u8(r) & 3);
	uint64_t mask = width == 8 ? ~0UL : (1UL << (8 * width)) - 1, val = reader_u64(r);
	unsigned shift;
	bool ok = (off < GUEST_CLINT_MTIMECMP ? width == 4 : width == 4 || width == 8) &&
	          (off & (width - 1)) == 0;
	if (op & 1)
		clock_now = op & 2 ? reader_u64(r) : clock_now + reader_u16(r);
	uint64_t before = changes;
	if (op & 4) {
		uint64_t got = 0xdead;
		REQUIRE((vclint_ops.read(&clint, off, width, &got) == 0) == ok);
		if (!ok)
			return;
		if (off == GUEST_CLINT_MSIP && width == 4)
			REQUIRE(got == msip);
		else if (in_reg(off, width, GUEST_CLINT_MTIMECMP, &shift))
			REQUIRE(got == ((mtimecmp >> shift) & mask));
		else if (in_reg(off, width, GUEST_CLINT_MTIME, &shift))
			REQUIRE(got == ((clock_now >> shift) & mask));
		else
			REQUIRE(got == 0);
		REQUIRE(changes == before);
		return;
	}
	REQUIRE((vclint_ops.write(&clint, off, width, val) == 0) == ok);
	bool takes = true;
	if (ok && off == GUEST_CLINT_MSIP && width == 4)
		msip = val & 1;
	else if (ok && in_reg(off, width, GUEST_CLINT_MTIMECMP, &shift))
		mtimecmp = (mtimecmp & ~(mask << shift)) | ((val & mask) << shift);
	else
		takes = false;
	REQUIRE(changes == before + takes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	clock_now = reader_u64(&r);
	changes = 0;
	msip = 0;
	mtimecmp = 0;
	vclint_init(&clint, now, changed, &clint);
	for (int steps = 0; r.size && steps < 256; steps++) {
		step(&r);
		REQUIRE(clint.msip == msip && clint.mtimecmp == mtimecmp);
		REQUIRE(vclint_msip(&clint) == (msip == 1));
		REQUIRE(vclint_mtip(&clint, clock_now) == (clock_now >= mtimecmp));
	}
	return 0;
}
