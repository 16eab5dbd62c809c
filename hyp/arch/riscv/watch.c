/*
 * Address watches (watch.h): shadow permissions taken away, private copies
 * of code pages with a c.ebreak at each watched instruction, and one
 * instruction at a time for single steps and for stepping over a watch
 * its owner ignored.
 */
#include "arch/riscv/watch.h"
#include "arch/riscv/emulate.h"
#include "arch/riscv/insn.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/vcpu.h"
#include "core/mem.h"
#include "core/vm.h"
#include "lib/string.h"

#define NO_GPA   (~0UL)
#define C_EBREAK 0x9002 /* unpriv spec §16.8: fetched alone, whatever followed it */
#define PAGE     4096UL

static void watch_on_update(struct vm *vm)
{
	struct watch *w = &vm->watch;
	vm->watch_on =
	    w->count || w->stop || w->stopped || w->catch_mask || w->step != WATCH_STEP_NONE;
	vm->fast_off = vm->trace || vm->watch_on;
}

void watch_init(struct vm *vm)
{
	struct watch *w = &vm->watch;
	for (unsigned i = 0; i < WATCH_PAGES; i++) {
		if (w->page[i].copy && w->page[i].gpa != NO_GPA)
			page_free(w->page[i].copy);
	}
	void (*on_stop)(struct vm *, void *) = w->on_stop;
	void *arg = w->on_stop_arg;
	memset(w, 0, sizeof(*w));
	w->on_stop = on_stop;
	w->on_stop_arg = arg;
	for (unsigned i = 0; i < WATCH_PAGES; i++)
		w->page[i].gpa = NO_GPA;
	w->step_temp = w->step_over_gpa = w->step_inner = NO_GPA;
	watch_on_update(vm);
}

static struct watch_page *page_of(const struct vm *vm, uint64_t gpa)
{
	const struct watch *w = &vm->watch;
	for (unsigned i = 0; i < WATCH_PAGES; i++) {
		if (w->page[i].gpa == (gpa & ~(PAGE - 1)))
			return (struct watch_page *)&w->page[i];
	}
	return NULL;
}

/* The pages needed now, each with its kinds; a page needed by none loses its copy. */
static bool pages_plan(struct vm *vm, struct watch_page *want)
{
	struct watch *w = &vm->watch;
	unsigned n = 0;
	for (unsigned i = 0; i <= WATCH_MAX; i++) {
		uint64_t gpa;
		unsigned kinds;
		if (i < WATCH_MAX) {
			if (!w->w[i].len)
				continue;
			gpa = w->w[i].gpa & ~(PAGE - 1);
			kinds = w->w[i].kinds;
		} else if (w->step_temp != NO_GPA) {
			gpa = w->step_temp & ~(PAGE - 1);
			kinds = WATCH_EXEC;
		} else {
			continue;
		}
		unsigned k;
		for (k = 0; k < n && want[k].gpa != gpa; k++)
			;
		if (k == n) {
			if (n == WATCH_PAGES)
				return false;
			want[n].gpa = gpa;
			want[n].kinds = 0;
			want[n++].copy = 0;
		}
		want[k].kinds |= kinds;
	}
	for (; n < WATCH_PAGES; n++)
		want[n].gpa = NO_GPA;
	return true;
}

static void copy_build(struct vm *vm, struct watch_page *p)
{
	struct watch *w = &vm->watch;
	uint8_t *copy = pa_to_va(p->copy);
	memcpy(copy, vm_gpa_to_hva(vm, p->gpa, PAGE), PAGE);
	for (unsigned i = 0; i <= WATCH_MAX; i++) {
		uint64_t gpa =
		    i < WATCH_MAX
		        ? (w->w[i].len && (w->w[i].kinds & WATCH_EXEC) ? w->w[i].gpa : NO_GPA)
		        : w->step_temp;
		/* a patch inside the instruction being stepped would change it */
		if (gpa == NO_GPA || (gpa & ~(PAGE - 1)) != p->gpa || gpa == w->step_over_gpa ||
		    gpa == w->step_inner)
			continue;
		copy[gpa & (PAGE - 1)] = C_EBREAK & 0xff;
		copy[(gpa & (PAGE - 1)) + 1] = C_EBREAK >> 8;
	}
}

