/*
 * A virtual CPU: the guest's registers as saved by entry.S, its virtual
 * privilege and CSRs, its timer, and its shadow page tables.
 */
#ifndef POPEK_ARCH_RISCV_VCPU_H
#define POPEK_ARCH_RISCV_VCPU_H

/* Offsets used by entry.S (checked by static assertions in vcpu.c and trap.c). */
#define VCPU_X(n)          ((n)*8)
#define VCPU_PC            256
#define VCPU_POPEK_SP      264
#define VCPU_ENTER_SATP    272
#define VCPU_SREGS_WRITTEN 280
#define VCPU_OWN_ASIDS     281 /* views_own_asids */
#define VCPU_LANE_CAUSE    282 /* lane_cause */
#define VCPU_TRAP_REENTER  1   /* enum trap_action's TRAP_REENTER, for entry.S */
/* What entry.S's express lane reads and counts (vcpu.c asserts each) */
#define VCPU_MODE             284
#define VCPU_MSTATUS          296
#define VCPU_MIE              304
#define VCPU_MIP              312
#define VCPU_SEIP_LINE        320
#define VCPU_SSCRATCH         832 /* then sepc, scause, stval */
#define VCPU_IRQ_STALE        960
#define VCPU_VM               968
#define VCPU_STAT_TRAPS       976
#define VCPU_STAT_BY_CAUSE    984  /* stats.by_cause[0] */
#define VCPU_STAT_CSR         1240 /* stats.emulated[EMUL_CSR] */
#define VCPU_STAT_SRET        1248 /* stats.emulated[EMUL_SRET] */
#define VCPU_STAT_REFLECTED   1320
#define VCPU_STAT_SATP_WRITES 1336
#define VCPU_STAT_AHEAD       1344
#define VCPU_SATP             864 /* csr.satp */
/* What its system-call and sret lanes read and write (vcpu.c asserts each) */
#define VCPU_HAS_M         288
#define VCPU_MEDELEG       328
#define VCPU_MCOUNTEREN    384
#define VCPU_STVEC         824
#define VCPU_SEPC          840
#define VCPU_SCAUSE        848
#define VCPU_STVAL         856
#define VCPU_SCOUNTEREN    872
#define VCPU_CLOCK_VIRTUAL 904
#define VCPU_FAULT_LOOP    952
#define VCPU_VIEW_SATP     3360 /* view_satp[0] */
#define VCPU_VIEW_CLOCK    3408
#define VCPU_VIEW_LOST     3416
#define VCPU_VIEW_VALID    3424
#define VCPU_SHADOW_CLOCK  3456
/* Traps delivered without an sret in between before popek stops the VM as wedged (trap.c) */
#define WEDGED_AFTER 10000
/* The express lane's peek at the fetch cache (emulate.c cache_holds()) */
#define VCPU_FETCH_CACHE_AT 1736
#define FETCH_VA            0
#define FETCH_VIEW          8
#define FETCH_SATP          16
#define FETCH_GEN           24
#define FETCH_HOST          32
#define EXPRESS_VIEW_BITS   0x61800 /* SUM, MPRV, MPP: emulate.c FETCH_VIEW_BITS */
#define VCPU_SHADOW_LOST    3552
#define VM_FAST_OFF         65
#define VCPU_FETCH_CACHE    16 /* sets of two guest code pages whose host page emulate.c remembers */
#define VCPU_PLAIN_HINTS    16 /* guest pcs whose run of stores emulate.c judged */
#define VCPU_SUM_HINTS      8  /* guest pcs whose window under SUM emulate.c gave up on */
#define VCPU_STORE_CACHE    4  /* sets of two guest data pages emulate.c stored to */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#include "arch/riscv/shadow.h"
#include "arch/riscv/vcsr.h"
#include "arch/riscv/vtrig.h"
#include "core/vclock.h"

struct vm;

/* What a trap handler wants to happen next; see trap.c. */
enum trap_action {
	TRAP_RESUME = 0, /* run the guest on, at its (possibly updated) pc */
	/*
	 * The same, with the real hardware already set up for it (the view
	 * loaded, nothing that could make an interrupt pending since the last
	 * sync, none deliverable): enter again at once.
	 */
	TRAP_REENTER = VCPU_TRAP_REENTER,
	TRAP_YIELD,   /* the vCPU waits (wfi) until an interrupt is pending for it */
	TRAP_HALT,    /* the VM has stopped (powered off, or popek stopped it) */
	TRAP_PENDING, /* vcpu_enter(): a trap that trap_from_guest() must handle */
};

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_WFI,
	VCPU_HALTED,
};

