/*
 * Instruction decoding by mask/match tables (in the manner of Linux KVM's
 * arch/riscv/kvm/vcpu_insn.c): the first row whose mask selects bits equal
 * to its match describes the instruction.  Encodings: unprivileged spec
 * 20191213 chapters 2 (RV32I), 5 (RV64I), 9 (Zicsr), 16 (RVC); privileged
 * spec 1.12 §3.3 and §4.2.1 for the SYSTEM instructions.
 */
#include "arch/riscv/insn.h"

#include <stddef.h>

/* Where the register of a load or store sits. */
enum insn_field {
	F_RD,   /* bits 11:7: rd of a 32-bit load, c.lwsp, c.ldsp */
	F_RS2,  /* bits 24:20: rs2 of a 32-bit store */
	F_CREG, /* bits 4:2: rd' or rs2' of c.lw/c.ld/c.sw/c.sd, meaning x8 + value (§16.2) */
	F_CRS2, /* bits 6:2: rs2 of c.swsp, c.sdsp */
};

/* Where the address of a load or store comes from: base register and offset (§2.6, §16.3). */
enum insn_addr {
	A_I,     /* rs1 + imm[11:0] (bits 31:20): 32-bit loads */
	A_S,     /* rs1 + imm[11:5|4:0] (bits 31:25, 11:7): 32-bit stores */
	A_CW,    /* rs1' + uimm[5:3|2|6] (bits 12:10, 6, 5): c.lw, c.sw */
	A_CD,    /* rs1' + uimm[5:3|7:6] (bits 12:10, 6:5): c.ld, c.sd */
	A_CLWSP, /* sp + uimm[5|4:2|7:6] (bits 12, 6:4, 3:2) */
	A_CLDSP, /* sp + uimm[5|4:3|8:6] (bits 12, 6:5, 4:2) */
	A_CSWSP, /* sp + uimm[5:2|7:6] (bits 12:9, 8:7) */
	A_CSDSP, /* sp + uimm[5:3|8:6] (bits 12:10, 9:7) */
};

static const struct insn_mem_row {
	uint32_t mask, match;
	uint8_t len, width;
	bool is_store, sign_extend;
	enum insn_field field;
	bool rd_nonzero; /* §16.3: c.lwsp and c.ldsp with rd = x0 are reserved */
	enum insn_addr addr;
} insn_mem_rows[] = {
    /* RV64I LOAD (opcode 0x03) and STORE (0x23), by funct3 */
    {0x0000707f, 0x00000003, 4, 1, false, true, F_RD, false, A_I},  /* lb */
    {0x0000707f, 0x00001003, 4, 2, false, true, F_RD, false, A_I},  /* lh */
    {0x0000707f, 0x00002003, 4, 4, false, true, F_RD, false, A_I},  /* lw */
    {0x0000707f, 0x00003003, 4, 8, false, false, F_RD, false, A_I}, /* ld */
    {0x0000707f, 0x00004003, 4, 1, false, false, F_RD, false, A_I}, /* lbu */
    {0x0000707f, 0x00005003, 4, 2, false, false, F_RD, false, A_I}, /* lhu */
    {0x0000707f, 0x00006003, 4, 4, false, false, F_RD, false, A_I}, /* lwu */
    {0x0000707f, 0x00000023, 4, 1, true, false, F_RS2, false, A_S}, /* sb */
    {0x0000707f, 0x00001023, 4, 2, true, false, F_RS2, false, A_S}, /* sh */
    {0x0000707f, 0x00002023, 4, 4, true, false, F_RS2, false, A_S}, /* sw */
    {0x0000707f, 0x00003023, 4, 8, true, false, F_RS2, false, A_S}, /* sd */
    /* RVC (RV64): quadrant in bits 1:0, funct3 in bits 15:13 */
    {0x0000e003, 0x00004000, 2, 4, false, true, F_CREG, false, A_CW},    /* c.lw */
    {0x0000e003, 0x00006000, 2, 8, false, false, F_CREG, false, A_CD},   /* c.ld */
    {0x0000e003, 0x0000c000, 2, 4, true, false, F_CREG, false, A_CW},    /* c.sw */
    {0x0000e003, 0x0000e000, 2, 8, true, false, F_CREG, false, A_CD},    /* c.sd */
    {0x0000e003, 0x00004002, 2, 4, false, true, F_RD, true, A_CLWSP},    /* c.lwsp */
    {0x0000e003, 0x00006002, 2, 8, false, false, F_RD, true, A_CLDSP},   /* c.ldsp */
    {0x0000e003, 0x0000c002, 2, 4, true, false, F_CRS2, false, A_CSWSP}, /* c.swsp */
    {0x0000e003, 0x0000e002, 2, 8, true, false, F_CRS2, false, A_CSDSP}, /* c.sdsp */
};

