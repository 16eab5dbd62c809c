/*
 * Building a VM from its bundle entry and running it.  The VM's RAM is one
 * contiguous, 2 MiB-aligned range of host memory; everything else a guest
 * can reach is a device model behind the MMIO registry.
 */
#include "core/vm.h"
#include "arch/riscv/emulate.h"
#include "arch/riscv/mmu.h"
#include "arch/riscv/sbi.h"
#include "core/check.h"
#include "core/console.h"
#include "core/gdbstub.h"
#include "core/guest_layout.h"
#include "core/mem.h"
#include "core/panic.h"
#include "core/netif.h"
#include "core/display.h"
#include "core/vdisk.h"
#include "arch/riscv/memlayout.h"
#include "lib/chacha.h"
#include "lib/dt.h"
#include "lib/string.h"

void vm_console_out(struct vm *vm, char c)
{
	console_vm_putc(vm->id, c);
}

int vm_console_in(struct vm *vm)
{
	int c = vm->input_byte;
	if (c >= 0) {
		vm->input_byte = -1;
		return c;
	}
	return console_getc(vm->id);
}

/* The UART takes what it has room for; a byte it refuses waits in vm->input_byte. */
void vm_console_feed(struct vm *vm)
{
	for (;;) {
		int c = vm_console_in(vm);
		if (c < 0)
			return;
		if (vuart_input(&vm->uart, (char)c) < 0) {
			vm->input_byte = c;
			return;
		}
	}
}

static void uart_out(void *arg, char c)
{
	vm_console_out(arg, c);
}

/* A write to the test device: the guest powers its machine off or resets it. */
static void test_event(void *arg, enum vtest_event e, uint32_t code)
{
	struct vm *vm = arg;
	if (e == VTEST_RESET) {
		vm_reboot(vm, "reset through its test device");
		return;
	}
	if (e == VTEST_PASS)
		kprintf("popek: vm %s: powered off through its test device\n", vm->name);
	else
		kprintf("popek: vm %s: powered off through its test device, failure code %u\n",
		        vm->name, code);
	vm->vcpu.state = VCPU_HALTED;
}

/*
 * A VM never sees what was in its RAM before.  A new VM's range on the
 * first boot since QEMU mapped RAM is already zero (mem_fresh()): zeroing
 * it again cost a 256 MiB VM ~0.45 s of its start.  A restart, or a boot
 * after a reset of the machine, zeroes it a doubleword at a time.
 */
static void zero_ram(const struct vm *vm, bool first)
{
	uint64_t *d = pa_to_va(vm->ram_hpa);
	if (first && mem_fresh()) {
		/* a sample, one doubleword per 64 KiB: a range written before would show */
		for (uint64_t i = 0; POPEK_CHECKING && i < vm->ram_size / 8; i += 8192)
			CHECK(d[i] == 0, "vm %s: fresh RAM at %lx is not zero", vm->name,
			      vm->ram_hpa + i * 8);
		return;
	}
	for (uint64_t i = 0; i < vm->ram_size / 8; i++)
		d[i] = 0;
}

/* The key every boot's /chosen rng-seed comes from (vm_seed_init()). */
static uint8_t seed_key[CHACHA_KEY_BYTES];

void vm_seed_init(const uint8_t *seed, uint32_t len)
{
	memcpy(seed_key, seed, len < sizeof(seed_key) ? len : sizeof(seed_key));
}

/*
 * The board puts fresh random bytes in /chosen rng-seed at every reset
 * (QEMU's virt), and a guest may trust them as its first entropy: each boot
 * of each VM gets its own, the key stream of the board's seed to popek,
 * numbered by VM and boot, with the time as the last word (so a machine
 * whose tree gave popek no seed still gives each boot other bytes).
 */
