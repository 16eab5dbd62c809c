/*
 * popek's boot, in order.  entry.S has turned on a boot page table and
 * jumped here on the boot stack: hart = the hart OpenSBI started us on,
 * dtb_pa = the physical address of the machine's device tree.
 */
#include "core/bundle.h"
#include "core/console.h"
#include "core/lan.h"
#include "core/machine.h"
#include "core/mem.h"
#include "core/panic.h"
#include "core/monitor.h"
#include "core/sched.h"
#include "core/screen.h"
#include "core/uplink.h"
#include "core/vm.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/mmu.h"
#include "arch/riscv/sbi.h"
#include "arch/riscv/trap.h"
#include "drivers/plic.h"
#include "drivers/virtio_blk.h"
#include "arch/riscv/riscv.h"
#include "lib/dt.h"

#include <stddef.h>

#define POPEK_VERSION "0.1"
#define MIB           (1024 * 1024)

extern char __popek_start[], __popek_end[];

static struct machine machine;

static void machine_init(uint64_t hart, uint64_t dtb_pa, struct dt *dt)
{
	char err[96];
	if (dt_init(dt, pa_to_va(dtb_pa), 1 << 20) < 0)
		panic("no valid device tree at %lx", dtb_pa);
	if (machine_from_dt(&machine, dt, hart, err, sizeof(err)) < 0)
		panic("%s", err);
}

static void banner(const struct machine *m)
{
	kprintf("\npopek %s: a trap-and-emulate virtual machine monitor for RV64\n", POPEK_VERSION);
	kprintf("  harts     %u (booted on hart %lu)\n", m->harts, m->boot_hart);
	for (int i = 0; i < m->nram; i++)
		kprintf("  memory    %lx-%lx (%lu MiB)\n", m->ram[i].base,
		        m->ram[i].base + m->ram[i].size - 1, m->ram[i].size / MIB);
	kprintf("  free      %lu MiB after popek, firmware, device tree and bundle\n",
	        mem_free_bytes() / MIB);
	kprintf("  timebase  %lu Hz\n", m->timebase_hz);
	kprintf("  isa       %s\n", m->isa);
	kprintf("  mmu       %s (popek translates with Sv48)\n", m->mmu);
	if (m->uart.present)
		kprintf("  uart      ns16550a at %lx, irq %u\n", m->uart.base, m->uart.irq);
	if (m->plic.present)
		kprintf("  plic      at %lx, %u sources, S-mode context %d\n", m->plic.base,
		        m->plic.ndev, m->plic.s_context);
	if (m->nvirtio)
		kprintf("  virtio    %d mmio slots at %lx-%lx, irqs %u-%u\n", m->nvirtio,
		        m->virtio[0].base,
		        m->virtio[m->nvirtio - 1].base + m->virtio[m->nvirtio - 1].size - 1,
		        m->virtio[0].irq, m->virtio[m->nvirtio - 1].irq);
	if (m->initrd_end > m->initrd_start)
		kprintf("  initrd    %lx-%lx (%lu KiB)\n", m->initrd_start, m->initrd_end - 1,
		        (m->initrd_end - m->initrd_start) / 1024);
	kprintf("  popek     %lx-%lx, page tables at %lx\n", va_to_pa(__popek_start),
	        va_to_pa(__popek_end) - 1, mmu_root());
}

/*
 * Asks the firmware to send illegal-instruction traps straight to popek
 * (docs/firmware.md) and says which path popek is on: either works, the
 * direct one only saves the detour through M-mode.
 */
static void firmware_init(void)
{
	struct sbi_firmware fw = sbi_firmware_init();
	kprintf("popek: firmware delegates illegal instructions: %s\n",
	        fw.delegates_illegal ? "yes" : "no (stock firmware)");
	kprintf("popek: timer: %s\n", fw.sstc ? "stimecmp (Sstc)" : "SBI set_timer");
}

