/*
 * Address watches: popek notices a VM's fetches, loads and stores at chosen
 * guest-physical addresses, with no help from the hardware (docs/debugging.md).
 *
 * A page holding a watch is shadowed with fewer permissions than the guest's
 * tables give:
 *  - load and store watches take R and W away: every load and store to the
 *    page faults and is carried out by emulate.c (emulate_access), which
 *    reports the ones that touch a watched byte;
 *  - exec watches make popek execute the page from a private copy of it
 *    with a c.ebreak at each watched instruction (the shadow leaf gives X
 *    alone, to the copy): the guest's loads and stores still reach the
 *    original page, emulated, so it never sees the ebreak.  A breakpoint
 *    trap from a patched address is the watch's hit; any other is the
 *    guest's own.
 *
 * A hit calls the watch's callback in the trap's context, before the access
 * or the instruction has happened; its verdict says what follows.  Watches
 * are by guest-physical address: the hit says which virtual address (the pc
 * for exec) reached it, so that an owner watching a virtual address can tell
 * an alias and answer WATCH_IGNORE.
 */
#ifndef POPEK_ARCH_RISCV_WATCH_H
#define POPEK_ARCH_RISCV_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#define WATCH_MAX   32 /* watches per VM */
#define WATCH_PAGES 16 /* distinct pages they may lie on, per VM */

enum watch_kind {
	WATCH_EXEC = 1,
	WATCH_LOAD = 2,
	WATCH_STORE = 4,
	WATCH_ACCESS = WATCH_LOAD | WATCH_STORE,
};

struct watch_hit {
	enum watch_kind kind; /* the one kind that hit */
	uint64_t va;          /* the guest-virtual address accessed (exec: the pc) */
	uint64_t gpa;         /* ... and its guest-physical one */
	unsigned width;       /* bytes accessed (exec: 2) */
	uint64_t pc;          /* the instruction's */
	bool store;           /* load or store (exec: false) */
};

/* What happens after a hit. */
enum watch_verdict {
	/* Not a match after all: the access or instruction goes on as if unwatched. */
	WATCH_IGNORE,
	/*
	 * The instruction is not carried out, and the guest resumes as the
	 * callback left it (it injected a trap, or asked popek to stop the VM
	 * at this pc: watch_stop()).
	 */
	WATCH_BEFORE,
	/*
	 * Loads and stores: the access and its instruction complete, then the
	 * stop the callback asked for takes effect (the pc after it).  Exec:
	 * as WATCH_BEFORE.
	 */
	WATCH_AFTER,
};

struct vcpu;
struct vm;

typedef enum watch_verdict (*watch_fn)(struct vcpu *v, const struct watch_hit *hit, void *arg);

struct watch_entry {
	uint64_t gpa, len; /* len 0: unused */
	unsigned kinds;    /* enum watch_kind bits */
	watch_fn fn;
	void *arg;
};

struct watch_page {
	uint64_t gpa;  /* page-aligned; ~0: unused */
	uint64_t copy; /* host-physical private copy for exec watches, or 0 */
	unsigned kinds;
};

/* Why the vCPU executes one instruction and comes back (watch_step). */
enum watch_step_kind {
	WATCH_STEP_NONE,
	WATCH_STEP_STOP, /* a debugger's single step: stop after it */
	WATCH_STEP_OVER, /* executing a watched instruction its owner ignored: go on after it */
};

