/*
 * Instruction emulation (emulate.c) on random instruction words and random
 * vCPU state: vU, vS or vM, any legal mstatus, satp Bare or a small guest
 * table, PMP, registers aimed at RAM, page boundaries, the fake device and
 * nowhere.  Each step goes where the trap path sends it: illegal
 * instruction → emulate_illegal(), page fault → shadow_fault() and, when it
 * says so, emulate_load_store(), then emulate_ahead().  Counter reads
 * (rdcycle, rdtime, rdinstret, hpmcounterN) under random m/scounteren are
 * checked against the spec's rule (§3.1.11, §4.1.5).  Guest RAM past the
 * VM's end is unmapped in the host (hostvm.c), so a write outside the VM
 * crashes; after every step the vCPU's state must be legal and the shadow
 * invariants hold.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/riscv/emulate.h"
#include "arch/riscv/inject.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/trap.h"
#include "fuzz_reader.h"
#include "hostvm.h"

#define MIB          (1UL << 20)
#define RAM          HOSTVM_RAM_GPA
#define RAM_SIZE     (2 * MIB)
#define STATUS_LEGAL 0x7e79aaUL
#define SSTATUS_BITS 0xc6122UL

static void check_state(const struct vcpu *v)
{
	const struct vcsr *c = &v->csr;
	REQUIRE(v->mode == VMODE_U || v->mode == VMODE_S || (v->mode == VMODE_M && c->has_m));
	REQUIRE(v->x[0] == 0);
	REQUIRE((c->mstatus & ~STATUS_LEGAL) == 0);
	REQUIRE((c->mstatus & MSTATUS_MPP) != (2UL << MSTATUS_MPP_SHIFT));
	if (!c->has_m)
		REQUIRE((c->mstatus & ~SSTATUS_BITS) == 0);
	REQUIRE((c->medeleg & ~0xb3ffUL) == 0 && (c->mideleg & ~0x222UL) == 0);
	REQUIRE((c->satp >> 60) == 0 || ((c->satp >> 60) >= 8 && (c->satp >> 60) <= 10));
	for (int i = 0; i < VPMP_ENTRIES; i++)
		REQUIRE((c->pmpcfg[i] & 0x60) == 0);
	REQUIRE(v->shadow.pages <= v->shadow.page_limit);
}

/* Addresses worth aiming at. */
static uint64_t pick_addr(struct reader *r)
{
	uint8_t k = reader_u8(r);
	switch (k & 7) {
	case 0:
		return RAM + (uint64_t)reader_u16(r) * 8 % RAM_SIZE;
	case 1:
		return RAM + RAM_SIZE - (k >> 3); /* the last bytes of RAM */
	case 2:
		return RAM + 4096 * (reader_u8(r) % 512) - (k >> 3) % 8; /* page boundaries */
	case 3:
		return HOSTVM_MMIO_BASE + reader_u8(r) % (HOSTVM_MMIO_SIZE + 16);
	case 4:
		return (uint64_t)reader_u8(r) << 12 | (k >> 3);
	default:
		return reader_u64(r);
	}
}

/* The guest's table: one Sv39 root at RAM + 0x1000 mapping gigapage 0 and 2 to RAM's gigapage. */
static void guest_table(struct reader *r)
{
	uint64_t *root = hostvm_gpa(RAM + 0x1000);
	root[0] = (RAM >> 12) << 10 | (reader_u8(r) | PTE_V);
	root[2] = (RAM >> 12) << 10 | (reader_u8(r) | PTE_V);
}

#define T_CYCLE 0x1111
#define T_TIME  0x2222
#define T_INSTR 0x3333

/* csrrs rd, counter, x0 built from the input's bits: a counter read from any mode. */
static uint32_t counter_read(uint32_t bits)
{
	return (0xc00U + (bits >> 20 & 31)) << 20 | 2 << 12 | (bits & 0xf80) | 0x73;
}

/* The spec's answer, computed apart from vcsr.c: may `mode` read counter idx? */
static bool counter_allowed(const struct vcsr *c, enum vmode mode, unsigned idx)
{
	if (mode == VMODE_M)
		return true;
	bool by_m = !c->has_m || (c->mcounteren >> idx & 1); /* OpenSBI: mcounteren = all */
	return by_m && (mode == VMODE_S || (c->scounteren >> idx & 1));
}

