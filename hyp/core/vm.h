/*
 * A virtual machine: its RAM (one contiguous range of host memory), its
 * devices, and its one vCPU.
 */
#ifndef POPEK_CORE_VM_H
#define POPEK_CORE_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/riscv/memlayout.h"
#include "arch/riscv/vcpu.h"
#include "arch/riscv/watch.h"
#include "core/bundle.h"
#include "core/emul.h"
#include "dev/vblk.h"
#include "dev/vnet.h"
#include "dev/vclint.h"
#include "dev/vgpu.h"
#include "dev/vinput.h"
#include "dev/vplic.h"
#include "dev/vrom.h"
#include "dev/vtest.h"
#include "dev/vuart.h"

/* Why a VM is to start again from its directory entry. */
enum vm_restart {
	VM_RESTART_NONE,
	VM_RESTART_REBOOT, /* the guest's reboot or reset, or the operator's reset */
	VM_RESTART_IPL,    /* the operator's ipl of a stopped VM */
};

/* What the launcher's control channel hears of a VM (docs/operating.md). */
enum vm_event {
	VM_EVENT_STARTED,
	VM_EVENT_STOPPED,
	VM_EVENT_WEDGED,
	VM_EVENT_REBOOTED,
	VM_EVENT_PAUSED,
	VM_EVENT_RESUMED,
	VM_EVENT_GDB, /* its debugger stub was switched on (gdb NAME): the launcher listens */
	VM_EVENT_COUNT,
};

/* The operator's verbs' answers: VM_VERB_OK, or why the VM's state refuses it. */
enum vm_verb_result {
	VM_VERB_OK,
	VM_VERB_STOPPED,    /* pause, resume, reset, stop of a stopped VM */
	VM_VERB_RUNNING,    /* ipl of a VM that has not stopped */
	VM_VERB_PAUSED,     /* pause of a paused VM */
	VM_VERB_NOT_PAUSED, /* resume of a VM that is not paused */
	VM_VERB_RESTARTING, /* anything but stop while a restart is under way */
	VM_VERB_RESULT_COUNT,
};

struct vm {
	char name[BUNDLE_NAME_MAX];
	int id;
	uint64_t ram_gpa; /* guest-physical base of RAM */
	uint64_t ram_size;
	uint64_t ram_hpa; /* where that RAM really is */
	bool trace;
	bool fast_off; /* trace, or watch_on: the fast lane passes every trap to the full path */
	bool
	    watch_on; /* watches, a step, a stop (watch.c): no emulating ahead, a check per entry */
	uint32_t quantum_us;
	bool reported; /* its counters have been printed since it stopped */
	/*
	 * Its first page holds the scalars above and the part of the vCPU the
	 * trap path touches (vcpu.h): after each of QEMU's TLB flushes one page
	 * of the VM is refilled, not three (bench/README.md, *TLB refills*).
	 */
	struct vcpu vcpu;
	struct emul emul; /* guest MMIO ranges */
	struct vplic plic;
	struct vuart uart;
	int input_byte;      /* typed for the VM, refused by its UART so far; or -1 */
	struct vclint clint; /* boot = firmware only, as is the test device */
	struct vtest test;
	struct vrom rom; /* boot = firmware only: the board's mask ROM */
	/* Off the trap path, after what it touches. */
	/* What it boots from, at creation and at every restart (docs/operating.md). */
	const struct bundle_header *bundle;
	const struct bundle_vm *entry;
	bool paused;             /* the scheduler passes it by; its vCPU keeps its state */
	enum vm_restart restart; /* asked for: the scheduler restarts it once its disks are idle */
	uint32_t boots;          /* restarts since it was created */
	struct watch watch;      /* address watches, stops and steps (watch.h) */
	void *gdb;               /* its debugger stub (core/gdbstub.c), or NULL */
	/* Last: large, and off the trap path, which then touches fewer pages. */
	struct vblk disks[BUNDLE_MAX_DISKS]; /* minidisks, then links, at virtio slots 0.. */
	struct vnet nets[BUNDLE_MAX_NICS];   /* eth0.., at the virtio slots after the disks */
	/* display = WxH: a GPU, a keyboard and a tablet at the three slots after the interfaces */
	struct vgpu gpu;
	struct vinput kbd;
	struct vinput tablet;
	uint32_t pointer_buttons; /* the tablet's buttons held (display_pointer) */
	uint8_t *display_arena;   /* the GPU's resources, taken once (core/display.c) */
	uint64_t display_arena_size;
} __attribute__((aligned(4096)));

