/*
 * Running a vCPU: before every entry popek delivers what interrupt the guest
 * can take, installs the shadow view for its virtual mode, and aims the
 * real timer at the earlier of the guest's deadline and the end of its
 * quantum; after every exit trap.c handles the trap.  The scheduler
 * (core/sched.c) decides which vCPU runs and for how long.
 */
#include "arch/riscv/vcpu.h"
#include "arch/riscv/emulate.h"
#include "arch/riscv/inject.h"
#include "arch/riscv/mmu.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/sbi.h"
#include "arch/riscv/trap.h"
#include "arch/riscv/watch.h"
#include "dev/vclint.h"
#include "core/check.h"
#include "core/console.h"
#include "core/panic.h"
#include "drivers/plic.h"
#include "core/vm.h"
#include "lib/string.h"

#include <stddef.h>

_Static_assert(offsetof(struct vcpu, pc) == VCPU_PC, "vcpu layout");
_Static_assert(offsetof(struct vcpu, popek_sp) == VCPU_POPEK_SP, "vcpu layout");
_Static_assert(offsetof(struct vcpu, enter_satp) == VCPU_ENTER_SATP, "vcpu layout");
_Static_assert(TRAP_REENTER == VCPU_TRAP_REENTER, "entry.S's TRAP_REENTER");
_Static_assert(offsetof(struct vcpu, mode) == VCPU_MODE && VMODE_S == 1, "vcpu layout");
_Static_assert(offsetof(struct vcpu, csr.mstatus) == VCPU_MSTATUS, "vcpu layout");
_Static_assert(offsetof(struct vcpu, csr.mie) == VCPU_MIE, "vcpu layout");
_Static_assert(offsetof(struct vcpu, csr.mip) == VCPU_MIP, "vcpu layout");
_Static_assert(offsetof(struct vcpu, csr.seip_line) == VCPU_SEIP_LINE &&
                   sizeof(((struct vcsr *)0)->seip_line) == 1,
               "vcpu layout");
_Static_assert(offsetof(struct vcpu, csr.sscratch) == VCPU_SSCRATCH &&
                   offsetof(struct vcsr, sepc) == offsetof(struct vcsr, sscratch) + 8 &&
                   offsetof(struct vcsr, scause) == offsetof(struct vcsr, sscratch) + 16 &&
                   offsetof(struct vcsr, stval) == offsetof(struct vcsr, sscratch) + 24,
               "vcpu layout: sscratch, sepc, scause, stval in the order of their numbers");
_Static_assert(offsetof(struct vcpu, irq_stale) == VCPU_IRQ_STALE && sizeof(bool) == 1,
               "vcpu layout");
_Static_assert(offsetof(struct vcpu, vm) == VCPU_VM, "vcpu layout");
_Static_assert(offsetof(struct vcpu, stats.traps) == VCPU_STAT_TRAPS, "vcpu layout");
_Static_assert(offsetof(struct vcpu, stats.by_cause) == VCPU_STAT_BY_CAUSE, "vcpu layout");
_Static_assert(offsetof(struct vcpu, stats.emulated[EMUL_CSR]) == VCPU_STAT_CSR, "vcpu layout");
_Static_assert(offsetof(struct vm, fast_off) == VM_FAST_OFF, "vm layout");
#define SCOUNTEREN_TM (1UL << 1) /* priv spec §4.1.5: time */
/* what its system-call and sret lanes read and write (entry.S .Lx_ecall, .Lx_sret) */
_Static_assert(offsetof(struct vcpu, csr.scounteren) == VCPU_SSCRATCH - 8 + 6 * 8,
               "entry.S's express lane: scounteren is field 6");
