/* bundle_check(): one sound bundle, then a table of corruptions it must catch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/bundle.h"

#define KERNEL_SIZE 4096
#define TOTAL       (sizeof(struct bundle_header) + KERNEL_SIZE)
#define DISK        (8ULL << 20) /* the real disk's bytes */
#define K           1024ULL
#define M           (1024ULL * K)

static struct bundle_header *sound_bundle(void)
{
	struct bundle_header *b = calloc(1, TOTAL);
	memcpy(b->magic, BUNDLE_MAGIC, 8);
	b->version = BUNDLE_VERSION;
	b->header_size = sizeof(*b);
	b->total_size = TOTAL;
	b->machine_memory = 1ULL << 30;
	b->harts = 1;
	b->nvms = 2;
	struct bundle_vm *vm = &b->vms[0];
	strcpy(vm->name, "teach");
	vm->memory = 128 << 20;
	vm->entry = 0x80200000;
	vm->dtb_gpa = 0x87e00000;
	vm->quantum_us = 10000;
	vm->nblobs = 1;
	vm->blobs[0] =
	    (struct bundle_blob){0x80200000, sizeof(*b), KERNEL_SIZE, BUNDLE_BLOB_KERNEL, 0};
	vm->ndisks = 1;
	vm->disks[0] = (struct bundle_disk){0, 1 << 20, 0, 0};
	/* a second VM: its own minidisk after the first's, and a link to the first's */
	vm = &b->vms[1];
	strcpy(vm->name, "b");
	vm->memory = 16 << 20;
	vm->entry = 0x80000000;
	vm->dtb_gpa = 0x80e00000;
	vm->quantum_us = 10000;
	vm->ndisks = 2;
	vm->disks[0] = (struct bundle_disk){1 * M, 1 * M, 0, 0};
	vm->disks[1] = (struct bundle_disk){0, 1 * M, BUNDLE_DISK_RO, 0};
	/* two LANs, the first uplinked; an interface on each for VM 0, one for VM 1 */
	b->nlans = 2;
	strcpy(b->lans[0].name, "office");
	b->lans[0].flags = BUNDLE_LAN_UPLINK;
	strcpy(b->lans[1].name, "lab");
	b->vms[0].nnics = 2;
	b->vms[0].nics[0] = (struct bundle_nic){{0x02, 0, 0, 0, 0, 1}, 0};
	b->vms[0].nics[1] = (struct bundle_nic){{0x02, 0, 0, 0, 0, 2}, 1};
	b->vms[1].nnics = 1;
	b->vms[1].nics[0] = (struct bundle_nic){{0x52, 0x54, 0, 0x12, 0x34, 0x56}, 0};
	return b;
}

