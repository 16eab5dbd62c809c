/*
 * The guest instruction decoder.  Every encoding below was produced by
 * riscv64-linux-gnu-as and read back with `objdump -d -M no-aliases`; the
 * source instruction sits beside its bits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/riscv/insn.h"
#include "../fuzz/insn_ref.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_length(void **state)
{
	static const struct {
		uint16_t half;
		int len;
		const char *what;
	} cases[] = {
	    {0x8503, 4, "lb a0,0(a1) (first half of 00058503)"},
	    {0x0073, 4, "ecall (first half of 00000073)"},
	    {0x4188, 2, "c.lw a0,0(a1)"},
	    {0x9002, 2, "c.ebreak"},
	    {0x0073, 4, "ebreak (first half of 00100073)"},
	    {0x0001, 2, "c.nop"},
	    {0x0000, 2, "all-zero halfword (defined illegal, 16-bit)"},
	    {0xffff, 0, "all-ones (>= 192-bit reserved)"},
	    {0x001f, 0, "48-bit encoding (bits 5:0 = 011111)"},
	    {0x003f, 0, "64-bit encoding (bits 6:0 = 0111111)"},
	    {0x007f, 0, ">= 80-bit encoding (bits 6:0 = 1111111)"},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		if (insn_length(cases[i].half) != cases[i].len)
			fail_msg("%s: insn_length(%#06x) = %d, want %d", cases[i].what,
			         cases[i].half, insn_length(cases[i].half), cases[i].len);
	}
}

enum { L = 0, S = 1 };  /* load, store */
enum { Z = 0, SX = 1 }; /* zero- or sign-extending */