_Static_assert(offsetof(struct vcpu, views_own_asids) == VCPU_OWN_ASIDS &&
                   offsetof(struct vcpu, lane_cause) == VCPU_LANE_CAUSE &&
                   offsetof(struct vcpu, csr.has_m) == VCPU_HAS_M &&
                   offsetof(struct vcpu, csr.medeleg) == VCPU_MEDELEG &&
                   offsetof(struct vcpu, csr.mcounteren) == VCPU_MCOUNTEREN &&
                   offsetof(struct vcpu, csr.stvec) == VCPU_STVEC &&
                   offsetof(struct vcpu, csr.sepc) == VCPU_SEPC &&
                   offsetof(struct vcpu, csr.scause) == VCPU_SCAUSE &&
                   offsetof(struct vcpu, csr.stval) == VCPU_STVAL &&
                   offsetof(struct vcpu, csr.scounteren) == VCPU_SCOUNTEREN &&
                   offsetof(struct vcpu, clock.virtual) == VCPU_CLOCK_VIRTUAL &&
                   offsetof(struct vcpu, fault_loop) == VCPU_FAULT_LOOP &&
                   offsetof(struct vcpu, stats.emulated[EMUL_SRET]) == VCPU_STAT_SRET &&
                   offsetof(struct vcpu, stats.reflected) == VCPU_STAT_REFLECTED &&
                   offsetof(struct vcpu, stats.satp_writes) == VCPU_STAT_SATP_WRITES &&
                   offsetof(struct vcpu, view_satp) == VCPU_VIEW_SATP &&
                   offsetof(struct vcpu, view_clock) == VCPU_VIEW_CLOCK &&
                   offsetof(struct vcpu, view_lost) == VCPU_VIEW_LOST &&
                   offsetof(struct vcpu, view_valid) == VCPU_VIEW_VALID &&
                   offsetof(struct vcpu, shadow.clock) == VCPU_SHADOW_CLOCK,
               "vcpu layout");
_Static_assert(sizeof(bool) == 1 && sizeof(enum vmode) == 4 &&
                   sizeof(((struct vcpu *)0)->view_valid) == 4 && VMODE_U == 0 && VIEW_BARE == 0 &&
                   VIEW_U == 1 && VIEW_S == 2 && VIEW_S_SUM == 3 && CAUSE_ECALL_U == 8 &&
                   SSTATUS_SUM == 1UL << 18 && MSTATUS_MPRV == 1UL << 17 &&
                   MSTATUS_TSR == 1UL << 22 && SSTATUS_SPP == 0x100 && SSTATUS_SPIE == 0x20 &&
                   SCOUNTEREN_TM == 2 && VCPU_VIEW_CLOCK - 2047 < 2048,
               "entry.S's system-call and sret lanes");
/* what the express lane's peek reads (entry.S .Lpeek) */
_Static_assert(offsetof(struct vcpu, stats.ahead) == VCPU_STAT_AHEAD &&
                   offsetof(struct vcpu, csr.satp) == VCPU_SATP &&
                   offsetof(struct vcpu, shadow.lost) == VCPU_SHADOW_LOST &&
                   offsetof(struct vcpu, fetch_cache) == VCPU_FETCH_CACHE_AT,
               "vcpu layout");
_Static_assert(offsetof(struct fetch_cache_entry, va) == FETCH_VA &&
                   offsetof(struct fetch_cache_entry, view) == FETCH_VIEW &&
                   offsetof(struct fetch_cache_entry, guest_satp) == FETCH_SATP &&
                   offsetof(struct fetch_cache_entry, gen) == FETCH_GEN &&
                   offsetof(struct fetch_cache_entry, host) == FETCH_HOST &&
                   sizeof(struct fetch_cache_entry) == 40,
               "fetch cache layout");
_Static_assert(EXPRESS_VIEW_BITS == (SSTATUS_SUM | MSTATUS_MPRV | MSTATUS_MPP) &&
                   (VCPU_FETCH_CACHE & (VCPU_FETCH_CACHE - 1)) == 0 &&
                   VCPU_SHADOW_LOST - 2047 < 2048,
               "entry.S's peek");
/* the bits entry.S's express lane tests: vcsr.h's and riscv.h's */
_Static_assert(SSTATUS_WRITABLE == 0xc6122 && SSTATUS_FS == 0x6000 && SSTATUS_SIE == 2 &&
                   MSTATUS_UXL_64 == 1UL << 33 && IRQ_S_EXT == 9 && CAUSE_ILLEGAL_INSN == 2,
               "entry.S's express lane");
