/*
 * vcsr_rmw(): a table of CSR instructions a guest executes, each with the value rd must get,
 * the CSR's field afterwards and the effects popek must act on.  The WARL rules are those of
 * priv spec 1.12 ch. 4 as the board (QEMU 7.2 virt, -cpu rv64,h=false) applies them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/riscv/riscv.h"
#include "arch/riscv/vcsr.h"

#define ONES     UINT64_MAX
#define UXL64    (2UL << 32) /* §4.1.1.2: UXL reads 2 (XLEN 64), read-only here */
#define SD       (1UL << 63)
#define FS_INIT  (1UL << 13)
#define FS_CLEAN (2UL << 13)
#define FS_DIRTY (3UL << 13)
#define SSTATUS_W \
	(SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_FS | SSTATUS_SUM | SSTATUS_MXR)
#define SSIP                  (1UL << IRQ_S_SOFT)
#define STIP                  (1UL << IRQ_S_TIMER)
#define SEIP                  (1UL << IRQ_S_EXT)
#define SIX                   (SSIP | STIP | SEIP)
#define SATP(mode, asid, ppn) (((uint64_t)(mode) << 60) | ((uint64_t)(asid) << 44) | (ppn))
#define SATP_A                SATP(8, 5, 0x80123UL) /* the satp every row starts from unless it says */

/* Bits sstatus must never take from a guest write: UXL=1, XS, SD, MIE, MPP, MPRV, UBE, VS. */
#define SSTATUS_FOREIGN                                                                         \
	((1UL << 32) | (3UL << 15) | SD | (1UL << 3) | (3UL << 11) | (1UL << 17) | (1UL << 6) | \
	 (3UL << 9))

static const struct vcsr baseline = {
    .mstatus = SSTATUS_SPIE | FS_INIT,
    .mie = STIP,
    .mip = STIP,
    .mideleg = SIX, /* no vM: the firmware delegates the S-level interrupts */
    .stvec = 0x80200000,
    .sscratch = 0x1111,
    .sepc = 0x80201000,
    .scause = 8,
    .stval = 0x2222,
    .satp = SATP_A,
    .scounteren = 7,
    .senvcfg = 0,
};

/* The field behind each CSR that exists; a CSR not listed has no field. */
static const struct {
	unsigned csr;
	size_t off;
} fields[] = {
    {CSR_SSTATUS, offsetof(struct vcsr, mstatus)},
    {CSR_SIE, offsetof(struct vcsr, mie)},
    {CSR_STVEC, offsetof(struct vcsr, stvec)},
    {CSR_SCOUNTEREN, offsetof(struct vcsr, scounteren)},
    {CSR_SENVCFG, offsetof(struct vcsr, senvcfg)},
    {CSR_SSCRATCH, offsetof(struct vcsr, sscratch)},
    {CSR_SEPC, offsetof(struct vcsr, sepc)},
    {CSR_SCAUSE, offsetof(struct vcsr, scause)},
    {CSR_STVAL, offsetof(struct vcsr, stval)},
    {CSR_SIP, offsetof(struct vcsr, mip)},
    {CSR_SATP, offsetof(struct vcsr, satp)},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static uint64_t *field_of(struct vcsr *c, unsigned csr)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].csr == csr)
			return (uint64_t *)((char *)c + fields[i].off);
	return NULL;
}

#define S   VMODE_S
#define U   VMODE_U
#define W   true  /* the instruction writes */
#define NW  false /* csrrs/csrrc with rs1 = x0 or uimm = 0: no write */
#define RW  VCSR_RW
#define RS  VCSR_RS
#define RC  VCSR_RC
#define ILL VCSR_ILLEGAL

struct vcsr_case {
	const char *name;
	enum vmode mode;
	unsigned csr;
	enum vcsr_op op;
	uint64_t operand;
	bool write;
	uint64_t init;  /* the CSR's field before (over the baseline) */
	uint64_t old;   /* what rd receives */
	uint64_t after; /* the field afterwards */
	unsigned fx;    /* the effects returned */
};

