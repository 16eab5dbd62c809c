/*
 * The instruction decoder (hyp/arch/riscv/insn.c) on every 32-bit word: what
 * it says of an instruction must be self-consistent, whatever the bits,
 * insn_decode_sys() must say what the reference row scan says (insn_ref.h),
 * and insn_decode_store() what insn_decode_mem() says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/riscv/insn.h"
#include "fuzz_reader.h"
#include "insn_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t off = 0; off + 4 <= size; off += 4) {
		uint32_t insn;
		struct insn_mem m;
		struct insn_sys s;

		memcpy(&insn, data + off, 4);
		int len = insn_length((uint16_t)insn);
		REQUIRE(len == 0 || len == 2 || len == 4);
		if (insn_decode_mem(insn, &m) == 0) {
			REQUIRE(m.width == 1 || m.width == 2 || m.width == 4 || m.width == 8);
			REQUIRE(m.reg < 32 && m.len == len);
			uint64_t x = insn_extend(~0ull, &m);
			REQUIRE(m.width == 8 || m.sign_extend || x >> (8 * m.width) == 0);
		}
		/* insn_decode_store(), where it answers, decodes what the table does */
		struct insn_mem f, t;
		if (insn_decode_store(insn, &f) == 0) {
			REQUIRE(insn_decode_mem(insn, &t) == 0 && t.is_store);
			REQUIRE(f.is_store == t.is_store && f.sign_extend == t.sign_extend &&
			        f.width == t.width && f.reg == t.reg && f.len == t.len &&
			        f.base == t.base && f.offset == t.offset);
		}
		enum insn_sys_kind k = insn_decode_sys(insn, &s);
		REQUIRE(k == s.kind);
		struct insn_sys ref;
		insn_ref_decode_sys(insn, &ref); /* the tables agree with the old row scan */
		REQUIRE(insn_sys_same(&s, &ref));
		/* and on the SYSTEM word with these operand bits, which a random word rarely is */
		uint32_t sys = (insn & ~0x7fu) | 0x73;
		insn_decode_sys(sys, &s);
		insn_ref_decode_sys(sys, &ref);
		REQUIRE(insn_sys_same(&s, &ref));
		if (k == INSN_SYS_CSR) {
			REQUIRE(s.csr < 4096 && s.rd < 32 && s.rs1 < 32 && s.op <= INSN_CSR_RC);
			REQUIRE(s.does_read || s.op == INSN_CSR_RW);
			REQUIRE(s.does_write || s.op != INSN_CSR_RW);
		}
		if (k != INSN_SYS_OTHER)
			REQUIRE(s.len == 4 || (s.len == 2 && k == INSN_SYS_EBREAK));
	}
	return 0;
}