/* What the trap path touches of a VM (vm.h): its first page, one refill after each TLB flush. */
_Static_assert(offsetof(struct vm, vcpu) + offsetof(struct vcpu, shadow.fixed) <= 4096,
               "the trap path's part of struct vm spans two pages");

#define MIP_STIP    (1UL << IRQ_S_TIMER)
#define MIP_MSIP    (1UL << IRQ_M_SOFT)
#define MIP_MTIP    (1UL << IRQ_M_TIMER)
#define MIP_MEIP    (1UL << IRQ_M_EXT)
#define NO_DEADLINE UINT64_MAX
#define FS_INITIAL  (1UL << 13)
#define PLIC_CTX_M  0 /* the vPLIC's contexts for hart 0 (core/guest_layout.h) */
#define PLIC_CTX_S  1

void fp_save(uint64_t *area);
void fp_restore(const uint64_t *area);

static uint64_t real_deadline = NO_DEADLINE; /* what the real timer is set to */
static struct vcpu *fp_owner;                /* whose FP state is in the real registers */
static bool asids_shared; /* too few ASID bits: address spaces share ASIDs (mmu.c) */

uint64_t vcpu_now(void)
{
	return csr_read(time);
}

uint64_t vcpu_guest_time(const struct vcpu *v)
{
	return vclock_read(&v->clock, vcpu_now());
}

uint64_t vcpu_clint_now(void *vcpu)
{
	return vcpu_guest_time(vcpu);
}

uint64_t vcpu_deadline_real(const struct vcpu *v)
{
	return vclock_to_real(&v->clock, v->timer_deadline);
}

const char *vcpu_mode_name(enum vmode m)
{
	static const char *const names[] = {[VMODE_U] = "vU", [VMODE_S] = "vS", [VMODE_M] = "vM"};
	return m <= VMODE_M && names[m] ? names[m] : "v?";
}

/* The state the board gives a hart at reset (firmware) or OpenSBI its payload. */
static void vcpu_setup(struct vcpu *v, uint64_t pc, uint64_t arg, bool firmware)
{
	v->hart_id = 0;
	v->views_own_asids = !asids_shared;
	v->pc = pc;
	v->x[10] = v->hart_id;
	v->x[11] = arg;
	if (firmware) {
		v->mode = VMODE_M;
		vcsr_reset_m(&v->csr);
		struct sbiret id = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_MVENDORID, 0, 0, 0);
		v->csr.mvendorid = id.error ? 0 : (uint64_t)id.value;
		id = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_MARCHID, 0, 0, 0);
		v->csr.marchid = id.error ? 0 : (uint64_t)id.value;
		id = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_MIMPID, 0, 0, 0);
		v->csr.mimpid = id.error ? 0 : (uint64_t)id.value;
	} else {
		v->mode = VMODE_S;
		vcsr_reset_sbi(&v->csr, pc);
	}
	v->timer_deadline = NO_DEADLINE;
	v->state = VCPU_RUNNABLE;
	v->irq_stale = true;
}

void vcpu_init(struct vcpu *v, struct vm *vm, uint64_t pc, uint64_t arg, unsigned asid_base,
               bool firmware)
{
	v->vm = vm;
	if (shadow_init(&v->shadow, vm->ram_size, asid_base) < 0)
		panic("vm %s: no room for its %lu KiB of shadow page tables", vm->name,
		      (uint64_t)SHADOW_POOL_BYTES(vm->ram_size) >> 10);
	vcpu_setup(v, pc, arg, firmware);
}

