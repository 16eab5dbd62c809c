/*
 * Emulation of sensitive instructions.  On RV64 every one of them traps in
 * U-mode (Popek & Goldberg's condition holds for U versus S): CSR accesses
 * to S-level CSRs, sret, sfence.vma and wfi raise illegal instruction.
 */
#include "arch/riscv/emulate.h"
#include "arch/riscv/inject.h"
#include "arch/riscv/insn.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/trap.h"
#include "core/emul.h"
#include "core/vm.h"

#define EMULATE_AHEAD_MAX 16

_Static_assert(EMUL_KIND_COUNT <= sizeof(((struct vcpu_stats *)0)->emulated) / sizeof(uint64_t),
               "vcpu_stats.emulated has a counter for every enum emul_kind");

uint32_t emulate_fetch(struct vcpu *v, uint64_t pc)
{
	uint32_t insn = 0;
	for (int half = 0; half < 2; half++) {
		uint64_t gpa;
		if (shadow_translate(v, pc + 2 * half, true, &gpa) < 0)
			return 0;
		uint16_t *p = vm_gpa_to_hva(v->vm, gpa, 2);
		if (!p)
			return 0;
		insn |= (uint32_t)*p << (16 * half);
		if (half == 0 && insn_length((uint16_t)insn) == 2)
			break;
	}
	return insn;
}

static enum trap_action illegal(struct vcpu *v, uint64_t tval)
{
	return trap_reflect(v, CAUSE_ILLEGAL_INSN, tval);
}

static void set_reg(struct vcpu *v, unsigned r, uint64_t val)
{
	if (r)
		v->x[r] = val;
}

/* Emulates one CSR instruction; false (and nothing changed) when it is illegal. */
static bool emulate_csr(struct vcpu *v, const struct insn_sys *s, uint32_t insn)
{
	static const enum vcsr_op ops[] = {
	    [INSN_CSR_RW] = VCSR_RW, [INSN_CSR_RS] = VCSR_RS, [INSN_CSR_RC] = VCSR_RC};
	uint64_t operand = s->is_imm ? s->rs1 : v->x[s->rs1];
	uint64_t old;
	unsigned fx = vcsr_rmw(&v->csr, v->mode, s->csr, ops[s->op], operand, s->does_write, &old);
	(void)insn;
	if (fx & VCSR_ILLEGAL)
		return false;
	set_reg(v, s->rd, old);
	if (fx & (VCSR_SATP | VCSR_MXR))
		shadow_flush(v, true, 0);
	v->stats.emulated[EMUL_CSR]++;
	v->note = "emulated csr";
	v->pc += 4;
	return true;
}

/* priv spec §3.3.2 (for S): return to SPP, SIE = SPIE, SPIE = 1, SPP = U. */
static enum trap_action emulate_sret(struct vcpu *v)
{
	struct vcsr *c = &v->csr;
	v->mode = c->sstatus & SSTATUS_SPP ? VMODE_S : VMODE_U;
	c->sstatus &= ~(SSTATUS_SIE | SSTATUS_SPP);
	if (c->sstatus & SSTATUS_SPIE)
		c->sstatus |= SSTATUS_SIE;
	c->sstatus |= SSTATUS_SPIE;
	v->pc = c->sepc;
	v->fault_loop = 0; /* the guest returned from a trap: it is making progress */
	v->stats.emulated[EMUL_SRET]++;
	v->note = "emulated sret";
	return TRAP_RESUME;
}

enum trap_action emulate_illegal(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	(void)cause;
	uint32_t insn = tval ? (uint32_t)tval : emulate_fetch(v, v->pc);
	struct insn_sys s;
	/* In vU every sensitive instruction is illegal, exactly as in real U. */
	if (v->mode == VMODE_U || (insn & 0x7f) != 0x73)
		return illegal(v, tval);
	switch (insn_decode_sys(insn, &s)) {
	case INSN_SYS_CSR:
		return emulate_csr(v, &s, insn) ? TRAP_RESUME : illegal(v, tval);
	case INSN_SYS_SRET:
		return emulate_sret(v);
	case INSN_SYS_WFI:
		/* §3.3.3: wfi may complete at once; it must when an interrupt is pending. */
		v->pc += 4;
		v->stats.emulated[EMUL_WFI]++;
		v->note = "emulated wfi";
		return vcpu_wfi_wakes(v) ? TRAP_RESUME : TRAP_YIELD;
	case INSN_SYS_SFENCE_VMA:
		shadow_flush(v, s.rs1 == 0, v->x[s.rs1]);
		v->stats.emulated[EMUL_SFENCE]++;
		v->note = "emulated sfence.vma";
		v->pc += 4;
		return TRAP_RESUME;
	default: /* mret from vS, hypervisor instructions, reserved encodings */
		return illegal(v, tval);
	}
}

/*
 * After a trap, the guest's next instructions are often sensitive too (a
 * trap handler reading scause, sepc, stval in a row; csrw sepc then sret).
 * Each would trap again, and a trap costs far more than decoding: so while
 * the next instruction is a CSR access or sret that popek would emulate
 * anyway, emulate it now.  Stops before anything else, before a CSR access
 * that would be illegal (the guest then traps on it as usual), and as soon as
 * an interrupt becomes deliverable, exactly where the hardware would take it.
 */
void emulate_ahead(struct vcpu *v)
{
	for (int n = 0; n < EMULATE_AHEAD_MAX && v->mode == VMODE_S && !vcpu_deliverable_irq(v);
	     n++) {
		uint32_t insn = emulate_fetch(v, v->pc);
		struct insn_sys s;
		if ((insn & 0x7f) != 0x73)
			return;
		switch (insn_decode_sys(insn, &s)) {
		case INSN_SYS_CSR: {
			if (!emulate_csr(v, &s, insn)) /* illegal: the guest traps on it itself */
				return;
			v->stats.ahead++;
			break;
		}
		case INSN_SYS_SRET:
			emulate_sret(v);
			v->stats.ahead++;
			return;
		default:
			return;
		}
	}
}

bool emulate_mmio(struct vcpu *v, uint64_t gpa, bool store)
{
	const struct mmio_region *r = emul_find(&v->vm->emul, gpa);
	struct insn_mem m;
	uint32_t insn = emulate_fetch(v, v->pc);
	if (!r || !insn || insn_decode_mem(insn, &m) < 0 || m.is_store != store)
		return false;
	uint64_t off = gpa - r->base;
	if (store) {
		if (r->ops->write(r->dev, off, m.width, v->x[m.reg]) < 0)
			return false;
	} else {
		uint64_t val;
		if (r->ops->read(r->dev, off, m.width, &val) < 0)
			return false;
		set_reg(v, m.reg, insn_extend(val, &m));
	}
	v->stats.emulated[EMUL_MMIO]++;
	v->note = "emulated mmio";
	v->pc += m.len;
	return true;
}