static const struct vcsr_case cases[] = {
    /* sstatus: §4.1.1 */
    {"sstatus read fills UXL and SD", S, CSR_SSTATUS, RS, 0, NW,
     SSTATUS_SIE | SSTATUS_SPP | FS_DIRTY, SSTATUS_SIE | SSTATUS_SPP | FS_DIRTY | UXL64 | SD,
     SSTATUS_SIE | SSTATUS_SPP | FS_DIRTY, 0},
    {"sstatus SD clear while FS is Clean", S, CSR_SSTATUS, RS, 0, NW, FS_CLEAN, FS_CLEAN | UXL64,
     FS_CLEAN, 0},
    {"sstatus write all ones keeps the writable bits", S, CSR_SSTATUS, RW, ONES, W, 0, UXL64,
     SSTATUS_W, VCSR_VIEW | VCSR_MXR | VCSR_INTERRUPTS | VCSR_FS},
    {"sstatus drops UXL, XS, SD, M-mode and VS bits", S, CSR_SSTATUS, RW, SSTATUS_FOREIGN, W, 0,
     UXL64, 0, 0},
    {"sstatus write zero clears every writable bit", S, CSR_SSTATUS, RW, 0, W, SSTATUS_W,
     SSTATUS_W | UXL64 | SD, 0, VCSR_VIEW | VCSR_MXR | VCSR_INTERRUPTS | VCSR_FS},
    {"sstatus set SUM: another view", S, CSR_SSTATUS, RS, SSTATUS_SUM, W, FS_INIT, FS_INIT | UXL64,
     FS_INIT | SSTATUS_SUM, VCSR_VIEW},
    {"sstatus clear MXR: stale permissions", S, CSR_SSTATUS, RC, SSTATUS_MXR, W,
     SSTATUS_MXR | SSTATUS_SUM, SSTATUS_MXR | SSTATUS_SUM | UXL64, SSTATUS_SUM, VCSR_MXR},
    {"sstatus set SIE: check injection", S, CSR_SSTATUS, RS, SSTATUS_SIE, W, SSTATUS_SPP,
     SSTATUS_SPP | UXL64, SSTATUS_SPP | SSTATUS_SIE, VCSR_INTERRUPTS},
    {"sstatus FS Initial to Dirty", S, CSR_SSTATUS, RS, FS_DIRTY, W, FS_INIT, FS_INIT | UXL64,
     FS_DIRTY, VCSR_FS},
    {"sstatus FS Dirty to Off", S, CSR_SSTATUS, RC, FS_DIRTY, W, FS_DIRTY, FS_DIRTY | UXL64 | SD, 0,
     VCSR_FS},
    {"sstatus SPP and SPIE need no action", S, CSR_SSTATUS, RS, SSTATUS_SPP | SSTATUS_SPIE, W, 0,
     UXL64, SSTATUS_SPP | SSTATUS_SPIE, 0},
    {"sstatus set SUM again: no new view", S, CSR_SSTATUS, RS, SSTATUS_SUM, W, SSTATUS_SUM,
     SSTATUS_SUM | UXL64, SSTATUS_SUM, 0},
    {"sstatus csrrw of its own read value changes nothing", S, CSR_SSTATUS, RW,
     SSTATUS_SUM | FS_DIRTY | UXL64 | SD, W, SSTATUS_SUM | FS_DIRTY,
     SSTATUS_SUM | FS_DIRTY | UXL64 | SD, SSTATUS_SUM | FS_DIRTY, 0},
    {"sstatus csrrs without write", S, CSR_SSTATUS, RS, SSTATUS_SUM | SSTATUS_SIE, NW, 0, UXL64, 0,
     0},
    {"sstatus csrrc without write", S, CSR_SSTATUS, RC, ONES, NW, SSTATUS_W, SSTATUS_W | UXL64 | SD,
     SSTATUS_W, 0},

    /* sie: §4.1.3, only the S-level interrupts exist (mideleg of OpenSBI) */
    {"sie write all ones", S, CSR_SIE, RW, ONES, W, 0, 0, SIX, VCSR_INTERRUPTS},
    {"sie drops M-level and LCOFI enables", S, CSR_SIE, RW,
     SEIP | (1UL << 3) | (1UL << 7) | (1UL << 11) | (1UL << 13), W, STIP, STIP, SEIP,
     VCSR_INTERRUPTS},
    {"sie clear STIE", S, CSR_SIE, RC, STIP, W, SIX, SIX, SSIP | SEIP, VCSR_INTERRUPTS},
    {"sie csrrs without write", S, CSR_SIE, RS, SIX, NW, STIP, STIP, STIP, 0},

    /* sip: §4.1.3, only SSIP is writable; STIP and SEIP belong to popek */
    {"sip write all ones sets only SSIP", S, CSR_SIP, RW, ONES, W, STIP | SEIP, STIP | SEIP, SIX,
     VCSR_INTERRUPTS},
    {"sip guest cannot raise STIP or SEIP", S, CSR_SIP, RW, ONES, W, 0, 0, SSIP, VCSR_INTERRUPTS},
    {"sip write zero keeps STIP and SEIP", S, CSR_SIP, RW, 0, W, SIX, SIX, STIP | SEIP,
     VCSR_INTERRUPTS},
    {"sip clear SSIP", S, CSR_SIP, RC, SSIP, W, SSIP | STIP, SSIP | STIP, STIP, VCSR_INTERRUPTS},
    {"sip csrrc without write", S, CSR_SIP, RC, SSIP, NW, SSIP, SSIP, SSIP, 0},

    /* stvec: §4.1.2, MODE ≥ 2 reserved; the board ignores such writes */
    {"stvec direct", S, CSR_STVEC, RW, 0x80300000, W, 0x80200000, 0x80200000, 0x80300000, 0},
    {"stvec vectored", S, CSR_STVEC, RW, 0x80300001, W, 0x80200000, 0x80200000, 0x80300001, 0},
    {"stvec mode 2 ignored", S, CSR_STVEC, RW, 0x80300002, W, 0x80200001, 0x80200001, 0x80200001,
     0},
    {"stvec mode 3 ignored", S, CSR_STVEC, RW, 0x80300003, W, 0x80200000, 0x80200000, 0x80200000,
     0},
    {"stvec csrrs making mode 3 ignored", S, CSR_STVEC, RS, 2, W, 0x80200001, 0x80200001,
     0x80200001, 0},

    /* sepc: §4.1.7, bit 0 is always zero (IALIGN = 16) */
    {"sepc drops bit 0", S, CSR_SEPC, RW, 0x80201003, W, 0, 0, 0x80201002, 0},
    {"sepc all ones", S, CSR_SEPC, RW, ONES, W, 0, 0, ONES - 1, 0},
    {"sepc csrrs bit 0 has no effect", S, CSR_SEPC, RS, 1, W, 0x80201000, 0x80201000, 0x80201000,
     0},

    /* satp: §4.1.11, Bare, Sv39, Sv48 and Sv57; any other MODE leaves satp as it was */
    {"satp Sv39 with every ASID and PPN bit", S, CSR_SATP, RW, SATP(8, 0xffff, (1UL << 44) - 1), W,
     0, 0, SATP(8, 0xffff, (1UL << 44) - 1), VCSR_SATP},
    {"satp back to Bare", S, CSR_SATP, RW, 0, W, SATP_A, SATP_A, 0, VCSR_SATP},
    {"satp Sv48 accepted", S, CSR_SATP, RW, SATP(9, 1, 0x80000), W, SATP_A, SATP_A,
     SATP(9, 1, 0x80000), VCSR_SATP},
    {"satp Sv57 accepted", S, CSR_SATP, RW, SATP(10, 1, 0x80000), W, SATP_A, SATP_A,
     SATP(10, 1, 0x80000), VCSR_SATP},
    {"satp reserved mode 11 rejected", S, CSR_SATP, RW, SATP(11, 1, 0x80000), W, SATP_A, SATP_A,
     SATP_A, 0},
    {"satp reserved mode 1 rejected", S, CSR_SATP, RW, SATP(1, 0, 0x80000), W, 0, 0, 0, 0},
    {"satp reserved mode 15 rejected", S, CSR_SATP, RW, ONES, W, SATP_A, SATP_A, SATP_A, 0},
    {"satp csrrs making Sv48 accepted", S, CSR_SATP, RS, 1UL << 60, W, SATP_A, SATP_A,
     SATP_A | 1UL << 60, VCSR_SATP},
    {"satp csrrs making Sv57 accepted", S, CSR_SATP, RS, 2UL << 60, W, SATP_A, SATP_A,
     SATP_A | 2UL << 60, VCSR_SATP},
    {"satp csrrc of the mode bit gives Bare", S, CSR_SATP, RC, 1UL << 63, W, SATP_A, SATP_A,
     SATP(0, 5, 0x80123UL), VCSR_SATP},
    {"satp new ASID only", S, CSR_SATP, RW, SATP(8, 6, 0x80123UL), W, SATP_A, SATP_A,
     SATP(8, 6, 0x80123UL), VCSR_SATP},
    {"satp same value: nothing stale", S, CSR_SATP, RW, SATP_A, W, SATP_A, SATP_A, SATP_A, 0},
    {"satp csrrs without write", S, CSR_SATP, RS, ONES, NW, SATP_A, SATP_A, SATP_A, 0},

    /* scounteren: 32 bits in §4.1.5; the board (QEMU 7.2) keeps all 64 */
    {"scounteren keeps 64 bits, as the board", S, CSR_SCOUNTEREN, RW, ONES, W, 0, 0, ONES,
     VCSR_COUNTEREN},
    {"scounteren clear TM", S, CSR_SCOUNTEREN, RC, 2, W, 7, 7, 5, VCSR_COUNTEREN},
    {"scounteren csrrc without write", S, CSR_SCOUNTEREN, RC, 7, NW, 7, 7, 7, 0},

    /* senvcfg: §4.1.5 (1.12 numbering), FIOM only: no Zicbom/Zicboz given to guests */
    {"senvcfg keeps FIOM only", S, CSR_SENVCFG, RW, ONES, W, 0, 0, 1, 0},
    {"senvcfg drops CBIE CBCFE CBZE", S, CSR_SENVCFG, RW, 0xf0, W, 1, 1, 0, 0},

    /* sscratch, scause, stval: any value */
    {"sscratch any value", S, CSR_SSCRATCH, RW, ONES, W, 0x1111, 0x1111, ONES, 0},
    {"sscratch csrrs", S, CSR_SSCRATCH, RS, 0xf0, W, 0x0f, 0x0f, 0xff, 0},
    {"sscratch csrrc", S, CSR_SSCRATCH, RC, 0x0f, W, 0xff, 0xff, 0xf0, 0},
    {"sscratch csrrs without write", S, CSR_SSCRATCH, RS, 0xf0, NW, 0x0f, 0x0f, 0x0f, 0},
    {"scause interrupt bit", S, CSR_SCAUSE, RW, CAUSE_INTERRUPT | 5, W, 8, 8, CAUSE_INTERRUPT | 5,
     0},
    {"stval any value", S, CSR_STVAL, RW, 0xdeadbeefcafe, W, 0, 0, 0xdeadbeefcafe, 0},

    /* CSRs that do not exist for the guest, or not at its privilege (Zicsr §2.1) */
    {"0x101 is a hole", S, 0x101, RS, 0, NW, 0, 0, 0, ILL},
    {"0x107 is a hole", S, 0x107, RW, 1, W, 0, 0, 0, ILL},
    {"stimecmp read: Sstc is not given", S, 0x14d, RS, 0, NW, 0, 0, 0, ILL},
    {"stimecmp write: Sstc is not given", S, 0x14d, RW, 1000, W, 0, 0, 0, ILL},
    {"0x181 is past satp", S, 0x181, RS, 0, NW, 0, 0, 0, ILL},
    {"0x1ff is past satp", S, 0x1ff, RW, 0, W, 0, 0, 0, ILL},
    {"scontext 0x5a8 (no Sdtrig for S)", S, 0x5a8, RS, 0, NW, 0, 0, 0, ILL},
    {"scountovf 0xda0 (no Sscofpmf)", S, 0xda0, RS, 0, NW, 0, 0, 0, ILL},
    {"mstatus read from vS", S, 0x300, RS, 0, NW, 0, 0, 0, ILL},
    {"mstatus write from vS", S, 0x300, RW, 0, W, 0, 0, 0, ILL},
    {"mhartid from vS", S, 0xf14, RS, 0, NW, 0, 0, 0, ILL},
    {"hstatus from vS", S, 0x600, RS, 0, NW, 0, 0, 0, ILL},
    {"vsstatus from vS", S, 0x200, RS, 0, NW, 0, 0, 0, ILL},
    {"dcsr from vS", S, 0x7b0, RS, 0, NW, 0, 0, 0, ILL},
    {"cycle written from vS", S, 0xc00, RW, 0, W, 0, 0, 0, ILL},
    {"cycle csrrs with a register from vS", S, 0xc00, RS, 1, W, 0, 0, 0, ILL},
    {"time written from vU", U, 0xc01, RC, 1, W, 0, 0, 0, ILL},
    {"ustatus (no N extension)", S, 0x000, RS, 0, NW, 0, 0, 0, ILL},
    {"fcsr trapping means FS is Off", S, 0x003, RS, 0, NW, 0, 0, 0, ILL},
    {"sstatus from vU", U, CSR_SSTATUS, RS, 0, NW, 0, 0, 0, ILL},
    {"satp write from vU", U, CSR_SATP, RW, 0, W, 0, 0, 0, ILL},
    {"mstatus from vU", U, 0x300, RS, 0, NW, 0, 0, 0, ILL},
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcsr_case *k = &cases[i];
		struct vcsr c = baseline, want;
		uint64_t *f = field_of(&c, k->csr);
		if (f)
			*f = k->init;
		want = c;
		uint64_t old = 0x5a5a5a5a5a5a5a5aUL; /* rd is not written on an illegal access */
		unsigned fx = vcsr_rmw(&c, k->mode, k->csr, k->op, k->operand, k->write, &old);
		if (fx != k->fx)
			fail_msg("%s: effects %#x, expected %#x", k->name, fx, k->fx);
		if (fx & VCSR_ILLEGAL) {
			if (memcmp(&c, &want, sizeof(c)))
				fail_msg("%s: an illegal access changed a CSR", k->name);
			continue;
		}
		if (old != k->old)
			fail_msg("%s: rd got %#lx, expected %#lx", k->name, (unsigned long)old,
			         (unsigned long)k->old);
		uint64_t *wf = field_of(&want, k->csr);
		assert_non_null(wf);
		if (*f != k->after)
			fail_msg("%s: field %#lx, expected %#lx", k->name, (unsigned long)*f,
			         (unsigned long)k->after);
		*wf = k->after;
		if (memcmp(&c, &want, sizeof(c)))
			fail_msg("%s: another CSR changed", k->name);
	}
}

