/*
 * The uplink's host-testable parts: the length check every frame from the
 * real NIC passes before it reaches a guest (drivers/virtio_net.h), the
 * bridge between the real NIC and an uplinked LAN's switch (core/uplink.c
 * over the real core/lan.c, with a fake NIC), and the QEMU command lines
 * `popek run` gives an uplinked LAN (tools/popek/qemu.c).
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

#include "core/bundle.h"
#include "core/lan.h"
#include "core/uplink.h"
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

/* ---- the bridge, over a fake NIC ---- */

static struct {
	bool started;
	void (*rx)(const void *frame, uint32_t len);
	void (*tx_room)(void);
	unsigned room;  /* transmit buffers free */
	unsigned nsent; /* frames sent out */
	uint8_t last[NIC_FRAME_MAX];
	uint32_t last_len;
} nic;

int kprintf(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

int nic_init(const struct machine *m, void (*rx)(const void *frame, uint32_t len),
             void (*tx_room)(void))
{
	(void)m;
	nic.started = true;
	nic.rx = rx;
	nic.tx_room = tx_room;
	return 0;
}

const struct nic_stats *nic_stats(void)
{
	static struct nic_stats none;
	return &none;
}

bool nic_can_send(void)
{
	return nic.room > 0;
}

int nic_send(const void *frame, uint32_t len)
{
	assert_true(nic.room > 0); /* the switch asks first */
	nic.room--;
	nic.nsent++;
	memcpy(nic.last, frame, len);
	nic.last_len = len;
	return NIC_OK;
}

/* A VM's port: takes every frame, remembers the last. */
struct vm_port {
	struct lan_port *port;
	unsigned got;
	uint8_t last[LAN_FRAME_MAX];
};

static bool vm_can_take(struct lan_port *p)
{
	(void)p;
	return true;
}

static void vm_deliver(struct lan_port *p, const void *frame, uint32_t len)
{
	struct vm_port *v = p->owner;
	v->got++;
	memcpy(v->last, frame, len);
}

static const struct lan_port_ops vm_ops = {.can_take = vm_can_take, .deliver = vm_deliver};

static const uint8_t VM_MAC[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t OUT_MAC[6] = {0x52, 0x55, 0x0a, 0, 2, 2}; /* QEMU's gateway */
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint32_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t len)
{
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08; /* IPv4 */
	f[14] = (uint8_t)len;
	return len;
}

static struct bundle_header bundle;

/* The switch's queues: one block, kept from one test to the next. */
static void *queues_alloc(uint64_t bytes)
{
	static void *block;
	static uint64_t have;
	if (bytes > have) {
		free(block);
		block = malloc(bytes);
		have = block ? bytes : 0;
	}
	return block;
}

static void lans_setup(bool uplink)
{
	memset(&bundle, 0, sizeof(bundle));
	memset(&nic, 0, sizeof(nic));
	bundle.nlans = 2;
	strcpy(bundle.lans[0].name, "inside");
	strcpy(bundle.lans[1].name, "world");
	bundle.lans[1].flags = uplink ? BUNDLE_LAN_UPLINK : 0;
	bundle.nvms = 2; /* one interface each: the switch sizes its queues by them */
	bundle.vms[0].nnics = bundle.vms[1].nnics = 1;
	lan_init(&bundle, queues_alloc);
}

static void test_no_uplink_no_nic(void **state)
{
	(void)state;
	lans_setup(false);
	uplink_init(NULL);
	assert_false(nic.started);
	assert_false(uplink_up());
}

static void test_bridge(void **state)
{
	struct vm_port vm = {0}, other = {0};
	uint8_t f[LAN_FRAME_MAX + 1];

	(void)state;
	lans_setup(true);
	vm.port = lan_attach(1, &vm_ops, &vm, VM_MAC);
	other.port = lan_attach(0, &vm_ops, &other, (const uint8_t[6]){0x02, 0, 0, 0, 0, 2});
	uplink_init(NULL);
	assert_true(nic.started);
	assert_true(uplink_up());
	nic.room = 4;

	/* out: the VM's broadcast (a DHCP discover) leaves by the NIC, not to the other LAN */
	assert_int_equal(lan_send(vm.port, f, frame(f, BCAST, VM_MAC, 342)), LAN_SENT);
	assert_int_equal(nic.nsent, 1);
	assert_int_equal(nic.last_len, 342);
	assert_memory_equal(nic.last + 6, VM_MAC, 6);
	assert_int_equal(other.got, 0);

	/* in: the answer reaches the VM, and the switch learns the gateway is outside */
	nic.rx(f, frame(f, VM_MAC, OUT_MAC, 590));
	assert_int_equal(vm.got, 1);
	assert_int_equal(vm.last[14], (uint8_t)590);
	assert_int_equal(other.got, 0);
	assert_int_equal(lan_send(vm.port, f, frame(f, OUT_MAC, VM_MAC, 60)), LAN_SENT);
	assert_int_equal(nic.nsent, 2);

	/* in, spoofing the VM's own address: dropped, never delivered */
	nic.rx(f, frame(f, BCAST, VM_MAC, 60));
	assert_int_equal(vm.got, 1);
	assert_int_equal(nic.nsent, 2);

	/* in, longer than a frame may be: dropped by the switch */
	nic.rx(f, frame(f, VM_MAC, OUT_MAC, LAN_FRAME_MAX + 1));
	assert_int_equal(vm.got, 1);

	/* the NIC full: frames wait in the uplink's queue until its buffers come back */
	nic.room = 0;
	for (int i = 0; i < 3; i++)
		assert_int_equal(lan_send(vm.port, f, frame(f, OUT_MAC, VM_MAC, 100 + i)),
		                 LAN_SENT);
	assert_int_equal(nic.nsent, 2);
	nic.room = 2;
	nic.tx_room();
	assert_int_equal(nic.nsent, 4);
	assert_int_equal(nic.last_len, 101);
	nic.room = 8;
	nic.tx_room();
	assert_int_equal(nic.nsent, 5);
	assert_int_equal(nic.last_len, 102);
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
	    cmocka_unit_test(test_no_uplink_no_nic),
	    cmocka_unit_test(test_bridge),
	    cmocka_unit_test(test_qemu_argv),
	};
	return cmocka_run_group_tests_name("uplink", tests, setup, teardown);
}
