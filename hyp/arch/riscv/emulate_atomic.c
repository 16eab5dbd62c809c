/*
 * The memory instructions popek carries out besides plain integer loads and
 * stores (emulate_load_store): FP loads and stores, AMOs and LR/SC, where
 * the guest's access cannot run on the hardware as it is: under MPRV, on a
 * device or where nothing is, where PMP is finer than a page.
 */
#include "arch/riscv/emulate.h"
#include "arch/riscv/insn.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/watch.h"
#include "arch/riscv/trap.h"
#include "arch/riscv/vtrig.h"
#include "core/vm.h"

#define OP_LOAD_FP  0x07
#define OP_STORE_FP 0x27
#define OP_AMO      0x2f
#define AMO_LR      0x02
#define AMO_SC      0x03

static void set_x(struct vcpu *v, unsigned r, uint64_t val)
{
	if (r)
		v->x[r] = val;
}

/* unpriv §8.4: what an AMO stores, from the old value a and rs2's b (both extended for .w) */
static uint64_t amo_result(unsigned f5, uint64_t a, uint64_t b)
{
	switch (f5) {
	case 0x00:
		return a + b;
	case 0x01:
		return b;
	case 0x04:
		return a ^ b;
	case 0x08:
		return a | b;
	case 0x0c:
		return a & b;
	case 0x10:
		return (int64_t)a < (int64_t)b ? a : b;
	case 0x14:
		return (int64_t)a > (int64_t)b ? a : b;
	case 0x18:
		return a < b ? a : b;
	default: /* 0x1c, checked by the caller */
		return a > b ? a : b;
	}
}

static bool amo_known(unsigned f5)
{
	static const uint32_t known = 1u << 0x00 | 1u << 0x01 | 1u << 0x04 | 1u << 0x08 |
	                              1u << 0x0c | 1u << 0x10 | 1u << 0x14 | 1u << 0x18 |
	                              1u << 0x1c | 1u << AMO_LR | 1u << AMO_SC;
	return f5 < 32 && (known >> f5 & 1);
}

static enum trap_action done(struct vcpu *v, bool device, unsigned len)
{
	v->stats.emulated[device ? EMUL_MMIO : EMUL_LDST]++;
	v->note = device ? "emulated mmio" : "emulated load/store";
	v->pc += len;
	return TRAP_RESUME;
}

/* An FP load or store: register r, width bytes at va, the instruction len bytes long. */
static enum trap_action fp_access(struct vcpu *v, unsigned r, uint64_t va, unsigned width,
                                  bool store, unsigned len)
{
	uint64_t val, cause, tval;
	bool device = false;
	vcpu_fp_spill(v);
	val = v->fp[r];
	int e = emulate_insn_access(v, va, width, store ? EMULATE_STORE : EMULATE_LOAD,
	                            store ? VTRIG_W : VTRIG_R, &val, &device, &cause, &tval);
	if (e > 0)
		return TRAP_RESUME; /* a watch held it back */
	if (e < 0)
		return trap_reflect(v, cause, tval);
	if (!store) {
		v->fp[r] =
		    width == 4 ? val | 0xffffffff00000000UL : val; /* NaN-boxed (unpriv §13.2) */
		v->csr.mstatus |= SSTATUS_FS;                      /* Dirty */
		vcpu_fp_fill(v);
	}
	return done(v, device, len);
}

/* flw, fld, fsw, fsd (RV64 F and D; FS is on, or they would have been illegal) */
static enum trap_action fp_access32(struct vcpu *v, uint32_t insn, bool store)
{
	unsigned f3 = (insn >> 12) & 7, r = store ? (insn >> 20) & 31 : (insn >> 7) & 31;
	int64_t off = store ? (int64_t)(int32_t)((insn >> 25) << 5 | ((insn >> 7) & 31)) << 52 >> 52
	                    : (int64_t)(int32_t)insn >> 20;
	return fp_access(v, r, v->x[(insn >> 15) & 31] + (uint64_t)off, f3 == 2 ? 4 : 8, store, 4);
}

/*
 * c.fld, c.fsd, c.fldsp, c.fsdsp (unpriv §16.3; RV64's c.flw/c.fsw slots are
 * c.ld/c.sd): -1 when insn is none of them.
 */