/* Per VM, in struct vm. */
struct watch {
	unsigned count; /* watches in use: 0 keeps every path as without watches */
	struct watch_entry w[WATCH_MAX];
	struct watch_page page[WATCH_PAGES];
	bool stop;    /* asked to stop at the next chance (watch_stop) */
	bool stopped; /* stopped by watch_stop: the scheduler passes it by */
	/* one instruction in flight */
	enum watch_step_kind step;
	uint64_t step_pc;
	unsigned step_mode;
	uint64_t step_over_gpa; /* WATCH_STEP_OVER: the patch taken out for it */
	uint64_t step_temp;     /* gpa of a temporary patch at the next pc, or ~0 */
	uint64_t step_inner;    /* gpa of the stepped 32-bit instruction's second half, or ~0 */
	bool hold_ok; /* emulate_load_store() can leave the instruction undone (WATCH_BEFORE) */
	bool held;    /* ... and a watch did */
	uint64_t catch_mask; /* exception causes (bit per scause) that stop it when delivered */
	uint64_t caught;     /* the cause that stopped it + 1, or 0 */
	void (*on_stop)(struct vm *vm, void *arg); /* told when the VM has stopped */
	void *on_stop_arg;
};

/* Empties the VM's watches (creation and reset). */
void watch_init(struct vm *vm);
/*
 * Watches [gpa, gpa+len) in VM RAM for `kinds`; exec watches one
 * instruction at gpa (halfword-aligned, len ignored).  The watch's id (>= 0),
 * or -1: no room, not RAM, or not on one page.
 */
int watch_add(struct vm *vm, unsigned kinds, uint64_t gpa, uint64_t len, watch_fn fn, void *arg);
void watch_remove(struct vm *vm, int id);
/* Removes every watch whose callback argument is `arg`. */
void watch_remove_all(struct vm *vm, void *arg);

/*
 * Asks popek to take the VM off the CPU at once (at the end of the trap
 * being handled, or of the running time slice) and keep it so until
 * watch_resume(); on_stop is told once it is off.
 */
void watch_stop(struct vm *vm);
void watch_resume(struct vm *vm);
/* Exceptions (a bit per scause) that stop the VM when delivered to it; 0: none. */
void watch_catch(struct vm *vm, uint64_t mask);
/* The VM's time slice has ended: a stop asked for takes effect now. */
void watch_slice_end(struct vm *vm);
/* Resumes for one instruction, then stops (trap handlers stepped into as the hardware would). */
void watch_single_step(struct vm *vm);

/* Where the instruction at the pc goes when it does not trap (the pc itself when unreadable). */
uint64_t watch_next_pc(struct vcpu *v);

/* ---- for popek's paths ---- */

/* The permissions of the page at gpa after watches, and where its fetches go (*hpa). */
uint64_t watch_shadow_perms(const struct vm *vm, uint64_t gpa, uint64_t perms, uint64_t *hpa);
/* True when [gpa, gpa+size) holds a watched page. */
bool watch_in(const struct vm *vm, uint64_t gpa, uint64_t size);
/* A private copy's host page (shadow leaves may point there). */
bool watch_is_copy(const struct vm *vm, uint64_t hpa);
/*
 * A load or store of [gpa, gpa+width) at va by the instruction at the pc,
 * before it happens: the verdict of the watch it hits, WATCH_IGNORE if none.
 */
enum watch_verdict watch_access(struct vcpu *v, uint64_t va, uint64_t gpa, unsigned width,
                                bool store);
/* The VM's RAM at gpa changed (a store, popek's own write): copies follow it. */
void watch_stored(struct vm *vm, uint64_t gpa, unsigned width);
/* A breakpoint trap: true when a watch (or a step) took it, false when it is the guest's. */
bool watch_breakpoint(struct vcpu *v);
/* A trap is being delivered to the guest (watch_on only): stops it if the cause is caught. */
/*
 * Popek carries out the instruction at the pc itself, right after the one
 * it emulated, where the hardware would fetch it from host address hpa
 * (emulate_atomic.c: an SC after an emulated LR).  false when it must not:
 * a stop or step is under way, or a watch at the instruction (a patch at
 * hpa) was hit and its owner acted, as the patch's trap would.  *insn is
 * then the instruction itself, not the patch.
 */
bool watch_run_on(struct vcpu *v, uint64_t hpa, uint32_t *insn);
void watch_trap(struct vcpu *v, uint64_t cause);
/* Before every guest entry of a VM with watches or a stop asked for: true to end the slice. */
bool watch_before_enter(struct vcpu *v);

#endif
