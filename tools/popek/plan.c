/*
 * Planning a directory's boot.  See plan.h.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "arch/riscv/shadow.h"
#include "core/guest_layout.h"
#include "guestfdt.h"
#include "pack.h"
#include "units.h"

#define DTB_BUF_SIZE (64 * 1024)

const char *plan_place(uint64_t memory, uint64_t kernel_gpa, uint64_t kernel_span,
                       uint64_t initrd_size, uint64_t dtb_size, struct plan_placement *out)
{
	uint64_t ram_end = GUEST_RAM_BASE + memory;

	if (memory < GUEST_DTB_FROM_END || dtb_size > GUEST_DTB_MAX)
		return "no room for the device tree";
	uint64_t dtb_gpa = ram_end - GUEST_DTB_FROM_END;
	if (kernel_gpa < GUEST_RAM_BASE)
		return "the kernel loads below RAM (0x80000000)";
	if (kernel_gpa > dtb_gpa || kernel_span > dtb_gpa - kernel_gpa)
		return "the kernel does not fit below the device tree (RAM end - 2M)";
	uint64_t kernel_end = kernel_gpa + kernel_span;

	out->dtb_gpa = dtb_gpa;
	out->initrd_gpa = 0;
	if (initrd_size == 0)
		return NULL;
	if (initrd_size > dtb_gpa - kernel_end)
		return "the initrd does not fit between the kernel and the device tree";
	uint64_t initrd_gpa = (dtb_gpa - initrd_size) & ~(GUEST_PAGE_SIZE - 1);
	if (initrd_gpa < kernel_end)
		return "the initrd does not fit between the kernel and the device tree";
	out->initrd_gpa = initrd_gpa;
	return NULL;
}

static void plan_vm(struct directory *dir, unsigned v, struct plan_vm *pv)
{
	const struct directory_vm *vm = &dir->vms[v];
	int kernel_line = directory_vm_key_line(vm, "kernel");
	int initrd_line = directory_vm_key_line(vm, "initrd");
	int memory_line = directory_vm_key_line(vm, "memory");
	uint8_t *buf;
	size_t len;
	int err;

	if (!vm->kernel)
		return; /* already reported by directory_load() */

	err = image_read_file(vm->kernel, &buf, &len);
	if (err) {
		diag_add(&dir->diag, kernel_line, "cannot read kernel '%s': %s", vm->kernel,
		         strerror(err));
		return;
	}
	uint64_t payload_gpa = 0;
	const char *why;
	if (vm->firmware) {
		int firmware_line = directory_vm_key_line(vm, "firmware");
		uint8_t *fw;
		size_t fw_len;
		err = image_read_file(vm->firmware, &fw, &fw_len);
		if (err) {
			free(buf);
			diag_add(&dir->diag, firmware_line, "cannot read firmware '%s': %s",
			         vm->firmware, strerror(err));
			return;
		}
		why = image_load_firmware(fw, fw_len, buf, len, &pv->kernel, &payload_gpa);
		free(fw);
		free(buf);
		if (why) {
			diag_add(&dir->diag, firmware_line, "firmware '%s' with kernel '%s': %s",
			         vm->firmware, vm->kernel, why);
			return;
		}
	} else {
		why = image_load_kernel(buf, len, &pv->kernel);
		free(buf);
		if (why) {
			diag_add(&dir->diag, kernel_line, "kernel '%s': %s", vm->kernel, why);
			return;
		}
	}
	/*
	 * Out of reset the board starts at the base of RAM, wherever the image
	 * was loaded (QEMU 7.2 virt: -bios none starts there); so does a VM
	 * that is its own firmware.
	 */
	pv->next_addr = vm->firmware ? payload_gpa : pv->kernel.gpa;
	if (vm->boot == BUNDLE_BOOT_FIRMWARE)
		pv->kernel.entry = GUEST_RAM_BASE;

	if (vm->memory == 0 || (initrd_line && !vm->initrd))
		return; /* already reported by directory_load() */
	if (vm->initrd) {
		err = image_read_file(vm->initrd, &pv->initrd, &pv->initrd_size);
		if (err) {
			diag_add(&dir->diag, initrd_line, "cannot read initrd '%s': %s", vm->initrd,
			         strerror(err));
			return;
		}
	}

	/* The tree's size does not depend on where the initrd goes: place first. */
	why = plan_place(vm->memory, pv->kernel.gpa, pv->kernel.span, pv->initrd_size, DTB_BUF_SIZE,
	                 &pv->at);
	if (why) {
		diag_add(&dir->diag, memory_line,
		         "vm '%s' does not fit in its memory = %lluM: %s (kernel 0x%llx..0x%llx, "
		         "initrd %zu bytes)",
		         vm->name, (unsigned long long)(vm->memory / MiB), why,
		         (unsigned long long)pv->kernel.gpa,
		         (unsigned long long)(pv->kernel.gpa + pv->kernel.span), pv->initrd_size);
		return;
	}

	/*
	 * Behind the board's firmware, the initrd goes where QEMU 7.2 puts it
	 * (riscv_load_initrd): past the payload by half of RAM, at most 128M.
	 */
	if (vm->firmware && pv->initrd_size) {
		uint64_t half = vm->memory / 2 < (128ULL << 20) ? vm->memory / 2 : 128ULL << 20;
		uint64_t at = payload_gpa + half;
		if (at < pv->kernel.gpa + pv->kernel.span || at > pv->at.dtb_gpa ||
		    pv->initrd_size > pv->at.dtb_gpa - at) {
			diag_add(
			    &dir->diag, memory_line,
			    "vm '%s': its initrd does not fit where the board puts it (0x%llx, "
			    "below the device tree): raise its memory",
			    vm->name, (unsigned long long)at);
			return;
		}
		pv->at.initrd_gpa = at;
	}

	struct guestfdt_vm g = {
	    .memory = vm->memory,
	    .bootargs = vm->bootargs,
	    .initrd_start = pv->at.initrd_gpa,
	    .initrd_end = pv->initrd_size ? pv->at.initrd_gpa + pv->initrd_size : 0,
	    .boot = vm->boot,
	    .ndisks = vm->nminidisks + vm->nlinks,
	    .nnics = vm->nnics,
	    .ndisplay = vm->display_width ? BUNDLE_DISPLAY_SLOTS : 0,
	};
	pv->dtb = malloc(DTB_BUF_SIZE);
	int size = pv->dtb ? guestfdt_build(&g, pv->dtb, DTB_BUF_SIZE) : -1;
	if (size < 0) {
		diag_add(&dir->diag, vm->line, "vm '%s': cannot build its device tree (%d)",
		         vm->name, size);
		return;
	}
	pv->dtb_size = (size_t)size;
	pv->ok = true;
}

