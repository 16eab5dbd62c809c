/*
 * Virtual supervisor CSRs.  Every rule here mirrors what the bare virt board
 * (QEMU 7.2, -cpu rv64,h=false) does, so a guest cannot tell the difference:
 * the masks below are the bits that board lets S-mode write.
 */
#include "arch/riscv/vcsr.h"
#include "arch/riscv/riscv.h"

#include <stddef.h>

/* priv spec §4.1.1: the sstatus bits S-mode may write on this board */
#define SSTATUS_WRITABLE \
	(SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_FS | SSTATUS_SUM | SSTATUS_MXR)
#define SSTATUS_UXL_64 (2UL << 32)
#define SSTATUS_SD     (1UL << 63)
/* §4.1.3: SSIP, STIP, SEIP; only SSIP is writable in sip (§4.1.3) */
#define SIX_MASK     ((1UL << IRQ_S_SOFT) | (1UL << IRQ_S_TIMER) | (1UL << IRQ_S_EXT))
#define SIP_WRITABLE (1UL << IRQ_S_SOFT)
/* §4.1.11: satp fields for Sv39 with QEMU's 16 ASID bits and 44 PPN bits */
#define SATP_MODE_MASK (0xfUL << 60)
#define SATP_ASID_MASK (0xffffUL << 44)
#define SATP_PPN_MASK  ((1UL << 44) - 1)
/* §4.1.5 senvcfg: only FIOM exists without Zicbom/Zicboz */
#define SENVCFG_FIOM 1UL

uint64_t vcsr_sstatus_read(const struct vcsr *c)
{
	uint64_t v = (c->sstatus & SSTATUS_WRITABLE) | SSTATUS_UXL_64;
	if ((v & SSTATUS_FS) == SSTATUS_FS)
		v |= SSTATUS_SD;
	return v;
}

static unsigned write_sstatus(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)f;
	uint64_t old = c->sstatus;
	c->sstatus = v & SSTATUS_WRITABLE;
	uint64_t diff = old ^ c->sstatus;
	return (diff & SSTATUS_SUM ? VCSR_VIEW : 0) | (diff & SSTATUS_MXR ? VCSR_MXR : 0) |
	       (diff & SSTATUS_SIE ? VCSR_INTERRUPTS : 0) | (diff & SSTATUS_FS ? VCSR_FS : 0);
}

static unsigned write_sie(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)f;
	c->sie = v & SIX_MASK;
	return VCSR_INTERRUPTS;
}

static unsigned write_sip(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)f;
	c->sip = (c->sip & ~SIP_WRITABLE) | (v & SIP_WRITABLE);
	return VCSR_INTERRUPTS;
}

/* §4.1.2: MODE 0 direct, 1 vectored; the board ignores writes of reserved modes. */
static unsigned write_stvec(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)f;
	if ((v & 3) < 2)
		c->stvec = v;
	return 0;
}

/* §4.1.7: sepc[0] is always zero when IALIGN = 16 (the C extension). */
static unsigned write_sepc(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)f;
	c->sepc = v & ~1UL;
	return 0;
}

/* §4.1.11: an unsupported MODE makes the whole write have no effect. */
static unsigned write_satp(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)f;
	uint64_t mode = v & SATP_MODE_MASK;
	if (mode != 0 && mode != SATP_MODE_SV39)
		return 0;
	v &= SATP_MODE_MASK | SATP_ASID_MASK | SATP_PPN_MASK;
	uint64_t old = c->satp;
	c->satp = v;
	return old != v ? VCSR_SATP : 0;
}

static unsigned write_scounteren(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)f;
	c->scounteren = v & 0xffffffffUL;
	return VCSR_COUNTEREN;
}

static unsigned write_senvcfg(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)f;
	c->senvcfg = v & SENVCFG_FIOM;
	return 0;
}

/* sscratch, scause, stval: any value sticks. */
static unsigned write_plain(struct vcsr *c, uint64_t *f, uint64_t v)
{
	(void)c;
	*f = v;
	return 0;
}

struct vcsr_desc {
	size_t field;                                               /* offset in struct vcsr */
	unsigned (*write)(struct vcsr *c, uint64_t *f, uint64_t v); /* WARL rules */
};

#define VCSR(num, name, fn) [(num)-0x100] = {offsetof(struct vcsr, name), fn}

/* The supervisor CSRs that exist, indexed by number − 0x100. */
static const struct vcsr_desc vcsrs[0x81] = {
    VCSR(CSR_SSTATUS, sstatus, write_sstatus), VCSR(CSR_SIE, sie, write_sie),
    VCSR(CSR_STVEC, stvec, write_stvec),       VCSR(CSR_SCOUNTEREN, scounteren, write_scounteren),
    VCSR(CSR_SENVCFG, senvcfg, write_senvcfg), VCSR(CSR_SSCRATCH, sscratch, write_plain),
    VCSR(CSR_SEPC, sepc, write_sepc),          VCSR(CSR_SCAUSE, scause, write_plain),
    VCSR(CSR_STVAL, stval, write_plain),       VCSR(CSR_SIP, sip, write_sip),
    VCSR(CSR_SATP, satp, write_satp),
};

unsigned vcsr_rmw(struct vcsr *c, enum vmode mode, unsigned csr, enum vcsr_op op, uint64_t operand,
                  bool write, uint64_t *old)
{
	/* §2.1 of the Zicsr chapter: bits 11:10 = 3 mark read-only, bits 9:8 the lowest privilege */
	unsigned min_priv = (csr >> 8) & 3;
	if (min_priv > (unsigned)mode || (write && (csr >> 10) == 3))
		return VCSR_ILLEGAL;
	if (csr < 0x100 || csr > 0x180 || !vcsrs[csr - 0x100].write)
		return VCSR_ILLEGAL;
	const struct vcsr_desc *d = &vcsrs[csr - 0x100];
	uint64_t *field = (uint64_t *)((char *)c + d->field);
	uint64_t val = csr == CSR_SSTATUS ? vcsr_sstatus_read(c) : *field;
	*old = val;
	if (!write)
		return 0;
	uint64_t next = op == VCSR_RW ? operand : op == VCSR_RS ? val | operand : val & ~operand;
	return d->write(c, field, next);
}
