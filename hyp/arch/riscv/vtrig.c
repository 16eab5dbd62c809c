/*
 * Guest debug triggers on address watches (vtrig.h).  What the board does
 * (QEMU 7.2 debug.c and its softmmu watchpoints), followed here to the
 * letter, quirks included:
 *  - an enabled trigger (a mode bit and a load, store or execute bit) with
 *    execute set is a breakpoint at tdata2; with load or store, a
 *    watchpoint of tdata2, size bytes long, the size field's encoding
 *    itself (8 for "any"), not made when it would wrap the address space;
 *  - an instruction fetched at a breakpoint's address fires when any
 *    execute trigger has the current mode's bit, whatever its address;
 *    before the fetch is tried (no page or access fault first);
 *  - an access overlapping a watchpoint of its kind fires when a trigger
 *    at the same address, of a kind in common, has the mode's bit; after
 *    the page's translation and PMP.  A misaligned load on a watched page
 *    is checked as the two aligned loads of its width the board makes of
 *    it, a misaligned store as the board's two-part check, an AMO or SC
 *    (to its reserved address) as a load, then a store;
 *  - a translation or PMP check that fails (a TLB fill, QEMU 7.2.17's
 *    riscv_cpu_tlb_fill) checks the fill's own range first: the whole
 *    access at its first page, the second page's aligned load or the
 *    store's bytes there;
 *  - the exception is a breakpoint, tval 0; mepc the instruction's.
 * Addresses are virtual: a watch is on each guest-physical page a
 * trigger's page translates to (untranslated, and through satp), and a
 * hit is matched by its virtual address.
 */
#include "arch/riscv/vtrig.h"
#include "arch/riscv/insn.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/trap.h"
#include "arch/riscv/vcpu.h"
#include "arch/riscv/watch.h"
#include "core/vm.h"

#define PAGE        4096UL
#define T_LOAD      1UL
#define T_STORE     2UL
#define T_EXEC      4UL
#define T_MODES2    (1UL << 3 | 1UL << 4 | 1UL << 6) /* U, S, M */
#define T_MODES6    (T_MODES2 | 3UL << 23)           /* and VU, VS */
#define GUARDS      12 /* halfwords before an execute trigger that may start an instruction */
#define MAX_WATCHES WATCH_MAX

static bool trig_enabled(uint64_t t1)
{
	uint64_t modes = t1 >> 60 == 6 ? T_MODES6 : T_MODES2;
	return (t1 & modes) && (t1 & (T_LOAD | T_STORE | T_EXEC));
}

/* debug.c: (ctrl >> 3) & BIT(priv) */
static bool trig_mode(uint64_t t1, enum vmode m)
{
	return (t1 >> 3) >> m & 1;
}

static unsigned trig_acc(uint64_t t1)
{
	return (t1 & T_LOAD ? VTRIG_R : 0) | (t1 & T_STORE ? VTRIG_W : 0);
}

/* Trigger j's watchpoint, if the board has one: its address and length. */
static bool trig_watchpoint(const struct vcsr *c, unsigned j, uint64_t *addr, uint64_t *len)
{
	uint64_t t1 = c->tdata1[j];
	if (!trig_enabled(t1) || !trig_acc(t1))
		return false;
	uint64_t size = t1 >> 60 == 6 ? (t1 >> 16 & 0xf) : ((t1 >> 16 & 3) | (t1 >> 21 & 3) << 2);
	*addr = c->tdata2[j];
	*len = size ? size : 8;
	return *addr + *len - 1 >= *addr; /* cpu_watchpoint_insert refuses a wrapping one */
}

/* The board's watchpoint check of [addr, addr+len) (lengths wrap as its arithmetic does). */
static bool check_range(const struct vcpu *v, uint64_t addr, uint64_t len, unsigned acc)
{
	const struct vcsr *c = &v->csr;
	for (unsigned j = 0; j < VCSR_TRIGGERS; j++) {
		uint64_t wa, wl;
		if (!trig_watchpoint(c, j, &wa, &wl) || !(trig_acc(c->tdata1[j]) & acc))
			continue;
		if (addr > wa + wl - 1 || wa > addr + len - 1)
			continue;
		/* debug.c's riscv_cpu_debug_check_watchpoint: any trigger at its address */
		for (unsigned i = 0; i < VCSR_TRIGGERS; i++) {
			if ((trig_acc(c->tdata1[i]) & trig_acc(c->tdata1[j])) &&
			    c->tdata2[i] == c->tdata2[j] && trig_mode(c->tdata1[i], v->mode))
				return true;
		}
	}
	return false;
}

