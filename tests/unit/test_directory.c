/*
 * Unit tests of the launcher's pure logic (tools/popek): the directory
 * parser and validator (a table of good and bad files), sizes and
 * durations, kernel image recognition, placement, the bundle and the QEMU
 * command lines.
 *
 * Each test runs in a fresh temporary folder holding synthetic images
 * (built here, byte by byte): k.elf, k.Image, fw.Image, x86.elf, initrd.bin,
 * notes.txt and a 1 MiB disk.img.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bundle.h"
#include "directory.h"
#include "core/guest_layout.h"
#include "image.h"
#include "pack.h"
#include "plan.h"
#include "qemu.h"
#include "units.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- synthetic images ---- */

struct seg {
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint8_t fill;
};

/* An ELF64 executable whose segments hold `fill` bytes; returns its size. */
static size_t make_elf(uint8_t *buf, size_t cap, uint16_t machine, uint64_t entry,
                       const struct seg *segs, unsigned nsegs)
{
	Elf64_Ehdr eh = {0};
	size_t off = sizeof(eh) + nsegs * sizeof(Elf64_Phdr);

	memset(buf, 0, cap);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = machine;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)nsegs;
	memcpy(buf, &eh, sizeof(eh));
	for (unsigned i = 0; i < nsegs; i++) {
		Elf64_Phdr ph = {
		    .p_type = PT_LOAD,
		    .p_flags = PF_R | PF_X,
		    .p_offset = off,
		    .p_vaddr = segs[i].paddr,
		    .p_paddr = segs[i].paddr,
		    .p_filesz = segs[i].filesz,
		    .p_memsz = segs[i].memsz,
		    .p_align = 8,
		};
		memcpy(buf + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		assert_true(off + segs[i].filesz <= cap);
		memset(buf + off, segs[i].fill, segs[i].filesz);
		off += segs[i].filesz;
	}
	return off;
}

/* A RISC-V Linux Image of `len` bytes (>= 64). */
static size_t make_image(uint8_t *buf, size_t len, uint64_t text_offset, uint64_t image_size)
{
	memset(buf, 0x13, len); /* nops, roughly */
	memcpy(buf + 8, &text_offset, 8);
	memcpy(buf + 16, &image_size, 8);
	memcpy(buf + 48, "RISCV\0\0\0", 8);
	memcpy(buf + 56, "RSC\x05", 4);
	return len;
}

static char tmpdir[64];
static char ini_path[128];

