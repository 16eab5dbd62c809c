/*
 * Virtual CSRs.  Every rule here mirrors what the bare virt board (QEMU 7.2,
 * -cpu rv64,h=false) does, so a guest cannot tell the difference: the masks
 * below are the bits that board lets software write.
 */
#include "arch/riscv/vcsr.h"
#include "arch/riscv/riscv.h"

#include <stddef.h>

/* §3.1.6: and the mstatus bits M-mode may write (no UBE/SBE/MBE, VS or XS here) */
#define MSTATUS_WRITABLE                                                              \
	(SSTATUS_WRITABLE | MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | \
	 MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
#define MSTATUS_SXL_64 (2UL << 34)
/* §3.1.9: the S- and M-level software, timer and external interrupts */
#define S_INTERRUPTS VCSR_S_INTERRUPTS
#define M_INTERRUPTS ((1UL << IRQ_M_SOFT) | (1UL << IRQ_M_TIMER) | (1UL << IRQ_M_EXT))
/* §3.1.9: M-mode may write SSIP, STIP and SEIP in mip; the M bits are the CLINT's and PLIC's */
#define MIP_WRITABLE S_INTERRUPTS
/* §3.1.8: the exceptions the board lets M delegate (ecall from M never goes lower) */
#define MEDELEG_WRITABLE 0xb3ffUL
/* §4.1.11: satp fields with QEMU's 16 ASID bits and 44 PPN bits */
#define SATP_MODE_MASK (0xfUL << 60)
#define SATP_ASID_MASK (0xffffUL << 44)
#define SATP_PPN_MASK  ((1UL << 44) - 1)
/* §4.1.5 senvcfg, §3.1.18 menvcfg: only FIOM exists without Zicbom/Zicboz */
#define ENVCFG_FIOM 1UL
/* §3.7.1: pmpcfg fields (bits 6:5 are reserved, read zero) and pmpaddr's 54 bits */
#define PMP_CFG_WRITABLE 0x9fU
#define PMP_CFG_L        0x80U
#define PMP_CFG_A        0x18U
#define PMP_A_TOR        0x08U
#define PMP_ADDR_MASK    ((1UL << 54) - 1)

uint64_t vcsr_mstatus_read(const struct vcsr *c)
{
	uint64_t v = c->mstatus | MSTATUS_UXL_64 | MSTATUS_SXL_64;
	if ((v & SSTATUS_FS) == SSTATUS_FS)
		v |= MSTATUS_SD;
	return v;
}

void vcsr_reset_m(struct vcsr *c)
{
	*c = (struct vcsr){.has_m = true}; /* §3.4: M-mode, MIE = MPRV = 0, nothing delegated */
	for (int i = 0; i < VCSR_TRIGGERS; i++)
		c->tdata1[i] = VCSR_TDATA1_TYPE2; /* the board's triggers start as mcontrol, off */
}

/* The counters OpenSBI 1.1's mstatus_init lets U read: cycle, time, instret. */
#define SBI_SCOUNTEREN 7UL

void vcsr_reset_sbi(struct vcsr *c, uint64_t entry)
{
	/*
	 * As OpenSBI 1.1 leaves its payload (sbi_hart.c mstatus_init,
	 * sbi_hart_switch_mode): FP on (FS = Dirty), S interrupts delegated,
	 * scounteren = CY|TM|IR, stvec = the entry point; sie, sscratch and
	 * satp zero.  tests/e2e/csrdump.toml compares it with the bare board.
	 */
	*c = (struct vcsr){.mstatus = SSTATUS_FS,
	                   .mideleg = S_INTERRUPTS,
	                   .scounteren = SBI_SCOUNTEREN,
	                   .stvec = entry};
}

/* The new mstatus from a write of v under `mask`, and what the change means. */
static unsigned set_status(struct vcsr *c, uint64_t v, uint64_t mask)
{
	uint64_t old = c->mstatus;
	if ((v & MSTATUS_MPP) == (2UL << MSTATUS_MPP_SHIFT)) /* §3.1.6.1: no H-mode: MPP keeps */
		v = (v & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
	c->mstatus = (old & ~mask) | (v & mask);
	uint64_t diff = old ^ c->mstatus;
	return (diff & (SSTATUS_SUM | MSTATUS_MPRV | MSTATUS_MPP) ? VCSR_VIEW : 0) |
	       (diff & SSTATUS_MXR ? VCSR_MXR : 0) |
	       (diff & (SSTATUS_SIE | MSTATUS_MIE) ? VCSR_INTERRUPTS : 0) |
	       (diff & SSTATUS_FS ? VCSR_FS : 0);
}

static unsigned write_sstatus(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	return set_status(c, v, SSTATUS_WRITABLE);
}

static unsigned write_mstatus(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	return set_status(c, v, MSTATUS_WRITABLE);
}

/* §4.1.3: sie and sip reach only the interrupts mideleg gives S. */
static unsigned write_sie(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	uint64_t mask = c->mideleg & S_INTERRUPTS;
	c->mie = (c->mie & ~mask) | (v & mask);
	return VCSR_INTERRUPTS;
}

static unsigned write_sip(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	uint64_t mask = c->mideleg & (1UL << IRQ_S_SOFT); /* only SSIP is writable in sip */
	c->mip = (c->mip & ~mask) | (v & mask);
	return VCSR_INTERRUPTS;
}

static unsigned write_mie(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	c->mie = v & (S_INTERRUPTS | M_INTERRUPTS);
	return VCSR_INTERRUPTS;
}

static unsigned write_mip(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	c->mip = (c->mip & ~MIP_WRITABLE) | (v & MIP_WRITABLE);
	return VCSR_INTERRUPTS;
}

static unsigned write_medeleg(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	c->medeleg = v & MEDELEG_WRITABLE;
	return 0;
}

static unsigned write_mideleg(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	c->mideleg = v & S_INTERRUPTS;
	return VCSR_INTERRUPTS;
}

/* §3.1.7, §4.1.2: MODE 0 direct, 1 vectored; the board ignores writes of reserved modes. */
static unsigned write_tvec(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)c;
	if ((v & 3) < 2)
		*f = v;
	return 0;
}

/* §3.1.14, §4.1.7: xepc[0] is always zero when IALIGN = 16 (the C extension). */
static unsigned write_epc(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)c;
	*f = v & ~1UL;
	return 0;
}