/* Whether piece `piece` (0: first page, 1: second) of the access fires a trigger. */
static bool access_fires(const struct vcpu *v, uint64_t va, uint64_t width, unsigned acc,
                         unsigned piece, bool nothing)
{
	if (acc == (VTRIG_R | VTRIG_W) || !(va & (width - 1)))
		return piece == 0 && check_range(v, va, width, acc);
	if (acc == VTRIG_W) {
		/* cputlb.c store_helper_unaligned: both parts checked before any byte */
		uint64_t size2 = (va + width) & (PAGE - 1), page2 = (va + width) & ~(PAGE - 1);
		return piece == 0 && (check_range(v, va, width - size2, acc) ||
		                      check_range(v, page2, size2, acc));
	}
	/* load_helper: two aligned loads of the access's width */
	uint64_t a1 = va & ~(width - 1);
	if ((va & (PAGE - 1)) + width <= PAGE) /* where nothing answers, the first one faults */
		return piece == 0 && (check_range(v, a1, width, acc) ||
		                      (!nothing && check_range(v, a1 + width, width, acc)));
	return check_range(v, piece ? a1 + width : a1, width, acc);
}

bool vtrig_exec_fires(const struct vcpu *v, uint64_t pc)
{
	const struct vcsr *c = &v->csr;
	bool at = false, mode = false;
	for (unsigned i = 0; i < VCSR_TRIGGERS; i++) {
		uint64_t t1 = c->tdata1[i];
		if (!(t1 & T_EXEC))
			continue;
		/* debug.c's riscv_cpu_debug_check_breakpoint pairs any breakpoint with any trigger */
		at |= trig_enabled(t1) && c->tdata2[i] == pc;
		mode |= trig_mode(t1, v->mode);
	}
	return at && mode;
}

static enum watch_verdict fire(struct vcpu *v)
{
	trap_reflect(v, CAUSE_BREAKPOINT, 0);
	v->note = "trigger";
	return WATCH_BEFORE;
}

static enum watch_verdict exec_hit(struct vcpu *v, const struct watch_hit *hit, void *arg)
{
	(void)arg;
	return vtrig_exec_fires(v, hit->pc) ? fire(v) : WATCH_IGNORE;
}

bool vtrig_access(struct vcpu *v, uint64_t va, bool store, enum vtrig_where where)
{
	const struct vtrig *t = &v->trig;
	unsigned acc = t->acc;
	if (!acc) /* not an instruction's access that can be held back */
		return false;
	unsigned piece = va != t->va;
	/*
	 * The board's hart alone (tcg-op.c without CF_PARALLEL) makes an AMO or
	 * SC a load, then a store, each filled and checked as what it is.
	 */
	if (acc == (VTRIG_R | VTRIG_W))
		acc = store ? VTRIG_W : VTRIG_R;
	if (!access_fires(v, t->va, t->width, acc, piece, where == VTRIG_NOTHING))
		return false;
	fire(v);
	return true;
}

bool vtrig_fill_failed(struct vcpu *v, uint64_t va, uint64_t len, bool store)
{
	if (!v->trig.acc || !check_range(v, va, len, store ? VTRIG_W : VTRIG_R))
		return false;
	fire(v);
	return true;
}

static enum watch_verdict data_hit(struct vcpu *v, const struct watch_hit *hit, void *arg)
{
	(void)arg;
	return vtrig_access(v, hit->va, hit->store, VTRIG_RAM) ? WATCH_BEFORE : WATCH_IGNORE;
}

/*
 * The guest-physical address va reaches in RAM untranslated (M-mode) and
 * through satp (S and U, MPRV), whatever the permissions: up to two.
 */
static unsigned gpas_of(struct vcpu *v, uint64_t va, uint64_t *out)
{
	static const enum gwalk_access accs[] = {GW_FETCH, GW_LOAD, GW_STORE};
	unsigned n = 0;
	if (vm_gpa_to_hva(v->vm, va & ~(PAGE - 1), PAGE))
		out[n++] = va;
	if (!(v->csr.satp >> 60))
		return n;
	for (unsigned k = 0; k < 6; k++) {
		uint64_t gpa;
		if (shadow_walk(v, va, accs[k % 3], k < 3 ? VMODE_S : VMODE_U, false, &gpa) !=
		    GW_OK)
			continue;
		if (vm_gpa_to_hva(v->vm, gpa & ~(PAGE - 1), PAGE) && !(n && out[0] == gpa))
			out[n++] = gpa;
		break;
	}
	return n;
}