/* After emulate_illegal() of a counter read: the value, or illegal instruction to the guest. */
static void check_counter_read(const struct vcpu *v, enum vmode mode, uint64_t pc, uint32_t insn,
                               bool allowed)
{
	static const uint64_t values[] = {T_CYCLE, T_TIME, T_INSTR};
	unsigned rd = insn >> 7 & 31, idx = insn >> 20 & 31;
	if (allowed) {
		REQUIRE(v->pc == pc + 4 && v->mode == mode);
		if (rd)
			REQUIRE(v->x[rd] == (idx < 3 ? values[idx] : 0));
		return;
	}
	const struct vcsr *c = &v->csr;
	REQUIRE(v->pc != pc + 4 && v->mode != VMODE_U);
	REQUIRE((v->mode == VMODE_S ? c->scause : c->mcause) == CAUSE_ILLEGAL_INSN);
}

/* What the fast lane and the full path must leave alike. */
static void require_same(const struct vcpu *a, const struct vcpu *b)
{
	REQUIRE(memcmp(a->x, b->x, sizeof(a->x)) == 0 && a->pc == b->pc && a->mode == b->mode);
	REQUIRE(memcmp(&a->csr, &b->csr, sizeof(a->csr)) == 0);
	REQUIRE(memcmp(a->stats.emulated, b->stats.emulated, sizeof(a->stats.emulated)) == 0);
	REQUIRE(a->stats.ahead == b->stats.ahead && a->fault_loop == b->fault_loop);
}

/*
 * Whether the lane, run from `pc` (its first access `first`, or 0 to read
 * it), may write satp: a csrw/csrs/csrc of satp there or in the next bytes
 * it may reach (16 accesses, each after up to 4 stores).  A satp write
 * switches the shadow's space, whose tables a copy of the vCPU would share:
 * then the lane runs on the vCPU itself, unchecked against the full path
 * (tests/unit/test_fastpath.c checks the context switch), and
 * hostvm_check_shadow() after it.
 */
#define LANE_REACH 512
static bool is_satp_access(uint32_t insn)
{
	return (insn & 0x7f) == 0x73 && ((insn >> 12) & 3) != 0 && (insn >> 20) == 0x180;
}

static bool lane_may_write_satp(struct vcpu *v, uint64_t pc, uint32_t first)
{
	if (is_satp_access(first))
		return true;
	for (uint64_t off = 0; off < LANE_REACH; off += 2) {
		uint64_t gpa;
		uint32_t insn = 0;
		for (unsigned b = 0; b < 4; b += 2) { /* each half through the guest's tables */
			const uint8_t *p;
			if (shadow_translate(v, pc + off + b, true, &gpa) < 0 ||
			    !(p = vm_gpa_to_hva(v->vm, gpa, 2)))
				break;
			insn |= (uint32_t)(p[0] | p[1] << 8) << (8 * b);
		}
		if (is_satp_access(insn))
			return true;
	}
	return false;
}

/*
 * An illegal-instruction trap with bits tval, as trap.c takes it: the fast
 * lane (emulate_fast) first when `lane`, else the full path.  Whenever the
 * lane would finish the trap, it must leave the vCPU exactly as
 * emulate_illegal() and emulate_ahead() do (checked on a copy); when it
 * declines, it must have changed nothing.
 */