bool vcsr_sv57 = true;

/*
 * §4.1.11: an unsupported MODE makes the whole write have no effect.  Bare,
 * Sv39, Sv48, and Sv57 where the hart has it, as the board's (its shadows
 * are Sv57 tables, shadow.c).
 */
static unsigned write_satp(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)f;
	uint64_t mode = v >> 60;
	if (mode != 0 && mode != 8 && mode != 9 && !(mode == 10 && vcsr_sv57))
		return 0;
	v &= SATP_MODE_MASK | SATP_ASID_MASK | SATP_PPN_MASK;
	uint64_t old = c->satp;
	c->satp = v;
	return old != v ? VCSR_SATP : 0;
}

/*
 * The spec's counter-enable registers are 32 bits (§3.1.11, §4.1.5); the
 * board's keep all 64 (QEMU 7.2 stores what is written: teach self-test
 * csr-scounteren), and only bits 0-31 ever enable a counter.
 */
static unsigned write_counteren(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)c;
	*f = v;
	return VCSR_COUNTEREN;
}

static unsigned write_envcfg(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)c;
	*f = v & ENVCFG_FIOM;
	return 0;
}

/* Writes that the board ignores: misa (fixed extensions), the counters popek reads live. */
static unsigned write_ignored(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)c;
	(void)f;
	(void)v;
	return 0;
}

/* §3.7.1: RV64 has pmpcfg0 and pmpcfg2, eight entries each; a locked entry ignores writes. */
static unsigned write_pmpcfg(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)f;
	unsigned first = (csr - CSR_PMPCFG0) * 4;
	for (unsigned i = 0; i < 8; i++) {
		if (!(c->pmpcfg[first + i] & PMP_CFG_L)) {
			c->pmpcfg[first + i] = (uint8_t)(v >> (8 * i)) & PMP_CFG_WRITABLE;
			c->pmp_tor_stale &= ~(1u << (first + i)); /* its range computed anew */
		}
	}
	return VCSR_PMP;
}

/* §3.7.1: locked, or the top of a locked TOR entry above it: writes ignored. */
static unsigned write_pmpaddr(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)f;
	unsigned i = csr - CSR_PMPADDR0;
	if (c->pmpcfg[i] & PMP_CFG_L)
		return 0;
	if (i + 1 < VPMP_ENTRIES && (c->pmpcfg[i + 1] & PMP_CFG_L) &&
	    (c->pmpcfg[i + 1] & PMP_CFG_A) == PMP_A_TOR)
		return 0;
	/* entry i + 1 keeps the bottom it had (vcsr.h pmp_tor_stale) */
	if (i + 1 < VPMP_ENTRIES && !(c->pmp_tor_stale & 1u << (i + 1))) {
		c->pmp_tor_prev[i + 1] = c->pmpaddr[i];
		c->pmp_tor_stale |= 1u << (i + 1);
	}
	c->pmpaddr[i] = v & PMP_ADDR_MASK;
	c->pmp_tor_stale &= ~(1u << i);
	return VCSR_PMP;
}