static const struct mem_case {
	uint32_t insn;
	const char *src;
	int ret;
	int is_store, sign;
	uint8_t width, reg, len;
} mem_cases[] = {
    /* RV64I */
    {0x00058503, "lb a0,0(a1)", 0, L, SX, 1, 10, 4},
    {0xffe41283, "lh t0,-2(s0)", 0, L, SX, 2, 5, 4},
    {0x7ff12783, "lw a5,2047(sp)", 0, L, SX, 4, 15, 4},
    {0x8000bf83, "ld t6,-2048(ra)", 0, L, Z, 8, 31, 4},
    {0x00164483, "lbu s1,1(a2)", 0, L, Z, 1, 9, 4},
    {0x00475683, "lhu a3,4(a4)", 0, L, Z, 2, 13, 4},
    {0x008fed83, "lwu s11,8(t6)", 0, L, Z, 4, 27, 4},
    {0x00052003, "lw zero,0(a0) (still an access)", 0, L, SX, 4, 0, 4},
    {0x00a58023, "sb a0,0(a1)", 0, S, Z, 1, 10, 4},
    {0x00639123, "sh t1,2(t2)", 0, S, Z, 2, 6, 4},
    {0xff29ae23, "sw s2,-4(s3)", 0, S, Z, 4, 18, 4},
    {0x7ff13c23, "sd t6,2040(sp)", 0, S, Z, 8, 31, 4},
    /* RVC: rd'/rs2' are x8 + bits 4:2 */
    {0x4188, "c.lw a0,0(a1)", 0, L, SX, 4, 10, 2},
    {0x5fe0, "c.lw s0,124(a5) (max offset)", 0, L, SX, 4, 8, 2},
    {0x7cfc, "c.ld a5,248(s1) (max offset)", 0, L, Z, 8, 15, 2},
    {0x6000, "c.ld s0,0(s0)", 0, L, Z, 8, 8, 2},
    {0xc1c8, "c.sw a0,4(a1)", 0, S, Z, 4, 10, 2},
    {0xffe4, "c.sd s1,248(a5) (max offset)", 0, S, Z, 8, 9, 2},
    {0x50fe, "c.lwsp ra,252(sp)", 0, L, SX, 4, 1, 2},
    {0x4f82, "c.lwsp t6,0(sp)", 0, L, SX, 4, 31, 2},
    {0x757e, "c.ldsp a0,504(sp)", 0, L, Z, 8, 10, 2},
    {0xc002, "c.swsp zero,0(sp)", 0, S, Z, 4, 0, 2},
    {0xdffe, "c.swsp t6,252(sp)", 0, S, Z, 4, 31, 2},
    {0xffa2, "c.sdsp s0,504(sp)", 0, S, Z, 8, 8, 2},
    /* a 16-bit instruction with whatever followed it in the upper halfword */
    {0xdead4188, "c.lw a0,0(a1) + next halfword", 0, L, SX, 4, 10, 2},
    {0x0000ffe4, "c.sd s1,248(a5) + zero halfword", 0, S, Z, 8, 9, 2},
    /* not plain integer loads/stores: -1 */
    {0x00052507, "flw fa0,0(a0)", -1},
    {0x00853587, "fld fa1,8(a0)", -1},
    {0x00c52027, "fsw fa2,0(a0)", -1},
    {0x00d53427, "fsd fa3,8(a0)", -1},
    {0x1005a52f, "lr.w a0,(a1)", -1},
    {0x18c5b52f, "sc.d a0,a2,(a1)", -1},
    {0x00c5a52f, "amoadd.w a0,a2,(a1)", -1},
    {0x08c5b52f, "amoswap.d a0,a2,(a1)", -1},
    {0x2588, "c.fld fa0,8(a1)", -1},
    {0xa588, "c.fsd fa0,8(a1)", -1},
    {0x2522, "c.fldsp fa0,8(sp)", -1},
    {0xa42a, "c.fsdsp fa0,8(sp)", -1},
    {0x10059573, "csrrw a0,sstatus,a1", -1},
    {0x0505, "c.addi a0,1", -1},
    {0x0000100f, "fence.i", -1},
    /* reserved encodings */
    {0x4002, "c.lwsp zero,0(sp) (reserved: rd = x0)", -1},
    {0x6002, "c.ldsp zero,0(sp) (reserved: rd = x0)", -1},
    {0x00007003, "LOAD funct3 = 7 (reserved)", -1},
    {0x00004023, "STORE funct3 = 4 (reserved)", -1},
    {0x0000, "all-zero halfword (defined illegal)", -1},
    {0x0000001f, "48-bit encoding", -1},
};

static void test_decode_mem(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(mem_cases); i++) {
		const struct mem_case *c = &mem_cases[i];
		struct insn_mem m = {0};
		int ret = insn_decode_mem(c->insn, &m);

		if (ret != c->ret)
			fail_msg("%08x %s: returned %d, want %d", c->insn, c->src, ret, c->ret);
		if (ret != 0)
			continue;
		if (m.is_store != c->is_store || m.sign_extend != c->sign || m.width != c->width ||
		    m.reg != c->reg || m.len != c->len)
			fail_msg("%08x %s: store %d sign %d width %u reg x%u len %u; want %d %d %u "
			         "x%u %u",
			         c->insn, c->src, m.is_store, m.sign_extend, m.width, m.reg, m.len,
			         c->is_store, c->sign, c->width, c->reg, c->len);
	}
}

/*
 * insn_decode_store() decodes what it accepts exactly as insn_decode_mem():
 * every halfword, and every STORE word's fields through a walk of bits
 * 31:7 (each bit alone and a pseudo-random sweep).
 */
static void same_as_table(uint32_t insn)
{
	struct insn_mem f = {0}, t = {0};
	if (insn_decode_store(insn, &f) < 0)
		return;
	if (insn_decode_mem(insn, &t) < 0 || f.is_store != t.is_store ||
	    f.sign_extend != t.sign_extend || f.width != t.width || f.reg != t.reg ||
	    f.len != t.len || f.base != t.base || f.offset != t.offset)
		fail_msg("%08x: insn_decode_store width %u reg x%u base x%u offset %ld len %u; "
		         "the table: width %u reg x%u base x%u offset %ld len %u",
		         insn, f.width, f.reg, f.base, (long)f.offset, f.len, t.width, t.reg,
		         t.base, (long)t.offset, t.len);
}