/* Bits hi..lo of insn, placed at bit `at` of the result. */
static int64_t bits(uint32_t insn, unsigned hi, unsigned lo, unsigned at)
{
	return (int64_t)((insn >> lo) & ((1U << (hi - lo + 1)) - 1)) << at;
}

/* The base register and offset of a load or store in format `a`. */
static void insn_addr(uint32_t insn, enum insn_addr a, uint8_t *base, int64_t *off)
{
	uint8_t creg = (uint8_t)(8 + ((insn >> 7) & 7)), sp = 2, rs1 = (insn >> 15) & 31;
	switch (a) {
	case A_I:
		*base = rs1;
		*off = (int64_t)(int32_t)insn >> 20;
		return;
	case A_S:
		*base = rs1;
		*off = ((int64_t)(int32_t)insn >> 25) * 32 + bits(insn, 11, 7, 0);
		return;
	case A_CW:
		*base = creg;
		*off = bits(insn, 12, 10, 3) | bits(insn, 6, 6, 2) | bits(insn, 5, 5, 6);
		return;
	case A_CD:
		*base = creg;
		*off = bits(insn, 12, 10, 3) | bits(insn, 6, 5, 6);
		return;
	case A_CLWSP:
		*base = sp;
		*off = bits(insn, 12, 12, 5) | bits(insn, 6, 4, 2) | bits(insn, 3, 2, 6);
		return;
	case A_CLDSP:
		*base = sp;
		*off = bits(insn, 12, 12, 5) | bits(insn, 6, 5, 3) | bits(insn, 4, 2, 6);
		return;
	case A_CSWSP:
		*base = sp;
		*off = bits(insn, 12, 9, 2) | bits(insn, 8, 7, 6);
		return;
	case A_CSDSP:
		*base = sp;
		*off = bits(insn, 12, 10, 3) | bits(insn, 9, 7, 6);
		return;
	}
}

static uint8_t insn_reg(uint32_t insn, enum insn_field f)
{
	static const struct {
		uint8_t shift, mask, base;
	} fields[] = {
	    [F_RD] = {7, 31, 0},
	    [F_RS2] = {20, 31, 0},
	    [F_CREG] = {2, 7, 8},
	    [F_CRS2] = {2, 31, 0},
	};
	return (uint8_t)(fields[f].base + ((insn >> fields[f].shift) & fields[f].mask));
}

/* A 16-bit instruction's upper halfword is whatever followed it in memory: drop it. */
static uint32_t insn_trim(uint32_t insn)
{
	return insn_length((uint16_t)insn) == 2 ? (insn & 0xffff) : insn;
}

/*
 * The row a load or store can only be, by its quadrant and funct3 (bits
 * 15:13 compressed; 14:12 and the opcode's bit 5, LOAD or STORE, otherwise):
 * every row's mask covers these bits, and no two rows share them.
 */