static void write_file(const char *name, const void *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int setup(void **state)
{
	static uint8_t buf[8192];
	struct seg segs[] = {{0x80200000, 256, 4096, 0xaa}};
	size_t n;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/popek-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(ini_path, sizeof(ini_path), "%s/dir.ini", tmpdir);

	n = make_elf(buf, sizeof(buf), EM_RISCV, 0x80200000, segs, 1);
	write_file("k.elf", buf, n);
	n = make_elf(buf, sizeof(buf), EM_X86_64, 0x80200000, segs, 1);
	write_file("x86.elf", buf, n);
	n = make_image(buf, 4096, 0x200000, 0x10000);
	write_file("k.Image", buf, n);
	n = make_image(buf, 4096, 0, 0x10000);
	write_file("fw.Image", buf, n);
	n = make_image(buf, 4096, 0x200000, 60ULL << 20); /* needs 60 MiB of RAM */
	write_file("big.Image", buf, n);
	memset(buf, 'i', 5000);
	write_file("initrd.bin", buf, 5000);
	write_file("notes.txt", "not a kernel\n", 13);
	char path[256];
	snprintf(path, sizeof(path), "%s/disk.img", tmpdir);
	FILE *f = fopen(path, "wb");
	if (!f || ftruncate(fileno(f), 1 << 20) != 0)
		return -1;
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = {"k.elf",     "x86.elf",   "k.Image",
	                                    "fw.Image",  "big.Image", "initrd.bin",
	                                    "notes.txt", "disk.img",  "dir.ini"};
	char path[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return 0;
}

/* Writes `text` as the directory file, loads and plans it; returns the number of problems. */
static unsigned load(const char *text, struct directory *dir, struct plan *plan)
{
	write_file("dir.ini", text, strlen(text));
	directory_load(dir, ini_path);
	plan_build(dir, plan);
	diag_sort(&dir->diag);
	return (unsigned)dir->diag.count;
}

/* ---- the table of directories ---- */

struct dir_case {
	const char *name;
	const char *text;
	int line;          /* 0: the directory is good */
	const char *error; /* a substring of the message at `line` */
};

#define VM_OK "[vm a]\nmemory = 16M\nkernel = k.elf\n"

static const struct dir_case dir_cases[] = {
    /* good */
    {"minimal", VM_OK, 0, NULL},
    {"everything",
     "; a comment\n# another\n[machine]\nmemory = 1G\nharts = 2\ndisk = disk.img\n\n"
     "[vm linux1]\nmemory = 64M\nkernel = k.Image\ninitrd = initrd.bin\n"
     "bootargs = console=ttyS0 root=/dev/vda\nboot = sbi\ntimer = virtual\nquantum = 500us\n"
     "minidisk = 0 256K\nminidisk = 256K 256K\ntrace = on\nvirtio = legacy\n"
     "[vm linux2]\nmemory = 32M\nkernel = k.elf\nlink = linux1 1 ro\nminidisk = 512K 512K\n",
     0, NULL},
    {"firmware-image", "[vm fw]\nmemory = 8M\nkernel = fw.Image\nboot = firmware\n", 0, NULL},
    {"disk-missing-unused", "[machine]\ndisk = nothing.img\n" VM_OK, 0, NULL},
    {"crlf-and-inline-comments",
     "[machine]\r\nmemory = 256M ; plenty\r\n[vm a]   ; the only VM\r\nmemory = 16M\r\n"
     "kernel = k.elf\r\n",
     0, NULL},
    {"keys-with-colon", "[vm a]\nmemory: 16M\nkernel: k.elf\n", 0, NULL},
    {"dot-path", "[vm a]\nmemory = 16M\nkernel = ./k.elf\n", 0, NULL},

    /* values */
    {"memory-banana", "[vm a]\nmemory = banana\nkernel = k.elf\n", 2, "bad size 'banana'"},
    {"memory-zero", "[vm a]\nmemory = 0\nkernel = k.elf\n", 2, "not a non-zero multiple of 2M"},
    {"memory-unaligned", "[vm a]\nmemory = 3M\nkernel = k.elf\n", 2, "multiple of 2M"},
    {"memory-overflow", "[vm a]\nmemory = 99999999999G\nkernel = k.elf\n", 2, "bad size"},
    {"memory-past-bundle", "[vm a]\nmemory = 2048G\nkernel = k.elf\n", 2, "more than 1024G"},
    /* 2 x 2^63 bytes wrapped to 0 in the machine's sum, which then "fit" */
    {"memory-sum-overflow",
     "[vm a]\nmemory = 8589934592G\nkernel = k.elf\n[vm b]\nmemory = 8589934592G\n"
     "kernel = k.elf\n",
     2, "memory"},
    {"memory-fraction", "[vm a]\nmemory = 1.5G\nkernel = k.elf\n", 2, "bad size '1.5G'"},
    {"memory-empty", "[vm a]\nmemory =\nkernel = k.elf\n", 2, "has no value"},
    {"machine-memory-bad", "[machine]\nmemory = lots\n" VM_OK, 2, "bad size 'lots'"},
    {"harts-zero", "[machine]\nharts = 0\n" VM_OK, 2, "bad value '0' for harts"},
    {"harts-many", "[machine]\nharts = 9\n" VM_OK, 2, "expected 1 to 8"},
    {"boot-bad", VM_OK "boot = uefi\n", 4, "bad value 'uefi' for boot (expected sbi or firmware)"},
    {"timer-bad", VM_OK "timer = fast\n", 4, "expected real or virtual"},
    {"trace-bad", VM_OK "trace = maybe\n", 4, "expected off or on"},
    {"virtio-modern", VM_OK "virtio = modern\n", 0, NULL},
    {"virtio-legacy", VM_OK "virtio = legacy\n", 0, NULL},
    {"virtio-bad", VM_OK "virtio = v1\n", 4,
     "bad value 'v1' for virtio (expected modern or legacy)"},
    {"virtio-case", VM_OK "virtio = Legacy\n", 4, "bad value 'Legacy' for virtio"},
    {"virtio-number", VM_OK "virtio = 1\n", 4, "bad value '1' for virtio"},
    {"virtio-empty", VM_OK "virtio =\n", 4, "key 'virtio' has no value"},
    {"virtio-duplicate", VM_OK "virtio = legacy\nvirtio = modern\n", 5,
     "duplicate key 'virtio' (first at line 4)"},
    {"virtio-in-machine", "[machine]\nvirtio = legacy\n" VM_OK, 2,
     "unknown key 'virtio' in [machine]"},
    {"quantum-no-unit", VM_OK "quantum = 10\n", 4, "bad duration '10'"},
    {"quantum-short", VM_OK "quantum = 50us\n", 4, "out of range"},
    {"quantum-long", VM_OK "quantum = 2s\n", 4, "out of range"},
    {"display", VM_OK "display = 640x480\n", 0, NULL},
    {"display-no-x", VM_OK "display = 640\n", 4, "bad display '640'"},
    {"display-trailing", VM_OK "display = 640x480x\n", 4, "bad display"},
    {"display-small", VM_OK "display = 15x480\n", 4, "out of range"},
    {"display-large", VM_OK "display = 640x4800\n", 4, "out of range"},
    {"display-no-slots",
     "[machine]\ndisk = disk.img\n" VM_OK "display = 640x480\nminidisk = 0 64K\n"
     "minidisk = 64K 64K\nminidisk = 128K 64K\nminidisk = 192K 64K\nminidisk = 256K 64K\n"
     "minidisk = 320K 64K\nminidisk = 384K 64K\n",
     6, "a display takes 3 more virtio slots"},
    /* a GPU, a keyboard and a tablet: six disks leave two slots, too few */
    {"display-tablet-no-slot",
     "[machine]\ndisk = disk.img\n" VM_OK "display = 640x480\nminidisk = 0 64K\n"
     "minidisk = 64K 64K\nminidisk = 128K 64K\nminidisk = 192K 64K\nminidisk = 256K 64K\n"
     "minidisk = 320K 64K\n",
     6, "a display takes 3 more virtio slots"},
    {"display-five-disks",
     "[machine]\ndisk = disk.img\n" VM_OK "display = 640x480\nminidisk = 0 64K\n"
     "minidisk = 64K 64K\nminidisk = 128K 64K\nminidisk = 192K 64K\nminidisk = 256K 64K\n",
     0, NULL},

    /* structure and syntax */
    {"unknown-section", "[vms a]\nmemory = 16M\n", 1, "unknown section [vms a]"},
    {"unknown-key", VM_OK "colour = blue\n", 4, "unknown key 'colour' in [vm a]"},
    {"unknown-machine-key", "[machine]\ncpus = 2\n" VM_OK, 2, "unknown key 'cpus' in [machine]"},
    {"duplicate-key", VM_OK "memory = 32M\n", 4, "duplicate key 'memory' (first at line 2)"},
    {"duplicate-machine", "[machine]\n[machine]\n" VM_OK, 2, "duplicate section [machine]"},
    {"duplicate-vm", VM_OK VM_OK, 4, "duplicate VM name 'a' (first at line 1)"},
    {"vm-without-name", "[vm]\n" VM_OK, 1, "needs a name"},
    {"vm-bad-name", "[vm Linux]\n", 1, "bad VM name 'Linux'"},
    {"vm-long-name", "[vm abcdefghijabcdefghijabcdefghij01]\n", 1, "bad VM name"},
    {"syntax-no-equals", VM_OK "trace on\n", 4, "syntax error: expected 'key = value'"},
    {"syntax-no-bracket", "[vm a\n", 1, "without ']'"},
    {"syntax-after-header", "[vm a] x\n", 1, "text after the section header"},
    {"syntax-no-key", VM_OK "= 5\n", 4, "no key before '='"},
    {"key-outside-section", "memory = 1G\n" VM_OK, 1, "outside any section"},
    {"indented-continuation", VM_OK "  on\n", 4, "syntax error"},
    {"line-too-long",
     VM_OK "bootargs = "
           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
     4, "line too long"},
    {"no-vms", "[machine]\nmemory = 1G\n", 1, "no VMs"},
    {"missing-kernel", "[machine]\n[vm a]\nmemory = 16M\n", 2, "vm 'a' has no kernel (required)"},
    {"missing-memory", "[vm a]\nkernel = k.elf\n", 1, "vm 'a' has no memory (required)"},

    /* files */
    {"kernel-missing", "[vm a]\nmemory = 16M\nkernel = vmlinux\n", 3, "cannot read kernel"},
    {"kernel-folder", "[vm a]\nmemory = 16M\nkernel = .\n", 3, "not a regular file"},
    {"kernel-text", "[vm a]\nmemory = 16M\nkernel = notes.txt\n", 3,
     "neither a RISC-V ELF64 executable nor a RISC-V Image"},
    {"kernel-x86", "[vm a]\nmemory = 16M\nkernel = x86.elf\n", 3, "not for RISC-V"},
    {"initrd-missing", VM_OK "initrd = initramfs.cpio\n", 4, "cannot read initrd"},
    /* the board starts a firmware image at the base of RAM, wherever it loads */
    {"firmware-loaded-above-ram-base", VM_OK "boot = firmware\n", 0, NULL},
    {"firmware-with-payload", VM_OK "boot = firmware\nfirmware = fw.Image\n", 0, NULL},
    {"firmware-key-on-sbi-vm", VM_OK "firmware = fw.Image\n", 4,
     "firmware = is for a VM with boot = firmware"},

    /* disks */
    {"minidisk-no-disk", VM_OK "minidisk = 0 64K\n", 4, "minidisk without a real disk"},
    {"minidisk-disk-missing", "[machine]\ndisk = none.img\n" VM_OK "minidisk = 0 64K\n", 2,
     "cannot read disk"},
    {"minidisk-past-end", "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 768K 512K\n", 6,
     "past the end of disk"},
    {"minidisk-unaligned", "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 100 512\n", 6,
     "512-byte aligned"},
    {"minidisk-empty", "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 0 0\n", 6,
     "not a non-empty"},
    /* 2^63 is a negative off_t: `disk create` failed and left a 0-byte disk */
    {"minidisk-past-off-t",
     "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 0 9223372036854775808\n", 6,
     "past the largest possible disk file"},
    {"minidisk-start-past-off-t",
     "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 9223372036854775296 512\n", 6,
     "past the largest possible disk file"},
    {"minidisk-wrap", "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 18446744073709551104 1024\n",
     6, "past the largest possible disk file"},
    {"minidisk-one-word", "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 64K\n", 6,
     "expected START SIZE"},
    {"minidisk-overlap-same-vm",
     "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 0 64K\nminidisk = 32K 64K\n", 7,
     "overlaps minidisk 0 of vm 'a' (line 6)"},
    {"minidisk-overlap-across-vms",
     "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 0 64K\n"
     "[vm b]\nmemory = 16M\nkernel = k.elf\nminidisk = 60K 4K\n",
     10, "overlaps minidisk 0 of vm 'a'"},
    {"too-many-disks",
     "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 0 4K\nminidisk = 4K 4K\n"
     "minidisk = 8K 4K\nminidisk = 12K 4K\nminidisk = 16K 4K\nminidisk = 20K 4K\n"
     "minidisk = 24K 4K\nminidisk = 28K 4K\nminidisk = 32K 4K\n",
     14, "too many disks"},
    {"link-unknown-vm", VM_OK "link = b 0 ro\n", 4, "link names unknown VM 'b'"},
    {"link-unknown-minidisk", VM_OK "[vm b]\nmemory = 16M\nkernel = k.elf\nlink = a 0 ro\n", 7,
     "link names minidisk 0 of vm 'a', which has 0"},
    {"link-rw", VM_OK "link = b 0 rw\n", 4, "only read-only links"},
    {"link-self", "[machine]\ndisk = disk.img\n" VM_OK "minidisk = 0 4K\nlink = a 0 ro\n", 7,
     "its own VM"},

    /* networks */
    {"net-good", "[lan office]\n" VM_OK "net = office\nnet = office mac=52:54:00:12:34:56\n", 0,
     NULL},
    {"net-uplink-forward",
     "[lan office]\nuplink = on\nforward = tcp 2222 10.0.2.21:22\nforward = udp 53 10.0.2.21:53\n"
     "[lan lab]\nuplink = off\n" VM_OK "net = office\nnet = lab\n",
     0, NULL},
    {"net-lan-after-vm", VM_OK "net = office\n[lan office]\n", 0, NULL},
    {"net-unknown-lan", VM_OK "net = office\n", 4, "net names unknown LAN 'office'"},
    {"net-bad-lan-name", VM_OK "net = Office\n", 4, "bad LAN name 'Office'"},
    {"net-mac-multicast", "[lan o]\n" VM_OK "net = o mac=01:00:5e:00:00:01\n", 5,
     "is a multicast address"},
    {"net-mac-broadcast", "[lan o]\n" VM_OK "net = o mac=ff:ff:ff:ff:ff:ff\n", 5, "multicast"},
    {"net-mac-zero", "[lan o]\n" VM_OK "net = o mac=00:00:00:00:00:00\n", 5, "the zero address"},
    {"net-mac-malformed", "[lan o]\n" VM_OK "net = o mac=52:54:00:12:34\n", 5,
     "expected mac=aa:bb:cc:dd:ee:ff"},
    {"net-mac-garbage", "[lan o]\n" VM_OK "net = o mac=52:54:00:12:34:5g\n", 5, "expected mac="},
    {"net-mac-long", "[lan o]\n" VM_OK "net = o mac=52:54:00:12:34:56:78\n", 5, "expected mac="},
    {"net-not-mac", "[lan o]\n" VM_OK "net = o vlan=3\n", 5, "bad 'vlan=3' in net"},
    {"net-three-words", "[lan o]\n" VM_OK "net = o mac=52:54:00:12:34:56 x\n", 5,
     "expected LAN [mac=MAC]"},
    {"net-mac-twice",
     "[lan o]\n" VM_OK "net = o mac=52:54:00:12:34:56\n"
     "[vm b]\nmemory = 16M\nkernel = k.elf\nnet = o mac=52:54:00:12:34:56\n",
     9, "is also interface 0 of vm 'a' (line 5)"},
    {"net-five", "[lan o]\n" VM_OK "net = o\nnet = o\nnet = o\nnet = o\nnet = o\n", 9,
     "too many network interfaces"},
    {"net-slots",
     "[machine]\ndisk = disk.img\n[lan o]\n" VM_OK
     "minidisk = 0 4K\nminidisk = 4K 4K\nminidisk = 8K 4K\nminidisk = 12K 4K\n"
     "minidisk = 16K 4K\nminidisk = 20K 4K\nminidisk = 24K 4K\nnet = o\nnet = o\n",
     15, "the board has 8 virtio slots"},
    {"lan-without-name", "[lan]\n" VM_OK, 1, "section [lan] needs a name"},
    {"lan-bad-name", "[lan Office]\n" VM_OK, 1, "bad LAN name 'Office'"},
    {"lan-duplicate", "[lan o]\n[lan o]\n" VM_OK, 2, "duplicate LAN name 'o' (first at line 1)"},
    {"lan-nine",
     "[lan l1]\n[lan l2]\n[lan l3]\n[lan l4]\n[lan l5]\n[lan l6]\n[lan l7]\n[lan l8]\n"
     "[lan l9]\n" VM_OK,
     9, "too many LANs (at most 8)"},
    {"lan-unknown-key", "[lan o]\nspeed = 10G\n" VM_OK, 2, "unknown key 'speed' in [lan o]"},
    {"lan-uplink-bad", "[lan o]\nuplink = yes\n" VM_OK, 2, "bad value 'yes' for uplink"},
    {"lan-two-uplinks", "[lan o]\nuplink = on\n[lan p]\nuplink = on\n" VM_OK, 4,
     "at most one LAN is uplinked"},
    {"forward-without-uplink", "[lan o]\nforward = tcp 2222 10.0.2.21:22\n" VM_OK, 2,
     "which has no uplink"},
    {"forward-bad-proto", "[lan o]\nuplink = on\nforward = sctp 2222 10.0.2.21:22\n" VM_OK, 3,
     "bad value 'sctp' for forward's protocol (expected tcp or udp)"},
    {"forward-port-zero", "[lan o]\nuplink = on\nforward = tcp 0 10.0.2.21:22\n" VM_OK, 3,
     "bad host port '0'"},
    {"forward-port-big", "[lan o]\nuplink = on\nforward = tcp 65536 10.0.2.21:22\n" VM_OK, 3,
     "bad host port '65536'"},
    {"forward-bad-ip", "[lan o]\nuplink = on\nforward = tcp 2222 10.0.2.256:22\n" VM_OK, 3,
     "bad guest address '10.0.2.256:22'"},
    {"forward-short-ip", "[lan o]\nuplink = on\nforward = tcp 2222 10.0.2:22\n" VM_OK, 3,
     "bad guest address"},
    {"forward-no-port", "[lan o]\nuplink = on\nforward = tcp 2222 10.0.2.21\n" VM_OK, 3,
     "bad guest address"},
    {"forward-guest-port-zero", "[lan o]\nuplink = on\nforward = tcp 2222 10.0.2.21:0\n" VM_OK, 3,
     "bad guest address"},
    {"forward-two-words", "[lan o]\nuplink = on\nforward = tcp 2222\n" VM_OK, 3,
     "expected PROTO HOSTPORT IP:PORT"},
    {"forward-twice",
     "[lan o]\nuplink = on\nforward = tcp 2222 10.0.2.21:22\nforward = tcp 2222 "
     "10.0.2.22:22\n" VM_OK,
     4, "host port 2222 is forwarded twice (first at line 3)"},
    {"forward-nine",
     "[lan o]\nuplink = on\nforward = tcp 1 10.0.2.21:22\nforward = tcp 2 10.0.2.21:22\n"
     "forward = tcp 3 10.0.2.21:22\nforward = tcp 4 10.0.2.21:22\nforward = tcp 5 10.0.2.21:22\n"
     "forward = tcp 6 10.0.2.21:22\nforward = tcp 7 10.0.2.21:22\nforward = tcp 8 10.0.2.21:22\n"
     "forward = tcp 9 10.0.2.21:22\n" VM_OK,
     11, "too many forwards in lan 'o' (at most 8)"},

    /* fit */
    {"machine-too-small", "[machine]\nmemory = 128M\n[vm a]\nmemory = 64M\nkernel = k.elf\n", 3,
     "does not fit in the machine"},
    {"vm-too-small", "[vm a]\nmemory = 2M\nkernel = k.elf\n", 2, "does not fit in its memory = 2M"},
    {"kernel-too-big", "[vm a]\nmemory = 32M\nkernel = big.Image\n", 2,
     "the kernel does not fit below the device tree"},
    {"initrd-too-big", "[vm a]\nmemory = 64M\nkernel = big.Image\ninitrd = initrd.bin\n", 2,
     "the initrd does not fit"},
};

/* What a good network section leaves in the directory, and the MAC a VM's name derives. */
static void test_directory_net_values(void **state)
{
	struct directory dir;
	struct plan plan;
	uint8_t mac[6], again[6];

	(void)state;
	assert_int_equal(load("[lan office]\nuplink = on\nforward = udp 5353 10.0.2.21:53\n"
	                      "[lan lab]\n[vm a]\nmemory = 16M\nkernel = k.elf\nnet = lab\n"
	                      "net = office mac=52:54:00:AB:cd:0e\n",
	                      &dir, &plan),
	                 0);
	assert_int_equal(dir.nlans, 2);
	assert_ptr_equal(directory_uplink(&dir), &dir.lans[0]);
	assert_int_equal(dir.lans[0].nforwards, 1);
	assert_int_equal(dir.lans[0].forwards[0].proto, DIRECTORY_PROTO_UDP);
	assert_int_equal(dir.lans[0].forwards[0].host_port, 5353);
	assert_int_equal(dir.lans[0].forwards[0].guest_ip, 0x0a000215);
	assert_int_equal(dir.lans[0].forwards[0].guest_port, 53);
	assert_int_equal(dir.vms[0].nnics, 2);
	assert_int_equal(dir.vms[0].nics[0].lan, 1);
	assert_int_equal(dir.vms[0].nics[1].lan, 0);
	static const uint8_t given[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0x0e};
	assert_memory_equal(dir.vms[0].nics[1].mac, given, 6);
	directory_mac_derive("a", 0, mac);
	assert_memory_equal(dir.vms[0].nics[0].mac, mac, 6);
	assert_int_equal(mac[0], 0x02); /* locally administered, unicast */
	directory_mac_derive("a", 0, again);
	assert_memory_equal(mac, again, 6);
	directory_mac_derive("a", 1, again);
	assert_memory_not_equal(mac, again, 6);
	directory_mac_derive("b", 0, again);
	assert_memory_not_equal(mac, again, 6);
	plan_free(&plan);
	directory_free(&dir);
}

static void print_diag(const struct directory *dir)
{
	for (size_t i = 0; i < dir->diag.count; i++)
		print_message("    %s\n", dir->diag.entries[i].text);
}

static void test_directory_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(dir_cases); i++) {
		const struct dir_case *c = &dir_cases[i];
		struct directory dir;
		struct plan plan;
		unsigned n = load(c->text, &dir, &plan);
		bool ok;

		if (c->line == 0) {
			ok = n == 0;
		} else {
			char prefix[256];
			snprintf(prefix, sizeof(prefix), "%s:%d: ", ini_path, c->line);
			ok = false;
			for (size_t e = 0; e < dir.diag.count; e++) {
				const char *t = dir.diag.entries[e].text;
				if (strncmp(t, prefix, strlen(prefix)) == 0 &&
				    strstr(t + strlen(prefix), c->error))
					ok = true;
			}
		}
		if (!ok) {
			print_message("case %s: expected %s line %d '%s', got:\n", c->name,
			              c->line ? "an error at" : "no error", c->line,
			              c->error ? c->error : "");
			print_diag(&dir);
			failures++;
		}
		plan_free(&plan);
		directory_free(&dir);
	}
	assert_int_equal(failures, 0);
}