/*
 * Makes the pages and copies follow the watches, then drops every shadow
 * leaf: the next fills see the new permissions.  Rare (a debugger's
 * command, a step): simplicity over speed.
 */
static bool watch_sync(struct vm *vm)
{
	struct watch *w = &vm->watch;
	struct watch_page want[WATCH_PAGES];
	if (!pages_plan(vm, want))
		return false;
	for (unsigned i = 0; i < WATCH_PAGES; i++) {
		struct watch_page *old = &w->page[i];
		if (old->gpa == NO_GPA)
			continue;
		for (unsigned k = 0; k < WATCH_PAGES; k++) {
			if (want[k].gpa == old->gpa && (want[k].kinds & WATCH_EXEC)) {
				want[k].copy = old->copy; /* keep it */
				old->copy = 0;
			}
		}
		if (old->copy)
			page_free(old->copy);
	}
	for (unsigned i = 0; i < WATCH_PAGES; i++) {
		w->page[i] = want[i];
		if (want[i].gpa == NO_GPA || !(want[i].kinds & WATCH_EXEC))
			continue;
		if (!w->page[i].copy)
			w->page[i].copy = page_alloc();
		copy_build(vm, &w->page[i]);
	}
	fence_i();
	shadow_flush_all(&vm->vcpu);
	watch_on_update(vm);
	return true;
}

int watch_add(struct vm *vm, unsigned kinds, uint64_t gpa, uint64_t len, watch_fn fn, void *arg)
{
	struct watch *w = &vm->watch;
	if (kinds & WATCH_EXEC) {
		if (gpa & 1)
			return -1;
		len = 2;
	}
	if (!len || !kinds || (kinds & ~(unsigned)(WATCH_EXEC | WATCH_ACCESS)) ||
	    (gpa & ~(PAGE - 1)) != ((gpa + len - 1) & ~(PAGE - 1)) || !vm_gpa_to_hva(vm, gpa, len))
		return -1;
	for (int i = 0; i < WATCH_MAX; i++) {
		if (w->w[i].len)
			continue;
		w->w[i] = (struct watch_entry){gpa, len, kinds, fn, arg};
		w->count++;
		if (!watch_sync(vm)) {
			watch_remove(vm, i);
			return -1;
		}
		return i;
	}
	return -1;
}

void watch_remove(struct vm *vm, int id)
{
	struct watch *w = &vm->watch;
	if (id < 0 || id >= WATCH_MAX || !w->w[id].len)
		return;
	w->w[id].len = 0;
	w->count--;
	watch_sync(vm);
}

void watch_remove_all(struct vm *vm, void *arg)
{
	for (int i = 0; i < WATCH_MAX; i++) {
		if (vm->watch.w[i].len && vm->watch.w[i].arg == arg)
			watch_remove(vm, i);
	}
}

static void stopped_now(struct vm *vm)
{
	struct watch *w = &vm->watch;
	w->stop = false;
	w->stopped = true;
	watch_on_update(vm);
	if (w->on_stop)
		w->on_stop(vm, w->on_stop_arg);
}

void watch_stop(struct vm *vm)
{
	if (vm->watch.stopped)
		return;
	vm->watch.stop = true;
	watch_on_update(vm);
	if (!vm->vcpu.on_hart)
		stopped_now(vm); /* off the CPU already: nothing more of it runs */
}

void watch_catch(struct vm *vm, uint64_t mask)
{
	vm->watch.catch_mask = mask;
	watch_on_update(vm);
}

void watch_slice_end(struct vm *vm)
{
	if (vm->watch.stop)
		stopped_now(vm);
}

void watch_resume(struct vm *vm)
{
	vm->watch.stop = vm->watch.stopped = false;
	watch_on_update(vm);
}

/* ---- one instruction ---- */

/*
 * Where the instruction at the pc goes when it does not trap (unpriv spec
 * §2.5 jumps and branches, §16.4 RVC's): the registers as they are now.
 */