static void test_decode_store(void **state)
{
	(void)state;
	unsigned accepted = 0;
	for (uint32_t h = 0; h < 0x10000; h++) {
		if ((h & 3) == 3)
			continue;
		struct insn_mem m;
		accepted += insn_decode_store(h, &m) == 0;
		same_as_table(h |
		              0xdead0000U); /* the upper half of a 16-bit one is not looked at */
	}
	assert_int_equal(accepted, 4 * 2048); /* c.sw, c.sd, c.swsp, c.sdsp: every encoding */
	uint32_t x = 12345;
	for (unsigned i = 0; i < 200000; i++) {
		x = x * 1103515245U + 12345U;
		for (uint32_t f3 = 0; f3 < 8; f3++)
			same_as_table((x & ~0x707fU) | f3 << 12 | 0x23);
	}
	for (unsigned b = 7; b < 32; b++)
		for (uint32_t f3 = 0; f3 < 4; f3++)
			same_as_table(1U << b | f3 << 12 | 0x23);
	struct insn_mem m;
	assert_int_equal(insn_decode_store(0x00004023, &m), -1); /* STORE funct3 = 4 */
	assert_int_equal(insn_decode_store(0x00003003, &m), -1); /* ld */
	assert_int_equal(insn_decode_store(0x0000a000, &m), -1); /* c.fsd (quadrant 0, funct3 5) */
	assert_int_equal(insn_decode_store(0xfe113c23U, &m), 0); /* sd ra, -8(sp) */
	assert_int_equal(m.offset, -8);
}

/* What lb/lh/lw/lbu/lhu/lwu/ld leave in rd for a given device value. */
static void test_extend(void **state)
{
	static const struct {
		uint32_t insn;
		const char *src;
		uint64_t in, out;
	} cases[] = {
	    {0x00058503, "lb a0,0(a1)", 0x80, 0xffffffffffffff80},
	    {0x00058503, "lb a0,0(a1)", 0x7f, 0x7f},
	    {0x00058503, "lb a0,0(a1)", 0x12345681, 0xffffffffffffff81},
	    {0x00164483, "lbu s1,1(a2)", 0xff, 0xff},
	    {0x00164483, "lbu s1,1(a2)", 0xabcdef80, 0x80},
	    {0xffe41283, "lh t0,-2(s0)", 0x8000, 0xffffffffffff8000},
	    {0xffe41283, "lh t0,-2(s0)", 0x7fff, 0x7fff},
	    {0x00475683, "lhu a3,4(a4)", 0xffff8000, 0x8000},
	    {0x7ff12783, "lw a5,2047(sp)", 0x80000000, 0xffffffff80000000},
	    {0x7ff12783, "lw a5,2047(sp)", 0x7fffffff, 0x7fffffff},
	    {0x4188, "c.lw a0,0(a1)", 0xdeadbeef, 0xffffffffdeadbeef},
	    {0x008fed83, "lwu s11,8(t6)", 0xffffffff80000000, 0x80000000},
	    {0x8000bf83, "ld t6,-2048(ra)", 0x8000000000000000, 0x8000000000000000},
	    {0x757e, "c.ldsp a0,504(sp)", 0xffffffffffffffff, 0xffffffffffffffff},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct insn_mem m;
		uint64_t out;

		assert_int_equal(insn_decode_mem(cases[i].insn, &m), 0);
		out = insn_extend(cases[i].in, &m);
		if (out != cases[i].out)
			fail_msg("%s of %#llx gives %#llx, want %#llx", cases[i].src,
			         (unsigned long long)cases[i].in, (unsigned long long)out,
			         (unsigned long long)cases[i].out);
	}
}