/* mcycle and minstret are writable (§3.1.10): from now on they count from v. */
static void counter_set(struct vcsr *c, unsigned idx, uint64_t v)
{
	if (c->mcountinhibit >> idx & 1)
		c->ctr_frozen[idx] = v;
	else
		c->ctr_delta[idx] = v - c->ctr_now[idx];
}

static unsigned write_counter(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)f;
	counter_set(c, csr & 0x1f, v);
	return 0;
}

/* §3.1.12: mcountinhibit stops mcycle and minstret where they are; TM is read-only 0. */
static unsigned write_countinhibit(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	uint64_t now[3] = {vcsr_counter_read(c, 0, c->ctr_now[0]), 0,
	                   vcsr_counter_read(c, 2, c->ctr_now[2])};
	*f = v & 0xfffffffdUL;
	counter_set(c, 0, now[0]);
	counter_set(c, 2, now[2]);
	return 0;
}

uint64_t vcsr_counter_read(const struct vcsr *c, unsigned idx, uint64_t real)
{
	return c->mcountinhibit >> idx & 1 ? c->ctr_frozen[idx] : real + c->ctr_delta[idx];
}

/* Any value sticks (xscratch, xcause, xtval). */
static unsigned write_plain(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)c;
	*f = v;
	return 0;
}

/*
 * Sdtrig, as the board's hart (QEMU 7.2 debug.c) answers: tselect takes 0
 * and 1 only; a tdata1 write of type 2 (mcontrol) or 6 (mcontrol6) keeps
 * the type, the size where it is one of any, 1, 2, 4, 8 bytes, and the mode
 * and load/store/execute bits, and clears the rest (dmode, match, chain,
 * action, timing, select, hit); a write of another type is ignored (types
 * 1 and 8-14 stop the board's QEMU itself); tdata2 keeps any value; tdata3
 * reads 0 and ignores writes; tinfo reads types 2 and 6.
 */
#define TRIG_MODES2 0x5fUL                    /* M, S, U, execute, store, load */
#define TRIG_MODES6 (TRIG_MODES2 | 3UL << 23) /* and VS, VU */
#define TRIG_SIZE2  (3UL << 16 | 3UL << 21)   /* sizelo, sizehi */
#define TRIG_SIZE6  (0xfUL << 16)
#define TINFO_TYPES (1UL << 2 | 1UL << 6)

static bool trigger_size_ok(unsigned size)
{
	return size <= 3 || size == 5; /* any, 1, 2, 4, 8 bytes */
}

static unsigned write_tselect(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)csr;
	(void)c;
	if (v < VCSR_TRIGGERS)
		*f = v;
	return 0;
}

static unsigned write_tdata(struct vcsr *c, uint64_t *f, unsigned csr, uint64_t v)
{
	(void)f;
	unsigned i = (unsigned)c->tselect;
	if (csr == CSR_TSELECT + 2) {
		c->tdata2[i] = v;
		return VCSR_TRIG;
	}
	if (csr != CSR_TSELECT + 1)
		return 0; /* tdata3 */
	uint64_t type = v >> 60;
	if (type == 2) {
		unsigned size = (unsigned)((v >> 16 & 3) | (v >> 21 & 3) << 2);
		c->tdata1[i] = VCSR_TDATA1_TYPE2 | (v & TRIG_MODES2) |
		               (trigger_size_ok(size) ? v & TRIG_SIZE2 : 0);
	} else if (type == 6) {
		unsigned size = (unsigned)(v >> 16 & 0xf);
		c->tdata1[i] =
		    6UL << 60 | (v & TRIG_MODES6) | (trigger_size_ok(size) ? v & TRIG_SIZE6 : 0);
	}
	return VCSR_TRIG;
}

static uint64_t read_pmpcfg(const struct vcsr *c, unsigned csr)
{
	unsigned first = (csr - CSR_PMPCFG0) * 4;
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)c->pmpcfg[first + i] << (8 * i);
	return v;
}