/* Every supervisor CSR is illegal from vU, read or written, and stays as it was. */
static void test_vu_sees_no_supervisor_csr(void **state)
{
	(void)state;
	static const struct {
		enum vcsr_op op;
		bool write;
	} forms[] = {{RW, W}, {RS, W}, {RS, NW}, {RC, W}, {RC, NW}};
	for (size_t i = 0; i < NFIELDS; i++) {
		for (size_t j = 0; j < sizeof(forms) / sizeof(forms[0]); j++) {
			struct vcsr c = baseline;
			uint64_t old = 0;
			unsigned fx = vcsr_rmw(&c, VMODE_U, fields[i].csr, forms[j].op, ONES,
			                       forms[j].write, &old);
			if (fx != VCSR_ILLEGAL || memcmp(&c, &baseline, sizeof(c)))
				fail_msg("csr %#x form %zu from vU: effects %#x", fields[i].csr, j,
				         fx);
		}
	}
}

/* A read after a write sees the value the write left (the reads are what the board shows). */
static void test_read_back(void **state)
{
	(void)state;
	static const struct {
		unsigned csr;
		uint64_t written, read;
	} rows[] = {
	    {CSR_SSTATUS, ONES, SSTATUS_W | UXL64 | SD},
	    {CSR_SSTATUS, FS_CLEAN | SSTATUS_SUM, FS_CLEAN | SSTATUS_SUM | UXL64},
	    {CSR_SIE, ONES, SIX},
	    {CSR_STVEC, 0x80200003, 0x80200000}, /* baseline stays */
	    {CSR_SEPC, 0x80201001, 0x80201000},
	    {CSR_SATP, SATP(9, 0, 0x80000), SATP(9, 0, 0x80000)},
	    {CSR_SATP, SATP(10, 0, 0x80000), SATP(10, 0, 0x80000)},
	    {CSR_SATP, SATP(12, 0, 0x80000), SATP_A},
	    {CSR_SCOUNTEREN, ONES, ONES}, /* the board's 64 bits */
	    {CSR_SENVCFG, ONES, 1},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vcsr c = baseline;
		uint64_t old;
		assert_false(
		    vcsr_rmw(&c, VMODE_S, rows[i].csr, VCSR_RW, rows[i].written, true, &old) &
		    VCSR_ILLEGAL);
		assert_int_equal(vcsr_rmw(&c, VMODE_S, rows[i].csr, VCSR_RS, 0, false, &old), 0);
		if (old != rows[i].read)
			fail_msg("csr %#x reads %#lx, expected %#lx", rows[i].csr,
			         (unsigned long)old, (unsigned long)rows[i].read);
	}
}

