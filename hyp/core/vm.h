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
#include "core/bundle.h"
#include "core/emul.h"
#include "dev/vblk.h"
#include "dev/vclint.h"
#include "dev/vplic.h"
#include "dev/vrom.h"
#include "dev/vtest.h"
#include "dev/vuart.h"

struct vm {
	char name[BUNDLE_NAME_MAX];
	int id;
	uint64_t ram_gpa; /* guest-physical base of RAM */
	uint64_t ram_size;
	uint64_t ram_hpa; /* where that RAM really is */
	bool trace;
	uint32_t quantum_us;
	bool reported;    /* its counters have been printed since it stopped */
	struct emul emul; /* guest MMIO ranges */
	struct vplic plic;
	struct vuart uart;
	int input_byte;      /* typed for the VM, refused by its UART so far; or -1 */
	struct vclint clint; /* boot = firmware only, as is the test device */
	struct vtest test;
	struct vrom rom; /* boot = firmware only: the board's mask ROM */
	struct vcpu vcpu;
	/* Last: large, and off the trap path, which then touches fewer pages. */
	struct vblk disks[BUNDLE_MAX_DISKS]; /* minidisks, then links, at virtio slots 0.. */
};

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
/* Prints the VM's trap counters and its clock (`hz`: the timebase). */
void vm_report(const struct vm *vm, uint64_t hz);
/* Prints the VM's clock, real or its own, beside the wall time since it was created. */
void vm_clock_print(const struct vm *vm, uint64_t hz);

#endif