#define MEM_KEYS 48
static unsigned mem_key(uint32_t insn)
{
	if ((insn & 3) != 3)
		return (insn & 3) * 8 + ((insn >> 13) & 7);
	return 32 + ((insn >> 5) & 1) * 8 + ((insn >> 12) & 7);
}

/*
 * mem_key → row + 1 (0: none), built from the rows on first use; in .data,
 * whose page the trap path reads anyway (hyp.ld), not on a page of .bss.
 */
static uint8_t mem_rows_by_key[MEM_KEYS] __attribute__((section(".data.mem_rows_by_key")));
static bool mem_rows_indexed;

static void mem_rows_index(void)
{
	for (size_t i = 0; i < sizeof(insn_mem_rows) / sizeof(insn_mem_rows[0]); i++)
		mem_rows_by_key[mem_key(insn_mem_rows[i].match)] = (uint8_t)(i + 1);
	mem_rows_indexed = true;
}

int insn_decode_mem(uint32_t insn, struct insn_mem *m)
{
	if (insn_length((uint16_t)insn) == 0)
		return -1;
	insn = insn_trim(insn);
	if (!mem_rows_indexed)
		mem_rows_index();
	unsigned row = mem_rows_by_key[mem_key(insn)];
	if (!row || (insn & insn_mem_rows[row - 1].mask) != insn_mem_rows[row - 1].match)
		return -1;
	const struct insn_mem_row *r = &insn_mem_rows[row - 1];
	m->is_store = r->is_store;
	m->sign_extend = r->sign_extend;
	m->width = r->width;
	m->reg = insn_reg(insn, r->field);
	m->len = r->len;
	insn_addr(insn, r->addr, &m->base, &m->offset);
	if (r->rd_nonzero && m->reg == 0)
		return -1;
	return 0;
}

int insn_decode_branch(uint32_t insn, struct insn_branch *b)
{
	b->cond = INSN_BRANCH_ALWAYS;
	b->rs1 = b->rs2 = b->rd = 0;
	b->len = 4;
	if ((insn & 0x7f) == 0x63) {
		b->cond = (insn >> 12) & 7;
		if (b->cond == 2 || b->cond == 3)
			return -1;
		b->rs1 = (insn >> 15) & 31;
		b->rs2 = (insn >> 20) & 31;
		b->off =
		    (int64_t)insn_sext((insn >> 31) << 12 | ((insn >> 7) & 1) << 11 |
		                           ((insn >> 25) & 0x3f) << 5 | ((insn >> 8) & 0xf) << 1,
		                       13);
		return 0;
	}
	if ((insn & 0x7f) == 0x6f) { /* jal */
		b->rd = (insn >> 7) & 31;
		b->off =
		    (int64_t)insn_sext((insn >> 31) << 20 | ((insn >> 12) & 0xff) << 12 |
		                           ((insn >> 20) & 1) << 11 | ((insn >> 21) & 0x3ff) << 1,
		                       21);
		return 0;
	}
	if ((insn & 3) == 3)
		return -1;
	b->len = 2;
	if ((insn & 0xe003) == 0xa001) { /* c.j: offset[11|4|9:8|10|6|7|3:1|5] */
		b->off = (int64_t)insn_sext(((insn >> 12) & 1) << 11 | ((insn >> 11) & 1) << 4 |
		                                ((insn >> 9) & 3) << 8 | ((insn >> 8) & 1) << 10 |
		                                ((insn >> 7) & 1) << 6 | ((insn >> 6) & 1) << 7 |
		                                ((insn >> 3) & 7) << 1 | ((insn >> 2) & 1) << 5,
		                            12);
		return 0;
	}
	if ((insn & 0xc003) ==
	    0xc001) { /* c.beqz, c.bnez: offset[8|4:3] at 12:10, [7:6|2:1|5] at 6:2 */
		b->cond = (insn >> 13) & 1;
		b->rs1 = (uint8_t)(8 + ((insn >> 7) & 7));
		b->off = (int64_t)insn_sext(((insn >> 12) & 1) << 8 | ((insn >> 10) & 3) << 3 |
		                                ((insn >> 5) & 3) << 6 | ((insn >> 3) & 3) << 1 |
		                                ((insn >> 2) & 1) << 5,
		                            9);
		return 0;
	}
	return -1;
}