void vcpu_reset(struct vcpu *v, uint64_t pc, uint64_t arg, unsigned asid_base, bool firmware)
{
	struct vm *vm = v->vm;
	CHECK(!v->on_hart, "vm %s: reset while its vCPU runs", vm->name);
	if (fp_owner == v)
		fp_owner = NULL; /* the real FP registers hold the old incarnation's values */
	memset(v, 0, offsetof(struct vcpu, shadow)); /* registers, CSRs, clock, fetch cache */
	memset(v->fp, 0, sizeof(*v) - offsetof(struct vcpu, fp)); /* and what follows the shadow */
	memset(&v->stats, 0, sizeof(v->stats));
	v->vm = vm;
	shadow_reset(&v->shadow, asid_base);
	vcpu_setup(v, pc, arg, firmware);
}

void vcpu_share_asids(bool shared)
{
	asids_shared = shared;
}

static void set_real_timer(uint64_t deadline)
{
	if (deadline != real_deadline) {
		real_deadline = deadline;
		timer_set(deadline);
	}
}

void vcpu_clint_changed(void *vcpu)
{
	struct vcpu *v = vcpu;
	const struct vclint *clint = &v->vm->clint;
	bool mtip = vclint_mtip(clint, vcpu_guest_time(v));
	v->csr.mip &= ~(MIP_MSIP | MIP_MTIP);
	v->csr.mip |= (vclint_msip(clint) ? MIP_MSIP : 0) | (mtip ? MIP_MTIP : 0);
	v->timer_deadline = mtip ? NO_DEADLINE : clint->mtimecmp;
}

/*
 * Brings the guest's pending bits up to date with its timer and its vPLIC.
 * Off the hart, every time (another VM's device interrupts reach it there);
 * on it, only when irq_stale says something could have changed them: the vPLIC's
 * lines move only through a real interrupt (plic_dispatch, console input) or
 * the guest's own device accesses; the vCLINT and the timer deadline through
 * device accesses and SBI calls; and a deadline passing while the guest runs
 * fires the real timer (load_hardware aims it there), a real interrupt.  A
 * deadline passing during a trap leaves the real timer pending: the guest
 * takes it at once, as one more interrupt trap.
 */
static void sync_interrupts(struct vcpu *v)
{
	if (v->on_hart && !v->irq_stale && v->state != VCPU_WFI) {
		CHECK(v->csr.seip_line == vplic_pending(&v->vm->plic, PLIC_CTX_S) &&
		          !(v->csr.has_m && !(v->csr.mip & MIP_MEIP) &&
		            vplic_pending(&v->vm->plic, PLIC_CTX_M)),
		      "vm %s: its vPLIC lines changed with no sync", v->vm->name);
		return;
	}
	v->irq_stale = false;
	if (v->csr.has_m) {
		vcpu_clint_changed(v); /* MTIP is a level: it follows mtime and mtimecmp */
	} else if (v->timer_deadline != NO_DEADLINE && vcpu_guest_time(v) >= v->timer_deadline) {
		v->csr.mip |= MIP_STIP; /* stays pending until the guest sets a new deadline */
		v->timer_deadline = NO_DEADLINE;
	}
	vm_console_feed(v->vm);
	v->csr.seip_line = vplic_pending(&v->vm->plic, PLIC_CTX_S);
	if (v->csr.has_m && vplic_pending(&v->vm->plic, PLIC_CTX_M))
		v->csr.mip |= MIP_MEIP;
	else
		v->csr.mip &= ~MIP_MEIP;
}

bool vcpu_ready(struct vcpu *v)
{
	if (v->state == VCPU_HALTED)
		return false;
	uint64_t deadline = v->timer_deadline; /* before sync_interrupts() retires it */
	sync_interrupts(v);
	if (v->state == VCPU_WFI && vcpu_wfi_wakes(v)) {
		v->state = VCPU_RUNNABLE;
		/* Off the hart, its clock ran while it waited; it stops at what woke it. */
		vclock_wake(&v->clock, vcpu_now(), deadline);
	}
	return v->state == VCPU_RUNNABLE;
}

void vcpu_handle_irq(struct vcpu *v, uint64_t code)
{
	if (v && code < 16)
		v->stats.irqs[code]++;
	if (code == IRQ_S_TIMER) {
		real_deadline = 0; /* force the next set_real_timer() to reprogram */
		set_real_timer(NO_DEADLINE);
	} else if (code == IRQ_S_EXT) {
		plic_dispatch();
	} else {
		csr_clear(sip, 1UL << IRQ_S_SOFT);
	}
}