static enum trap_action illegal_trap(struct vcpu *v, uint64_t tval, bool lane)
{
	static struct vcpu fast; /* a copy: too big for the stack; overwritten each time */
	/* trap_fast's precondition: the guest was entered with nothing to deliver */
	if (!tval || vcpu_deliverable_irq(v))
		return emulate_illegal(v, CAUSE_ILLEGAL_INSN, tval);
	/*
	 * A fence changes the shadow's tables, which a copy of the vCPU would
	 * share: the lane's fence runs on the vCPU itself (the same
	 * emulate_sfence() as the full path's, then emulate_fast_resume(), as
	 * after an sret), and check_state() checks the shadow after it.
	 */
	if ((tval & 0xfe007fffU) == 0x12000073U || lane_may_write_satp(v, v->pc, (uint32_t)tval) ||
	    (tval == 0x10200073U && v->mode == VMODE_S &&
	     lane_may_write_satp(v, v->csr.sepc, 0))) { /* an sret's lane goes on at sepc */
		enum emulate_fast f = lane ? emulate_fast(v, tval) : EMULATE_FAST_NONE;
		if (f == EMULATE_FAST_NONE)
			return emulate_illegal(v, CAUSE_ILLEGAL_INSN, tval);
		if (f == EMULATE_FAST_VIEW)
			f = emulate_fast_resume(v);
		if (f == EMULATE_FAST_AHEAD)
			emulate_ahead(v);
		return TRAP_RESUME;
	}
	memcpy(&fast, v, sizeof(fast));
	enum emulate_fast f = emulate_fast(&fast, tval);
	if (f == EMULATE_FAST_NONE)
		REQUIRE(memcmp(&fast, v, sizeof(fast)) == 0);
	if (lane && f != EMULATE_FAST_NONE) {
		REQUIRE(emulate_fast(v, tval) == f);
		if (f == EMULATE_FAST_VIEW) /* trap_fast's next step after an sret */
			emulate_fast_resume(v);
		/* the caller's emulate_ahead(): trap_fast's after AHEAD, and after DONE or
		 * IRQ one that finds nothing to do (an ordinary instruction, an interrupt) */
		return TRAP_RESUME;
	}
	if (f == EMULATE_FAST_VIEW) /* DONE, LOAD or IRQ: compared below; AHEAD: not */
		f = emulate_fast_resume(&fast);
	enum trap_action a = emulate_illegal(v, CAUSE_ILLEGAL_INSN, tval);
	if (f == EMULATE_FAST_DONE || f == EMULATE_FAST_IRQ || f == EMULATE_FAST_LOAD) {
		REQUIRE(a == TRAP_RESUME);
		emulate_ahead(v);
		require_same(&fast, v);
	}
	return a;
}

/*
 * An ecall from vU, as trap.c takes it: reflected, then what follows by the
 * fast lane (emulate_fast_resume, then emulate_ahead() as the caller's) when
 * `lane`, else by emulate_ahead() alone.  Whenever the lane finishes by
 * itself (DONE, IRQ), it must leave the vCPU as the full path does (checked
 * on a copy: the lane fills no shadow).
 */
