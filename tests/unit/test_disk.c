/*
 * Unit tests of `popek disk`'s pure parts (tools/popek/disk.c): the size
 * the real disk must have, what `disk create` does with an existing file,
 * finding minidisk N of a VM (links not counted), bounds, and the extent
 * copy, run on temporary files to show it never writes outside its range.
 * Also the one relaxed check of directory_load_flags().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "directory.h"
#include "disk.h"
#include "units.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- building directories by hand ---- */

struct md {
	unsigned vm; /* index of the VM */
	uint64_t start, size;
};

/* A directory of `nvms` VMs named a, b, c, ... holding the minidisks `mds`. */
static void make_dir(struct directory *dir, unsigned nvms, const struct md *mds, unsigned n)
{
	memset(dir, 0, sizeof(*dir));
	dir->nvms = nvms;
	for (unsigned v = 0; v < nvms; v++)
		snprintf(dir->vms[v].name, sizeof(dir->vms[v].name), "%c", 'a' + v);
	for (unsigned i = 0; i < n; i++) {
		struct directory_vm *vm = &dir->vms[mds[i].vm];
		vm->minidisks[vm->nminidisks++] =
		    (struct directory_minidisk){mds[i].start, mds[i].size, (int)i + 1};
	}
}

/* ---- the disk's size ---- */

struct size_case {
	const char *name;
	unsigned nvms;
	struct md mds[4];
	unsigned nmds;
	bool ok;
	uint64_t want;
};

static const struct size_case size_cases[] = {
    {"no-minidisks", 2, {{0}}, 0, true, 0},
    {"one-at-zero", 1, {{0, 0, 64 * MiB}}, 1, true, 64 * MiB},
    {"end-on-a-mib", 1, {{0, 1 * MiB, 1 * MiB}}, 1, true, 2 * MiB},
    {"end-rounded-up", 1, {{0, 3 * MiB, 512}}, 1, true, 4 * MiB},
    {"small-rounds-to-1m", 1, {{0, 0, 512}}, 1, true, 1 * MiB},
    {"largest-end-not-last",
     2,
     {{0, 8 * MiB, 2 * MiB}, {1, 0, 1 * MiB}, {1, 1 * MiB, 512 * KiB}},
     3,
     true,
     10 * MiB},
    {"gap-before-first", 1, {{0, 1 * GiB, 1 * MiB}}, 1, true, 1 * GiB + 1 * MiB},
    {"rounding-overflows", 1, {{0, UINT64_MAX - 1023, 512}}, 1, false, 0},
};

static void test_required_size(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(size_cases); i++) {
		const struct size_case *c = &size_cases[i];
		struct directory dir;
		uint64_t got = 12345;

		make_dir(&dir, c->nvms, c->mds, c->nmds);
		bool ok = disk_required_size(&dir, &got);
		if (ok != c->ok || (ok && got != c->want))
			fail_msg("%s: got %d %llu, want %d %llu", c->name, ok,
			         (unsigned long long)got, c->ok, (unsigned long long)c->want);
	}
}

/* ---- what create does ---- */

struct plan_case {
	bool exists;
	uint64_t size, required;
	bool force;
	enum disk_create_action want;
};

static const struct plan_case plan_cases[] = {
    {false, 0, 4 * MiB, false, DISK_CREATE},       {false, 0, 4 * MiB, true, DISK_CREATE},
    {true, 0, 4 * MiB, false, DISK_GROW},          {true, 4 * MiB - 1, 4 * MiB, false, DISK_GROW},
    {true, 4 * MiB, 4 * MiB, false, DISK_KEEP},    {true, 8 * MiB, 4 * MiB, false, DISK_KEEP},
    {true, 8 * MiB, 4 * MiB, true, DISK_RECREATE}, {true, 1 * MiB, 4 * MiB, true, DISK_RECREATE},
};

static void test_create_plan(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(plan_cases); i++) {
		const struct plan_case *c = &plan_cases[i];
		enum disk_create_action got =
		    disk_create_plan(c->exists, c->size, c->required, c->force);
		if (got != c->want)
			fail_msg("case %zu: got %d, want %d", i, got, c->want);
	}
}

/* ---- finding minidisk N ---- */

struct find_case {
	const char *vm, *n;
	enum disk_lookup want;
	uint64_t start; /* when found */
};

