/*
 * The SYSTEM-instruction decoder as it was before insn.c's direct-indexed
 * tables: a first-match scan of mask/match rows.  Kept as the reference
 * the tables must agree with, field by field (tests/unit/test_insn.c on
 * every SYSTEM word, tests/fuzz/fuzz_insn.c on random ones).
 */
#ifndef POPEK_TESTS_INSN_REF_H
#define POPEK_TESTS_INSN_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/riscv/insn.h"

static const struct insn_ref_row {
	uint32_t mask, match;
	enum insn_sys_kind kind;
	enum insn_csr_op op;
	bool is_imm;
} insn_ref_rows[] = {
    {0xffffffff, 0x00000073, INSN_SYS_ECALL, 0, false},
    {0xffffffff, 0x00100073, INSN_SYS_EBREAK, 0, false},
    {0xffffffff, 0x10200073, INSN_SYS_SRET, 0, false},
    {0xffffffff, 0x30200073, INSN_SYS_MRET, 0, false},
    {0xffffffff, 0x10500073, INSN_SYS_WFI, 0, false},
    {0xfe007fff, 0x12000073, INSN_SYS_SFENCE_VMA, 0, false},
    {0xffffffff, 0x00009002, INSN_SYS_EBREAK, 0, false},
    {0x0000707f, 0x00001073, INSN_SYS_CSR, INSN_CSR_RW, false},
    {0x0000707f, 0x00002073, INSN_SYS_CSR, INSN_CSR_RS, false},
    {0x0000707f, 0x00003073, INSN_SYS_CSR, INSN_CSR_RC, false},
    {0x0000707f, 0x00005073, INSN_SYS_CSR, INSN_CSR_RW, true},
    {0x0000707f, 0x00006073, INSN_SYS_CSR, INSN_CSR_RS, true},
    {0x0000707f, 0x00007073, INSN_SYS_CSR, INSN_CSR_RC, true},
};

static inline void insn_ref_decode_sys(uint32_t insn, struct insn_sys *s)
{
	const struct insn_ref_row *r = NULL;
	if (insn_length((uint16_t)insn) == 2)
		insn &= 0xffff;
	for (size_t i = 0; i < sizeof(insn_ref_rows) / sizeof(insn_ref_rows[0]); i++) {
		if ((insn & insn_ref_rows[i].mask) == insn_ref_rows[i].match) {
			r = &insn_ref_rows[i];
			break;
		}
	}
	*s = (struct insn_sys){.kind = r ? r->kind : INSN_SYS_OTHER,
	                       .len = (uint8_t)insn_length((uint16_t)insn)};
	if (s->len == 4) {
		s->rd = (insn >> 7) & 31;
		s->rs1 = (insn >> 15) & 31;
		s->rs2 = (insn >> 20) & 31;
	}
	if (s->kind == INSN_SYS_CSR) {
		s->op = r->op;
		s->is_imm = r->is_imm;
		s->csr = (uint16_t)(insn >> 20);
		s->rs2 = 0;
		s->does_read = r->op != INSN_CSR_RW || s->rd != 0;
		s->does_write = r->op == INSN_CSR_RW || s->rs1 != 0;
	}
}

/* Whether two decodings say the same of every field. */
static inline bool insn_sys_same(const struct insn_sys *a, const struct insn_sys *b)
{
	return a->kind == b->kind && a->len == b->len && a->rd == b->rd && a->rs1 == b->rs1 &&
	       a->rs2 == b->rs2 && a->op == b->op && a->is_imm == b->is_imm && a->csr == b->csr &&
	       a->does_read == b->does_read && a->does_write == b->does_write;
}

#endif