static void break_magic(struct bundle_header *b)
{
	b->magic[0] = 'X';
}
static void break_version(struct bundle_header *b)
{
	b->version = 99;
}
static void break_header_size(struct bundle_header *b)
{
	b->header_size = 8;
}
static void break_total(struct bundle_header *b)
{
	b->total_size = TOTAL + 1;
}
static void break_no_vms(struct bundle_header *b)
{
	b->nvms = 0;
}
static void break_many_vms(struct bundle_header *b)
{
	b->nvms = BUNDLE_MAX_VMS + 1;
}
static void break_name(struct bundle_header *b)
{
	memset(b->vms[0].name, 'a', BUNDLE_NAME_MAX);
}
static void break_empty_name(struct bundle_header *b)
{
	b->vms[0].name[0] = 0;
}
static void break_memory(struct bundle_header *b)
{
	b->vms[0].memory = (2 << 20) + 4096;
}
static void break_boot(struct bundle_header *b)
{
	b->vms[0].boot = 7;
}
static void break_entry(struct bundle_header *b)
{
	b->vms[0].entry = 0x1000;
}
static void break_dtb(struct bundle_header *b)
{
	b->vms[0].dtb_gpa = 0x80000000 + (128 << 20);
}
static void break_blob_off(struct bundle_header *b)
{
	b->vms[0].blobs[0].offset = TOTAL;
}
static void break_blob_align(struct bundle_header *b)
{
	b->vms[0].blobs[0].offset += 4;
}
static void break_blob_wrap(struct bundle_header *b)
{
	b->vms[0].blobs[0].size = UINT64_MAX;
}
static void break_blob_gpa(struct bundle_header *b)
{
	b->vms[0].blobs[0].gpa = 0x87fff000 + 8;
}
static void break_blob_low(struct bundle_header *b)
{
	b->vms[0].blobs[0].gpa = 0x7ffff000;
}
static void break_nblobs(struct bundle_header *b)
{
	b->vms[0].nblobs = BUNDLE_MAX_BLOBS + 1;
}
static void break_disk(struct bundle_header *b)
{
	b->vms[0].disks[0].size = 100;
}
static void break_disk_wrap(struct bundle_header *b)
{
	b->vms[0].disks[0].start = UINT64_MAX - 511;
}
/* The minidisk cases: what the directory forbids, popek refuses too. */
static void break_disk_past_end(struct bundle_header *b)
{
	b->vms[1].disks[0].start = DISK - 512;
}
static void break_disk_huge(struct bundle_header *b)
{
	b->vms[1].disks[0].size = UINT64_MAX - 511;
}
static void break_disk_overlap_vms(struct bundle_header *b)
{
	b->vms[1].disks[0].start = 512 * K; /* writes half of VM 0's minidisk */
}
static void break_disk_overlap_same_vm(struct bundle_header *b)
{
	b->vms[0].ndisks = 2;
	b->vms[0].disks[1] = (struct bundle_disk){1 * M - 512, 4 * K, 0, 0};
}
static void break_disk_overlap_contained(struct bundle_header *b)
{
	b->vms[1].disks[0] = (struct bundle_disk){4 * K, 4 * K, 0, 0}; /* inside VM 0's */
}
static void break_disk_same_extent_rw(struct bundle_header *b)
{
	b->vms[1].disks[1].flags = 0; /* a "link" that may write */
}
static void break_link_partial(struct bundle_header *b)
{
	b->vms[1].disks[1].start = 512; /* read-only, but no minidisk's extent */
}
static void break_link_longer(struct bundle_header *b)
{
	b->vms[1].disks[1].size = 2 * M; /* reads VM 0's minidisk and its own */
}
static void break_link_own(struct bundle_header *b)
{
	b->vms[1].disks[1].start = 1 * M; /* its own minidisk, read-only */
}
static void break_link_nothing(struct bundle_header *b)
{
	b->vms[1].disks[1].start = 4 * M; /* read-only, nobody's minidisk */
}
static void break_disk_flags(struct bundle_header *b)
{
	b->vms[0].disks[0].flags = 2;
}
static void break_disk_reserved(struct bundle_header *b)
{
	b->vms[0].disks[0].reserved = 1;
}
static void break_virtio(struct bundle_header *b)
{
	b->vms[0].virtio = BUNDLE_VIRTIO_LEGACY + 1;
}
static void break_gdb(struct bundle_header *b)
{
	b->vms[0].gdb = BUNDLE_GDB_WAIT + 1;
}

static void break_nlans(struct bundle_header *b)
{
	b->nlans = BUNDLE_MAX_LANS + 1;
}
static void break_lan_name(struct bundle_header *b)
{
	memset(b->lans[1].name, 'x', BUNDLE_NAME_MAX);
}
static void break_lan_flags(struct bundle_header *b)
{
	b->lans[1].flags = 2;
}
static void break_two_uplinks(struct bundle_header *b)
{
	b->lans[1].flags = BUNDLE_LAN_UPLINK;
}
static void break_nic_lan(struct bundle_header *b)
{
	b->vms[1].nics[0].lan = 2;
}
static void break_nic_multicast(struct bundle_header *b)
{
	b->vms[1].nics[0].mac[0] = 0x01;
}
static void break_nic_zero(struct bundle_header *b)
{
	memset(b->vms[1].nics[0].mac, 0, 6);
}
static void break_nic_same_mac(struct bundle_header *b)
{
	memcpy(b->vms[1].nics[0].mac, b->vms[0].nics[1].mac, 6);
}
static void break_nnics(struct bundle_header *b)
{
	b->vms[1].nnics = BUNDLE_MAX_NICS + 1;
}
static void break_slots(struct bundle_header *b)
{
	b->vms[1].nnics = BUNDLE_MAX_NICS; /* 2 disks and 4 interfaces fit; 5 disks do not */
	for (int i = 1; i < BUNDLE_MAX_NICS; i++)
		b->vms[1].nics[i] = (struct bundle_nic){{0x02, 9, 9, 9, 9, (uint8_t)i}, 1};
	b->vms[1].ndisks = 5;
	for (int i = 2; i < 5; i++)
		b->vms[1].disks[i] = (struct bundle_disk){(uint64_t)(2 + i) * M, 1 * M, 0, 0};
}