static const struct find_case find_cases[] = {
    {"a", "0", DISK_FOUND, 0},
    {"a", "1", DISK_FOUND, 1 * MiB},
    {"b", "0", DISK_FOUND, 4 * MiB},
    {"a", "2", DISK_NO_MINIDISK, 0},
    {"b", "1", DISK_NO_MINIDISK, 0}, /* b's link is not its minidisk 1 */
    {"c", "0", DISK_NO_MINIDISK, 0}, /* c has only a link */
    {"d", "0", DISK_NO_VM, 0},
    {"", "0", DISK_NO_VM, 0},
    {"a", "x", DISK_BAD_NUMBER, 0},
    {"a", "-1", DISK_BAD_NUMBER, 0},
    {"a", "", DISK_BAD_NUMBER, 0},
    {"a", "1M", DISK_BAD_NUMBER, 0},
    {"a", "99999999999999999999999", DISK_BAD_NUMBER, 0},
};

static void test_find_minidisk(void **state)
{
	static const struct md mds[] = {
	    {0, 0, 1 * MiB}, {0, 1 * MiB, 2 * MiB}, {1, 4 * MiB, 1 * MiB}};
	struct directory dir;

	(void)state;
	make_dir(&dir, 3, mds, ARRAY_SIZE(mds));
	dir.vms[1].links[dir.vms[1].nlinks++] = (struct directory_link){"a", 0, 9, 0};
	dir.vms[2].links[dir.vms[2].nlinks++] = (struct directory_link){"b", 0, 10, 1};

	for (size_t i = 0; i < ARRAY_SIZE(find_cases); i++) {
		const struct find_case *c = &find_cases[i];
		const struct directory_vm *vm = NULL;
		const struct directory_minidisk *m = NULL;
		enum disk_lookup got = disk_find_minidisk(&dir, c->vm, c->n, &vm, &m);
		if (got != c->want)
			fail_msg("%s %s: got %d, want %d", c->vm, c->n, got, c->want);
		if (got == DISK_FOUND && (m->start != c->start || strcmp(vm->name, c->vm) != 0))
			fail_msg("%s %s: found the wrong extent (start %llu)", c->vm, c->n,
			         (unsigned long long)m->start);
		if (got == DISK_NO_MINIDISK && strcmp(vm->name, c->vm) != 0)
			fail_msg("%s %s: *vm not set", c->vm, c->n);
	}
}

/* ---- bounds ---- */

struct inside_case {
	uint64_t start, size, disk;
	bool want;
};

static const struct inside_case inside_cases[] = {
    {0, 1 * MiB, 1 * MiB, true},
    {0, 1 * MiB + 512, 1 * MiB, false},
    {1 * MiB, 1 * MiB, 2 * MiB, true},
    {1 * MiB, 1 * MiB, 2 * MiB - 512, false},
    {4 * MiB, 512, 2 * MiB, false},             /* starts past the end */
    {512, UINT64_MAX - 511, 4 * MiB, false},    /* start + size wraps to 0 */
    {UINT64_MAX - 512, 512, UINT64_MAX, true},  /* ends on the last byte */
    {UINT64_MAX - 511, 512, UINT64_MAX, false}, /* one past it */
};

static void test_extent_inside(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(inside_cases); i++) {
		const struct inside_case *c = &inside_cases[i];
		struct directory_minidisk m = {c->start, c->size, 1};
		if (disk_extent_inside(&m, c->disk) != c->want)
			fail_msg("case %zu: want %d", i, c->want);
	}
}

static void test_import_fit(void **state)
{
	(void)state;
	assert_int_equal(disk_import_fit(1 * MiB, 1 * MiB), DISK_FIT_EXACT);
	assert_int_equal(disk_import_fit(1 * MiB - 1, 1 * MiB), DISK_FIT_SHORT);
	assert_int_equal(disk_import_fit(0, 1 * MiB), DISK_FIT_SHORT);
	assert_int_equal(disk_import_fit(1 * MiB + 1, 1 * MiB), DISK_FIT_TOO_BIG);
	assert_int_equal(disk_import_fit(UINT64_MAX, 1 * MiB), DISK_FIT_TOO_BIG);
}

/* ---- the copy, on temporary files ---- */

static int temp_file(const uint8_t *data, size_t len)
{
	char path[] = "/tmp/popek-disk-test-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(pwrite(fd, data, len, 0), (ssize_t)len);
	return fd;
}

static void read_back(int fd, uint8_t *buf, size_t len)
{
	assert_int_equal(pread(fd, buf, len, 0), (ssize_t)len);
}