static void seed_guest_dt(struct vm *vm)
{
	const struct bundle_vm *bv = vm->entry;
	for (uint32_t i = 0; i < bv->nblobs; i++) {
		const struct bundle_blob *blob = &bv->blobs[i];
		struct dt dt;
		uint32_t len;
		if (blob->kind != BUNDLE_BLOB_DTB)
			continue;
		void *tree = vm_gpa_to_hva(vm, blob->gpa, blob->size);
		if (dt_init(&dt, tree, blob->size) < 0)
			return;
		uint8_t *seed = (uint8_t *)dt_prop(&dt, dt_path(&dt, "/chosen"), "rng-seed", &len);
		uint32_t nonce[3] = {(uint32_t)vm->id, vm->boots, (uint32_t)vcpu_now()};
		if (seed)
			chacha20_fill(seed_key, nonce, seed, len);
	}
}

/*
 * Everything of the VM that its directory entry makes: fresh RAM holding
 * the bundle's images, its devices, its vCPU at its entry point, its clock.
 * At creation (`first`) it also reserves what a restart keeps: the RAM
 * range, the shadow pool, the minidisks' places in the real disk's queue.
 */
static void vm_boot(struct vm *vm, bool first)
{
	const struct bundle_vm *bv = vm->entry;
	/*
	 * popek runs on the root of the last view it loaded, which may be this
	 * VM's: a restart empties and reuses those pages, so leave them first.
	 */
	if (!first)
		mmu_load_own();
	watch_init(vm); /* fresh RAM: no copy of the old code stands */
	gdbstub_boot(vm);
	zero_ram(vm, first);
	/* bundle_check() has verified every blob lies inside the bundle and the VM's RAM. */
	for (uint32_t i = 0; i < bv->nblobs; i++) {
		const struct bundle_blob *blob = &bv->blobs[i];
		memcpy(vm_gpa_to_hva(vm, blob->gpa, blob->size),
		       (const char *)vm->bundle + blob->offset, blob->size);
	}
	seed_guest_dt(vm);

	bool firmware = bv->boot == BUNDLE_BOOT_FIRMWARE;
	vm->emul = (struct emul){0};
	vm->input_byte = -1; /* a byte the old UART refused is lost with it, as on the board */
	vplic_init(&vm->plic);
	vuart_init(&vm->uart, &vm->plic, GUEST_UART_IRQ, uart_out, vm);
	if (!firmware)
		vuart_firmware_setup(&vm->uart);
	if (emul_add(&vm->emul, GUEST_PLIC_BASE, GUEST_PLIC_SIZE, &vplic_ops, &vm->plic) < 0 ||
	    emul_add(&vm->emul, GUEST_UART_BASE, GUEST_UART_SIZE, &vuart_ops, &vm->uart) < 0)
		panic("vm %s: device windows overlap", vm->name);
	if (firmware) {
		/* No firmware in front of this guest: it is the firmware, and has the board's. */
		vclint_init(&vm->clint, vcpu_clint_now, vcpu_clint_changed, &vm->vcpu);
		vm->test = (struct vtest){test_event, vm};
		vrom_init(&vm->rom, bv->entry, bv->dtb_gpa, bv->next_addr);
		if (emul_add(&vm->emul, GUEST_CLINT_BASE, GUEST_CLINT_SIZE, &vclint_ops,
		             &vm->clint) < 0 ||
		    emul_add(&vm->emul, GUEST_TEST_BASE, GUEST_TEST_SIZE, &vtest_ops, &vm->test) <
		        0 ||
		    emul_add(&vm->emul, VROM_BASE, VROM_SIZE, &vrom_ops, &vm->rom) < 0)
			panic("vm %s: device windows overlap", vm->name);
	}

	vdisk_create(vm, bv);
	netif_create(vm, bv, first);
	display_create(vm, bv, first);
	unsigned asid_base = 1 + vm->id * SHADOW_ASIDS;
	if (first)
		vcpu_init(&vm->vcpu, vm, bv->entry, bv->dtb_gpa, asid_base, firmware);
	else
		vcpu_reset(&vm->vcpu, bv->entry, bv->dtb_gpa, asid_base, firmware);
	if (firmware) {
		/* what the board's reset vector leaves besides a0 and a1 (dev/vrom.h) */
		vm->vcpu.x[12] = VROM_FW_INFO;
		vm->vcpu.x[5] = bv->entry;
	}
	bool virtual_clock = bv->timer == BUNDLE_TIMER_VIRTUAL;
	vclock_init(&vm->vcpu.clock, virtual_clock, vcpu_now());
	kprintf("popek: vm %s: %lu MiB at %lx, quantum %u us%s%s\n", vm->name, vm->ram_size >> 20,
	        vm->ram_hpa, vm->quantum_us, firmware ? ", boots in vM" : "",
	        virtual_clock ? ", its own clock (timer = virtual)" : "");
	/*
	 * A VM's own clock needs every `time` read to trap to popek; a stock
	 * OpenSBI takes U-mode illegal instructions itself and answers `time`
	 * with the real clock whatever scounteren says.  Refuse rather than run
	 * the VM on a clock it was not promised.
	 */
	if (virtual_clock && !sbi_delegates_illegal())
		vm_stop(vm,
		        "timer = virtual needs popek's firmware (build/firmware/fw_dynamic.bin, "
		        "docs/firmware.md): this one answers U-mode reads of time itself, so "
		        "popek cannot give the VM a clock of its own");
}

