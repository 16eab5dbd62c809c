/*
 * A guest's virtual supervisor CSRs and the rules for reading and writing
 * them (priv spec 1.12 chapter 4), as one read-modify-write path for all six
 * CSR instruction forms.  Pure logic, unit tested on the host.
 */
#ifndef POPEK_ARCH_RISCV_VCSR_H
#define POPEK_ARCH_RISCV_VCSR_H

#include <stdbool.h>
#include <stdint.h>

/* Virtual privilege of a vCPU, encoded as the hardware encodes privilege. */
enum vmode {
	VMODE_U = 0,
	VMODE_S = 1,
	VMODE_M = 3,
};

struct vcsr {
	uint64_t sstatus; /* SIE SPIE SPP FS SUM MXR; UXL and SD are computed on read */
	uint64_t sie;
	uint64_t sip; /* SSIP written by the guest; STIP and SEIP driven by popek */
	uint64_t stvec;
	uint64_t sscratch;
	uint64_t sepc;
	uint64_t scause;
	uint64_t stval;
	uint64_t satp;
	uint64_t scounteren;
	uint64_t senvcfg;
};

#define CSR_SSTATUS    0x100
#define CSR_SIE        0x104
#define CSR_STVEC      0x105
#define CSR_SCOUNTEREN 0x106
#define CSR_SENVCFG    0x10a
#define CSR_SSCRATCH   0x140
#define CSR_SEPC       0x141
#define CSR_SCAUSE     0x142
#define CSR_STVAL      0x143
#define CSR_SIP        0x144
#define CSR_SATP       0x180

enum vcsr_op {
	VCSR_RW, /* csrrw, csrrwi */
	VCSR_RS, /* csrrs, csrrsi */
	VCSR_RC, /* csrrc, csrrci */
};

/* What a CSR access did, beyond returning the old value. */
enum vcsr_effect {
	VCSR_ILLEGAL = 1 << 0,    /* the access raises illegal instruction */
	VCSR_SATP = 1 << 1,       /* satp changed: shadow tables are stale */
	VCSR_VIEW = 1 << 2,       /* SUM changed: another shadow view applies */
	VCSR_MXR = 1 << 3,        /* MXR changed: shadow permissions are stale */
	VCSR_INTERRUPTS = 1 << 4, /* an enable or pending bit changed: check injection */
	VCSR_FS = 1 << 5,         /* sstatus.FS changed: the real FS must follow */
	VCSR_COUNTEREN = 1 << 6,  /* scounteren changed */
};

/*
 * One CSR instruction executed by a guest in virtual mode `mode`:
 * `write` is false for csrrs/csrrc with rs1 = x0 (or uimm = 0), which by
 * the spec do not write.  On success *old holds the value rd receives.
 * Returns a mask of enum vcsr_effect; VCSR_ILLEGAL alone means nothing
 * changed and the guest must get an illegal-instruction trap.
 */
unsigned vcsr_rmw(struct vcsr *c, enum vmode mode, unsigned csr, enum vcsr_op op, uint64_t operand,
                  bool write, uint64_t *old);

/* The value the guest reads from sstatus (with UXL and SD filled in). */
uint64_t vcsr_sstatus_read(const struct vcsr *c);

#endif