static int fp_access16(struct vcpu *v, uint32_t insn, bool store, enum trap_action *next)
{
	unsigned op = insn & 3, f3 = (insn >> 13) & 7, r, base;
	uint64_t off;
	if ((f3 != 1 && f3 != 5) || (op != 0 && op != 2) || store != (f3 == 5))
		return -1;
	if (op == 0) { /* c.fld, c.fsd: uimm[5:3] = 12:10, uimm[7:6] = 6:5 */
		r = 8 + ((insn >> 2) & 7);
		base = 8 + ((insn >> 7) & 7);
		off = ((insn >> 10) & 7) << 3 | ((insn >> 5) & 3) << 6;
	} else if (!store) { /* c.fldsp: uimm[5] = 12, uimm[4:3] = 6:5, uimm[8:6] = 4:2 */
		r = (insn >> 7) & 31;
		base = 2;
		off = ((insn >> 12) & 1) << 5 | ((insn >> 5) & 3) << 3 | ((insn >> 2) & 7) << 6;
	} else { /* c.fsdsp: uimm[5:3] = 12:10, uimm[8:6] = 9:7 */
		r = (insn >> 2) & 31;
		base = 2;
		off = ((insn >> 10) & 7) << 3 | ((insn >> 7) & 7) << 6;
	}
	*next = fp_access(v, r, v->x[base] + off, 8, store, 2);
	return 0;
}

/*
 * The board's reservation (QEMU 7.2 trans_rva.c.inc, one hart): an LR keeps
 * its address and the value it read; an SC to another address fails without
 * an access; one to that address stores if memory still holds that value;
 * every SC, trap and xRET drops it (cpu_helper.c riscv_cpu_set_mode).  The
 * hardware popek runs on keeps the guest's the same way, and loses it at
 * popek's own traps: so popek carries out the SC itself wherever it knows
 * the reservation (sc_after_lr, emulate_mem_other).
 */
struct resv {
	bool valid;
	bool any; /* the hardware's: its value is not known (emulate_mem_other) */
	uint64_t va, val;
};

/*
 * LR, SC and the AMOs, as the board does them: a load, then for SC and the
 * AMOs a store, each faulting as what it is; a misaligned one raises load
 * address misaligned first.  r: the reservation an SC meets.
 */
static enum trap_action amo_access(struct vcpu *v, uint32_t insn, const struct resv *r);

/* Whether insn is an SC.W or SC.D (unpriv §8.2). */
static bool is_sc(uint32_t insn)
{
	unsigned f3 = (insn >> 12) & 7;
	return (insn & 0x7f) == OP_AMO && (f3 == 2 || f3 == 3) && insn >> 27 == AMO_SC;
}

/*
 * An LR popek carried out leaves the hardware without a reservation: the
 * guest's SC after it would fail where the board's succeeds.  When that SC
 * comes next, on the LR's page (the hardware just fetched from it: no A bit
 * to set, the same view), popek carries it out too, from what the
 * hardware would fetch (a watch's patch there is hit first, watch.c).
 * Otherwise the guest runs on and its SC fails, as after any trap (the spec
 * lets an SC fail; unpriv §8.3).
 */
static enum trap_action sc_after_lr(struct vcpu *v, uint64_t va, uint64_t val)
{
	uint64_t pc = v->pc, off = pc & (PAGE_SIZE - 1), hpa;
	if (off < 4 || off > PAGE_SIZE - 4 || shadow_lookup(v, pc, PTE_X, &hpa) < 0)
		return TRAP_RESUME;
	const uint16_t *h = pa_to_va(hpa);
	uint32_t insn = h[0] | (uint32_t)h[1] << 16;
	if (v->vm->watch_on && !watch_run_on(v, hpa, &insn))
		return TRAP_RESUME;
	if (!is_sc(insn))
		return TRAP_RESUME;
	struct resv r = {.valid = true, .any = false, .va = va, .val = val};
	return amo_access(v, insn, &r);
}

void emulate_sc_after_step(struct vcpu *v, uint64_t lr_pc)
{
	uint32_t lr = emulate_fetch(v, lr_pc), sc = emulate_fetch(v, v->pc);
	unsigned f3 = (lr >> 12) & 7, rd = (lr >> 7) & 31, rs1 = (lr >> 15) & 31;
	/* an LR that overwrote its own address register leaves no address to match */
	if ((lr & 0x7f) != OP_AMO || (f3 != 2 && f3 != 3) || lr >> 27 != AMO_LR ||
	    (rd == rs1 && rd) || v->pc != lr_pc + 4 || !is_sc(sc))
		return;
	/* the step's end changed the watches: read the SC as the guest wrote it */
	if (v->trig.on && vtrig_exec_fires(v, v->pc))
		return; /* its trigger first: the patch there fires it */
	struct resv r = {.valid = true, .any = true, .va = v->x[rs1], .val = 0};
	(void)amo_access(v, sc, &r);
}

