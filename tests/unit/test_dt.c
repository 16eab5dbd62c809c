/*
 * The device-tree reader and the machine description, against QEMU's own
 * virt-board trees and hand-written ones (tests/unit/hyp.mk builds them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/machine.h"
#include "lib/chacha.h"
#include "lib/dt.h"

#define DTB_DIR "build/tests/unit/dtb/"

struct blob {
	uint8_t *data;
	size_t size;
	struct dt dt;
};

static struct blob load(const char *name)
{
	struct blob b = {0};
	char path[256];
	snprintf(path, sizeof(path), DTB_DIR "%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root after `make`)", path);
	b.data = malloc(1 << 20);
	b.size = fread(b.data, 1, 1 << 20, f);
	fclose(f);
	assert_int_equal(dt_init(&b.dt, b.data, b.size), 0);
	return b;
}

static void test_qemu_virt(void **state)
{
	(void)state;
	struct blob b = load("virt-1g.dtb");
	struct machine m;
	char err[100];
	assert_int_equal(machine_from_dt(&m, &b.dt, 0, err, sizeof(err)), 0);
	assert_int_equal(m.harts, 1);
	assert_int_equal(m.nram, 1);
	assert_int_equal(m.ram[0].base, 0x80000000);
	assert_int_equal(m.ram[0].size, 1ULL << 30);
	assert_int_equal(m.timebase_hz, 10000000);
	assert_true(strncmp(m.isa, "rv64imafdc", 10) == 0);
	assert_true(m.paging_bits >= 48);
	assert_true(m.uart.present);
	assert_int_equal(m.uart.base, 0x10000000);
	assert_int_equal(m.uart.irq, 10);
	assert_true(m.plic.present);
	assert_int_equal(m.plic.base, 0xc000000);
	assert_int_equal(m.plic.s_context, 1);
	assert_int_equal(m.nvirtio, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(m.virtio[i].base, 0x10001000 + 0x1000 * i);
		assert_int_equal(m.virtio[i].irq, 1 + i);
	}
	assert_int_equal(m.initrd_start, 0);
	assert_int_equal(m.initrd_end, 0);
	assert_string_equal(m.bootargs, "");
	/* the board's /chosen rng-seed, 32 random bytes */
	assert_int_equal(m.seed_len, 32);
	int zero = 0;
	for (int i = 0; i < 32; i++)
		zero += m.seed[i] == 0;
	assert_true(zero < 8);
	free(b.data);
}

/* RFC 8439 §2.3.2's block; the fill is its blocks in order, cut at any length. */
static void test_chacha20(void **state)
{
	static const uint8_t want[16] = {0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15,
	                                 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4};
	static const uint8_t want_end[4] = {0xa2, 0x50, 0x3c, 0x4e};
	uint8_t key[32], out[64], fill[200], block[64];
	uint32_t nonce[3] = {0x09000000, 0x4a000000, 0};
	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	chacha20_block(key, 1, nonce, out);
	assert_memory_equal(out, want, sizeof(want));
	assert_memory_equal(out + 60, want_end, sizeof(want_end));
	memset(fill, 0xee, sizeof(fill));
	chacha20_fill(key, nonce, fill, 130);
	chacha20_block(key, 1, nonce, block);
	assert_memory_equal(fill + 64, block, 64);
	chacha20_block(key, 2, nonce, block);
	assert_memory_equal(fill + 128, block, 2);
	assert_int_equal(fill[130], 0xee);
	/* another nonce (another VM or boot): other bytes */
	uint8_t other[32];
	nonce[1]++;
	chacha20_fill(key, nonce, other, sizeof(other));
	assert_memory_not_equal(fill, other, sizeof(other));
}

static void test_qemu_smp_initrd(void **state)
{
	(void)state;
	struct blob b = load("virt-smp2-initrd.dtb");
	struct machine m;
	char err[100];
	/* Booted on hart 1: its S-mode context is the fourth (M0 S0 M1 S1). */
	assert_int_equal(machine_from_dt(&m, &b.dt, 1, err, sizeof(err)), 0);
	assert_int_equal(m.harts, 2);
	assert_int_equal(m.boot_hart, 1);
	assert_int_equal(m.plic.s_context, 3);
	assert_int_equal(m.ram[0].size, 3ULL << 30);
	assert_true(m.initrd_start >= 0x80000000);
	assert_int_equal(m.initrd_end - m.initrd_start, 12345);
	assert_string_equal(m.bootargs, "console=ttyS0 popek.trace");
	assert_true(machine_bootarg(&m, "popek.trace"));
	assert_false(machine_bootarg(&m, "popek"));
	assert_false(machine_bootarg(&m, "ttyS0"));
	free(b.data);
}