void vm_create(struct vm *vm, int id, const struct bundle_header *b, const struct bundle_vm *bv)
{
	memset(vm, 0, sizeof(*vm));
	memcpy(vm->name, bv->name, BUNDLE_NAME_MAX);
	vm->id = id;
	vm->bundle = b;
	vm->entry = bv;
	vm->trace = bv->trace;
	vm->fast_off = bv->trace;
	vm->quantum_us = bv->quantum_us ? bv->quantum_us : 10000;
	vm->ram_gpa = BUNDLE_GUEST_RAM_BASE;
	vm->ram_size = bv->memory;
	vm->ram_hpa = mem_alloc_range(bv->memory, 2UL << 20);
	if (!vm->ram_hpa)
		panic("vm %s: no room for %lu MiB of RAM", vm->name, bv->memory >> 20);
	vm_boot(vm, true);
	if (vm->vcpu.state != VCPU_HALTED)
		vm_event(vm, VM_EVENT_STARTED);
}

void vm_stop(struct vm *vm, const char *why)
{
	kprintf("popek: vm %s: %s; stopping it\n", vm->name, why);
	vm->vcpu.state = VCPU_HALTED;
}

/* Stops the VM now; the scheduler starts it again (vm_restart_due). */
static void vm_restart_ask(struct vm *vm, enum vm_restart why)
{
	vm->vcpu.state = VCPU_HALTED;
	vm->paused = false;
	vm->restart = why;
}

void vm_reboot(struct vm *vm, const char *why)
{
	kprintf("popek: vm %s: %s; restarting it\n", vm->name, why);
	vm_restart_ask(vm, VM_RESTART_REBOOT);
}

bool vm_restart_due(struct vm *vm)
{
	if (!vm->restart || vdisk_busy(vm))
		return false;
	enum vm_restart why = vm->restart;
	vm->restart = VM_RESTART_NONE;
	vm->paused = false;
	vm->reported = false;
	vm->boots++;
	kprintf("popek: vm %s: starting again from its directory entry (restart %u)\n", vm->name,
	        vm->boots);
	vm_boot(vm, false);
	/* Nothing of the old incarnation is left (docs/operating.md, "Restarts"). */
	const struct vcpu *v = &vm->vcpu;
	CHECK(v->shadow.pages == 0 && v->shadow.pool_used == SHADOW_ROOTS &&
	          v->shadow.space_hits == 0 && !v->csr.mip && !vplic_pending(&vm->plic, 0) &&
	          !vplic_pending(&vm->plic, 1) && !vdisk_busy(vm) &&
	          (!v->clock.virtual || vclock_read(&v->clock, 0) == 0),
	      "vm %s: state of its previous incarnation survived its restart", vm->name);
	if (v->state != VCPU_HALTED)
		vm_event(vm, why == VM_RESTART_IPL ? VM_EVENT_STARTED : VM_EVENT_REBOOTED);
	return true;
}