struct vcsr_desc {
	uint16_t csr;
	uint16_t count; /* consecutive CSRs served alike (PMP, counters) */
	bool m_only;    /* exists only with virtual M-mode */
	int16_t field;  /* offset in struct vcsr of the stored value, or -1 */
	unsigned (*write)(struct vcsr *c, uint64_t *f, unsigned csr,
	                  uint64_t v); /* WARL rules; NULL: read-only */
};

#define F(name)  (int16_t) offsetof(struct vcsr, name)
#define COMPUTED -1

/* Every CSR popek emulates.  Counters and the ID registers are handled in vcsr_rmw. */
static const struct vcsr_desc vcsrs[] = {
    {CSR_SSTATUS, 1, false, COMPUTED, write_sstatus},
    {CSR_SIE, 1, false, COMPUTED, write_sie},
    {CSR_STVEC, 1, false, F(stvec), write_tvec},
    {CSR_SCOUNTEREN, 1, false, F(scounteren), write_counteren},
    {CSR_SENVCFG, 1, false, F(senvcfg), write_envcfg},
    {CSR_SSCRATCH, 1, false, F(sscratch), write_plain},
    {CSR_SEPC, 1, false, F(sepc), write_epc},
    {CSR_SCAUSE, 1, false, F(scause), write_plain},
    {CSR_STVAL, 1, false, F(stval), write_plain},
    {CSR_SIP, 1, false, COMPUTED, write_sip},
    {CSR_SATP, 1, false, F(satp), write_satp},
    {CSR_MSTATUS, 1, true, COMPUTED, write_mstatus},
    {CSR_MISA, 1, true, COMPUTED, write_ignored},
    {CSR_MEDELEG, 1, true, F(medeleg), write_medeleg},
    {CSR_MIDELEG, 1, true, F(mideleg), write_mideleg},
    {CSR_MIE, 1, true, F(mie), write_mie},
    {CSR_MTVEC, 1, true, F(mtvec), write_tvec},
    {CSR_MCOUNTEREN, 1, true, F(mcounteren), write_counteren},
    {CSR_MENVCFG, 1, true, F(menvcfg), write_envcfg},
    {CSR_MSCRATCH, 1, true, F(mscratch), write_plain},
    {CSR_MEPC, 1, true, F(mepc), write_epc},
    {CSR_MCAUSE, 1, true, F(mcause), write_plain},
    {CSR_MTVAL, 1, true, F(mtval), write_plain},
    {CSR_MIP, 1, true, COMPUTED, write_mip},
    {CSR_PMPCFG0, 1, true, COMPUTED, write_pmpcfg},
    {CSR_PMPCFG0 + 2, 1, true, COMPUTED, write_pmpcfg},
    {CSR_PMPADDR0, VPMP_ENTRIES, true, COMPUTED, write_pmpaddr},
    {CSR_MCOUNTINHIBIT, 1, true, F(mcountinhibit), write_countinhibit},
    /* the event selectors: no events to count; read zero */
    {CSR_MCOUNTINHIBIT + 3, 29, true, COMPUTED, write_ignored},
    /* mcycle and minstret (0xb01 is nothing: time has no M-level CSR), mhpmcounter3..31 */
    {CSR_MCYCLE, 1, true, COMPUTED, write_counter},
    {CSR_MCYCLE + 2, 1, true, COMPUTED, write_counter},
    {CSR_MCYCLE + 3, 29, true, COMPUTED, write_ignored},
    {CSR_MVENDORID, 1, true, F(mvendorid), NULL},
    {CSR_MARCHID, 1, true, F(marchid), NULL},
    {CSR_MIMPID, 1, true, F(mimpid), NULL},
    {CSR_MHARTID, 1, true, COMPUTED, NULL}, /* one hart, number 0 */
    {CSR_MCONFIGPTR, 1, true, COMPUTED, NULL},
    {CSR_TSELECT, 1, true, F(tselect), write_tselect},
    {CSR_TSELECT + 1, 3, true, COMPUTED, write_tdata},
    {CSR_TINFO, 1, true, COMPUTED, write_ignored},
};

/*
 * vcsrs[] by CSR number, direct-indexed: the row + 1, or 0 for a CSR popek
 * does not emulate.  tests/unit/test_vcsr_tables.c checks it against a scan
 * of vcsrs[] for all 4096 numbers.
 */