static uint64_t next_pc(const struct vcpu *v, uint32_t insn)
{
	const uint64_t *x = v->x, pc = v->pc;
	struct insn_branch b;
	if (insn_decode_branch(insn, &b) == 0)
		return insn_branch_taken(&b, x[b.rs1], x[b.rs2]) ? pc + (uint64_t)b.off
		                                                 : pc + b.len;
	if (insn_length((uint16_t)insn) == 2) {
		unsigned op = insn & 3, f3 = (insn >> 13) & 7, r1 = (insn >> 7) & 31;
		if (op == 2 && f3 == 4 && r1 && ((insn >> 2) & 31) == 0) /* c.jr, c.jalr */
			return x[r1] & ~1UL;
		return pc + 2;
	}
	if ((insn & 0x7f) == 0x67) /* jalr */
		return (x[(insn >> 15) & 31] + insn_sext(insn >> 20, 12)) & ~1UL;
	return pc + 4;
}

uint64_t watch_next_pc(struct vcpu *v)
{
	uint32_t insn = emulate_fetch(v, v->pc);
	return insn ? next_pc(v, insn) : v->pc;
}

static bool step_begin(struct vcpu *v, enum watch_step_kind kind, uint64_t over_gpa)
{
	struct watch *w = &v->vm->watch;
	uint32_t insn = emulate_fetch(v, v->pc);
	uint64_t npc = insn ? next_pc(v, insn) : v->pc, gpa;
	w->step = kind;
	w->step_pc = v->pc;
	w->step_mode = v->mode;
	w->step_over_gpa = over_gpa;
	w->step_temp = w->step_inner = NO_GPA;
	if (insn && insn_length((uint16_t)insn) == 4 &&
	    shadow_translate(v, v->pc + 2, true, &gpa) == 0)
		w->step_inner = gpa;
	/*
	 * A fetch that faults, or an instruction that traps, changes the pc or
	 * the mode (the guest's handler, or popek's emulation): watch_before_enter
	 * sees that.  Otherwise the c.ebreak at the next pc ends the step.
	 */
	if (insn && npc != v->pc && shadow_translate(v, npc, true, &gpa) == 0 &&
	    vm_gpa_to_hva(v->vm, gpa, 2))
		w->step_temp = gpa;
	if (!watch_sync(v->vm)) {
		w->step_temp = NO_GPA;
		watch_sync(v->vm);
	}
	return insn && npc == v->pc; /* a jump to itself: done as soon as started */
}

static void step_finish(struct vm *vm)
{
	struct watch *w = &vm->watch;
	enum watch_step_kind kind = w->step;
	w->step = WATCH_STEP_NONE;
	w->step_temp = w->step_over_gpa = w->step_inner = NO_GPA;
	watch_sync(vm);
	if (kind == WATCH_STEP_STOP)
		w->stop = true;
	watch_on_update(vm);
}

void watch_single_step(struct vm *vm)
{
	struct watch *w = &vm->watch;
	w->stop = w->stopped = false;
	if (step_begin(&vm->vcpu, WATCH_STEP_STOP, NO_GPA)) {
		step_finish(vm);
		stopped_now(vm);
	}
	watch_on_update(vm);
}

/* ---- popek's paths ---- */

uint64_t watch_shadow_perms(const struct vm *vm, uint64_t gpa, uint64_t perms, uint64_t *hpa)
{
	const struct watch_page *p = page_of(vm, gpa);
	if (!p)
		return perms;
	if (p->copy) {
		perms &= PTE_X; /* loads and stores reach the original: emulated */
		*hpa = p->copy;
	}
	if (p->kinds & WATCH_LOAD)
		perms &= ~(uint64_t)(PTE_R | PTE_W); /* W without R is reserved (§4.3.1) */
	if (p->kinds & WATCH_STORE)
		perms &= ~(uint64_t)PTE_W;
	return perms;
}

bool watch_in(const struct vm *vm, uint64_t gpa, uint64_t size)
{
	const struct watch *w = &vm->watch;
	for (unsigned i = 0; i < WATCH_PAGES; i++) {
		if (w->page[i].gpa != NO_GPA && w->page[i].gpa - gpa < size)
			return true;
	}
	return false;
}

bool watch_is_copy(const struct vm *vm, uint64_t hpa)
{
	const struct watch *w = &vm->watch;
	for (unsigned i = 0; i < WATCH_PAGES; i++) {
		if (w->page[i].gpa != NO_GPA && w->page[i].copy && hpa - w->page[i].copy < PAGE)
			return true;
	}
	return false;
}

