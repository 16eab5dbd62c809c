/*
 * Decoding the guest instructions popek emulates: integer loads and stores
 * that reach an MMIO window, and the SYSTEM-opcode instructions (CSR
 * accesses, sret, wfi, sfence.vma...) a guest in virtual S-mode executes.
 * Pure functions of the instruction bits: no guest state, no hardware.
 *
 * An instruction is passed as a uint32_t holding its bits as fetched (little
 * endian, first halfword in bits 15:0).  For a 16-bit instruction only bits
 * 15:0 are looked at.
 */
#ifndef POPEK_ARCH_RISCV_INSN_H
#define POPEK_ARCH_RISCV_INSN_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The length in bytes from the first halfword: 2, 4, or 0 for 48-bit and
 * longer encodings.  Unpriv spec §1.5 "Base Instruction-Length Encoding":
 * bits 1:0 != 11 is a 16-bit instruction; bits 4:2 != 111 (with 1:0 = 11) a
 * 32-bit one; the rest are 48 bits or longer, which popek never emulates.
 */
static inline int insn_length(uint16_t first_half)
{
	if ((first_half & 0x3) != 0x3)
		return 2;
	if ((first_half & 0x1c) != 0x1c)
		return 4;
	return 0;
}

/* imm sign-extended from bit `bits - 1` */
static inline uint64_t insn_sext(uint64_t imm, unsigned bits)
{
	return (uint64_t)((int64_t)(imm << (64 - bits)) >> (64 - bits));
}

/* a 32-bit value sign-extended (RV64's W forms, lw, AMO .w) */
static inline uint64_t insn_sext32(uint64_t val)
{
	return (uint64_t)(int64_t)(int32_t)val;
}

/* An integer load or store. */
struct insn_mem {
	bool is_store;
	bool sign_extend; /* loads: lb, lh, lw (and c.lw, c.lwsp) */
	uint8_t width;    /* bytes accessed: 1, 2, 4 or 8 */
	uint8_t reg;      /* x register: rd for loads, rs2 for stores */
	uint8_t len;      /* instruction length: 2 or 4 */
	uint8_t base;     /* x register holding the base address (rs1, rs1' or sp) */
	int64_t offset;   /* added to it: the access starts at x[base] + offset */
};

/*
 * 0 and *m filled when insn is a plain integer load or store (RV64I or RVC);
 * -1 for anything else, including FP loads/stores, AMOs, LR/SC and reserved
 * encodings: on MMIO those get an access fault.
 */
int insn_decode_mem(uint32_t insn, struct insn_mem *m);
/*
 * insn_decode_mem() for the stores a trap handler saves registers with,
 * without its table: sb, sh, sw, sd (STORE, funct3 0-3) and c.sw, c.sd,
 * c.swsp, c.sdsp (RV64C, quadrants 0 and 2, funct3 6 and 7; unpriv §16.3).
 * -1 for anything else, which insn_decode_mem() then decodes.
 */
static inline int insn_decode_store(uint32_t insn, struct insn_mem *m)
{
	unsigned q = insn & 3, f3 = (insn >> 13) & 7;
	m->is_store = true;
	m->sign_extend = false;
	if (q == 3) {
		if ((insn & 0x407f) != 0x23) /* STORE, funct3 0-3 */
			return -1;
		m->width = (uint8_t)(1u << ((insn >> 12) & 3));
		m->reg = (insn >> 20) & 31;
		m->len = 4;
		m->base = (insn >> 15) & 31;
		m->offset =
		    (int64_t)((uint64_t)((insn >> 25) << 5 | ((insn >> 7) & 31)) << 52) >> 52;
		return 0;
	}
	if (q == 1 || f3 < 6)
		return -1;
	m->width = f3 == 7 ? 8 : 4;
	m->len = 2;
	if (q == 0) { /* c.sw: uimm[5:3|2|6] at 12:10, 6, 5; c.sd: uimm[5:3|7:6] at 12:10, 6:5 */
		m->reg = 8 + ((insn >> 2) & 7);
		m->base = 8 + ((insn >> 7) & 7);
		m->offset =
		    ((insn >> 7) & 0x38) |
		    (f3 == 7 ? (insn << 1) & 0xc0 : ((insn >> 4) & 4) | ((insn << 1) & 0x40));
		return 0;
	}
	/* c.swsp: uimm[5:2|7:6] at 12:9, 8:7; c.sdsp: uimm[5:3|8:6] at 12:10, 9:7 */
	m->reg = (insn >> 2) & 31;
	m->base = 2;
	m->offset = f3 == 7 ? ((insn >> 7) & 0x38) | ((insn >> 1) & 0x1c0)
	                    : ((insn >> 7) & 0x3c) | ((insn >> 1) & 0xc0);
	return 0;
}
/* v as loaded (low m->width bytes) extended to 64 bits as the load would. */
uint64_t insn_extend(uint64_t v, const struct insn_mem *m);

