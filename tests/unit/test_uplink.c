/*
 * The uplink's host-testable parts: the length check every frame from the
 * real NIC passes before it reaches a guest (drivers/virtio_net.h), and the
 * QEMU command lines `popek run` gives an uplinked LAN (tools/popek/qemu.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directory.h"
#include "drivers/virtio_net.h"
#include "qemu.h"

/* ---- received lengths ---- */

static void test_rx_frame_len(void **state)
{
	static const struct {
		uint32_t written, size;
		int want;
	} cases[] = {
	    {0, 2048, -1},                /* nothing written */
	    {NIC_HDR_LEN - 1, 2048, -1},  /* not even the header */
	    {NIC_HDR_LEN, 2048, 0},       /* a header alone: the switch drops it */
	    {NIC_HDR_LEN + 60, 2048, 60}, /* a small frame */
	    {NIC_HDR_LEN + NIC_FRAME_MAX, 2048, NIC_FRAME_MAX}, /* the largest */
	    {NIC_HDR_LEN + NIC_FRAME_MAX + 1, 2048, -1},        /* one byte past it */
	    {2049, 2048, -1},                                   /* past the buffer */
	    {0xffffffff, 2048, -1},                             /* what no device writes */
	    {NIC_HDR_LEN + 100, NIC_HDR_LEN + 99, -1},          /* past a small buffer */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = nic_rx_frame_len(cases[i].written, cases[i].size);
		if (got != cases[i].want)
			fail_msg("written %u size %u: %d, want %d", cases[i].written, cases[i].size,
			         got, cases[i].want);
	}
}

/* ---- QEMU command lines ---- */

static char ini[64], kernel[4096];

static int setup(void **state)
{
	(void)state;
	if (!realpath("tests/unit/dirs/hello.elf", kernel))
		return -1;
	snprintf(ini, sizeof(ini), "/tmp/popek-uplink-XXXXXX");
	int fd = mkstemp(ini);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(ini);
	return 0;
}

/* Loads `text` (%s: the kernel's path), which must be sound. */
static void load(struct directory *dir, const char *text)
{
	FILE *f = fopen(ini, "w");
	assert_non_null(f);
	fprintf(f, text, kernel, kernel);
	fclose(f);
	directory_load(dir, ini);
	for (size_t i = 0; i < dir->diag.count; i++)
		print_error("%s\n", dir->diag.entries[i].text);
	assert_int_equal(dir->diag.count, 0);
}

/* The argument after `opt` that starts with `prefix`, or NULL. */
static const char *arg_after(const struct qemu_argv *a, const char *opt, const char *prefix)
{
	for (size_t i = 0; i + 1 < a->count; i++) {
		if (strcmp(a->argv[i], opt) == 0 &&
		    strncmp(a->argv[i + 1], prefix, strlen(prefix)) == 0)
			return a->argv[i + 1];
	}
	return NULL;
}

static const struct {
	const char *name;
	const char *text;
	bool bare;
	const char *netdev; /* the whole -netdev argument, or NULL for none */
	const char *device; /* the whole virtio-net-device argument, or NULL for none */
} argv_cases[] = {
    {"no-lan", "[vm a]\nmemory = 16M\nkernel = %s\n", false, NULL, NULL},
    {"lan-without-uplink", "[lan l]\n[vm a]\nmemory = 16M\nkernel = %s\nnet = l\n", false, NULL,
     NULL},
    {"uplink", "[lan l]\nuplink = on\n[vm a]\nmemory = 16M\nkernel = %s\nnet = l\n", false,
     "user,id=uplink", "virtio-net-device,netdev=uplink"},
    {"uplink-forwards",
     "[lan l]\nuplink = on\nforward = tcp 2222 10.0.2.21:22\nforward = udp 5353 10.0.2.15:53\n"
     "[vm a]\nmemory = 16M\nkernel = %s\nnet = l\n",
     false,
     "user,id=uplink,hostfwd=tcp:127.0.0.1:2222-10.0.2.21:22,"
     "hostfwd=udp:127.0.0.1:5353-10.0.2.15:53",
     "virtio-net-device,netdev=uplink"},
    /* an uplinked LAN no VM is on still gets the NIC: popek bridges it */
    {"uplink-no-vm-on-it", "[lan l]\nuplink = on\n[vm a]\nmemory = 16M\nkernel = %s\n", false,
     "user,id=uplink", "virtio-net-device,netdev=uplink"},
    /* bare: the first VM's interface in the slot after its disks, its MAC, the forwards */
    {"bare-uplink",
     "[lan l]\nuplink = on\nforward = tcp 8080 10.0.2.15:80\n"
     "[vm a]\nmemory = 16M\nkernel = %s\nnet = l mac=52:54:00:12:34:56\n",
     true, "user,id=uplink,hostfwd=tcp:127.0.0.1:8080-10.0.2.15:80",
     "virtio-net-device,bus=virtio-mmio-bus.0,mac=52:54:00:12:34:56,netdev=uplink"},
    /* bare on a LAN without uplink: the interface, with no peer */
    {"bare-no-uplink",
     "[lan l]\n[vm a]\nmemory = 16M\nkernel = %s\nnet = l mac=52:54:00:00:00:01\n", true, NULL,
     "virtio-net-device,bus=virtio-mmio-bus.0,mac=52:54:00:00:00:01"},
};

static void test_qemu_argv(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(argv_cases) / sizeof(argv_cases[0]); i++) {
		struct directory dir;
		struct qemu_argv a = {0};
		struct qemu_opts o = {.popek_image = "popek.bin", .bundle = "b"};

		print_message("case %s\n", argv_cases[i].name);
		load(&dir, argv_cases[i].text);
		if (argv_cases[i].bare)
			qemu_argv_bare(&dir, &o, &a);
		else
			qemu_argv_monitor(&dir, &o, &a);
		const char *netdev = arg_after(&a, "-netdev", "");
		const char *device = arg_after(&a, "-device", "virtio-net-device");
		if (argv_cases[i].netdev)
			assert_string_equal(netdev ? netdev : "(none)", argv_cases[i].netdev);
		else
			assert_null(netdev);
		if (argv_cases[i].device)
			assert_string_equal(device ? device : "(none)", argv_cases[i].device);
		else
			assert_null(device);
		qemu_argv_free(&a);
		directory_free(&dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rx_frame_len),
	    cmocka_unit_test(test_qemu_argv),
	};
	return cmocka_run_group_tests_name("uplink", tests, setup, teardown);
}