/*
 * Where each load and store form takes its address: base register and
 * offset (immediates as the assembler encodes them), so an access that
 * faulted on its second page is emulated from its start (issue 15 item 7).
 */
/*
 * Branches and direct jumps (insn_decode_branch): the encodings GNU as
 * gives for these targets, and what it refuses.
 */
static void test_decode_branch(void **state)
{
	(void)state;
	static const struct {
		uint32_t insn;
		int cond, rs1, rs2, rd, len;
		int64_t off;
	} ok[] = {
	    {0xfe556ae3, 6, 10, 5, 0, 4, -12},  /* bltu a0, t0, -12 */
	    {0x00557a63, 7, 10, 5, 0, 4, 20},   /* bgeu a0, t0, +20 */
	    {0x00000063, 0, 0, 0, 0, 4, 0},     /* beq x0, x0, . */
	    {0x80000ee3, 0, 0, 0, 0, 4, -2020}, /* beq x0, x0, -2020 */
	    {0x7f90006f, 8, 0, 0, 0, 4, 4088},  /* jal x0, +4088 */
	    {0x93dff0ef, 8, 0, 0, 1, 4, -1732}, /* jal ra, -1732 */
	    {0xb7d9, 8, 0, 0, 0, 2, -58},       /* c.j -58 */
	    {0xeaa1, 1, 13, 0, 0, 2, 80},       /* c.bnez a3, +80 */
	    {0xc335, 0, 14, 0, 0, 2, 100},      /* c.beqz a4, +100 */
	};
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct insn_branch b;
		assert_int_equal(insn_decode_branch(ok[i].insn, &b), 0);
		assert_int_equal(b.cond, ok[i].cond);
		assert_int_equal(b.rs1, ok[i].rs1);
		assert_int_equal(b.rs2, ok[i].rs2);
		assert_int_equal(b.rd, ok[i].rd);
		assert_int_equal(b.len, ok[i].len);
		assert_int_equal(b.off, ok[i].off);
	}
	/* funct3 2 and 3 are reserved; jalr, c.jr, c.addi are no branches */
	static const uint32_t no[] = {0x00002063, 0x00003063, 0x00008067, 0x8082, 0x0585};
	for (unsigned i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct insn_branch b;
		assert_int_equal(insn_decode_branch(no[i], &b), -1);
	}
	struct insn_branch b = {.cond = 6};
	assert_true(insn_branch_taken(&b, 1, 2) && !insn_branch_taken(&b, 2, 1));
	b.cond = 4;
	assert_true(insn_branch_taken(&b, (uint64_t)-1, 0));
	b.cond = INSN_BRANCH_ALWAYS;
	assert_true(insn_branch_taken(&b, 5, 5));
}

static void test_address(void **state)
{
	static const struct {
		uint32_t insn;
		const char *src;
		uint8_t base;
		int64_t offset;
	} cases[] = {
	    {0x7ff12783, "lw a5,2047(sp)", 2, 2047}, {0x8000bf83, "ld t6,-2048(ra)", 1, -2048},
	    {0xfeb43c23, "sd a1,-8(s0)", 8, -8},     {0x7e578fa3, "sb t0,2047(a5)", 15, 2047},
	    {0xfe0f9fa3, "sh zero,-1(t6)", 31, -1},  {0x5de8, "c.lw a0,124(a1)", 11, 124},
	    {0x7fe4, "c.ld s1,248(a5)", 15, 248},    {0xc03c, "c.sw a5,64(s0)", 8, 64},
	    {0xe6d0, "c.sd a2,136(a3)", 13, 136},    {0x557e, "c.lwsp a0,252(sp)", 2, 252},
	    {0x70fe, "c.ldsp ra,504(sp)", 2, 504},   {0xc3a2, "c.swsp s0,196(sp)", 2, 196},
	    {0xe69a, "c.sdsp t1,328(sp)", 2, 328},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct insn_mem m;
		assert_int_equal(insn_decode_mem(cases[i].insn, &m), 0);
		if (m.base != cases[i].base || m.offset != cases[i].offset)
			fail_msg("%s: x%u%+lld, want x%u%+lld", cases[i].src, m.base,
			         (long long)m.offset, cases[i].base, (long long)cases[i].offset);
	}
}