unsigned plan_build(struct directory *dir, struct plan *plan)
{
	size_t before = dir->diag.count;
	uint64_t vm_memory = 0;

	memset(plan, 0, sizeof(*plan));
	plan->nvms = dir->nvms;
	for (unsigned v = 0; v < dir->nvms; v++)
		plan_vm(dir, v, &plan->vms[v]);
	plan->bundle_size = pack_size(plan);

	/* The machine: name the first VM that no longer fits. */
	uint64_t need = PLAN_POPEK_RESERVED + plan->bundle_size;
	for (unsigned v = 0; v < dir->nvms; v++) {
		/* saturating: a sum past 2^64 must not wrap into one that fits */
		uint64_t m = dir->vms[v].memory;
		vm_memory = m > UINT64_MAX - vm_memory ? UINT64_MAX : vm_memory + m;
		/* and the VM's shadow page tables, which popek reserves beside its RAM (< 2^58) */
		uint64_t pool = SHADOW_POOL_BYTES(m);
		vm_memory = pool > UINT64_MAX - vm_memory ? UINT64_MAX : vm_memory + pool;
		if (vm_memory <= dir->machine_memory && need <= dir->machine_memory - vm_memory)
			continue;
		diag_add(
		    &dir->diag, dir->vms[v].line,
		    "vm '%s' does not fit in the machine: VMs need %lluM (up to here, with their "
		    "shadow page tables) + 64M "
		    "for popek + %lluM bundle, the machine has %lluM (raise [machine] memory)",
		    dir->vms[v].name, (unsigned long long)(vm_memory / MiB),
		    (unsigned long long)((plan->bundle_size + MiB - 1) / MiB),
		    (unsigned long long)(dir->machine_memory / MiB));
		break;
	}
	return (unsigned)(dir->diag.count - before);
}

void plan_free(struct plan *plan)
{
	for (unsigned v = 0; v < plan->nvms; v++) {
		image_free(&plan->vms[v].kernel);
		free(plan->vms[v].initrd);
		free(plan->vms[v].dtb);
	}
	memset(plan, 0, sizeof(*plan));
}
