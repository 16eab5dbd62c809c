/*
 * The CSR read-modify-write path (hyp/arch/riscv/vcsr.c): every CSR number,
 * every op, S and M (and U), with and without virtual M-mode, random values.
 * After every access: an illegal one changed nothing; every WARL field holds
 * a legal value; a read is stable and writing back what was read changes
 * nothing; the fast path (vcsr_fast), where it answers, does exactly what
 * the general path does.  The masks here are the board's, written out
 * independently.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/riscv/riscv.h"
#include "arch/riscv/vcsr.h"
#include "fuzz_reader.h"

#define S_BITS        0x222UL
#define M_BITS        0x888UL
#define STATUS_LEGAL  0x7e79aaUL /* SIE SPIE SPP FS SUM MXR MIE MPIE MPP MPRV TVM TW TSR */
#define SSTATUS_LEGAL 0xc6122UL
#define MEDELEG_LEGAL 0xb3ffUL

static void check_legal(const struct vcsr *c)
{
	REQUIRE((c->mstatus & ~STATUS_LEGAL) == 0);
	REQUIRE((c->mstatus & MSTATUS_MPP) != (2UL << MSTATUS_MPP_SHIFT));
	if (!c->has_m)
		REQUIRE((c->mstatus & ~SSTATUS_LEGAL) == 0);
	REQUIRE((c->mie & ~(S_BITS | M_BITS)) == 0);
	REQUIRE((c->mip & ~(S_BITS | M_BITS)) == 0);
	REQUIRE((c->medeleg & ~MEDELEG_LEGAL) == 0);
	REQUIRE((c->mideleg & ~S_BITS) == 0);
	REQUIRE((c->mtvec & 3) < 2 && (c->stvec & 3) < 2);
	REQUIRE((c->mepc & 1) == 0 && (c->sepc & 1) == 0);
	REQUIRE((c->satp >> 60) == 0 || ((c->satp >> 60) >= 8 && (c->satp >> 60) <= 10));
	/* mcounteren and scounteren: any 64 bits, as the board keeps them (vcsr.c write_counteren) */
	REQUIRE(c->tselect < VCSR_TRIGGERS);
	for (int i = 0; i < VCSR_TRIGGERS && c->has_m; i++)
		REQUIRE(c->tdata1[i] >> 60 == 2 || c->tdata1[i] >> 60 == 6);
	REQUIRE((c->menvcfg & ~1UL) == 0 && (c->senvcfg & ~1UL) == 0);
	for (int i = 0; i < VPMP_ENTRIES; i++) {
		REQUIRE((c->pmpcfg[i] & 0x60) == 0);
		REQUIRE(c->pmpaddr[i] >> 54 == 0);
	}
}

/* CSR numbers worth hitting often: the ones popek emulates, and their neighbours. */
static const uint16_t known[] = {
    0x100, 0x104, 0x105, 0x106, 0x10a, 0x140, 0x141, 0x142, 0x143, 0x144, 0x180, 0x300,
    0x301, 0x302, 0x303, 0x304, 0x305, 0x306, 0x30a, 0x320, 0x323, 0x33f, 0x340, 0x341,
    0x342, 0x343, 0x344, 0x3a0, 0x3a1, 0x3a2, 0x3a3, 0x3b0, 0x3bf, 0x3c0, 0xb00, 0xb02,
    0xb1f, 0xc00, 0xc01, 0xc02, 0xc1f, 0xf11, 0xf12, 0xf13, 0xf14, 0xf15, 0x7b0, 0x5a8,
    0x680, 0x200, 0x7a0, 0x7a1, 0x7a2, 0x7a3, 0x7a4, 0x7a5};