#define OTHER INSN_SYS_OTHER
#define CSR   INSN_SYS_CSR
#define RW    INSN_CSR_RW
#define RS    INSN_CSR_RS
#define RC    INSN_CSR_RC

static const struct sys_case {
	uint32_t insn;
	const char *src;
	enum insn_sys_kind kind;
	uint8_t len, rd, rs1, rs2;
	/* CSR only */
	enum insn_csr_op op;
	bool is_imm;
	uint16_t csr;
	bool reads, writes;
} sys_cases[] = {
    {0x10059573, "csrrw a0,sstatus,a1", CSR, 4, 10, 11, 0, RW, false, 0x100, true, true},
    {0x14059073, "csrrw zero,sscratch,a1 (no read)", CSR, 4, 0, 11, 0, RW, false, 0x140, false,
     true},
    {0x14402573, "csrrs a0,sip,zero (no write)", CSR, 4, 10, 0, 0, RS, false, 0x144, true, false},
    {0x14462573, "csrrs a0,sip,a2", CSR, 4, 10, 12, 0, RS, false, 0x144, true, true},
    {0x104332f3, "csrrc t0,sie,t1", CSR, 4, 5, 6, 0, RC, false, 0x104, true, true},
    {0x105fd573, "csrrwi a0,stvec,31", CSR, 4, 10, 31, 0, RW, true, 0x105, true, true},
    {0x10006573, "csrrsi a0,sstatus,0 (no write)", CSR, 4, 10, 0, 0, RS, true, 0x100, true, false},
    {0x10016573, "csrrsi a0,sstatus,2", CSR, 4, 10, 2, 0, RS, true, 0x100, true, true},
    {0x10017073, "csrrci zero,sstatus,2", CSR, 4, 0, 2, 0, RC, true, 0x100, true, true},
    {0x18002573, "csrr a0,satp", CSR, 4, 10, 0, 0, RS, false, 0x180, true, false},
    {0xfff02573, "csrr a0,0xfff (top CSR number)", CSR, 4, 10, 0, 0, RS, false, 0xfff, true, false},
    {0x00000073, "ecall", INSN_SYS_ECALL, 4},
    {0x00100073, "ebreak", INSN_SYS_EBREAK, 4, 0, 0, 1},
    {0x9002, "c.ebreak (16-bit)", INSN_SYS_EBREAK, 2},
    {0xffff9002, "c.ebreak + next halfword", INSN_SYS_EBREAK, 2},
    {0x10200073, "sret", INSN_SYS_SRET, 4, 0, 0, 2},
    {0x30200073, "mret", INSN_SYS_MRET, 4, 0, 0, 2},
    {0x10500073, "wfi", INSN_SYS_WFI, 4, 0, 0, 5},
    {0x12000073, "sfence.vma zero,zero", INSN_SYS_SFENCE_VMA, 4, 0, 0, 0},
    {0x12050073, "sfence.vma a0,zero", INSN_SYS_SFENCE_VMA, 4, 0, 10, 0},
    {0x12b50073, "sfence.vma a0,a1", INSN_SYS_SFENCE_VMA, 4, 0, 10, 11},
    {0x12700073, "sfence.vma zero,t2", INSN_SYS_SFENCE_VMA, 4, 0, 0, 7},
    /* everything else popek reflects as illegal */
    {0x00200073, "uret", OTHER, 4, 0, 0, 2},
    {0x7b200073, "dret", OTHER, 4, 0, 0, 18},
    {0x22000073, "hfence.vvma zero,zero", OTHER, 4, 0, 0, 0},
    {0x62b50073, "hfence.gvma a0,a1", OTHER, 4, 0, 10, 11},
    {0x16b50073, "sinval.vma a0,a1", OTHER, 4, 0, 10, 11},
    {0x18000073, "sfence.w.inval", OTHER, 4, 0, 0, 0},
    {0x120000f3, "sfence.vma with rd = x1 (reserved)", OTHER, 4, 1, 0, 0},
    {0x000000f3, "ecall with rd = x1 (reserved)", OTHER, 4, 1, 0, 0},
    {0x10500573, "wfi with rd = a0 (reserved)", OTHER, 4, 10, 0, 5},
    {0x00004073, "SYSTEM funct3 = 4 (not Zicsr)", OTHER, 4, 0, 0, 0},
    {0x0000100f, "fence.i", OTHER, 4, 0, 0, 0},
    {0x00058503, "lb a0,0(a1)", OTHER, 4, 10, 11, 0},
    {0x0505, "c.addi a0,1", OTHER, 2},
    {0x0000001f, "48-bit encoding", OTHER, 0},
};

