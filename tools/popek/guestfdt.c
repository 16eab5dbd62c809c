/*
 * The guest device tree.  See guestfdt.h; node by node it follows
 * hw/riscv/virt.c in QEMU 7.2 (create_fdt_*).
 */
#include "guestfdt.h"

#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "core/guest_layout.h"

_Static_assert(GUEST_RAM_BASE == BUNDLE_GUEST_RAM_BASE, "one RAM base");

/* Stops at the first libfdt error, which the caller returns. */
#define TRY(expr)                    \
	do {                         \
		int err_ = (expr);   \
		if (err_ < 0)        \
			return err_; \
	} while (0)

/* reg = <addr size> with #address-cells = #size-cells = 2 */
static int prop_reg(void *fdt, uint64_t addr, uint64_t size)
{
	fdt64_t reg[2] = {cpu_to_fdt64(addr), cpu_to_fdt64(size)};
	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

/* interrupts-extended = <&cpu0_intc a &cpu0_intc b> */
static int prop_irqs_ext(void *fdt, uint32_t a, uint32_t b)
{
	fdt32_t cells[4] = {cpu_to_fdt32(GUESTFDT_PHANDLE_CPU0_INTC), cpu_to_fdt32(a),
	                    cpu_to_fdt32(GUESTFDT_PHANDLE_CPU0_INTC), cpu_to_fdt32(b)};
	return fdt_property(fdt, "interrupts-extended", cells, sizeof(cells));
}

static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
	return fdt_begin_node(fdt, buf);
}

static int build_chosen(void *fdt, const struct guestfdt_vm *vm)
{
	char stdout_path[64];
	void *seed;

	snprintf(stdout_path, sizeof(stdout_path), "/soc/serial@%llx",
	         (unsigned long long)GUEST_UART_BASE);
	TRY(fdt_begin_node(fdt, "chosen"));
	/* the board's 32 random bytes, first as in its tree: popek fills them at every boot */
	TRY(fdt_property_placeholder(fdt, "rng-seed", GUESTFDT_RNG_SEED_BYTES, &seed));
	memset(seed, 0, GUESTFDT_RNG_SEED_BYTES);
	if (vm->bootargs)
		TRY(fdt_property_string(fdt, "bootargs", vm->bootargs));
	TRY(fdt_property_string(fdt, "stdout-path", stdout_path));
	if (vm->initrd_end > vm->initrd_start) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", vm->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", vm->initrd_end));
	}
	return fdt_end_node(fdt);
}

static int build_cpus(void *fdt)
{
	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	TRY(fdt_property_u32(fdt, "timebase-frequency", GUEST_TIMEBASE_FREQ));

	TRY(fdt_begin_node(fdt, "cpu@0"));
	TRY(fdt_property_string(fdt, "device_type", "cpu"));
	TRY(fdt_property_u32(fdt, "reg", 0));
	TRY(fdt_property_string(fdt, "status", "okay"));
	TRY(fdt_property_string(fdt, "compatible", "riscv"));
	TRY(fdt_property_string(fdt, "riscv,isa", GUEST_ISA));
	TRY(fdt_property_string(fdt, "mmu-type", GUEST_MMU_TYPE));

	TRY(fdt_begin_node(fdt, "interrupt-controller"));
	TRY(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
	TRY(fdt_property_u32(fdt, "#address-cells", 0));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "phandle", GUESTFDT_PHANDLE_CPU0_INTC));
	TRY(fdt_end_node(fdt));

	TRY(fdt_end_node(fdt)); /* cpu@0 */
	return fdt_end_node(fdt);
}

/*
 * boot = firmware: the firmware powers off and resets the VM through the
 * test device, which the tree names as QEMU's virt board does
 * (create_fdt_reset): a syscon, and two nodes that say which value written
 * at which offset of it powers off or reboots.
 */
static int build_syscon_node(void *fdt, const char *name, const char *compat, uint32_t value)
{
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", compat));
	TRY(fdt_property_u32(fdt, "regmap", GUESTFDT_PHANDLE_TEST));
	TRY(fdt_property_u32(fdt, "offset", 0));
	TRY(fdt_property_u32(fdt, "value", value));
	return fdt_end_node(fdt);
}