struct vcpu_stats {
	uint64_t traps;
	uint64_t by_cause[16]; /* exceptions, by scause */
	uint64_t irqs[16];     /* real interrupts taken while the guest ran */
	uint64_t emulated[8];  /* by enum emul_kind (emulate.h) */
	uint64_t shadow_fills;
	uint64_t shadow_flushes;
	uint64_t reflected;
	uint64_t sbi_calls;
	uint64_t satp_writes;
	uint64_t ahead; /* sensitive instructions emulated without a trap of their own */
};

struct vcpu {
	/* Saved and restored by entry.S: x[0] is always 0. */
	uint64_t x[32];
	uint64_t pc;
	uint64_t popek_sp;
	/*
	 * The real satp entry.S writes just before it enters the guest, or 0:
	 * a satp write empties QEMU's whole TLB, and popek's own code and data
	 * after it would be refilled page by page (vcpu_load_view()).
	 */
	uint64_t enter_satp;
	/*
	 * The fast lane's re-entry (entry.S) loads only the registers C does
	 * not preserve: s0-s11 are still the guest's unless popek wrote one of
	 * them in x[] during the trap (emulate.c set_reg() sets this), and
	 * then it loads them all.
	 */
	bool sregs_written;
	/*
	 * Each of its views has a real ASID of its own (vcpu_share_asids()):
	 * a satp write needs no fence, and entry.S's lanes may change views.
	 */
	bool views_own_asids;
	uint8_t lane_cause; /* entry.S's express lane: the trap's scause, read once */
	enum vmode mode;
	struct vcsr csr;
	enum vcpu_state state;
	uint64_t timer_deadline; /* raise STIP (MTIP with vM) when its clock reaches this */
	struct vclock clock;     /* the time it reads: real, or its own (timer = virtual) */
	uint64_t hart_id;
	const char *note;    /* what popek did with the last trap, for trace = on */
	uint64_t fault_loop; /* traps delivered since the guest last executed sret */
	/*
	 * While it runs on the hart: something since the last sync_interrupts()
	 * may have changed what the guest has pending (vcpu.c): a real
	 * interrupt, a device access, an SBI call.  Between those, nothing can.
	 */
	bool irq_stale;
	bool on_hart; /* inside vcpu_run_slice(): only then may sync_interrupts() skip */
	/* near the registers: the fast lane's loads and counts reach them without an address sum */
	struct vm *vm;
	struct vcpu_stats stats;
	/*
	 * emulate.c's verdicts on runs of stores at a pc (whether a sensitive
	 * instruction ends one), direct-mapped by pc, each for the
	 * fetch cache's generation it was made in.  Only a hint: the run is
	 * decoded again as it is carried out.
	 */
	struct plain_hint {
		uint64_t pc;
		uint64_t gen;
		bool worth;
	} plain_hint[VCPU_PLAIN_HINTS];
	/*
	 * The host pages emulate_ahead() and the fast lane last fetched from
	 * (emulate.c), two-way set-associative by guest page and satp: each
	 * valid while what selects the view (mode, SUM, MPRV, MPP), the guest's
	 * satp and the shadow's generation (fetch_gen(): a tree losing a leaf)
	 * are what they were when it was found.  A set's second way is
	 * VCPU_FETCH_CACHE entries after its first.
	 */
	struct fetch_cache_entry {
		uint64_t va;   /* the guest page (va >> 12) */
		uint64_t view; /* mstatus's bits that select a view, and the mode (emulate.c) */
		uint64_t guest_satp;
		uint64_t gen;
		uint8_t *host; /* its first byte, in popek's direct map; NULL: none */
	} fetch_cache[2 * VCPU_FETCH_CACHE];
	/*
	 * The same for the pages runs of stores last reached through a leaf
	 * that allows them (emulate.c emulate_plain): a trap handler saves
	 * registers into its process's frame, trap after trap.
	 */
	struct fetch_cache_entry store_cache[2 * VCPU_STORE_CACHE];
	struct vtrig trig; /* its debug triggers' state (vtrig.c) */
	/*
	 * The real satp of each view (shadow_satp()), so that loading a view
	 * reads this page, not the tree's in shadow.space[] (vcpu_view_satp()).
	 * view_valid: a bit per view; all stale when the shadow's clock or lost
	 * moved since view_clock and view_lost (a switch of space or a tree
	 * reshaped moves the clock, and a reset moves lost).
	 */
	uint64_t view_satp[VIEW_COUNT];
	uint64_t view_clock, view_lost;
	uint32_t view_valid;
	/*
	 * Its hot scalars first: with those above, what the trap path touches
	 * fits the struct's first page (bench/README.md, *TLB refills*).
	 */
	struct shadow shadow;
	/* Off the trap path. */
	uint64_t fp[33]; /* f0-f31 and fcsr while another vCPU has the real ones */
	/*
	 * The guest's translation of the page a load or store faulted on, as
	 * shadow_fault() walked it before handing the access to
	 * emulate_load_store() (a device's page): access_piece() takes it
	 * instead of walking the same table again.  Valid only within that
	 * emulate_load_store(), which drops it.
	 */
	struct emulate_xlate {
		uint64_t va;  /* the guest page (va >> 12) */
		uint64_t gpa; /* its guest-physical page (gpa >> 12) */
		enum vmode mode;
		bool store;
		bool valid;
	} xlate;
	/*
	 * Where emulate.c's runs of a window under SUM (emulate_sum_run())
	 * began and met what they cannot carry out (an instruction they do not
	 * know, a window longer than they run), direct-mapped by pc: the
	 * hardware runs those windows from then on.  0: none.
	 */
	uint64_t sum_skip[VCPU_SUM_HINTS];
};