#define COPY_DISK (3u << 20) /* bytes: a "disk" of three 1 MiB minidisks */

/* Copies a source into the middle extent; the neighbours must keep their 0xEE. */
static void test_copy_stays_inside(void **state)
{
	static uint8_t disk[COPY_DISK], src[(1u << 20) + 4096], got[COPY_DISK];
	/* lengths: a whole extent, a short one, one not a multiple of a block, nothing */
	static const size_t lens[] = {1u << 20, 5000, (1u << 20) - 1, 0};

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	for (size_t k = 0; k < ARRAY_SIZE(lens); k++) {
		memset(disk, 0xEE, sizeof(disk));
		int dfd = temp_file(disk, sizeof(disk));
		int sfd = temp_file(src, sizeof(src));
		bool write_failed = true;

		assert_int_equal(disk_copy(sfd, 0, dfd, 1u << 20, lens[k], false, &write_failed),
		                 0);
		assert_false(write_failed);
		read_back(dfd, got, sizeof(got));
		struct stat st;
		assert_int_equal(fstat(dfd, &st), 0);
		assert_int_equal(st.st_size, COPY_DISK);
		for (size_t j = 0; j < (1u << 20); j++) {
			if (got[j] != 0xEE)
				fail_msg("len %zu: byte %zu before the extent written", lens[k], j);
		}
		assert_memory_equal(got + (1u << 20), src, lens[k]);
		for (size_t j = (1u << 20) + lens[k]; j < COPY_DISK; j++) {
			if (got[j] != 0xEE)
				fail_msg("len %zu: byte %zu after the copy written", lens[k], j);
		}
		close(dfd);
		close(sfd);
	}
}

/* Copies out of an extent at an offset, as export does. */
static void test_copy_out_of_extent(void **state)
{
	static uint8_t disk[COPY_DISK], got[1u << 20];

	(void)state;
	for (size_t i = 0; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i / 4096);
	int dfd = temp_file(disk, sizeof(disk));
	int ofd = temp_file(NULL, 0);
	bool write_failed = true;

	assert_int_equal(disk_copy(dfd, 2u << 20, ofd, 0, 1u << 20, false, &write_failed), 0);
	read_back(ofd, got, sizeof(got));
	assert_memory_equal(got, disk + (2u << 20), sizeof(got));
	close(dfd);
	close(ofd);
}

/* With skip_zeros, all-zero 4 KiB pieces are not written: the 0xEE there shows it. */
static void test_copy_skips_zero_pieces(void **state)
{
	static uint8_t src[5 * 4096 + 100], dst[sizeof(src)];

	(void)state;
	memset(src, 0, sizeof(src));
	src[4096 + 17] = 1;       /* piece 1 has data */
	src[4 * 4096 + 4095] = 2; /* piece 4 too, in its last byte */
	src[5 * 4096 + 99] = 3;   /* and the short tail */
	memset(dst, 0xEE, sizeof(dst));
	int sfd = temp_file(src, sizeof(src));
	int dfd = temp_file(dst, sizeof(dst));
	bool write_failed;

	assert_int_equal(disk_copy(sfd, 0, dfd, 0, sizeof(src), true, &write_failed), 0);
	read_back(dfd, dst, sizeof(dst));
	static const bool written[] = {false, true, false, false, true, true};
	for (size_t p = 0; p < ARRAY_SIZE(written); p++) {
		size_t n = p == 5 ? 100 : 4096;
		if (written[p])
			assert_memory_equal(dst + p * 4096, src + p * 4096, n);
		else
			for (size_t j = 0; j < n; j++)
				assert_int_equal(dst[p * 4096 + j], 0xEE);
	}
	close(sfd);
	close(dfd);
}

static void test_copy_short_source(void **state)
{
	static uint8_t src[1000];
	int sfd = temp_file(src, sizeof(src));
	int dfd = temp_file(NULL, 0);
	bool write_failed = true;

	(void)state;
	assert_int_equal(disk_copy(sfd, 0, dfd, 0, 2000, false, &write_failed), ENODATA);
	assert_false(write_failed);
	close(sfd);
	close(dfd);
}

static void test_copy_write_fails(void **state)
{
	static uint8_t src[1000];
	int sfd = temp_file(src, sizeof(src));
	int dfd = open("/dev/null", O_RDONLY); /* not open for writing */
	bool write_failed = false;

	(void)state;
	assert_true(dfd >= 0);
	assert_int_equal(disk_copy(sfd, 0, dfd, 0, sizeof(src), false, &write_failed), EBADF);
	assert_true(write_failed);
	close(sfd);
	close(dfd);
}

