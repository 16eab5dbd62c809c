/*
 * Unit tests of the guest device tree (tools/popek/guestfdt.c): build a
 * tree, read it back with libfdt and check the nodes and properties a
 * kernel looks for, against QEMU virt's layout in guest_layout.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libfdt.h>
#include <string.h>

#include "core/guest_layout.h"
#include "guestfdt.h"

static uint8_t fdt[65536];

static int node(const char *path)
{
	int off = fdt_path_offset(fdt, path);
	if (off < 0)
		fail_msg("node %s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const char *path, const char *name, int *len)
{
	const void *p = fdt_getprop(fdt, node(path), name, len);
	if (!p)
		fail_msg("%s has no %s", path, name);
	return p;
}

static void assert_string_prop(const char *path, const char *name, const char *want)
{
	int len;
	const char *p = prop(path, name, &len);
	assert_int_equal(len, strlen(want) + 1);
	assert_string_equal(p, want);
}

/* A property of `n` cells, each compared. */
static void assert_cells(const char *path, const char *name, const uint32_t *want, int n)
{
	int len;
	const fdt32_t *p = prop(path, name, &len);
	assert_int_equal(len, n * 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(fdt32_to_cpu(p[i]), want[i]);
}

static void assert_u32(const char *path, const char *name, uint32_t want)
{
	assert_cells(path, name, &want, 1);
}

static void assert_u64(const char *path, const char *name, uint64_t want)
{
	int len;
	const fdt64_t *p = prop(path, name, &len);
	assert_int_equal(len, 8);
	assert_int_equal(fdt64_to_cpu(*p), want);
}

static void assert_reg(const char *path, uint64_t addr, uint64_t size)
{
	uint32_t want[4] = {(uint32_t)(addr >> 32), (uint32_t)addr, (uint32_t)(size >> 32),
	                    (uint32_t)size};
	assert_cells(path, "reg", want, 4);
}

static void assert_no_prop(const char *path, const char *name)
{
	assert_null(fdt_getprop(fdt, node(path), name, NULL));
}

static void build(const struct guestfdt_vm *vm)
{
	int size = guestfdt_build(vm, fdt, sizeof(fdt));
	assert_true(size > 0);
	assert_int_equal(fdt_check_header(fdt), 0);
	assert_int_equal(fdt_totalsize(fdt), size);
}

static void test_guestfdt_sbi(void **state)
{
	struct guestfdt_vm vm = {
	    .memory = 256ULL << 20,
	    .bootargs = "console=ttyS0 root=/dev/vda",
	    .initrd_start = 0x8f000000,
	    .initrd_end = 0x8f123456,
	    .boot = BUNDLE_BOOT_SBI,
	    .ndisks = 3,
	};

	(void)state;
	build(&vm);

	assert_u32("/", "#address-cells", 2);
	assert_u32("/", "#size-cells", 2);
	assert_string_prop("/", "compatible", "riscv-virtio");
	assert_string_prop("/", "model", "popek,vm");

	assert_string_prop("/chosen", "bootargs", "console=ttyS0 root=/dev/vda");
	assert_string_prop("/chosen", "stdout-path", "/soc/serial@10000000");
	/* the board's 32 bytes, first in /chosen as in its tree; zero until popek fills them */
	int seed_len;
	const uint8_t *seed = prop("/chosen", "rng-seed", &seed_len);
	assert_int_equal(seed_len, 32);
	for (int i = 0; i < seed_len; i++)
		assert_int_equal(seed[i], 0);
	const char *first;
	fdt_getprop_by_offset(fdt, fdt_first_property_offset(fdt, node("/chosen")), &first, NULL);
	assert_string_equal(first, "rng-seed");
	assert_u64("/chosen", "linux,initrd-start", 0x8f000000);
	assert_u64("/chosen", "linux,initrd-end", 0x8f123456);

	assert_u32("/cpus", "#address-cells", 1);
	assert_u32("/cpus", "#size-cells", 0);
	assert_u32("/cpus", "timebase-frequency", 10000000);
	assert_string_prop("/cpus/cpu@0", "device_type", "cpu");
	assert_u32("/cpus/cpu@0", "reg", 0);
	assert_string_prop("/cpus/cpu@0", "status", "okay");
	assert_string_prop("/cpus/cpu@0", "compatible", "riscv");
	assert_string_prop("/cpus/cpu@0", "riscv,isa", "rv64imafdc");
	assert_string_prop("/cpus/cpu@0", "mmu-type", "riscv,sv48");
	const char *intc = "/cpus/cpu@0/interrupt-controller";
	assert_string_prop(intc, "compatible", "riscv,cpu-intc");
	assert_u32(intc, "#interrupt-cells", 1);
	assert_non_null(fdt_getprop(fdt, node(intc), "interrupt-controller", NULL));
	assert_int_equal(fdt_get_phandle(fdt, node(intc)), GUESTFDT_PHANDLE_CPU0_INTC);

	assert_string_prop("/memory@80000000", "device_type", "memory");
	assert_reg("/memory@80000000", 0x80000000, 256ULL << 20);

	assert_string_prop("/soc", "compatible", "simple-bus");
	assert_non_null(fdt_getprop(fdt, node("/soc"), "ranges", NULL));
	assert_int_equal(fdt_path_offset(fdt, "/soc/clint@2000000"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_path_offset(fdt, "/soc/test@100000"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_path_offset(fdt, "/poweroff"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_path_offset(fdt, "/reboot"), -FDT_ERR_NOTFOUND);

	const char *plic = "/soc/plic@c000000";
	int len;
	const char *compat = prop(plic, "compatible", &len);
	assert_int_equal(len, sizeof("sifive,plic-1.0.0\0riscv,plic0"));
	assert_memory_equal(compat, "sifive,plic-1.0.0\0riscv,plic0", len);
	assert_int_equal(fdt_node_check_compatible(fdt, node(plic), "riscv,plic0"), 0);
	assert_reg(plic, 0xc000000, 0x600000);
	assert_u32(plic, "#interrupt-cells", 1);
	assert_u32(plic, "riscv,ndev", 31);
	assert_non_null(fdt_getprop(fdt, node(plic), "interrupt-controller", NULL));
	uint32_t plic_irqs[] = {GUESTFDT_PHANDLE_CPU0_INTC, 11, GUESTFDT_PHANDLE_CPU0_INTC, 9};
	assert_cells(plic, "interrupts-extended", plic_irqs, 4);
	assert_int_equal(fdt_get_phandle(fdt, node(plic)), GUESTFDT_PHANDLE_PLIC);

	const char *uart = "/soc/serial@10000000";
	assert_string_prop(uart, "compatible", "ns16550a");
	assert_reg(uart, 0x10000000, 0x100);
	assert_u32(uart, "clock-frequency", 3686400);
	assert_u32(uart, "interrupts", 10);
	assert_u32(uart, "interrupt-parent", GUESTFDT_PHANDLE_PLIC);

	static const char *const virtio[] = {
	    "/soc/virtio_mmio@10001000", "/soc/virtio_mmio@10002000", "/soc/virtio_mmio@10003000"};
	for (uint32_t i = 0; i < 3; i++) {
		assert_string_prop(virtio[i], "compatible", "virtio,mmio");
		assert_reg(virtio[i], 0x10001000 + 0x1000 * i, 0x1000);
		assert_u32(virtio[i], "interrupts", i + 1);
		assert_u32(virtio[i], "interrupt-parent", GUESTFDT_PHANDLE_PLIC);
	}
	assert_int_equal(fdt_path_offset(fdt, "/soc/virtio_mmio@10004000"), -FDT_ERR_NOTFOUND);

	/* the disks come in slot order, after the UART */
	int prev = node(uart);
	for (int i = 0; i < 3; i++) {
		int off = node(virtio[i]);
		assert_true(off > prev);
		prev = off;
	}
}

static void test_guestfdt_firmware_minimal(void **state)
{
	struct guestfdt_vm vm = {.memory = 8ULL << 20, .boot = BUNDLE_BOOT_FIRMWARE};

	(void)state;
	build(&vm);
	assert_no_prop("/chosen", "bootargs");
	assert_no_prop("/chosen", "linux,initrd-start");
	assert_no_prop("/chosen", "linux,initrd-end");
	assert_string_prop("/chosen", "stdout-path", "/soc/serial@10000000");
	assert_reg("/memory@80000000", 0x80000000, 8ULL << 20);

	const char *clint = "/soc/clint@2000000";
	int len;
	const char *compat = prop(clint, "compatible", &len);
	assert_int_equal(len, sizeof("sifive,clint0\0riscv,clint0"));
	assert_memory_equal(compat, "sifive,clint0\0riscv,clint0", len);
	assert_reg(clint, 0x2000000, 0x10000);
	uint32_t irqs[] = {GUESTFDT_PHANDLE_CPU0_INTC, 3, GUESTFDT_PHANDLE_CPU0_INTC, 7};
	assert_cells(clint, "interrupts-extended", irqs, 4);
	assert_int_equal(fdt_path_offset(fdt, "/soc/virtio_mmio@10001000"), -FDT_ERR_NOTFOUND);
}

/* The test device and its syscon-poweroff/-reboot nodes, as QEMU 7.2's virt board has them. */
static void test_guestfdt_firmware_test_device(void **state)
{
	struct guestfdt_vm vm = {.memory = 128ULL << 20, .boot = BUNDLE_BOOT_FIRMWARE, .ndisks = 1};
	static const char want[] = "sifive,test1\0sifive,test0\0syscon";

	(void)state;
	build(&vm);
	const char *test = "/soc/test@100000";
	int len;
	const char *compat = prop(test, "compatible", &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(compat, want, len);
	assert_int_equal(fdt_node_check_compatible(fdt, node(test), "sifive,test0"), 0);
	assert_int_equal(fdt_node_check_compatible(fdt, node(test), "syscon"), 0);
	assert_reg(test, GUEST_TEST_BASE, GUEST_TEST_SIZE);
	assert_reg(test, 0x100000, 0x1000);
	assert_int_equal(fdt_get_phandle(fdt, node(test)), GUESTFDT_PHANDLE_TEST);

	/* every phandle in the tree is different */
	assert_true(GUESTFDT_PHANDLE_TEST != GUESTFDT_PHANDLE_CPU0_INTC);
	assert_true(GUESTFDT_PHANDLE_TEST != GUESTFDT_PHANDLE_PLIC);
	assert_int_equal(fdt_node_offset_by_phandle(fdt, GUESTFDT_PHANDLE_TEST), node(test));

	assert_string_prop("/poweroff", "compatible", "syscon-poweroff");
	assert_u32("/poweroff", "regmap", GUESTFDT_PHANDLE_TEST);
	assert_u32("/poweroff", "offset", 0);
	assert_u32("/poweroff", "value", 0x5555);
	assert_u32("/poweroff", "value", GUEST_TEST_PASS);

	assert_string_prop("/reboot", "compatible", "syscon-reboot");
	assert_u32("/reboot", "regmap", GUESTFDT_PHANDLE_TEST);
	assert_u32("/reboot", "offset", 0);
	assert_u32("/reboot", "value", 0x7777);
	assert_u32("/reboot", "value", GUEST_TEST_RESET);

	/* the rest of a firmware VM's tree is still there */
	assert_int_equal(fdt_path_offset(fdt, "/soc/clint@2000000") >= 0, 1);
	assert_int_equal(fdt_path_offset(fdt, "/soc/plic@c000000") >= 0, 1);
	assert_int_equal(fdt_path_offset(fdt, "/soc/serial@10000000") >= 0, 1);
	assert_int_equal(fdt_path_offset(fdt, "/soc/virtio_mmio@10001000") >= 0, 1);
}

static void test_guestfdt_limits(void **state)
{
	struct guestfdt_vm vm = {.memory = 8ULL << 20, .ndisks = GUEST_VIRTIO_SLOTS};
	uint8_t small[256];

	(void)state;
	build(&vm);
	assert_int_equal(fdt_path_offset(fdt, "/soc/virtio_mmio@10008000") >= 0, 1);
	assert_u32("/soc/virtio_mmio@10008000", "interrupts", 8);
	vm.ndisks = GUEST_VIRTIO_SLOTS + 1;
	assert_true(guestfdt_build(&vm, fdt, sizeof(fdt)) < 0);
	vm.ndisks = 0;
	assert_int_equal(guestfdt_build(&vm, small, sizeof(small)), -FDT_ERR_NOSPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guestfdt_sbi),
	    cmocka_unit_test(test_guestfdt_firmware_minimal),
	    cmocka_unit_test(test_guestfdt_firmware_test_device),
	    cmocka_unit_test(test_guestfdt_limits),
	};
	return cmocka_run_group_tests_name("guestfdt", tests, NULL, NULL);
}