/*
 * Runs the guest until a trap the fast lane (trap.c trap_fast) does not
 * finish; entry.S.  Returns with v->x and v->pc saved: TRAP_PENDING, or
 * what trap_fast() made of the trap.
 */
enum trap_action vcpu_enter(struct vcpu *v);

/* Why vcpu_run_slice() returned. */
enum slice_end {
	SLICE_EXPIRED, /* the quantum ran out: schedule someone else */
	SLICE_IDLE,    /* the vCPU waits in wfi for an interrupt */
	SLICE_HALTED,  /* its VM has stopped */
};

/*
 * Sets up a vCPU to start at pc with a0 = hart, a1 = arg: in vM as the board
 * starts from reset when `firmware`, else in vS as OpenSBI leaves its
 * payload.  asid_base numbers its shadow views' real ASIDs.
 */
void vcpu_init(struct vcpu *v, struct vm *vm, uint64_t pc, uint64_t arg, unsigned asid_base,
               bool firmware);
/*
 * The vCPU as vcpu_init() made it, again, keeping its shadow pool: nothing of
 * what ran before survives (registers, CSRs, FP, clock, shadows, counters).
 */
void vcpu_reset(struct vcpu *v, uint64_t pc, uint64_t arg, unsigned asid_base, bool firmware);
/*
 * With `shared`, some address spaces (VMs' views) share a real ASID, the
 * hart having too few ASID bits: every satp change then flushes the TLB.
 */
void vcpu_share_asids(bool shared);
/* The vCLINT's registers changed: bring mip.MSIP, mip.MTIP and the timer up to date. */
void vcpu_clint_changed(void *vcpu);
/* "vU", "vS" or "vM". */
const char *vcpu_mode_name(enum vmode m);
/*
 * The real sstatus, scounteren and satp the guest's current mode and view
 * need (vcpu.c load_hardware's part that a trap can change: the fast lane
 * calls it after an ecall or sret it finished).
 */
void vcpu_load_view(struct vcpu *v);
/* Runs the vCPU until the real time `until`, an idle wfi, or its VM stopping. */
enum slice_end vcpu_run_slice(struct vcpu *v, uint64_t until);
/* True when a vCPU in wfi has something to wake it; updates its pending bits. */
bool vcpu_ready(struct vcpu *v);
/* Waits, with the hart idle, until a real interrupt arrives or the time `until`. */
void vcpu_idle(uint64_t until);
/* Real time, in timebase ticks. */
uint64_t vcpu_now(void);
/* The `time` the guest reads: the real time, or its own clock with timer = virtual. */
uint64_t vcpu_guest_time(const struct vcpu *v);
/* v's FP registers in v->fp, for popek to read or change (vcpu_fp_fill puts them back). */
void vcpu_fp_spill(struct vcpu *v);
/* ... and back into the real registers, after popek changed v->fp. */
void vcpu_fp_fill(struct vcpu *v);
/* The vCLINT's mtime (vclint.h): vcpu_guest_time() of the vCPU `vcpu`. */
uint64_t vcpu_clint_now(void *vcpu);
/* The real time its timer deadline falls at, while its clock runs; UINT64_MAX for none. */
uint64_t vcpu_deadline_real(const struct vcpu *v);
/* A real interrupt (scause code) taken while the guest ran or popek idled; v may be NULL. */
void vcpu_handle_irq(struct vcpu *v, uint64_t code);

#endif /* __ASSEMBLER__ */

#endif