/* ---- directory_load_flags(): a missing or small disk, tolerated for create ---- */

static char tmpdir[64];

static void write_text(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool diag_has(const struct directory *dir, const char *text)
{
	for (size_t i = 0; i < dir->diag.count; i++) {
		if (strstr(dir->diag.entries[i].text, text))
			return true;
	}
	return false;
}

struct flags_case {
	const char *name;
	const char *ini;
	uint64_t disk_size; /* of disk.img; UINT64_MAX: no file */
	unsigned flags;
	const char *want; /* a substring of a problem, or NULL: none */
};

#define FLAGS_VM "[vm a]\nmemory = 16M\nkernel = k\nminidisk = 0 2M\n"

static const struct flags_case flags_cases[] = {
    {"missing-strict", "[machine]\ndisk = disk.img\n" FLAGS_VM, UINT64_MAX, 0, "cannot read disk"},
    {"missing-create", "[machine]\ndisk = disk.img\n" FLAGS_VM, UINT64_MAX,
     DIRECTORY_DISK_TO_CREATE, NULL},
    {"small-strict", "[machine]\ndisk = disk.img\n" FLAGS_VM, 1 * MiB, 0, "past the end of disk"},
    {"small-create", "[machine]\ndisk = disk.img\n" FLAGS_VM, 1 * MiB, DIRECTORY_DISK_TO_CREATE,
     NULL},
    {"big-enough", "[machine]\ndisk = disk.img\n" FLAGS_VM, 2 * MiB, 0, NULL},
    /* the flag relaxes nothing else */
    {"no-disk-line", FLAGS_VM, UINT64_MAX, DIRECTORY_DISK_TO_CREATE,
     "minidisk without a real disk"},
    {"overlap", "[machine]\ndisk = disk.img\n" FLAGS_VM "minidisk = 1M 2M\n", UINT64_MAX,
     DIRECTORY_DISK_TO_CREATE, "overlaps"},
    /* `disk create` would size the file to 2^63, a negative off_t: refused at the line */
    {"past-off-t-create",
     "[machine]\ndisk = disk.img\n[vm a]\nmemory = 16M\nkernel = k\n"
     "minidisk = 0 9223372036854775808\n",
     UINT64_MAX, DIRECTORY_DISK_TO_CREATE, "dir.ini:6: minidisk 0 9223372036854775808 ends past"},
    {"disk-is-a-folder", "[machine]\ndisk = .\n" FLAGS_VM, UINT64_MAX, DIRECTORY_DISK_TO_CREATE,
     "not a regular file"},
};

static void test_load_flags(void **state)
{
	char ini[128], img[128];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/popek-disk-test-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(ini, sizeof(ini), "%s/dir.ini", tmpdir);
	snprintf(img, sizeof(img), "%s/disk.img", tmpdir);
	write_text("k", "a readable kernel file; directory_load() does not look inside\n");

	for (size_t i = 0; i < ARRAY_SIZE(flags_cases); i++) {
		const struct flags_case *c = &flags_cases[i];
		struct directory dir;

		unlink(img);
		if (c->disk_size != UINT64_MAX) {
			write_text("disk.img", "");
			assert_int_equal(truncate(img, (off_t)c->disk_size), 0);
		}
		write_text("dir.ini", c->ini);
		directory_load_flags(&dir, ini, c->flags);
		if (c->want ? !diag_has(&dir, c->want) : dir.diag.count != 0)
			fail_msg("%s: want %s, got %zu problems, first: %s", c->name,
			         c->want ? c->want : "none", dir.diag.count,
			         dir.diag.count ? dir.diag.entries[0].text : "-");
		directory_free(&dir);
	}
	unlink(img);
	unlink(ini);
	snprintf(img, sizeof(img), "%s/k", tmpdir);
	unlink(img);
	rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_required_size),
	    cmocka_unit_test(test_create_plan),
	    cmocka_unit_test(test_find_minidisk),
	    cmocka_unit_test(test_extent_inside),
	    cmocka_unit_test(test_import_fit),
	    cmocka_unit_test(test_copy_stays_inside),
	    cmocka_unit_test(test_copy_out_of_extent),
	    cmocka_unit_test(test_copy_skips_zero_pieces),
	    cmocka_unit_test(test_copy_short_source),
	    cmocka_unit_test(test_copy_write_fails),
	    cmocka_unit_test(test_load_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