static int build_soc(void *fdt, const struct guestfdt_vm *vm)
{
	static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
	static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";

	TRY(fdt_begin_node(fdt, "soc"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_string(fdt, "compatible", "simple-bus"));
	TRY(fdt_property(fdt, "ranges", NULL, 0));

	if (vm->boot == BUNDLE_BOOT_FIRMWARE) {
		TRY(begin_node_at(fdt, "test", GUEST_TEST_BASE));
		TRY(fdt_property(fdt, "compatible", test_compat, sizeof(test_compat)));
		TRY(prop_reg(fdt, GUEST_TEST_BASE, GUEST_TEST_SIZE));
		TRY(fdt_property_u32(fdt, "phandle", GUESTFDT_PHANDLE_TEST));
		TRY(fdt_end_node(fdt));

		TRY(begin_node_at(fdt, "clint", GUEST_CLINT_BASE));
		TRY(fdt_property(fdt, "compatible", clint_compat, sizeof(clint_compat)));
		TRY(prop_reg(fdt, GUEST_CLINT_BASE, GUEST_CLINT_SIZE));
		TRY(prop_irqs_ext(fdt, GUEST_IRQ_M_SOFT, GUEST_IRQ_M_TIMER));
		TRY(fdt_end_node(fdt));
	}

	TRY(begin_node_at(fdt, "plic", GUEST_PLIC_BASE));
	TRY(fdt_property(fdt, "compatible", plic_compat, sizeof(plic_compat)));
	TRY(prop_reg(fdt, GUEST_PLIC_BASE, GUEST_PLIC_SIZE));
	TRY(fdt_property_u32(fdt, "#address-cells", 0));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "riscv,ndev", GUEST_PLIC_NDEV));
	TRY(prop_irqs_ext(fdt, GUEST_IRQ_M_EXT, GUEST_IRQ_S_EXT));
	TRY(fdt_property_u32(fdt, "phandle", GUESTFDT_PHANDLE_PLIC));
	TRY(fdt_end_node(fdt));

	TRY(begin_node_at(fdt, "serial", GUEST_UART_BASE));
	TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	TRY(prop_reg(fdt, GUEST_UART_BASE, GUEST_UART_SIZE));
	TRY(fdt_property_u32(fdt, "clock-frequency", GUEST_UART_CLOCK));
	TRY(fdt_property_u32(fdt, "interrupts", GUEST_UART_IRQ));
	TRY(fdt_property_u32(fdt, "interrupt-parent", GUESTFDT_PHANDLE_PLIC));
	TRY(fdt_end_node(fdt));

	/*
	 * Disks, then network interfaces (Linux numbers vda.. and eth0.. in this
	 * order), then the display's GPU and keyboard.
	 */
	for (unsigned i = 0; i < vm->ndisks + vm->nnics + vm->ndisplay; i++) {
		uint64_t base = GUEST_VIRTIO_BASE + i * GUEST_VIRTIO_SIZE;
		TRY(begin_node_at(fdt, "virtio_mmio", base));
		TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
		TRY(prop_reg(fdt, base, GUEST_VIRTIO_SIZE));
		TRY(fdt_property_u32(fdt, "interrupts", GUEST_VIRTIO_IRQ(i)));
		TRY(fdt_property_u32(fdt, "interrupt-parent", GUESTFDT_PHANDLE_PLIC));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

int guestfdt_build(const struct guestfdt_vm *vm, void *buf, size_t size)
{
	if (vm->ndisks > GUEST_VIRTIO_SLOTS || vm->nnics > GUEST_VIRTIO_SLOTS - vm->ndisks ||
	    vm->ndisplay > GUEST_VIRTIO_SLOTS - vm->ndisks - vm->nnics)
		return -FDT_ERR_BADVALUE;
	if (size > INT32_MAX)
		size = INT32_MAX;

	TRY(fdt_create(buf, (int)size));
	TRY(fdt_finish_reservemap(buf));
	TRY(fdt_begin_node(buf, ""));
	TRY(fdt_property_u32(buf, "#address-cells", 2));
	TRY(fdt_property_u32(buf, "#size-cells", 2));
	TRY(fdt_property_string(buf, "compatible", "riscv-virtio"));
	TRY(fdt_property_string(buf, "model", "popek,vm"));

	TRY(build_chosen(buf, vm));
	TRY(build_cpus(buf));

	TRY(begin_node_at(buf, "memory", GUEST_RAM_BASE));
	TRY(fdt_property_string(buf, "device_type", "memory"));
	TRY(prop_reg(buf, GUEST_RAM_BASE, vm->memory));
	TRY(fdt_end_node(buf));

	if (vm->boot == BUNDLE_BOOT_FIRMWARE) {
		TRY(build_syscon_node(buf, "poweroff", "syscon-poweroff", GUEST_TEST_PASS));
		TRY(build_syscon_node(buf, "reboot", "syscon-reboot", GUEST_TEST_RESET));
	}

	TRY(build_soc(buf, vm));
	TRY(fdt_end_node(buf)); /* / */
	TRY(fdt_finish(buf));
	return (int)fdt_totalsize(buf);
}