void vcpu_idle(uint64_t until)
{
	set_real_timer(until);
	csr_set(sie, (1UL << IRQ_S_TIMER) | (1UL << IRQ_S_EXT));
	/* §3.3.3: wfi wakes on a pending enabled interrupt even with sstatus.SIE = 0. */
	__asm__ volatile("wfi");
	uint64_t sip = csr_read(sip);
	if (sip & (1UL << IRQ_S_TIMER))
		vcpu_handle_irq(NULL, IRQ_S_TIMER);
	if (sip & (1UL << IRQ_S_EXT))
		vcpu_handle_irq(NULL, IRQ_S_EXT);
}

/*
 * Gives the real FP registers to v, keeping the previous owner's values.
 * Always all of them: a guest kernel running with sstatus.FS = Off (Linux
 * does, between user tasks) still counts on the registers keeping its user
 * task's values.
 */
static void fp_switch(struct vcpu *v)
{
	if (fp_owner == v)
		return;
	csr_set(sstatus, FS_INITIAL); /* popek may touch the registers */
	if (fp_owner)
		fp_save(fp_owner->fp);
	fp_restore(v->fp);
	fp_owner = v;
}

void vcpu_fp_spill(struct vcpu *v)
{
	if (fp_owner != v)
		return; /* v->fp is already what the guest has */
	csr_set(sstatus, FS_INITIAL);
	fp_save(v->fp);
}

/*
 * v->fp into the real registers at once, after popek changed it: the guest may be entered
 * again without load_hardware() (the fast lane, trap_resume), so v keeps the registers.
 */
void vcpu_fp_fill(struct vcpu *v)
{
	if (fp_owner != v)
		return; /* fp_switch() loads v->fp when v next gets the hart */
	csr_set(sstatus, FS_INITIAL);
	fp_restore(v->fp);
}

/*
 * shadow_satp(), from this vCPU's page rather than the tree's: a view's
 * real satp changes only when the shadow switches space or reshapes a tree
 * (its clock moves) or is emptied (lost moves).
 */
static uint64_t vcpu_view_satp(struct vcpu *v, enum shadow_view view)
{
	const struct shadow *s = &v->shadow;
	if (v->view_clock != s->clock || v->view_lost != s->lost) {
		v->view_clock = s->clock;
		v->view_lost = s->lost;
		v->view_valid = 0;
		/*
		 * The current space's three views at once (their trees are one
		 * page's): entry.S's system-call and sret lanes change between
		 * them without C, and find each cached, also right after a switch.
		 */
		for (int w = SHADOW_PAGED_FIRST; w < SHADOW_PAGED_FIRST + SHADOW_PAGED; w++) {
			v->view_satp[w] = shadow_satp(s, (enum shadow_view)w);
			v->view_valid |= 1U << w;
		}
	}
	if (!(v->view_valid & 1U << view)) {
		v->view_satp[view] = shadow_satp(s, view);
		v->view_valid |= 1U << view;
	}
	CHECK(v->view_satp[view] == shadow_satp(s, view),
	      "vm %s: view %d's satp %#lx cached as %#lx", v->vm->name, view, shadow_satp(s, view),
	      v->view_satp[view]);
	return v->view_satp[view];
}

/*
 * Real sstatus, scounteren and satp for the guest's virtual mode and view,
 * each written only when it differs.  satp last, by entry.S on its way into
 * the guest (v->enter_satp): a write that changes it empties QEMU's whole
 * TLB (and its jump cache), and what runs after it until the guest's sret
 * refills them.
 */