enum vm_verb_result vm_verb_stop(struct vm *vm)
{
	if (vm->vcpu.state == VCPU_HALTED && !vm->restart)
		return VM_VERB_STOPPED;
	vm->restart = VM_RESTART_NONE; /* a restart not yet under way is called off */
	vm->paused = false;
	vm_stop(vm, "stopped by the operator");
	return VM_VERB_OK;
}

/* What refuses a verb for a VM that is not running: stopped, or restarting. */
static enum vm_verb_result vm_verb_live(const struct vm *vm)
{
	if (vm->restart)
		return VM_VERB_RESTARTING;
	return vm->vcpu.state == VCPU_HALTED ? VM_VERB_STOPPED : VM_VERB_OK;
}

enum vm_verb_result vm_verb_pause(struct vm *vm)
{
	enum vm_verb_result r = vm_verb_live(vm);
	if (r != VM_VERB_OK)
		return r;
	if (vm->paused)
		return VM_VERB_PAUSED;
	vm->paused = true; /* the scheduler stops its clock: vclock_stop() */
	kprintf("popek: vm %s: paused\n", vm->name);
	vm_event(vm, VM_EVENT_PAUSED);
	return VM_VERB_OK;
}

enum vm_verb_result vm_verb_resume(struct vm *vm)
{
	enum vm_verb_result r = vm_verb_live(vm);
	if (r != VM_VERB_OK)
		return r;
	if (!vm->paused)
		return VM_VERB_NOT_PAUSED;
	vm->paused = false;
	struct vcpu *v = &vm->vcpu;
	/* Paused in wfi, its own clock stood still; waiting, it runs again (vclock.h). */
	if (v->state == VCPU_WFI && v->clock.state == VCLOCK_STOPPED)
		vclock_wait(&v->clock, vcpu_now());
	kprintf("popek: vm %s: resumed\n", vm->name);
	vm_event(vm, VM_EVENT_RESUMED);
	return VM_VERB_OK;
}

enum vm_verb_result vm_verb_reset(struct vm *vm)
{
	enum vm_verb_result r = vm_verb_live(vm);
	if (r != VM_VERB_OK)
		return r;
	kprintf("popek: vm %s: reset by the operator; restarting it\n", vm->name);
	vm_restart_ask(vm, VM_RESTART_REBOOT);
	return VM_VERB_OK;
}

enum vm_verb_result vm_verb_ipl(struct vm *vm)
{
	if (vm->restart)
		return VM_VERB_RESTARTING;
	if (vm->vcpu.state != VCPU_HALTED)
		return VM_VERB_RUNNING;
	kprintf("popek: vm %s: ipl by the operator\n", vm->name);
	vm_restart_ask(vm, VM_RESTART_IPL);
	return VM_VERB_OK;
}

const char *vm_verb_why(enum vm_verb_result r)
{
	static const char *const why[VM_VERB_RESULT_COUNT] = {
	    [VM_VERB_OK] = "ok",
	    [VM_VERB_STOPPED] = "is stopped (ipl starts it again)",
	    [VM_VERB_RUNNING] = "has not stopped (reset restarts it)",
	    [VM_VERB_PAUSED] = "is paused already",
	    [VM_VERB_NOT_PAUSED] = "is not paused",
	    [VM_VERB_RESTARTING] = "is restarting",
	};
	return r < VM_VERB_RESULT_COUNT ? why[r] : "?";
}