uint64_t insn_extend(uint64_t v, const struct insn_mem *m)
{
	unsigned bits = m->width * 8u;
	uint64_t mask;

	if (bits >= 64)
		return v;
	mask = (1ull << bits) - 1;
	v &= mask;
	if (m->sign_extend && (v >> (bits - 1)) & 1)
		v |= ~mask;
	return v;
}

/*
 * SYSTEM (opcode 0x73), by funct3 (unpriv spec 20191213 §9.1, Zicsr): 1..3
 * the register forms, 5..7 the immediate forms; 0 the privileged
 * instructions (below); 4 is not CSR.
 */
static const struct insn_csr_form {
	bool is_csr;
	enum insn_csr_op op;
	bool is_imm;
} insn_csr_forms[8] = {
    [1] = {true, INSN_CSR_RW, false}, [2] = {true, INSN_CSR_RS, false},
    [3] = {true, INSN_CSR_RC, false}, [5] = {true, INSN_CSR_RW, true},
    [6] = {true, INSN_CSR_RS, true},  [7] = {true, INSN_CSR_RC, true},
};

/*
 * funct3 = 0 with rd = rs1 = 0, by bits 31:20 (priv spec 1.12 §3.3.1 ecall,
 * ebreak; §3.3.2 sret, mret; §3.3.3 wfi): direct-indexed, every other value
 * INSN_SYS_OTHER.  sfence.vma (§4.2.1: funct7 = 0001001, rd = 0) is told by
 * funct7 alone, its rs1 and rs2 being registers.
 */
static const uint8_t insn_priv_kinds[4096] = {
    [0x000] = INSN_SYS_ECALL, [0x001] = INSN_SYS_EBREAK, [0x102] = INSN_SYS_SRET,
    [0x302] = INSN_SYS_MRET,  [0x105] = INSN_SYS_WFI,
};
#define INSN_SFENCE_VMA_FUNCT7 0x09
#define INSN_C_EBREAK          0x9002 /* unpriv §16.5 */

enum insn_sys_kind insn_decode_sys(uint32_t insn, struct insn_sys *s)
{
	insn = insn_trim(insn);
	*s = (struct insn_sys){.kind = INSN_SYS_OTHER, .len = (uint8_t)insn_length((uint16_t)insn)};
	if (s->len == 2 && insn == INSN_C_EBREAK)
		s->kind = INSN_SYS_EBREAK;
	if (s->len != 4)
		return s->kind;
	s->rd = (insn >> 7) & 31;
	s->rs1 = (insn >> 15) & 31;
	s->rs2 = (insn >> 20) & 31;
	if ((insn & 0x7f) != 0x73)
		return s->kind;
	const struct insn_csr_form *f = &insn_csr_forms[(insn >> 12) & 7];
	if (f->is_csr) {
		s->kind = INSN_SYS_CSR;
		s->op = f->op;
		s->is_imm = f->is_imm;
		s->csr = (uint16_t)(insn >> 20);
		s->rs2 = 0;
		s->does_read = f->op != INSN_CSR_RW || s->rd != 0;
		s->does_write = f->op == INSN_CSR_RW || s->rs1 != 0;
	} else if (((insn >> 12) & 7) == 0 && s->rd == 0) {
		if ((insn >> 25) == INSN_SFENCE_VMA_FUNCT7)
			s->kind = INSN_SYS_SFENCE_VMA;
		else if (s->rs1 == 0)
			s->kind = (enum insn_sys_kind)insn_priv_kinds[insn >> 20];
	}
	return s->kind;
}