struct plan {
	uint64_t gpa[MAX_WATCHES];
	unsigned kinds[MAX_WATCHES];
	unsigned chain[MAX_WATCHES]; /* watches that stand or fall together */
	unsigned n, chains;
};

static void plan_add(struct plan *p, uint64_t gpa, unsigned kinds, unsigned chain)
{
	for (unsigned i = 0; i < p->n; i++) {
		if (p->gpa[i] == gpa && p->kinds[i] == kinds)
			return;
	}
	if (p->n < MAX_WATCHES) {
		p->gpa[p->n] = gpa;
		p->kinds[p->n] = kinds;
		p->chain[p->n++] = chain;
	}
}

/*
 * A c.ebreak at the trigger's address in the page's private copy, and, when
 * the halfword before it may begin a 32-bit instruction that the patch
 * would cut, at that halfword too (and so on back): that instruction then
 * traps where it starts and is stepped over unpatched (watch.c).  A run of
 * such halfwords longer than GUARDS, or one reaching the page's start: no
 * patch at all (the trigger does not fire there), never a cut instruction.
 */
static void plan_exec(struct vcpu *v, struct plan *p, uint64_t gpa)
{
	if (gpa & 1)
		return; /* no instruction starts there */
	unsigned k = 0;
	for (;; k++) {
		if (k > GUARDS || !((gpa - 2 * k) & (PAGE - 1)))
			return;
		const uint16_t *h = vm_gpa_to_hva(v->vm, gpa - 2 * k - 2, 2);
		if (!h || insn_length(*h) != 4)
			break;
	}
	p->chains++;
	for (; (int)k >= 0; k--) /* the farthest guard first: the patch only once all stand */
		plan_add(p, gpa - 2 * k, WATCH_EXEC, p->chains);
}

void vtrig_sync(struct vcpu *v)
{
	struct vm *vm = v->vm;
	const struct vcsr *c = &v->csr;
	struct plan p = {.n = 0};
	bool on = false;
	for (unsigned j = 0; j < VCSR_TRIGGERS; j++) {
		uint64_t t1 = c->tdata1[j], gpa[2], addr, len;
		if (!trig_enabled(t1))
			continue;
		if (t1 & T_EXEC) {
			on = true;
			unsigned n = gpas_of(v, c->tdata2[j], gpa);
			for (unsigned k = 0; k < n; k++)
				plan_exec(v, &p, gpa[k]);
		}
		if (!trig_watchpoint(c, j, &addr, &len))
			continue;
		on = true;
		/* every page the board's checks of an access overlapping it can fall in */
		uint64_t first = addr & ~(PAGE - 1), last = (addr + len - 1) & ~(PAGE - 1);
		for (uint64_t pg = first;; pg += PAGE) { /* one page or two, the last maybe ~0's */
			unsigned n = gpas_of(v, pg, gpa);
			for (unsigned k = 0; k < n; k++)
				plan_add(&p, gpa[k], WATCH_ACCESS, 0);
			if (pg == last)
				break;
		}
	}
	watch_remove_all(vm, &v->trig);
	v->trig.on = on;
	int id[MAX_WATCHES];
	for (unsigned i = 0; i < p.n; i++) {
		if (p.kinds[i] == WATCH_EXEC)
			id[i] = watch_add(vm, WATCH_EXEC, p.gpa[i], 2, exec_hit, &v->trig);
		else
			id[i] = watch_add(vm, WATCH_ACCESS, p.gpa[i], PAGE, data_hit, &v->trig);
		if (id[i] >= 0 || !p.chain[i])
			continue;
		/* no room (a debugger's watches): the rest of its chain goes too */
		for (unsigned k = 0; k < i; k++) {
			if (p.chain[k] == p.chain[i] && id[k] >= 0)
				watch_remove(vm, id[k]);
		}
		while (i + 1 < p.n && p.chain[i + 1] == p.chain[i])
			id[++i] = -1;
	}
}