static const uint8_t vcsr_row[4096] = {
    [CSR_SSTATUS] = 1,
    [CSR_SIE] = 2,
    [CSR_STVEC] = 3,
    [CSR_SCOUNTEREN] = 4,
    [CSR_SENVCFG] = 5,
    [CSR_SSCRATCH] = 6,
    [CSR_SEPC] = 7,
    [CSR_SCAUSE] = 8,
    [CSR_STVAL] = 9,
    [CSR_SIP] = 10,
    [CSR_SATP] = 11,
    [CSR_MSTATUS] = 12,
    [CSR_MISA] = 13,
    [CSR_MEDELEG] = 14,
    [CSR_MIDELEG] = 15,
    [CSR_MIE] = 16,
    [CSR_MTVEC] = 17,
    [CSR_MCOUNTEREN] = 18,
    [CSR_MENVCFG] = 19,
    [CSR_MSCRATCH] = 20,
    [CSR_MEPC] = 21,
    [CSR_MCAUSE] = 22,
    [CSR_MTVAL] = 23,
    [CSR_MIP] = 24,
    [CSR_PMPCFG0] = 25,
    [CSR_PMPCFG0 + 2] = 26,
    [CSR_PMPADDR0...(CSR_PMPADDR0 + VPMP_ENTRIES - 1)] = 27,
    [CSR_MCOUNTINHIBIT] = 28,
    [(CSR_MCOUNTINHIBIT + 3)...(CSR_MCOUNTINHIBIT + 31)] = 29,
    [CSR_MCYCLE] = 30,
    [CSR_MCYCLE + 2] = 31,
    [(CSR_MCYCLE + 3)...(CSR_MCYCLE + 31)] = 32,
    [CSR_MVENDORID] = 33,
    [CSR_MARCHID] = 34,
    [CSR_MIMPID] = 35,
    [CSR_MHARTID] = 36,
    [CSR_MCONFIGPTR] = 37,
    [CSR_TSELECT] = 38,
    [(CSR_TSELECT + 1)...(CSR_TSELECT + 3)] = 39,
    [CSR_TINFO] = 40,
};

static const struct vcsr_desc *find(unsigned csr)
{
	unsigned row = csr < 4096 ? vcsr_row[csr] : 0;
	return row ? &vcsrs[row - 1] : NULL;
}

/* The value a read returns, for the CSRs with no plain field. */
static uint64_t read_computed(const struct vcsr *c, unsigned csr)
{
	switch (csr) {
	case CSR_SSTATUS:
		return vcsr_sstatus_read(c);
	case CSR_SIE:
		return c->mie & c->mideleg;
	case CSR_SIP:
		return vcsr_mip(c) & c->mideleg;
	case CSR_MSTATUS:
		return vcsr_mstatus_read(c);
	case CSR_MISA:
		return VCSR_MISA;
	case CSR_MIP:
		return vcsr_mip(c);
	case CSR_PMPCFG0:
	case CSR_PMPCFG0 + 2:
		return read_pmpcfg(c, csr);
	}
	if (csr >= CSR_PMPADDR0 && csr < CSR_PMPADDR0 + VPMP_ENTRIES)
		return c->pmpaddr[csr - CSR_PMPADDR0];
	if (csr == CSR_MCYCLE || csr == CSR_MCYCLE + 2)
		return vcsr_counter_read(c, csr & 0x1f, c->ctr_now[csr & 0x1f]);
	if (csr == CSR_TSELECT + 1)
		return c->tdata1[c->tselect];
	if (csr == CSR_TSELECT + 2)
		return c->tdata2[c->tselect];
	if (csr == CSR_TINFO)
		return TINFO_TYPES;
	return 0; /* mhartid, mconfigptr, tdata3, the event selectors, unimplemented counters */
}

bool vcsr_counter_allowed(const struct vcsr *c, enum vmode mode, unsigned idx)
{
	if (mode == VMODE_M || idx >= 32)
		return mode == VMODE_M;
	/* Without vM the firmware (as OpenSBI does) lets S read every counter. */
	bool by_m = !c->has_m || (c->mcounteren >> idx & 1);
	return mode == VMODE_S ? by_m : by_m && (c->scounteren >> idx & 1);
}

