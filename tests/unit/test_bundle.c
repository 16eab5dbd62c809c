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

static struct bundle_header *sound_bundle(void)
{
	struct bundle_header *b = calloc(1, TOTAL);
	memcpy(b->magic, BUNDLE_MAGIC, 8);
	b->version = BUNDLE_VERSION;
	b->header_size = sizeof(*b);
	b->total_size = TOTAL;
	b->machine_memory = 1ULL << 30;
	b->harts = 1;
	b->nvms = 1;
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
static void break_virtio(struct bundle_header *b)
{
	b->vms[0].virtio = BUNDLE_VIRTIO_LEGACY + 1;
}
static void break_virtio_reserved(struct bundle_header *b)
{
	b->vms[0].reserved = 1;
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
    {break_disk_wrap, "512"},
    {break_virtio, "virtio"},
    {break_virtio_reserved, "virtio"},
};

static void test_sound(void **state)
{
	(void)state;
	struct bundle_header *b = sound_bundle();
	assert_null(bundle_check(b, TOTAL));
	assert_non_null(bundle_check(b, sizeof(*b) - 1)); /* truncated load */
	b->vms[0].virtio = BUNDLE_VIRTIO_LEGACY;
	assert_null(bundle_check(b, TOTAL));
	free(b);
}

static void test_corruptions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bundle_header *b = sound_bundle();
		cases[i].corrupt(b);
		const char *why = bundle_check(b, TOTAL);
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