enum watch_verdict watch_access(struct vcpu *v, uint64_t va, uint64_t gpa, unsigned width,
                                bool store)
{
	struct watch *w = &v->vm->watch;
	unsigned kind = store ? WATCH_STORE : WATCH_LOAD;
	for (unsigned i = 0; i < WATCH_MAX; i++) {
		const struct watch_entry *e = &w->w[i];
		if (!e->len || !(e->kinds & kind) || gpa >= e->gpa + e->len ||
		    e->gpa >= gpa + width)
			continue;
		struct watch_hit hit = {kind, va, gpa, width, v->pc, store};
		enum watch_verdict r = e->fn(v, &hit, e->arg);
		if (r != WATCH_IGNORE)
			return r;
	}
	return WATCH_IGNORE;
}

void watch_stored(struct vm *vm, uint64_t gpa, unsigned width)
{
	for (uint64_t p = gpa & ~(PAGE - 1); p < gpa + width; p += PAGE) {
		struct watch_page *wp = page_of(vm, p);
		if (wp && wp->copy) {
			copy_build(vm, wp);
			fence_i();
		}
	}
}

bool watch_breakpoint(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct watch *w = &vm->watch;
	uint64_t gpa;
	if (!vm->watch_on || shadow_translate(v, v->pc, true, &gpa) < 0)
		return false;
	if (w->step != WATCH_STEP_NONE && gpa == w->step_temp) {
		bool over = w->step == WATCH_STEP_OVER;
		step_finish(vm); /* the one instruction is done */
		if (over)        /* an SC after a stepped LR: this trap dropped its reservation */
			emulate_sc_after_step(v, w->step_pc);
		return true;
	}
	bool watched = false;
	for (unsigned i = 0; i < WATCH_MAX; i++) {
		const struct watch_entry *e = &w->w[i];
		if (!e->len || !(e->kinds & WATCH_EXEC) || e->gpa != gpa || gpa == w->step_over_gpa)
			continue;
		watched = true;
		struct watch_hit hit = {WATCH_EXEC, v->pc, gpa, 2, v->pc, false};
		if (e->fn(v, &hit, e->arg) != WATCH_IGNORE)
			return true;
	}
	if (!watched)
		return false; /* the guest's own ebreak */
	/* every owner let it pass: the original instruction runs, then the patch returns */
	if (step_begin(v, WATCH_STEP_OVER, gpa))
		step_finish(vm);
	return true;
}

bool watch_run_on(struct vcpu *v, uint64_t hpa, uint32_t *insn)
{
	struct vm *vm = v->vm;
	struct watch *w = &vm->watch;
	uint64_t gpa;
	if (w->step == WATCH_STEP_OVER && (v->pc != w->step_pc || v->mode != w->step_mode))
		step_finish(vm); /* popek carried the stepped one out (watch_before_enter would) */
	if (w->stop || w->stopped || w->step != WATCH_STEP_NONE)
		return false; /* the instruction runs where the stop or step can catch it */
	if (!watch_is_copy(vm, hpa))
		return true;
	const uint16_t *h;
	if (shadow_translate(v, v->pc, true, &gpa) < 0 || !(h = vm_gpa_to_hva(vm, gpa, 4)))
		return false;
	*insn = h[0] | (uint32_t)h[1] << 16; /* the original, not the copy's patch */
	/* a patch at its second half has one at its start (vtrig.c plan_exec's guard) */
	for (unsigned i = 0; i < WATCH_MAX; i++) {
		const struct watch_entry *e = &w->w[i];
		if (!e->len || !(e->kinds & WATCH_EXEC) || e->gpa != gpa)
			continue;
		struct watch_hit hit = {WATCH_EXEC, v->pc, gpa, 2, v->pc, false};
		if (e->fn(v, &hit, e->arg) != WATCH_IGNORE)
			return false;
	}
	return true;
}

void watch_trap(struct vcpu *v, uint64_t cause)
{
	struct watch *w = &v->vm->watch;
	if (cause < 64 && (w->catch_mask >> cause & 1)) {
		w->caught = cause + 1;
		watch_stop(v->vm); /* at the handler's first instruction, once delivered */
	}
}

bool watch_before_enter(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct watch *w = &vm->watch;
	if (w->step != WATCH_STEP_NONE && (v->pc != w->step_pc || v->mode != w->step_mode))
		step_finish(vm); /* it trapped, or popek carried it out */
	if (w->stop)
		stopped_now(vm);
	return w->stopped;
}