unsigned vcsr_rmw_general(struct vcsr *c, enum vmode mode, unsigned csr, enum vcsr_op op,
                          uint64_t operand, bool write, uint64_t *old)
{
	/* §2.1 of the Zicsr chapter: bits 11:10 = 3 mark read-only, bits 9:8 the lowest privilege */
	unsigned min_priv = (csr >> 8) & 3;
	if (min_priv > (unsigned)mode || (write && (csr >> 10) == 3))
		return VCSR_ILLEGAL;
	/* cycle, time, instret, hpmcounter3..31: readable where the counter-enables say (§3.1.11) */
	if (csr >= CSR_CYCLE && csr < CSR_CYCLE + 32) {
		if (!vcsr_counter_allowed(c, mode, csr - CSR_CYCLE))
			return VCSR_ILLEGAL;
		*old = 0;
		return VCSR_COUNTER;
	}
	const struct vcsr_desc *d = find(csr);
	if (!d || (d->m_only && !c->has_m))
		return VCSR_ILLEGAL;
	/* §3.1.6.5: TVM traps S-mode satp accesses */
	if (csr == CSR_SATP && mode == VMODE_S && (c->mstatus & MSTATUS_TVM))
		return VCSR_ILLEGAL;
	if (write && !d->write)
		return VCSR_ILLEGAL;
	uint64_t val = d->field >= 0 ? *(uint64_t *)((char *)c + d->field) : read_computed(c, csr);
	*old = val;
	/*
	 * csrrs/csrrc from a register holding 0 write the value back (Zicsr
	 * §9.1), nothing architectural; the board writes nothing (QEMU 7.2
	 * csr.c riscv_csrrw_do64: no write under a zero mask), so what popek
	 * keeps of its own state stays, a TOR entry's bottom (pmp_tor_stale)
	 */
	if (!write || (op != VCSR_RW && !operand))
		return 0;
	/* §3.1.9: csrrs/csrrc of mip modify the software SEIP bit, not the vPLIC's line ORed in */
	if (csr == CSR_MIP)
		val = c->mip;
	uint64_t next = op == VCSR_RW ? operand : op == VCSR_RS ? val | operand : val & ~operand;
	uint64_t *field = d->field >= 0 ? (uint64_t *)((char *)c + d->field) : NULL;
	return d->write(c, field, csr, next);
}

unsigned vcsr_rmw(struct vcsr *c, enum vmode mode, unsigned csr, enum vcsr_op op, uint64_t operand,
                  bool write, uint64_t *old)
{
	unsigned fx = vcsr_fast(c, mode, csr, op, operand, write, old);
	return fx != VCSR_SLOW ? fx : vcsr_rmw_general(c, mode, csr, op, operand, write, old);
}

enum vmode vcsr_trap_target(const struct vcsr *c, enum vmode mode, uint64_t cause)
{
	if (!c->has_m)
		return VMODE_S; /* the firmware delegates all a payload may see */
	if (mode == VMODE_M)
		return VMODE_M; /* §3.1.8: a trap never goes to a less privileged mode */
	uint64_t code = cause & ~CAUSE_INTERRUPT;
	uint64_t deleg = cause & CAUSE_INTERRUPT ? c->mideleg : c->medeleg;
	return code < 64 && (deleg >> code & 1) ? VMODE_S : VMODE_M;
}

/*
 * The order interrupts are taken in when several are pending at one level:
 * the board's, the lowest cause first (QEMU 7.2 cpu_helper.c
 * riscv_cpu_pending_to_irq without AIA), not §3.1.9's MEI MSI MTI SEI SSI
 * STI.
 */
static const unsigned irq_order[] = {IRQ_S_SOFT,  IRQ_M_SOFT, IRQ_S_TIMER,
                                     IRQ_M_TIMER, IRQ_S_EXT,  IRQ_M_EXT};

static uint64_t highest(uint64_t pending)
{
	for (unsigned i = 0; i < sizeof(irq_order) / sizeof(irq_order[0]); i++) {
		if (pending & (1UL << irq_order[i]))
			return CAUSE_INTERRUPT | irq_order[i];
	}
	return 0;
}

uint64_t vcsr_pending_irq(const struct vcsr *c, enum vmode mode)
{
	uint64_t pending = vcsr_mip(c) & c->mie;
	if (!pending)
		return 0;
	/* To M: enabled below M always, in M by MIE.  To S: below S always, in S by SIE. */
	uint64_t to_m = pending & ~c->mideleg, to_s = pending & c->mideleg;
	if (to_m && (mode != VMODE_M || (c->mstatus & MSTATUS_MIE)))
		return highest(to_m);
	if (to_s && (mode == VMODE_U || (mode == VMODE_S && (c->mstatus & SSTATUS_SIE))))
		return highest(to_s);
	return 0;
}

enum vmode vcsr_data_mode(const struct vcsr *c, enum vmode mode)
{
	if (mode == VMODE_M && (c->mstatus & MSTATUS_MPRV))
		return (enum vmode)((c->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
	return mode;
}