const char *vm_state_name(const struct vm *vm)
{
	if (vm->restart)
		return "restarting";
	if (vm->vcpu.state == VCPU_HALTED)
		return "stopped";
	if (vm->paused)
		return "paused";
	if (vm->watch.stopped)
		return "debugger"; /* held by its debugger stub */
	return vm->vcpu.state == VCPU_WFI ? "waiting" : "running";
}

void vm_event(struct vm *vm, enum vm_event e)
{
	static const char *const names[VM_EVENT_COUNT] = {
	    [VM_EVENT_STARTED] = "started", [VM_EVENT_STOPPED] = "stopped",
	    [VM_EVENT_WEDGED] = "wedged",   [VM_EVENT_REBOOTED] = "rebooted",
	    [VM_EVENT_PAUSED] = "paused",   [VM_EVENT_RESUMED] = "resumed",
	    [VM_EVENT_GDB] = "gdb",
	};
	console_ctl_printf("event %s %s\n", vm->name, names[e]);
}

/* Milliseconds in `ticks` of a `hz` timebase, without overflow for any uptime. */
static uint64_t ms_of(uint64_t ticks, uint64_t hz)
{
	return ticks / hz * 1000 + ticks % hz * 1000 / hz;
}

void vm_clock_print(const struct vm *vm, uint64_t hz)
{
	const struct vclock *c = &vm->vcpu.clock;
	uint64_t now = vcpu_now(), own = ms_of(vclock_read(c, now), hz);
	uint64_t wall = ms_of(now - c->created, hz);
	if (!c->virtual) {
		kprintf("real time, %lu.%03lu s since it was created", wall / 1000, wall % 1000);
		return;
	}
	kprintf("its own %lu.%03lu s in %lu.%03lu s of wall time (%lu%%)", own / 1000, own % 1000,
	        wall / 1000, wall % 1000, wall ? own * 100 / wall : 0);
}

void vm_report(const struct vm *vm, uint64_t hz)
{
	static const char *const cause_names[16] = {
	    "misaligned fetch",
	    "fetch access",
	    "illegal insn",
	    "breakpoint",
	    "misaligned load",
	    "load access",
	    "misaligned store",
	    "store access",
	    "ecall",
	    NULL,
	    NULL,
	    NULL,
	    "fetch page",
	    "load page",
	    NULL,
	    "store page",
	};
	static const char *const emul_names[EMUL_KIND_COUNT] = {
	    [EMUL_CSR] = "csr",           [EMUL_SRET] = "sret", [EMUL_WFI] = "wfi",
	    [EMUL_SFENCE] = "sfence.vma", [EMUL_MMIO] = "mmio", [EMUL_MRET] = "mret",
	    [EMUL_LDST] = "load/store"};
	const struct vcpu_stats *s = &vm->vcpu.stats;
	kprintf("popek: vm %s %s: %lu traps (%lu timer, %lu external interrupts)\n", vm->name,
	        vm->vcpu.state == VCPU_HALTED ? "stopped" : "so far", s->traps, s->irqs[5],
	        s->irqs[9]);
	kprintf("popek: vm %s exceptions:", vm->name);
	for (int i = 0; i < 16; i++) {
		if (s->by_cause[i])
			kprintf(" %s %lu;", cause_names[i] ? cause_names[i] : "other",
			        s->by_cause[i]);
	}
	kprintf("\npopek: vm %s emulated:", vm->name);
	for (int i = 0; i < EMUL_KIND_COUNT; i++)
		kprintf(" %s %lu;", emul_names[i], s->emulated[i]);
	kprintf(" sbi %lu; reflected %lu; shadow fills %lu, flushes %lu; satp writes %lu; "
	        "emulated ahead %lu\n",
	        s->sbi_calls, s->reflected, s->shadow_fills, s->shadow_flushes, s->satp_writes,
	        s->ahead);
	vdisk_report(vm, hz);
	netif_report(vm);
	display_report(vm);
	kprintf("popek: vm %s clock: ", vm->name);
	vm_clock_print(vm, hz);
	kprintf("\n");
}