static enum trap_action amo_access(struct vcpu *v, uint32_t insn, const struct resv *r)
{
	unsigned f3 = (insn >> 12) & 7, f5 = insn >> 27, rd = (insn >> 7) & 31;
	unsigned width = f3 == 2 ? 4 : 8;
	uint64_t va = v->x[(insn >> 15) & 31], rs2 = v->x[(insn >> 20) & 31];
	uint64_t old, val, cause, tval;
	bool device = false;

	if (f5 == AMO_SC && !(r->valid && r->va == va)) {
		set_x(v, rd, 1);
		v->pc += 4;
		return TRAP_RESUME;
	}
	if (va & (width - 1))
		return trap_reflect(v, CAUSE_MISALIGNED_LD, va);
	/* the board makes an AMO (and an SC) a load, then a store: vtrig.c */
	int e = emulate_insn_access(v, va, width, EMULATE_LOAD,
	                            f5 == AMO_LR ? VTRIG_R : VTRIG_R | VTRIG_W, &old, &device,
	                            &cause, &tval);
	if (e > 0)
		return TRAP_RESUME; /* a watch held it back */
	if (e < 0)
		return trap_reflect(v, cause, tval);
	if (width == 4)
		old = insn_sext32(old);
	if (f5 == AMO_LR) {
		set_x(v, rd, old);
		done(v, device, 4);
		return sc_after_lr(v, va, old);
	}
	bool ok = f5 != AMO_SC || r->any || old == r->val;
	val = f5 == AMO_SC ? rs2 : amo_result(f5, old, width == 4 ? insn_sext32(rs2) : rs2);
	if (ok) {
		e = emulate_insn_access(v, va, width, EMULATE_STORE, VTRIG_R | VTRIG_W, &val,
		                        &device, &cause, &tval);
		if (e > 0)
			return TRAP_RESUME; /* a trigger on the store half: rd keeps its value */
		if (e < 0)
			return trap_reflect(v, cause, tval);
	}
	set_x(v, rd, f5 == AMO_SC ? !ok : old);
	return done(v, device, 4);
}

bool emulate_sc_refilled(struct vcpu *v)
{
	uint64_t hpa;
	if ((v->pc & (PAGE_SIZE - 1)) > PAGE_SIZE - 4 || shadow_lookup(v, v->pc, PTE_X, &hpa) < 0)
		return false;
	const uint16_t *h = pa_to_va(hpa);
	return is_sc(h[0] | (uint32_t)h[1] << 16);
}

enum trap_action emulate_mem_other(struct vcpu *v, uint32_t insn, uint64_t cause, uint64_t va)
{
	bool store = cause == CAUSE_STORE_PAGE || cause == CAUSE_STORE_ACCESS;
	unsigned op = insn & 0x7f, f3 = (insn >> 12) & 7, f5 = insn >> 27;
	enum trap_action next;
	if ((op == OP_LOAD_FP || op == OP_STORE_FP) && (f3 == 2 || f3 == 3) &&
	    store == (op == OP_STORE_FP))
		return fp_access32(v, insn, store);
	if (insn_length((uint16_t)insn) == 2 && fp_access16(v, insn, store, &next) == 0)
		return next;
	/*
	 * Their loads or their stores faulted; lr's rs2 field must be 0.  An SC
	 * that faulted had passed the hardware's reservation check, which comes
	 * before any access: the guest holds a reservation at its address (its
	 * value unknown: the SC stores, as the spec allows, unpriv §8.2).
	 */
	if (op == OP_AMO && (f3 == 2 || f3 == 3) && amo_known(f5) &&
	    (f5 != AMO_LR || (!store && !((insn >> 20) & 31)))) {
		struct resv r = {
		    .valid = true, .any = true, .va = v->x[(insn >> 15) & 31], .val = 0};
		return amo_access(v, insn, &r);
	}
	return trap_reflect(v, store ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS, va);
}