/* A conditional branch or a direct jump. */
#define INSN_BRANCH_ALWAYS 8
struct insn_branch {
	uint8_t cond;     /* funct3's (0 beq, 1 bne, 4 blt, 5 bge, 6 bltu, 7 bgeu), or ..._ALWAYS */
	uint8_t rs1, rs2; /* compared (c.beqz, c.bnez: rs2 = x0) */
	uint8_t rd;       /* jal's link register; 0 for the others */
	uint8_t len;      /* 2 or 4 */
	int64_t off;      /* the target, from the instruction's pc */
};

/*
 * 0 and *b filled when insn is beq, bne, blt, bge, bltu, bgeu or jal (unpriv
 * §2.5), or c.beqz, c.bnez or c.j (§16.4; a 16-bit instruction's upper
 * halfword is ignored); -1 for anything else (jalr, c.jr and c.jalr jump
 * through a register).
 */
int insn_decode_branch(uint32_t insn, struct insn_branch *b);

/* Whether branch b is taken with x1 in its rs1 and x2 in its rs2. */
static inline bool insn_branch_taken(const struct insn_branch *b, uint64_t x1, uint64_t x2)
{
	switch (b->cond) {
	case 0:
		return x1 == x2;
	case 1:
		return x1 != x2;
	case 4:
		return (int64_t)x1 < (int64_t)x2;
	case 5:
		return (int64_t)x1 >= (int64_t)x2;
	case 6:
		return x1 < x2;
	case 7:
		return x1 >= x2;
	}
	return true;
}

enum insn_sys_kind {
	INSN_SYS_OTHER, /* not one of the below (hfence, sinval, uret, dret, reserved...) */
	INSN_SYS_CSR,
	INSN_SYS_ECALL,
	INSN_SYS_EBREAK, /* ebreak or c.ebreak */
	INSN_SYS_SRET,
	INSN_SYS_MRET,
	INSN_SYS_WFI,
	INSN_SYS_SFENCE_VMA,
};

enum insn_csr_op {
	INSN_CSR_RW,
	INSN_CSR_RS,
	INSN_CSR_RC,
};

struct insn_sys {
	enum insn_sys_kind kind;
	uint8_t len; /* insn_length(): 4, or 2 for c.ebreak; how far the pc advances */
	uint8_t rd;
	uint8_t rs1; /* CSR: rs1, or the 5-bit uimm when is_imm.  SFENCE_VMA: vaddr register */
	uint8_t rs2; /* SFENCE_VMA: asid register */
	/* INSN_SYS_CSR only: */
	enum insn_csr_op op;
	bool is_imm;
	uint16_t csr;
	/*
	 * Unpriv spec 20191213 §9.1 (Zicsr): csrrw[i] with rd = x0 does not read
	 * the CSR; csrrs[i]/csrrc[i] with rs1 = x0 (uimm = 0) do not write it.
	 */
	bool does_read, does_write;
};

/* Classify a SYSTEM-opcode instruction; *s is filled in every case (kind OTHER when unknown). */
enum insn_sys_kind insn_decode_sys(uint32_t insn, struct insn_sys *s);

#endif