static void ecall_trap(struct vcpu *v, bool lane)
{
	static struct vcpu fast;
	REQUIRE(trap_reflect(v, CAUSE_ECALL_U, 0) == TRAP_RESUME);
	if (lane) {
		emulate_fast_resume(v);
		return;
	}
	if (lane_may_write_satp(v, v->pc, 0)) {
		emulate_ahead(v);
		return;
	}
	memcpy(&fast, v, sizeof(fast));
	enum emulate_fast f = emulate_fast_resume(&fast);
	emulate_ahead(v);
	if (f != EMULATE_FAST_AHEAD)
		require_same(&fast, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	uint8_t setup = reader_u8(&r);
	struct vcpu *v = hostvm_create(RAM_SIZE, setup & 1, 0);
	guest_table(&r);
	uint64_t old;
	if (v->csr.has_m) { /* PMP through the real CSR path */
		for (int i = 0; i < (setup >> 1) % 4; i++) {
			vcsr_rmw(&v->csr, VMODE_M, CSR_PMPADDR0 + i, VCSR_RW, reader_u64(&r) >> 8,
			         true, &old);
		}
		vcsr_rmw(&v->csr, VMODE_M, CSR_PMPADDR0 + 15, VCSR_RW, ~0UL, true, &old);
		vcsr_rmw(&v->csr, VMODE_M, CSR_PMPCFG0 + 2, VCSR_RW,
		         (uint64_t)(0x18 | (reader_u8(&r) & 7)) << 56, true, &old);
		vcsr_rmw(&v->csr, VMODE_M, CSR_PMPCFG0, VCSR_RW, reader_u32(&r), true, &old);
		vcsr_rmw(&v->csr, VMODE_M, CSR_MSTATUS, VCSR_RW, reader_u64(&r), true, &old);
	} else {
		vcsr_rmw(&v->csr, VMODE_S, CSR_SSTATUS, VCSR_RW, reader_u64(&r), true, &old);
	}
	static const enum vmode modes[] = {VMODE_U, VMODE_S, VMODE_M, VMODE_S};
	v->mode = modes[(setup >> 3) & 3];
	if (v->mode == VMODE_M && !v->csr.has_m)
		v->mode = VMODE_S;
	if (setup & 0x20)
		v->csr.satp = SATP_MODE_SV39 | (RAM + 0x1000) >> 12;
	v->csr.stvec = v->csr.mtvec = RAM + 0x100;
	for (int i = 1; i < 32; i++)
		v->x[i] = reader_u8(&r) & 1 ? pick_addr(&r) : 0;
	if (setup & 0x40) { /* counter-enables other than the reset values */
		v->csr.mcounteren = v->csr.has_m ? reader_u32(&r) : 0;
		v->csr.scounteren = reader_u32(&r);
	}
	host_csr_write("cycle", T_CYCLE);
	host_csr_write("time", T_TIME);
	host_csr_write("instret", T_INSTR);
	check_state(v);

	for (int steps = 0; r.size && steps < 16; steps++) {
		/* the instruction, at a pc in RAM (the guest got there somehow) */
		uint64_t pc = RAM + 0x2000 + (uint64_t)reader_u8(&r) * 2;
		if (reader_u8(&r) == 0xfe)
			pc = RAM + 0x1ffe; /* straddling a page */
		uint32_t insn = reader_u32(&r);
		uint8_t what = reader_u8(&r);
		bool counter = (what & 0x1d) == 0x1d;
		if (counter)
			insn = counter_read(insn);
		memcpy(hostvm_gpa(pc), &insn, 4);
		v->pc = pc;
		enum trap_action a;
		if (counter) {
			enum vmode mode = v->mode;
			bool allowed = counter_allowed(&v->csr, mode, insn >> 20 & 31);
			/* stval = the bits, as QEMU gives on either firmware path (the
			 * random guest table need not let popek fetch them) */
			a = emulate_illegal(v, CAUSE_ILLEGAL_INSN, insn);
			check_counter_read(v, mode, pc, insn, allowed);
		} else if ((what & 0x9f) == 0x80 && v->mode == VMODE_U &&
		           !vcpu_deliverable_irq(v)) {      /* a system call (trap_fast_ecall) */
			uint64_t vec = v->csr.stvec & ~3UL; /* the handler's first instruction */
			if (vec >= RAM && vec + 4 <= RAM + RAM_SIZE)
				memcpy(hostvm_gpa(vec), &insn, 4);
			ecall_trap(v, what & 0x20);
			a = TRAP_RESUME;
		} else if (what & 1) {
			if (what & 0x40) { /* and what follows it, for the fast lane to look at */
				uint32_t next = reader_u32(&r);
				memcpy(hostvm_gpa(pc + 4), &next, 4);
			}
			if ((what & 0xc0) == 0xc0) { /* a load or store, then a CSR access */
				uint32_t next = reader_u32(&r);
				memcpy(hostvm_gpa(pc + 8), &next, 4);
			}
			a = illegal_trap(v, what & 2 ? insn : 0, what & 0x20);
		} else {
			static const uint64_t causes[] = {CAUSE_LOAD_PAGE, CAUSE_STORE_PAGE,
			                                  CAUSE_FETCH_PAGE, CAUSE_LOAD_PAGE};
			uint64_t cause = causes[(what >> 1) & 3], va = pick_addr(&r);
			switch (shadow_fault(v, cause, va)) {
			case SHADOW_EMULATE:
				REQUIRE(cause != CAUSE_FETCH_PAGE);
				a = emulate_load_store(v, cause, va);
				break;
			case SHADOW_FILLED:
			case SHADOW_PAGE_FAULT:
			case SHADOW_ACCESS_FAULT:
				a = TRAP_RESUME;
				break;
			default:
				abort();
			}
		}
		REQUIRE(a == TRAP_RESUME || a == TRAP_YIELD);
		if (a == TRAP_RESUME)
			emulate_ahead(v);
		check_state(v);
		hostvm_check_shadow(v);
	}
	return 0;
}