/*
 * The one guest-memory accessor: popek's pointer to [gpa, gpa+len) when it
 * lies wholly in the VM's RAM, else NULL.  A guest address is never used
 * any other way.  Inline: the trap path calls it for every guest PTE.
 */
static inline void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t off = gpa - vm->ram_gpa;
	if (gpa < vm->ram_gpa || off >= vm->ram_size || len > vm->ram_size - off)
		return NULL;
	return pa_to_va(vm->ram_hpa + off);
}

/*
 * A device model wrote [gpa, gpa+len) of the VM's RAM (virtio_mem.wrote):
 * the private copies of watched code pages follow, as after a store, so the
 * guest runs what the device wrote with gdb's breakpoints still in place.
 */
static inline void vm_dma_wrote(void *ctx, uint64_t gpa, uint64_t len)
{
	watch_stored(ctx, gpa, (unsigned)len); /* told only while the VM's watch_on */
}

/* The board's seed to popek (/chosen rng-seed), from which each boot's guest seed comes. */
void vm_seed_init(const uint8_t *seed, uint32_t len);
/* Builds VM number `id` from its bundle entry: RAM, images, devices, vCPU. */
void vm_create(struct vm *vm, int id, const struct bundle_header *b, const struct bundle_vm *bv);
/* Output from the VM's terminal (its UART or SBI console) to the operator console. */
void vm_console_out(struct vm *vm, char c);
/* The next byte typed for the VM (SBI console reads), or -1. */
int vm_console_in(struct vm *vm);
/* Moves typed input into the VM's UART while it has room. */
void vm_console_feed(struct vm *vm);
/* Stops the VM from outside (the monitor, or popek finding it wedged). */
void vm_stop(struct vm *vm, const char *why);
/*
 * The guest reboots or resets its machine (SBI SRST, the test device):
 * it stops now and starts again from its directory entry.
 */
void vm_reboot(struct vm *vm, const char *why);
/*
 * The operator's verbs, for the monitor and the control channel alike.
 * stop, pause and resume take effect at once (pause: by the end of the
 * running slice); reset and ipl stop the VM and leave its restart to the
 * scheduler (vm_restart_due).
 */
enum vm_verb_result vm_verb_stop(struct vm *vm);
enum vm_verb_result vm_verb_pause(struct vm *vm);
enum vm_verb_result vm_verb_resume(struct vm *vm);
enum vm_verb_result vm_verb_reset(struct vm *vm);
enum vm_verb_result vm_verb_ipl(struct vm *vm);
/* "is stopped (ipl starts it again)" and the like: the end of a line that starts "vm NAME ". */
const char *vm_verb_why(enum vm_verb_result r);
/*
 * For the scheduler, between slices: restarts the VM when a restart is
 * asked for and no request of its old incarnation is still on the real disk.
 * True when it restarted it.
 */
bool vm_restart_due(struct vm *vm);
/* running, waiting, paused, stopped or restarting. */
const char *vm_state_name(const struct vm *vm);
/* Tells the control channel (console.h) that `e` happened to the VM. */
void vm_event(struct vm *vm, enum vm_event e);
/* Prints the VM's trap counters and its clock (`hz`: the timebase). */
void vm_report(const struct vm *vm, uint64_t hz);
/* Prints the VM's clock, real or its own, beside the wall time since it was created. */
void vm_clock_print(const struct vm *vm, uint64_t hz);

#endif