static void test_hand_written(void **state)
{
	(void)state;
	struct blob b = load("two-memory.dtb");
	struct machine m;
	char err[100];
	assert_int_equal(machine_from_dt(&m, &b.dt, 0, err, sizeof(err)), 0);
	assert_int_equal(m.harts, 1); /* cpu@1 is disabled */
	assert_int_equal(m.timebase_hz, 1000000);
	assert_int_equal(m.paging_bits, 39);
	assert_int_equal(m.nram, 2);
	assert_int_equal(m.ram[1].base, 0x100000000ULL);
	assert_int_equal(m.ram[1].size, 0x20000000);
	assert_int_equal(m.nreserved, 1);
	assert_int_equal(m.reserved[0].size, 0x40000);
	assert_int_equal(m.uart.base, 0x20000000);
	assert_int_equal(m.uart.reg_shift, 2);
	assert_false(m.plic.present);
	assert_int_equal(m.nvirtio, 0);
	assert_int_equal(m.initrd_start, 0x88000000);
	assert_int_equal(m.initrd_end, 0x88001000);
	assert_true(machine_bootarg(&m, "popek.selftest=trap"));
	free(b.data);
}

static void test_missing_parts(void **state)
{
	(void)state;
	static const struct {
		const char *file, *error;
	} cases[] = {
	    {"no-memory.dtb", "no memory node"},
	    {"no-timebase.dtb", "no timebase-frequency"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct blob b = load(cases[i].file);
		struct machine m;
		char err[100] = "";
		assert_int_equal(machine_from_dt(&m, &b.dt, 0, err, sizeof(err)), -1);
		assert_non_null(strstr(err, cases[i].error));
		free(b.data);
	}
}

static void test_paths_and_walk(void **state)
{
	(void)state;
	struct blob b = load("virt-1g.dtb");
	const struct dt *dt = &b.dt;
	assert_true(dt_path(dt, "/") == dt_root(dt));
	int cpu = dt_path(dt, "/cpus/cpu@0");
	assert_true(cpu >= 0);
	assert_true(dt_path(dt, "/cpus/cpu") == cpu); /* unit address optional */
	assert_true(dt_path(dt, "/cpus/cpu@1") < 0);
	assert_true(dt_path(dt, "/nonexistent") < 0);
	assert_string_equal(dt_prop_str(dt, cpu, "device_type"), "cpu");
	assert_null(dt_prop(dt, cpu, "no-such-property", NULL));
	assert_true(dt_compatible(dt, dt_path(dt, "/soc"), "simple-bus"));
	assert_false(dt_compatible(dt, dt_path(dt, "/soc"), "simple"));
	/* the walk visits every node once; virt has 8 virtio slots */
	int nodes = 0, virtio = 0;
	for (int n = dt_walk(dt, dt_root(dt), -1); n >= 0; n = dt_walk(dt, dt_root(dt), n)) {
		nodes++;
		virtio += dt_compatible(dt, n, "virtio,mmio");
	}
	assert_int_equal(virtio, 8);
	assert_true(nodes > 20);
	free(b.data);
}

static void test_rejects_garbage(void **state)
{
	(void)state;
	struct blob b = load("virt-1g.dtb");
	struct dt dt;
	uint8_t junk[64] = {0};
	assert_int_equal(dt_init(&dt, junk, sizeof(junk)), -1);
	/* truncated: the header's total size exceeds what we have */
	assert_int_equal(dt_init(&dt, b.data, 100), -1);
	/* a corrupt structure block must stop the reader, not run it off the end */
	struct dt ok;
	assert_int_equal(dt_init(&ok, b.data, b.size), 0);
	memset((uint8_t *)ok.structs + 8, 0xff, 64);
	int n = 0;
	for (int c = dt_walk(&ok, dt_root(&ok), -1); c >= 0 && n < 1000;
	     c = dt_walk(&ok, dt_root(&ok), c))
		n++;
	assert_true(n < 1000);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qemu_virt),      cmocka_unit_test(test_qemu_smp_initrd),
	    cmocka_unit_test(test_hand_written),   cmocka_unit_test(test_missing_parts),
	    cmocka_unit_test(test_paths_and_walk), cmocka_unit_test(test_rejects_garbage),
	    cmocka_unit_test(test_chacha20),
	};
	return cmocka_run_group_tests_name("dt", tests, NULL, NULL);
}