void vcpu_load_view(struct vcpu *v)
{
	uint64_t s = csr_read(sstatus);
	uint64_t want =
	    (s & ~(SSTATUS_SPP | SSTATUS_FS | SSTATUS_SUM | SSTATUS_MXR | SSTATUS_SIE)) |
	    (v->csr.mstatus & SSTATUS_FS) | SSTATUS_SPIE;
	if (want != s)
		csr_write(sstatus, want);
	/*
	 * The counters the guest's mode may read directly (priv spec §3.1.11,
	 * §4.1.5): all in vM; in vS those mcounteren allows (all, without vM, as
	 * OpenSBI allows them); in vU only those scounteren allows too.
	 */
	const struct vcsr *c = &v->csr;
	uint64_t en = v->mode == VMODE_M || !c->has_m ? 0xffffffffUL : c->mcounteren;
	if (v->mode == VMODE_U)
		en &= c->scounteren;
	if (v->clock.virtual)
		en &= ~SCOUNTEREN_TM;   /* every `time` read traps: it reads the VM's own clock */
	if (en != csr_read(scounteren)) /* the hardware's, which entry.S's lanes write too */
		csr_write(scounteren, en);
	uint64_t satp = vcpu_view_satp(v, shadow_view_of(v));
	v->enter_satp = 0;
	if (csr_read(satp) == satp)
		return;
	v->stats.satp_writes++;
	if (asids_shared) { /* the TLB may hold another view's or VM's entries under this ASID */
		csr_write(satp, satp);
		sfence_vma_all();
		return;
	}
	/*
	 * Written by entry.S, its last step before the guest's registers: the
	 * flush it costs QEMU leaves as little of popek as possible to refill.
	 */
	v->enter_satp = satp;
}

/* Real FP registers, timer, sstatus, scounteren and satp for running the guest. */
static void load_hardware(struct vcpu *v, uint64_t until)
{
	fp_switch(v);
	uint64_t deadline = vcpu_deadline_real(v);
	set_real_timer(deadline < until ? deadline : until);
	vcpu_load_view(v);
}

/* The vCPU leaves the hart: its clock stops, or runs on while it waits in wfi. */
static enum slice_end slice_end(struct vcpu *v, enum slice_end why)
{
	v->on_hart = false; /* other VMs' interrupts may reach its vPLIC: sync it every time */
	if (why == SLICE_IDLE)
		vclock_wait(&v->clock, vcpu_now());
	else
		vclock_stop(&v->clock, vcpu_now());
	return why;
}

enum slice_end vcpu_run_slice(struct vcpu *v, uint64_t until)
{
	csr_set(sie, (1UL << IRQ_S_TIMER) | (1UL << IRQ_S_EXT));
	vclock_start(&v->clock, vcpu_now());
	v->on_hart = true;
	v->irq_stale = true; /* off the hart, devices and the clock went on */
	for (;;) {
		if (!vcpu_ready(v))
			return slice_end(v, v->state == VCPU_HALTED ? SLICE_HALTED : SLICE_IDLE);
		if (vcpu_now() >= until)
			return slice_end(v, SLICE_EXPIRED);
		uint64_t irq = vcpu_deliverable_irq(v);
		if (irq) {
			uint64_t from = v->pc;
			vcpu_inject_trap(v, irq, 0);
			if (v->vm->trace)
				kprintf("trace %s pc=%lx inject interrupt %lu -> %s pc=%lx\n",
				        v->vm->name, from, irq & ~CAUSE_INTERRUPT,
				        vcpu_mode_name(v->mode), v->pc);
		}
		if (v->vm->watch_on && watch_before_enter(v))
			return slice_end(v, SLICE_EXPIRED); /* a debugger stopped it */
		load_hardware(v, until);
		enum trap_action next;
		do {
			next = vcpu_enter(v); /* the fast lane's own traps stay in entry.S */
			if (next == TRAP_PENDING)
				next = trap_from_guest(v);
			/* and a slow trap that changed nothing enters again at once too */
		} while (next == TRAP_REENTER);
		switch (next) {
		case TRAP_RESUME:
			break;
		case TRAP_REENTER:
		case TRAP_PENDING:
			panic("vm %s: trap action %d after the trap", v->vm->name, next);
		case TRAP_YIELD:
			v->state = VCPU_WFI;
			break;
		case TRAP_HALT:
			v->state = VCPU_HALTED;
			break;
		}
	}
}