static const struct {
	void (*corrupt)(struct bundle_header *);
	const char *expect;
} cases[] = {
    {break_magic, "magic"},
    {break_version, "version"},
    {break_header_size, "header"},
    {break_total, "total size"},
    {break_no_vms, "no VMs"},
    {break_many_vms, "too many"},
    {break_name, "name"},
    {break_empty_name, "name"},
    {break_memory, "2 MiB"},
    {break_boot, "boot"},
    {break_entry, "entry"},
    {break_dtb, "device tree"},
    {break_blob_off, "outside the bundle"},
    {break_blob_align, "outside the bundle"},
    {break_blob_wrap, "outside the bundle"},
    {break_blob_gpa, "RAM"},
    {break_blob_low, "RAM"},
    {break_nblobs, "too many"},
    {break_disk, "512"},
    {break_disk_wrap, "past the end"},
    {break_disk_past_end, "past the end"},
    {break_disk_huge, "past the end"},
    {break_disk_overlap_vms, "overlap"},
    {break_disk_overlap_same_vm, "overlap"},
    {break_disk_overlap_contained, "overlap"},
    {break_disk_same_extent_rw, "overlap"},
    {break_link_partial, "read-only"},
    {break_link_longer, "read-only"},
    {break_link_own, "read-only"},
    {break_link_nothing, "read-only"},
    {break_disk_flags, "flags"},
    {break_disk_reserved, "flags"},
    {break_virtio, "virtio"},
    {break_gdb, "gdb"},
    {break_nlans, "LANs"},
    {break_lan_name, "LAN name"},
    {break_lan_flags, "LAN flags"},
    {break_two_uplinks, "more than one LAN uplinked"},
    {break_nic_lan, "LAN that does not exist"},
    {break_nic_multicast, "multicast or zero"},
    {break_nic_zero, "multicast or zero"},
    {break_nic_same_mac, "one MAC"},
    {break_nnics, "too many network interfaces"},
    {break_slots, "virtio slots"},
};

static void test_sound(void **state)
{
	(void)state;
	struct bundle_header *b = sound_bundle();
	assert_null(bundle_check(b, TOTAL, DISK));
	assert_non_null(bundle_check(b, sizeof(*b) - 1, DISK)); /* truncated load */
	assert_non_null(bundle_check(b, TOTAL, 0));             /* minidisks, no real disk */
	assert_non_null(bundle_check(b, TOTAL, 2 * M - 512));   /* a disk one sector short */
	assert_null(bundle_check(b, TOTAL, 2 * M));             /* exactly large enough */
	b->vms[0].virtio = BUNDLE_VIRTIO_LEGACY;
	assert_null(bundle_check(b, TOTAL, DISK));
	/* two links to one minidisk, and touching (not overlapping) extents, are sound */
	b->vms[0].ndisks = 2;
	b->vms[0].disks[1] = (struct bundle_disk){2 * M, 512, 0, 0};
	b->nvms = 3;
	b->vms[2] = b->vms[1];
	strcpy(b->vms[2].name, "c");
	b->vms[2].ndisks = 1;
	b->vms[2].nnics = 0; /* its interface would have VM b's MAC */
	b->vms[2].disks[0] = b->vms[1].disks[1];
	assert_null(bundle_check(b, TOTAL, DISK));
	free(b);
}

static void test_corruptions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bundle_header *b = sound_bundle();
		cases[i].corrupt(b);
		const char *why = bundle_check(b, TOTAL, DISK);
		if (!why || !strstr(why, cases[i].expect))
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i,
			         why ? why : "(accepted)", cases[i].expect);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sound),
	    cmocka_unit_test(test_corruptions),
	};
	return cmocka_run_group_tests_name("bundle", tests, NULL, NULL);
}
