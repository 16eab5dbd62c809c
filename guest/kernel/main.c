/*
 * main.c — boot, in order.  OpenSBI enters _entry (entry.S) in S-mode with
 * a0 = hart id and a1 = the device tree; kmain sets the machine up from
 * what the device tree says and then runs the mode the bootargs ask for.
 */
#include "main.h"
#include "fdt.h"
#include "kalloc.h"
#include "plic.h"
#include "printf.h"
#include "proc.h"
#include "sbi.h"
#include "string.h"
#include "timer.h"
#include "trap.h"
#include "uart.h"
#include "virtio_blk.h"
#include "vm.h"
#include "modes.h"

struct machine machine;
extern char kernel_end[];

/* Memory, timebase, bootargs and ISA string, from the device tree. */
static void machine_from_fdt(uint64_t hartid, const void *dtb)
{
	uint64_t size;
	int root, node;
	if (fdt_init(dtb) < 0)
		panic("no device tree at %p", dtb);
	root = fdt_root();
	machine.hartid = hartid;
	node = fdt_find_child(root, "memory");
	if (node < 0 || fdt_reg(node, 0, &machine.ram_base, &size) < 0)
		panic("device tree has no memory node");
	machine.ram_end = machine.ram_base + size;
	node = fdt_find_child(root, "cpus");
	machine.timebase_hz = fdt_u32(node, "timebase-frequency", 0);
	int cpu = fdt_find_child(node, "cpu");
	machine.isa = cpu >= 0 ? fdt_getprop(cpu, "riscv,isa", 0) : 0;
	if (!machine.isa)
		machine.isa = "";
	if (!machine.timebase_hz && cpu >= 0)
		machine.timebase_hz = fdt_u32(cpu, "timebase-frequency", 0);
	if (!machine.timebase_hz)
		panic("device tree has no timebase-frequency");
	node = fdt_find_child(root, "chosen");
	machine.bootargs = node >= 0 ? fdt_getprop(node, "bootargs", 0) : 0;
	if (!machine.bootargs)
		machine.bootargs = "";
}

void kmain(uint64_t hartid, const void *dtb)
{
	sbi_init();                                         // which SBI extensions exist
	machine_from_fdt(hartid, dtb);                      // RAM, timebase, bootargs
	kalloc_init((uint64_t)kernel_end, machine.ram_end); // physical page allocator
	vm_init(machine.ram_end);                           // kernel page table: RAM
	trap_init();                                        // stvec, sscratch, sie
	if (plic_init(hartid) == 0) {                       // interrupt controller, then
		uart_init();                                //   console input
		virtio_blk_init();                          //   the disk, if any
	}
	vm_enable();                     // Sv39 on; ASID width
	proc_init();                     // this thread becomes pid 0
	timer_init(machine.timebase_hz); // the tick
	kprintf("teach: booted, bootargs \"%s\"\n", machine.bootargs);
	mode_run();     // test, bench, attack, spin, wedge or shell
	sbi_shutdown(); // power off
}