static void test_decode_sys(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(sys_cases); i++) {
		const struct sys_case *c = &sys_cases[i];
		struct insn_sys s;
		enum insn_sys_kind k = insn_decode_sys(c->insn, &s);

		if (k != c->kind || s.kind != c->kind)
			fail_msg("%08x %s: kind %d, want %d", c->insn, c->src, k, c->kind);
		if (s.len != c->len || s.rd != c->rd || s.rs1 != c->rs1 || s.rs2 != c->rs2)
			fail_msg("%08x %s: len %u rd %u rs1 %u rs2 %u; want %u %u %u %u", c->insn,
			         c->src, s.len, s.rd, s.rs1, s.rs2, c->len, c->rd, c->rs1, c->rs2);
		if (k != CSR)
			continue;
		if (s.op != c->op || s.is_imm != c->is_imm || s.csr != c->csr ||
		    s.does_read != c->reads || s.does_write != c->writes)
			fail_msg(
			    "%08x %s: op %d imm %d csr %#x read %d write %d; want %d %d %#x %d %d",
			    c->insn, c->src, s.op, s.is_imm, s.csr, s.does_read, s.does_write,
			    c->op, c->is_imm, c->csr, c->reads, c->writes);
	}
}

/*
 * The direct-indexed tables say what the old first-match row scan said
 * (tests/fuzz/insn_ref.h), field by field, on every SYSTEM-opcode word (all
 * 2^25 of them) and on every 16-bit halfword.
 */
static void test_decode_sys_tables(void **state)
{
	(void)state;
	for (uint32_t hi = 0; hi < (1u << 25); hi++) {
		uint32_t insn = hi << 7 | 0x73;
		struct insn_sys s, ref;
		insn_decode_sys(insn, &s);
		insn_ref_decode_sys(insn, &ref);
		if (!insn_sys_same(&s, &ref))
			fail_msg("%08x: kind %d, reference %d", insn, s.kind, ref.kind);
	}
	for (uint32_t insn = 0; insn < 0x10000; insn++) {
		struct insn_sys s, ref;
		insn_decode_sys(insn | 0xabcd0000u, &s);
		insn_ref_decode_sys(insn | 0xabcd0000u, &ref);
		if (!insn_sys_same(&s, &ref))
			fail_msg("%08x: kind %d, reference %d", insn, s.kind, ref.kind);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_length),        cmocka_unit_test(test_decode_mem),
	    cmocka_unit_test(test_decode_store),  cmocka_unit_test(test_extend),
	    cmocka_unit_test(test_decode_branch), cmocka_unit_test(test_address),
	    cmocka_unit_test(test_decode_sys),    cmocka_unit_test(test_decode_sys_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