/* 17 VMs: one too many, reported on the 17th header. */
static void test_directory_too_many_vms(void **state)
{
	char text[4096] = "[machine]\nmemory = 4G\n";
	struct directory dir;
	struct plan plan;

	(void)state;
	for (int i = 0; i < 17; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		         "[vm v%d]\nmemory = 8M\nkernel = k.elf\n", i);
	assert_int_equal(load(text, &dir, &plan), 1);
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "%s:%d: too many VMs", ini_path, 3 + 16 * 3);
	assert_int_equal(strncmp(dir.diag.entries[0].text, prefix, strlen(prefix)), 0);
	assert_int_equal(dir.nvms, 16);
	plan_free(&plan);
	directory_free(&dir);
}

/* Every problem is reported, in line order, not only the first. */
static void test_directory_reports_all(void **state)
{
	struct directory dir;
	struct plan plan;

	(void)state;
	assert_int_equal(
	    load("[vm a]\nmemory = banana\nkernel = nope\nboot = x\nfoo = 1\n", &dir, &plan), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(dir.diag.entries[i].line, i + 2);
	plan_free(&plan);
	directory_free(&dir);
}

/* Values land where they should; defaults hold; paths resolve against the file's folder. */
static void test_directory_values(void **state)
{
	struct directory dir;
	struct plan plan;
	char want[256];

	(void)state;
	assert_int_equal(load(dir_cases[1].text, &dir, &plan), 0);
	assert_int_equal(dir.machine_memory, 1ULL << 30);
	assert_int_equal(dir.harts, 2);
	snprintf(want, sizeof(want), "%s/disk.img", tmpdir);
	assert_string_equal(dir.disk, want);
	assert_true(dir.disk_exists);
	assert_int_equal(dir.disk_size, 1 << 20);
	assert_int_equal(dir.nvms, 2);

	const struct directory_vm *a = &dir.vms[0], *b = &dir.vms[1];
	assert_string_equal(a->name, "linux1");
	assert_int_equal(a->memory, 64 << 20);
	snprintf(want, sizeof(want), "%s/k.Image", tmpdir);
	assert_string_equal(a->kernel, want);
	assert_string_equal(a->bootargs, "console=ttyS0 root=/dev/vda");
	assert_int_equal(a->timer, BUNDLE_TIMER_VIRTUAL);
	assert_int_equal(a->quantum_us, 500);
	assert_true(a->trace);
	assert_int_equal(a->virtio, BUNDLE_VIRTIO_LEGACY);
	assert_int_equal(a->nminidisks, 2);
	assert_int_equal(a->minidisks[1].start, 256 << 10);
	assert_int_equal(a->minidisks[1].size, 256 << 10);
	assert_int_equal(a->display_width, 0);

	assert_int_equal(b->boot, BUNDLE_BOOT_SBI);
	assert_int_equal(b->timer, BUNDLE_TIMER_REAL);
	assert_int_equal(b->quantum_us, DIRECTORY_DEFAULT_QUANTUM);
	assert_false(b->trace);
	assert_int_equal(b->virtio, BUNDLE_VIRTIO_MODERN);
	assert_null(b->initrd);
	assert_int_equal(b->nlinks, 1);
	assert_int_equal(b->links[0].target, 0);
	assert_int_equal(b->links[0].index, 1);
	plan_free(&plan);
	directory_free(&dir);
}

/* ---- sizes and durations ---- */

static void test_units_size(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		uint64_t v;
	} cases[] = {
	    {"0", true, 0},
	    {"512", true, 512},
	    {"64K", true, 64 << 10},
	    {"64k", true, 64 << 10},
	    {"2M", true, 2 << 20},
	    {"1G", true, 1ULL << 30},
	    {"16g", true, 16ULL << 30},
	    {"18446744073709551615", true, UINT64_MAX},
	    {"18446744073709551616", false, 0},
	    {"17179869184G", false, 0},
	    {"banana", false, 0},
	    {"", false, 0},
	    {"1.5G", false, 0},
	    {"-1", false, 0},
	    {"+1", false, 0},
	    {"1 G", false, 0},
	    {"1KB", false, 0},
	    {"1T", false, 0},
	    {"0x10", false, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 12345;
		bool ok = units_parse_size(cases[i].s, &v);
		if (ok != cases[i].ok || (ok && v != cases[i].v))
			fail_msg("size '%s': got %d %llu", cases[i].s, ok, (unsigned long long)v);
		if (!ok)
			assert_int_equal(v, 12345);
	}
}

static void test_units_duration(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		uint32_t us;
	} cases[] = {
	    {"10ms", true, 10000},
	    {"100us", true, 100},
	    {"1s", true, 1000000},
	    {"0us", true, 0},
	    {"4294967295us", true, UINT32_MAX},
	    {"4294967296us", false, 0},
	    {"5000s", false, 0},
	    {"10", false, 0},
	    {"10m", false, 0},
	    {"ms", false, 0},
	    {"10 ms", false, 0},
	    {"1.5s", false, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t us = 0;
		bool ok = units_parse_duration_us(cases[i].s, &us);
		if (ok != cases[i].ok || (ok && us != cases[i].us))
			fail_msg("duration '%s': got %d %u", cases[i].s, ok, us);
	}
}

/* ---- kernel images ---- */

static void test_image_elf_flattens(void **state)
{
	static uint8_t buf[16384];
	/* two segments with a gap and bss: [0x80200000,+0x100) then [0x80202000,+0x80 of 0x1000) */
	struct seg segs[] = {{0x80202000, 0x80, 0x1000, 0xbb}, {0x80200000, 0x100, 0x100, 0xaa}};
	struct image img;

	(void)state;
	size_t n = make_elf(buf, sizeof(buf), EM_RISCV, 0x80200010, segs, 2);
	assert_null(image_load_kernel(buf, n, &img));
	assert_int_equal(img.format, IMAGE_ELF);
	assert_int_equal(img.gpa, 0x80200000);
	assert_int_equal(img.size, 0x3000);
	assert_int_equal(img.span, 0x3000);
	assert_int_equal(img.entry, 0x80200000); /* the lowest load address, as on the board */
	assert_int_equal(img.data[0], 0xaa);
	assert_int_equal(img.data[0xff], 0xaa);
	assert_int_equal(img.data[0x100], 0); /* gap */
	assert_int_equal(img.data[0x2000], 0xbb);
	assert_int_equal(img.data[0x207f], 0xbb);
	assert_int_equal(img.data[0x2080], 0); /* bss */
	assert_int_equal(img.data[0x2fff], 0);
	image_free(&img);
}

/* The board's firmware and its payload in one blob, placed as QEMU places -bios and -kernel. */
static void test_image_firmware(void **state)
{
	static uint8_t fw[0x1000], k[0x3000], elf[8192];
	struct seg seg = {0x80400000, 0x100, 0x100, 0xcc};
	struct image img;
	uint64_t at = 0;

	(void)state;
	memset(fw, 0xf1, sizeof(fw));
	memset(k, 0x4b, sizeof(k));
	/* raw firmware at RAM's base, a raw payload at the next 2 MiB boundary */
	assert_null(image_load_firmware(fw, sizeof(fw), k, sizeof(k), &img, &at));
	assert_int_equal(at, 0x80200000);
	assert_int_equal(img.gpa, 0x80000000);
	assert_int_equal(img.entry, 0x80000000);
	assert_int_equal(img.span, 0x200000 + sizeof(k));
	assert_int_equal(img.data[0], 0xf1);
	assert_int_equal(img.data[0xfff], 0xf1);
	assert_int_equal(img.data[0x1000], 0); /* the gap */
	assert_int_equal(img.data[0x200000], 0x4b);
	image_free(&img);
	/* an ELF payload goes where it says */
	size_t n = make_elf(elf, sizeof(elf), EM_RISCV, 0x80400000, &seg, 1);
	assert_null(image_load_firmware(fw, sizeof(fw), elf, n, &img, &at));
	assert_int_equal(at, 0x80400000);
	assert_int_equal(img.data[0x400000], 0xcc);
	image_free(&img);
	/* a firmware ELF that does not load at RAM's base: the board would not start it */
	assert_non_null(image_load_firmware(elf, n, k, sizeof(k), &img, &at));
}

/* Where each VM starts: an SBI kernel at its lowest load address, a firmware VM at RAM's base. */
static void test_plan_entry(void **state)
{
	struct directory dir;
	struct plan plan;

	(void)state;
	assert_int_equal(load("[vm a]\nmemory = 16M\nkernel = k.elf\n"
	                      "[vm b]\nmemory = 16M\nkernel = k.elf\nboot = firmware\n",
	                      &dir, &plan),
	                 0);
	assert_true(plan.vms[0].kernel.gpa > 0x80000000);
	assert_int_equal(plan.vms[0].kernel.entry, plan.vms[0].kernel.gpa);
	assert_int_equal(plan.vms[1].kernel.entry, 0x80000000);
	plan_free(&plan);
	directory_free(&dir);
}

static void test_image_bad(void **state)
{
	static uint8_t buf[8192];
	struct seg seg = {0x80200000, 0x100, 0x100, 1};
	struct image img;
	size_t n;

	(void)state;
	/* e_entry is not where the board enters: one outside every segment is no error */
	n = make_elf(buf, sizeof(buf), EM_RISCV, 0x90000000, &seg, 1);
	assert_null(image_load_kernel(buf, n, &img));
	assert_int_equal(img.entry, 0x80200000);
	image_free(&img);
	n = make_elf(buf, sizeof(buf), EM_AARCH64, 0x80200000, &seg, 1);
	assert_string_equal(image_load_kernel(buf, n, &img), "ELF file is not for RISC-V");
	buf[EI_CLASS] = ELFCLASS32;
	assert_string_equal(image_load_kernel(buf, n, &img), "ELF file is not 64-bit");
	n = make_elf(buf, sizeof(buf), EM_RISCV, 0x80200000, &seg, 1);
	assert_non_null(image_load_kernel(buf, 100, &img));   /* program header cut off */
	assert_non_null(image_load_kernel(buf, n - 1, &img)); /* segment cut off */
	n = make_elf(buf, sizeof(buf), EM_RISCV, 0x80200000, &seg, 1);
	buf[16] = ET_DYN;
	assert_string_equal(image_load_kernel(buf, n, &img),
	                    "ELF file is not an executable (ET_EXEC)");
	memset(buf, 0, 64);
	assert_non_null(image_load_kernel(buf, 64, &img));
	assert_non_null(image_load_kernel((const uint8_t *)"\177ELF", 4, &img));
}

static void test_image_riscv_image(void **state)
{
	static uint8_t buf[4096];
	struct image img;

	(void)state;
	make_image(buf, sizeof(buf), 0x200000, 0x100000);
	assert_null(image_load_kernel(buf, sizeof(buf), &img));
	assert_int_equal(img.format, IMAGE_RISCV_IMAGE);
	assert_int_equal(img.gpa, 0x80200000);
	assert_int_equal(img.entry, 0x80200000);
	assert_int_equal(img.size, sizeof(buf));
	assert_int_equal(img.span, 0x100000); /* image_size covers bss */
	assert_memory_equal(img.data, buf, sizeof(buf));
	image_free(&img);

	/* magic2 alone is enough; an image_size below the file size is the file size */
	make_image(buf, sizeof(buf), 0, 16);
	memset(buf + 48, 0, 8);
	assert_null(image_load_kernel(buf, sizeof(buf), &img));
	assert_int_equal(img.gpa, GUEST_RAM_BASE);
	assert_int_equal(img.span, sizeof(buf));
	image_free(&img);

	/* no magic at all */
	memset(buf + 48, 0, 16);
	assert_non_null(image_load_kernel(buf, sizeof(buf), &img));
}

/* ---- placement ---- */

static void test_plan_place(void **state)
{
	static const struct {
		uint64_t memory, kernel_gpa, kernel_span, initrd_size, dtb_size;
		const char *error; /* NULL: fits */
		uint64_t dtb_gpa, initrd_gpa;
	} cases[] = {
	    {64 * MiB, 0x80200000, MiB, 0, 4096, NULL, 0x83e00000, 0},
	    {64 * MiB, 0x80200000, MiB, 4096, 4096, NULL, 0x83e00000, 0x83dff000},
	    {64 * MiB, 0x80200000, MiB, 4097, 4096, NULL, 0x83e00000, 0x83dfe000},
	    {64 * MiB, 0x80200000, MiB, 59 * MiB, 4096, NULL, 0x83e00000, 0x80200000 + MiB},
	    {64 * MiB, 0x80200000, MiB, 59 * MiB + 1, 4096, "the initrd does not fit", 0, 0},
	    {64 * MiB, 0x80200000, 60 * MiB, 0, 4096, NULL, 0x83e00000, 0},
	    {64 * MiB, 0x80200000, 60 * MiB + 1, 0, 4096, "the kernel does not fit", 0, 0},
	    {64 * MiB, 0x7ff00000, MiB, 0, 4096, "the kernel loads below RAM", 0, 0},
	    {2 * MiB, 0x80000000, 4096, 0, 4096, "the kernel does not fit", 0, 0},
	    {4 * MiB, 0x80000000, 4096, 0, 4096, NULL, 0x80200000, 0},
	    {64 * MiB, 0x80200000, MiB, 0, 4 * MiB, "no room for the device tree", 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct plan_placement at = {0};
		const char *why =
		    plan_place(cases[i].memory, cases[i].kernel_gpa, cases[i].kernel_span,
		               cases[i].initrd_size, cases[i].dtb_size, &at);
		if (cases[i].error) {
			if (!why || !strstr(why, cases[i].error))
				fail_msg("place case %zu: expected '%s', got '%s'", i,
				         cases[i].error, why ? why : "fits");
			continue;
		}
		if (why)
			fail_msg("place case %zu: %s", i, why);
		assert_int_equal(at.dtb_gpa, cases[i].dtb_gpa);
		assert_int_equal(at.initrd_gpa, cases[i].initrd_gpa);
		assert_int_equal(at.initrd_gpa % GUEST_PAGE_SIZE, 0);
		assert_true(at.initrd_gpa + cases[i].initrd_size <= at.dtb_gpa);
	}
}

/* VM memory sizes whose sum wraps 2^64 do not fit the machine (plan.c, not only the parser). */
static void test_plan_memory_sum_overflow(void **state)
{
	struct directory dir = {0};
	struct plan plan;

	(void)state;
	diag_init(&dir.diag, "sum.ini");
	dir.machine_memory = UINT64_MAX - (2ULL << 20) + 1; /* the first VM fits */
	dir.nvms = 2;
	for (unsigned v = 0; v < 2; v++) {
		snprintf(dir.vms[v].name, sizeof(dir.vms[v].name), "v%u", v);
		dir.vms[v].line = 1 + 3 * (int)v;
		dir.vms[v].memory = 1ULL << 63; /* no kernel: plan_vm() skips it */
	}
	assert_int_equal(plan_build(&dir, &plan), 1);
	assert_non_null(strstr(dir.diag.entries[0].text, "sum.ini:4: vm 'v1' does not fit"));
	plan_free(&plan);
	diag_free(&dir.diag);
}

/* ---- the bundle ---- */

static void test_pack_bundle(void **state)
{
	struct directory dir;
	struct plan plan;
	uint8_t *b;
	size_t len;

	(void)state;
	assert_int_equal(load(dir_cases[1].text, &dir, &plan), 0);
	assert_null(pack_bundle(&dir, &plan, &b, &len));
	assert_int_equal(len, plan.bundle_size);
	assert_null(bundle_check((const struct bundle_header *)b, len, dir.disk_size));

	const struct bundle_header *h = (const struct bundle_header *)b;
	assert_string_equal(h->magic, BUNDLE_MAGIC);
	assert_int_equal(h->machine_memory, 1ULL << 30);
	assert_int_equal(h->harts, 2);
	assert_int_equal(h->nvms, 2);

	const struct bundle_vm *a = &h->vms[0];
	assert_string_equal(a->name, "linux1");
	assert_int_equal(a->memory, 64 << 20);
	assert_int_equal(a->entry, 0x80200000);
	assert_int_equal(a->dtb_gpa, 0x80000000 + (64 << 20) - (2 << 20));
	assert_int_equal(a->timer, BUNDLE_TIMER_VIRTUAL);
	assert_int_equal(a->quantum_us, 500);
	assert_int_equal(a->trace, 1);
	assert_int_equal(a->virtio, BUNDLE_VIRTIO_LEGACY);
	assert_int_equal(a->nblobs, 3);
	assert_int_equal(a->blobs[0].kind, BUNDLE_BLOB_KERNEL);
	assert_int_equal(a->blobs[0].gpa, 0x80200000);
	assert_int_equal(a->blobs[0].size, 4096);
	assert_int_equal(a->blobs[1].kind, BUNDLE_BLOB_INITRD);
	assert_int_equal(a->blobs[1].size, 5000);
	assert_int_equal(a->blobs[1].gpa % 4096, 0);
	assert_true(a->blobs[1].gpa + 5000 <= a->dtb_gpa);
	assert_memory_equal(b + a->blobs[1].offset, "iiii", 4);
	assert_int_equal(a->blobs[2].kind, BUNDLE_BLOB_DTB);
	assert_int_equal(a->blobs[2].gpa, a->dtb_gpa);
	for (unsigned i = 0; i < a->nblobs; i++)
		assert_int_equal(a->blobs[i].offset % BUNDLE_ALIGN, 0);
	assert_int_equal(a->ndisks, 2);
	assert_int_equal(a->disks[1].start, 256 << 10);
	assert_int_equal(a->disks[1].flags, 0);

	/* linux2: its own minidisk first, then the link, read-only, with linux1's extent */
	const struct bundle_vm *v2 = &h->vms[1];
	assert_int_equal(v2->virtio, BUNDLE_VIRTIO_MODERN);
	assert_int_equal(v2->nblobs, 2);
	assert_int_equal(v2->blobs[0].size, 4096); /* the ELF's segment with its bss */
	assert_int_equal(v2->ndisks, 2);
	assert_int_equal(v2->disks[0].start, 512 << 10);
	assert_int_equal(v2->disks[0].flags, 0);
	assert_int_equal(v2->disks[1].start, 256 << 10);
	assert_int_equal(v2->disks[1].size, 256 << 10);
	assert_int_equal(v2->disks[1].flags, BUNDLE_DISK_RO);

	free(b);
	plan_free(&plan);
	directory_free(&dir);
}

/* ---- QEMU command lines ---- */

static bool argv_has(const struct qemu_argv *a, const char *opt, const char *val)
{
	for (size_t i = 0; i + 1 < a->count; i++) {
		if (strcmp(a->argv[i], opt) == 0 && strcmp(a->argv[i + 1], val) == 0)
			return true;
	}
	return false;
}

static void test_qemu_monitor(void **state)
{
	struct directory dir;
	struct plan plan;
	struct qemu_argv a = {0};
	struct qemu_opts o = {.popek_image = "popek.bin", .bundle = "b.bundle", .log_file = "l,og"};
	char want[256];

	(void)state;
	assert_int_equal(load(dir_cases[1].text, &dir, &plan), 0);
	qemu_argv_monitor(&dir, &o, &a);
	assert_string_equal(a.argv[0], QEMU_DEFAULT_BINARY);
	assert_null(a.argv[a.count]);
	assert_true(argv_has(&a, "-M", "virt"));
	assert_true(argv_has(&a, "-cpu", "rv64,h=false"));
	assert_true(argv_has(&a, "-m", "1024M"));
	assert_true(argv_has(&a, "-smp", "2"));
	assert_true(argv_has(&a, "-bios", "default"));
	assert_true(argv_has(&a, "-kernel", "popek.bin"));
	assert_true(argv_has(&a, "-initrd", "b.bundle"));
	assert_true(argv_has(&a, "-global", "virtio-mmio.force-legacy=false"));
	assert_true(argv_has(&a, "-chardev", "stdio,id=con0,mux=on,signal=off,logfile=l,,og"));
	snprintf(want, sizeof(want), "file=%s/disk.img,format=raw,if=none,id=disk0", tmpdir);
	assert_true(argv_has(&a, "-drive", want));
	assert_false(argv_has(&a, "-s", "-S"));
	qemu_argv_free(&a);

	/* --firmware FILE (or popek's own, which cmd_run passes the same way) */
	o.firmware = "fw,1.bin";
	qemu_argv_monitor(&dir, &o, &a);
	assert_true(argv_has(&a, "-bios", "fw,1.bin"));
	assert_false(argv_has(&a, "-bios", "default"));
	qemu_argv_free(&a);
	plan_free(&plan);
	directory_free(&dir);
}

static void test_qemu_bare(void **state)
{
	struct directory dir;
	struct plan plan;
	struct qemu_argv a = {0};
	struct qemu_opts o = {.gdb = true};
	char want[512];

	(void)state;
	assert_int_equal(load("[machine]\ndisk = disk.img\n"
	                      "[vm a]\nmemory = 8M\nkernel = fw.Image\nboot = firmware\n"
	                      "minidisk = 64K 64K\n"
	                      "[vm b]\nmemory = 16M\nkernel = k.elf\ninitrd = initrd.bin\n"
	                      "bootargs = quiet\nminidisk = 0 64K\nlink = a 0 ro\n",
	                      &dir, &plan),
	                 0);
	qemu_argv_bare(&dir, &o, &a);
	assert_true(argv_has(&a, "-m", "8M"));
	assert_true(argv_has(&a, "-smp", "1"));
	assert_true(argv_has(&a, "-bios", "none"));
	assert_true(argv_has(&a, "-s", "-S"));
	qemu_argv_free(&a);
	/* a VM that is its own firmware runs on none, whatever firmware is asked for */
	qemu_argv_bare(&dir, &(struct qemu_opts){.firmware = "fw.bin"}, &a);
	assert_true(argv_has(&a, "-bios", "none"));
	assert_false(argv_has(&a, "-initrd", "initrd.bin"));
	snprintf(want, sizeof(want),
	         "driver=raw,node-name=md0,offset=65536,size=65536,file.driver=file,"
	         "file.filename=%s/disk.img,file.locking=off",
	         tmpdir);
	assert_true(argv_has(&a, "-blockdev", want));
	assert_true(argv_has(
	    &a, "-device", "virtio-blk-device,drive=md0,bus=virtio-mmio-bus.0,serial=popek-10000"));
	assert_true(argv_has(&a, "-global", "virtio-mmio.force-legacy=false"));
	qemu_argv_free(&a);

	/*
	 * virtio = legacy: bare, QEMU keeps its default (legacy) virtio-mmio, as
	 * popek presents it; popek's own QEMU still gets version 2 for the real disk.
	 */
	dir.vms[0].virtio = BUNDLE_VIRTIO_LEGACY;
	qemu_argv_bare(&dir, &o, &a);
	for (size_t i = 0; i < a.count; i++)
		assert_null(strstr(a.argv[i], "force-legacy"));
	assert_true(argv_has(
	    &a, "-device", "virtio-blk-device,drive=md0,bus=virtio-mmio-bus.0,serial=popek-10000"));
	qemu_argv_free(&a);
	qemu_argv_monitor(&dir, &(struct qemu_opts){.popek_image = "p", .bundle = "b"}, &a);
	assert_true(argv_has(&a, "-global", "virtio-mmio.force-legacy=false"));
	qemu_argv_free(&a);
	dir.vms[0].virtio = BUNDLE_VIRTIO_MODERN;

	/* the second VM first, to see initrd, bootargs and a read-only link */
	struct directory_vm first = dir.vms[0];
	dir.vms[0] = dir.vms[1];
	dir.vms[1] = first;
	dir.vms[0].links[0].target = 1;
	qemu_argv_bare(&dir, &(struct qemu_opts){0}, &a);
	snprintf(want, sizeof(want), "%s/initrd.bin", tmpdir);
	assert_true(argv_has(&a, "-initrd", want));
	assert_true(argv_has(&a, "-append", "quiet"));
	assert_true(argv_has(&a, "-bios", "default"));
	qemu_argv_free(&a);
	qemu_argv_bare(&dir, &(struct qemu_opts){.firmware = "fw.bin"}, &a);
	assert_true(argv_has(&a, "-bios", "fw.bin"));
	snprintf(want, sizeof(want),
	         "driver=raw,node-name=md1,offset=65536,size=65536,file.driver=file,"
	         "file.filename=%s/disk.img,file.locking=off,read-only=on",
	         tmpdir);
	assert_true(argv_has(&a, "-blockdev", want));
	assert_true(argv_has(
	    &a, "-device", "virtio-blk-device,drive=md1,bus=virtio-mmio-bus.1,serial=popek-10000"));
	dir.vms[1] = dir.vms[0];
	dir.vms[0] = first;
	qemu_argv_free(&a);
	plan_free(&plan);
	directory_free(&dir);
}

/*
 * A display: bare, the board's GPU, keyboard and tablet in the three slots
 * after the disks, as under popek; under popek, the real ones; both with
 * HMP and QMP sockets in the run directory, and a window only when asked.
 */
static void test_qemu_display(void **state)
{
	struct directory dir;
	struct plan plan;
	struct qemu_argv a = {0};
	struct qemu_opts o = {
	    .popek_image = "p", .bundle = "b", .monitor_socket = "/run/x/qemu.mon"};

	(void)state;
	assert_int_equal(load("[machine]\ndisk = disk.img\n"
	                      "[vm a]\nmemory = 16M\nkernel = k.elf\nminidisk = 0 64K\n"
	                      "display = 320x200\n",
	                      &dir, &plan),
	                 0);
	qemu_argv_bare(&dir, &o, &a);
	assert_true(argv_has(&a, "-device",
	                     "virtio-gpu-device,bus=virtio-mmio-bus.1,xres=320,yres=200,edid=off"));
	assert_true(argv_has(&a, "-device", "virtio-keyboard-device,bus=virtio-mmio-bus.2"));
	assert_true(argv_has(&a, "-device", "virtio-tablet-device,bus=virtio-mmio-bus.3"));
	assert_true(
	    argv_has(&a, "-chardev", "socket,id=mon1,path=/run/x/qemu.mon,server=on,wait=off"));
	assert_true(
	    argv_has(&a, "-chardev", "socket,id=qmp1,path=/run/x/qemu.qmp,server=on,wait=off"));
	assert_true(argv_has(&a, "-mon", "chardev=qmp1,mode=control"));
	qemu_argv_free(&a);
	qemu_argv_monitor(&dir, &o, &a);
	assert_true(argv_has(&a, "-device", "virtio-gpu-device,xres=320,yres=216,edid=off"));
	assert_true(argv_has(&a, "-device", "virtio-keyboard-device"));
	assert_true(argv_has(&a, "-device", "virtio-tablet-device"));
	assert_true(argv_has(&a, "-nographic", "-chardev"));
	qemu_argv_free(&a);
	o.window = "gtk";
	qemu_argv_monitor(&dir, &o, &a);
	assert_true(argv_has(&a, "-display", "gtk"));
	for (size_t i = 0; i < a.count; i++)
		assert_string_not_equal(a.argv[i], "-nographic");
	qemu_argv_free(&a);
	plan_free(&plan);
	directory_free(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_directory_table),
	    cmocka_unit_test(test_directory_net_values),
	    cmocka_unit_test(test_directory_too_many_vms),
	    cmocka_unit_test(test_directory_reports_all),
	    cmocka_unit_test(test_directory_values),
	    cmocka_unit_test(test_units_size),
	    cmocka_unit_test(test_units_duration),
	    cmocka_unit_test(test_image_elf_flattens),
	    cmocka_unit_test(test_image_bad),
	    cmocka_unit_test(test_plan_entry),
	    cmocka_unit_test(test_image_firmware),
	    cmocka_unit_test(test_image_riscv_image),
	    cmocka_unit_test(test_plan_place),
	    cmocka_unit_test(test_plan_memory_sum_overflow),
	    cmocka_unit_test(test_pack_bundle),
	    cmocka_unit_test(test_qemu_monitor),
	    cmocka_unit_test(test_qemu_display),
	    cmocka_unit_test(test_qemu_bare),
	};
	return cmocka_run_group_tests_name("directory", tests, setup, teardown);
}
