/*
 * The directory parser (tools/popek/directory.c, inih underneath), then the
 * plan and the pack, on random INI text: what `popek check` and `popek pack`
 * do with a directory file.  The text is written to dir.ini in a scratch
 * folder made once (on /dev/shm when there is one), which also holds what relative paths may name: k.elf
 * and k.Image (tiny RISC-V kernels), fw.Image (entered at 0x8000_0000),
 * initrd.bin, notes.txt and a 1 MiB disk.img.  The parser only reads.
 *
 * Properties: nothing crashes or leaks (ASan, LeakSanitizer); every problem
 * is one line "PATH:LINE: message" with LINE inside the file; and a
 * directory with no problem packs into a bundle that popek's bundle_check()
 * accepts for that disk, the VMs' memory and minidisks inside the limits.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bundle.h"
#include "directory.h"
#include "pack.h"
#include "plan.h"
#include "fuzz_reader.h"

static char scratch[64];
static char ini[128];
static const char *const files[] = {"k.elf",     "k.Image",  "fw.Image", "initrd.bin",
                                    "notes.txt", "disk.img", "dir.ini"};

static void put(const char *name, const void *data, size_t len)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	FILE *f = fopen(path, "wb");
	REQUIRE(f && fwrite(data, 1, len, f) == len && fclose(f) == 0);
}

/* A RISC-V Image: text_offset, image_size, the two magics. */
static void put_image(const char *name, uint64_t text_offset)
{
	uint8_t buf[256];
	uint64_t size = 0x10000;
	memset(buf, 0x13, sizeof(buf));
	memcpy(buf + 8, &text_offset, 8);
	memcpy(buf + 16, &size, 8);
	memcpy(buf + 48, "RISCV\0\0\0", 8);
	memcpy(buf + 56, "RSC\x05", 4);
	put(name, buf, sizeof(buf));
}

/* An ELF64 RISC-V executable: one PT_LOAD of 64 bytes at 0x8020_0000, entered there. */
static void put_elf(void)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		uint8_t text[64];
	} k = {0};
	memcpy(k.eh.e_ident, ELFMAG, SELFMAG);
	k.eh.e_ident[EI_CLASS] = ELFCLASS64;
	k.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	k.eh.e_ident[EI_VERSION] = EV_CURRENT;
	k.eh.e_type = ET_EXEC;
	k.eh.e_machine = EM_RISCV;
	k.eh.e_version = EV_CURRENT;
	k.eh.e_entry = 0x80200000;
	k.eh.e_phoff = sizeof(k.eh);
	k.eh.e_ehsize = sizeof(k.eh);
	k.eh.e_phentsize = sizeof(k.ph);
	k.eh.e_phnum = 1;
	k.ph = (Elf64_Phdr){.p_type = PT_LOAD,
	                    .p_flags = PF_R | PF_X,
	                    .p_offset = offsetof(__typeof__(k), text),
	                    .p_vaddr = 0x80200000,
	                    .p_paddr = 0x80200000,
	                    .p_filesz = sizeof(k.text),
	                    .p_memsz = 4096,
	                    .p_align = 8};
	memset(k.text, 0x13, sizeof(k.text));
	put("k.elf", &k, sizeof(k));
}

static void scratch_remove(void)
{
	char path[160];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", scratch, files[i]);
		unlink(path);
	}
	rmdir(scratch);
}

/*
 * Each input allocates a 64 KiB device-tree buffer per VM: without these,
 * ASan's fill of new blocks and its 256 MiB quarantine (fresh pages, page
 * faults) take most of the time.  Use-after-free is still caught within
 * 16 MiB of frees.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_malloc_fill_size=0:quarantine_size_mb=16";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* tmpfs when there is one: dir.ini is rewritten for every input */
	snprintf(scratch, sizeof(scratch), "%s/popek-fuzz-directory-XXXXXX",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	REQUIRE(mkdtemp(scratch));
	snprintf(ini, sizeof(ini), "%s/dir.ini", scratch);
	put_elf();
	put_image("k.Image", 0x200000);
	put_image("fw.Image", 0);
	put("initrd.bin", "initrd\n", 7);
	put("notes.txt", "not a kernel\n", 13);
	put("disk.img", "", 0);
	char disk[160];
	snprintf(disk, sizeof(disk), "%s/disk.img", scratch);
	REQUIRE(truncate(disk, 1 << 20) == 0);
	atexit(scratch_remove);
	return 0;
}

/* Every problem: "INI:LINE: message", one line, LINE within the text. */
static void check_diag(const struct directory *dir, int lines)
{
	size_t n = strlen(ini);
	for (size_t i = 0; i < dir->diag.count; i++) {
		const struct diag_entry *e = &dir->diag.entries[i];
		char prefix[32];
		REQUIRE(e->line >= 1 && e->line <= lines);
		REQUIRE(strncmp(e->text, ini, n) == 0);
		snprintf(prefix, sizeof(prefix), ":%d: ", e->line);
		REQUIRE(strncmp(e->text + n, prefix, strlen(prefix)) == 0);
		REQUIRE(e->text[n + strlen(prefix)] != '\0'); /* a message follows */
		REQUIRE(!strchr(e->text, '\n'));
	}
}

/* A directory without problems: within the limits, and packed into a bundle popek takes. */
static void check_good(const struct directory *dir, const struct plan *plan)
{
	REQUIRE(dir->nvms >= 1 && dir->nvms <= BUNDLE_MAX_VMS);
	for (unsigned v = 0; v < dir->nvms; v++) {
		const struct directory_vm *vm = &dir->vms[v];
		REQUIRE(vm->memory && vm->memory <= BUNDLE_MAX_MEMORY);
		REQUIRE(vm->nminidisks + vm->nlinks <= BUNDLE_MAX_DISKS);
		for (unsigned i = 0; i < vm->nminidisks; i++) {
			const struct directory_minidisk *m = &vm->minidisks[i];
			REQUIRE(m->size <= DIRECTORY_MAX_DISK &&
			        m->start <= DIRECTORY_MAX_DISK - m->size);
			REQUIRE(dir->disk_exists && m->start + m->size <= dir->disk_size);
		}
	}
	uint8_t *b;
	size_t len;
	REQUIRE(pack_bundle(dir, plan, &b, &len) == NULL);
	REQUIRE(len == plan->bundle_size);
	REQUIRE(bundle_check((const struct bundle_header *)b, len,
	                     dir->disk_exists ? dir->disk_size : 0) == NULL);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct directory dir;
	struct plan plan;
	int lines = 1;

	if (size > 64 * 1024)
		return 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	put("dir.ini", data, size);
	directory_load(&dir, ini);
	plan_build(&dir, &plan);
	check_diag(&dir, lines);
	if (dir.diag.count == 0)
		check_good(&dir, &plan);
	plan_free(&plan);
	directory_free(&dir);
	return 0;
}