/* vcsr_sstatus_read(): UXL always 2, SD = (FS == Dirty), bits outside the writable set hidden. */
static void test_sstatus_read(void **state)
{
	(void)state;
	static const struct {
		uint64_t field, read;
	} rows[] = {
	    {0, UXL64},
	    {FS_INIT, FS_INIT | UXL64},
	    {FS_CLEAN, FS_CLEAN | UXL64},
	    {FS_DIRTY, FS_DIRTY | UXL64 | SD},
	    {SSTATUS_SPP | SSTATUS_SIE | SSTATUS_MXR,
	     SSTATUS_SPP | SSTATUS_SIE | SSTATUS_MXR | UXL64},
	    {SSTATUS_FOREIGN, UXL64},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vcsr c = baseline;
		c.mstatus = rows[i].field;
		if (vcsr_sstatus_read(&c) != rows[i].read)
			fail_msg("sstatus field %#lx reads %#lx, expected %#lx",
			         (unsigned long)rows[i].field, (unsigned long)vcsr_sstatus_read(&c),
			         (unsigned long)rows[i].read);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_vu_sees_no_supervisor_csr),
	    cmocka_unit_test(test_read_back),
	    cmocka_unit_test(test_sstatus_read),
	};
	return cmocka_run_group_tests_name("vcsr", tests, NULL, NULL);
}