/* Finds the boot bundle QEMU loaded as the initrd and lists the VMs it describes. */
static const struct bundle_header *bundle_find(const struct machine *m)
{
	if (m->initrd_end <= m->initrd_start) {
		kprintf("popek: no boot bundle (start popek with `popek run DIRECTORY`)\n");
		return NULL;
	}
	const struct bundle_header *b = pa_to_va(m->initrd_start);
	const char *why = bundle_check(b, m->initrd_end - m->initrd_start, disk_capacity());
	if (why) {
		kprintf("popek: boot bundle rejected: %s\n", why);
		return NULL;
	}
	static const char *const boot_names[] = {"sbi", "firmware"};
	static const char *const timer_names[] = {"real", "virtual"};
	for (uint32_t i = 0; i < b->nvms; i++) {
		const struct bundle_vm *vm = &b->vms[i];
		kprintf("  vm %-10s %lu MiB, boot %s, timer %s, %u disk%s, entry %lx\n", vm->name,
		        vm->memory / MIB, boot_names[vm->boot], timer_names[vm->timer], vm->ndisks,
		        vm->ndisks == 1 ? "" : "s", vm->entry);
	}
	return b;
}

/* A port's frame queue, from free memory (the VMs' RAM is taken after it). */
static void *lan_queue_alloc(uint64_t bytes)
{
	uint64_t pa = mem_alloc_range(bytes, PAGE_SIZE);
	return pa ? pa_to_va(pa) : NULL;
}

/* Deliberate failures, so the tests can see popek's panic path work. */
static void selftest(const struct machine *m)
{
	if (machine_bootarg(m, "popek.selftest=panic"))
		panic("selftest: panic requested on the command line");
	if (machine_bootarg(m, "popek.selftest=trap"))
		(void)*(volatile uint64_t *)0x1000; /* unmapped: a load page fault */
}

void popek_main(uint64_t hart, uint64_t dtb_pa)
{
	struct dt dt;

	trap_init();                               // stvec: popek's vector; panics dump registers
	machine_init(hart, dtb_pa, &dt);           // read the device tree OpenSBI handed us
	console_init(&machine);                    // the 16550 becomes the operator console
	mem_init(&machine, dtb_pa, dt.total_size); // free physical memory
	mmu_init(&machine);                        // popek's own Sv48 page tables
	banner(&machine);
	firmware_init(); // illegal instructions straight to popek; Sstc for its timer
	if (machine.plic.present && machine.plic.s_context >= 0)
		plic_init(pa_to_va(machine.plic.base), machine.plic.s_context); // real device IRQs
	disk_init(&machine); // the real disk, divided into minidisks
	selftest(&machine);
	const struct bundle_header *b = bundle_find(&machine);
	if (b) {
		int n = (int)b->nvms;
		uint64_t vms_pa = mem_alloc_range(n * sizeof(struct vm), PAGE_SIZE);
		if (!vms_pa)
			panic("no memory for %d VMs", n);
		struct vm *vms = pa_to_va(vms_pa);
		/* popek's ASID 0, then one per shadow root of every VM (shadow.h) */
		uint64_t asids = 1 + (uint64_t)n * SHADOW_ASIDS;
		bool shared = !mmu_asids_enough(asids);
		vcpu_share_asids(shared);
		kprintf("popek: %lu ASIDs (%lu needed): %s\n", mmu_asid_mask() + 1, asids,
		        shared ? "too few, the TLB is flushed on every address-space switch"
		               : "each VM's views have their own, no TLB flush between VMs");
		lan_init(b, lan_queue_alloc); // the virtual LANs, before any port joins one
		uplink_init(&machine);        // an uplinked LAN's port on the real NIC
		vm_seed_init(machine.seed, machine.seed_len); // each boot's /chosen rng-seed
		if (!machine.seed_len)
			kprintf("popek: no /chosen rng-seed in the device tree: guests' seeds come "
			        "from the time alone\n");
		for (int i = 0; i < n; i++)
			vm_create(&vms[i], i, b, &b->vms[i]); // RAM, images, devices, vCPU
		screen_init(vms, n, &machine);             // the real display and keyboard, if any
		monitor_init(vms, n, machine.timebase_hz); // typed input goes to the first VM
		console_enable_input(&machine);            // ... through the UART's interrupt
		sched_run(vms, n, machine.timebase_hz);    // until every VM stops
		uplink_report();
		kprintf("popek: every VM has stopped; powering off\n");
	}
	sbi_shutdown(0);
}