static const uint64_t values[] = {0,
                                  ~0UL,
                                  1,
                                  2,
                                  3,
                                  0x1800,
                                  0x1000,
                                  0x800,
                                  0x40000,
                                  0x80000,
                                  8UL << 60,
                                  9UL << 60,
                                  0x222,
                                  0x888,
                                  0xaaa,
                                  0x1f,
                                  0x9f,
                                  0x1a,
                                  2UL << 60 | 0x5f,
                                  6UL << 60 | 0x7fffff};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	struct vcsr c;
	if (reader_u8(&r) & 1)
		vcsr_reset_m(&c);
	else
		vcsr_reset_sbi(&c, 0x80200000);
	check_legal(&c);
	while (r.size) {
		uint8_t how = reader_u8(&r);
		enum vmode mode = (enum vmode)(how & 3) == 2 ? VMODE_M : (enum vmode)(how & 3);
		if (!c.has_m && mode == VMODE_M)
			mode = VMODE_S;
		unsigned csr = how & 4 ? known[reader_u8(&r) % (sizeof(known) / sizeof(known[0]))]
		                       : reader_u16(&r) & 0xfff;
		enum vcsr_op op = (enum vcsr_op)(((how >> 3) & 3) % 3);
		bool write = how & 0x20;
		uint64_t operand =
		    how & 0x40 ? values[reader_u8(&r) % (sizeof(values) / 8)] : reader_u64(&r);
		struct vcsr before = c;
		uint64_t old = 0x5a5a;
		/* The fast path, where it answers, does what the general path does. */
		struct vcsr fast = c, general = c;
		uint64_t fast_old = 0x5a5a, general_old = 0x5a5a;
		unsigned fast_fx = vcsr_fast(&fast, mode, csr, op, operand, write, &fast_old);
		if (fast_fx == VCSR_SLOW) {
			REQUIRE(memcmp(&fast, &c, sizeof(c)) == 0 && fast_old == 0x5a5a);
		} else {
			unsigned general_fx =
			    vcsr_rmw_general(&general, mode, csr, op, operand, write, &general_old);
			REQUIRE(fast_fx == general_fx && fast_old == general_old);
			REQUIRE(memcmp(&fast, &general, sizeof(c)) == 0);
		}
		unsigned fx = vcsr_rmw(&c, mode, csr, op, operand, write, &old);
		if (fx & VCSR_ILLEGAL) {
			REQUIRE(fx == VCSR_ILLEGAL);
			REQUIRE(memcmp(&before, &c, sizeof(c)) == 0);
			/* §2.1 Zicsr: a CSR above the mode's privilege is always illegal */
			continue;
		}
		REQUIRE(((csr >> 8) & 3) <= (unsigned)mode);
		REQUIRE(!(write && (csr >> 10) == 3));
		if (!write)
			REQUIRE(memcmp(&before, &c, sizeof(c)) == 0);
		check_legal(&c);
		if (fx & VCSR_COUNTER)
			continue; /* the value is the real counter's, filled by the caller */
		/* Reads are stable, and writing back what was read changes nothing. */
		uint64_t a, b;
		REQUIRE(vcsr_rmw(&c, mode, csr, VCSR_RS, 0, false, &a) == 0);
		REQUIRE(vcsr_rmw(&c, mode, csr, VCSR_RS, 0, false, &b) == 0);
		REQUIRE(a == b);
		if ((csr >> 10) != 3 && csr != CSR_MIP && csr != CSR_SIP) {
			struct vcsr mid = c;
			unsigned fx2 = vcsr_rmw(&c, mode, csr, VCSR_RW, a, true, &b);
			REQUIRE(!(fx2 & VCSR_ILLEGAL));
			REQUIRE(b == a);
			/* but the board's TOR bookkeeping: a pmp write recomputes its entry (vcsr.h) */
			memcpy(mid.pmp_tor_prev, c.pmp_tor_prev, sizeof(mid.pmp_tor_prev));
			mid.pmp_tor_stale = c.pmp_tor_stale;
			REQUIRE(memcmp(&mid, &c, sizeof(c)) == 0);
		}
	}
	return 0;
}
