/*
 * The VM directory: the INI file that names every VM (DESIGN.md §7).
 *
 *   [machine]                the real machine (QEMU virt)
 *   memory = 1G              RAM given to QEMU; default 1G
 *   harts = 1                1..8; default 1
 *   disk = PATH              optional: the real disk, divided into minidisks
 *
 *   [vm NAME]                NAME: 1 to 31 of a-z 0-9 _ -, unique; at most 16 VMs
 *   memory = 256M            required; a multiple of 2M, at most 1024G
 *   kernel = PATH            required; ELF64 RISC-V or raw RISC-V Linux Image
 *   initrd = PATH            optional
 *   bootargs = TEXT          optional; the guest's /chosen bootargs
 *   boot = sbi               sbi | firmware
 *   firmware = PATH          optional, boot = firmware only: the board's firmware
 *                            (ELF or raw binary, at 0x80000000), kernel then being
 *                            its payload, placed as QEMU places -bios and -kernel
 *   timer = real             real | virtual
 *   quantum = 10ms           scheduling quantum, 100us..1s
 *   minidisk = START SIZE    repeatable: an extent of the real disk, 512-aligned,
 *                            ending at most at DIRECTORY_MAX_DISK
 *   link = VM N ro           repeatable: VM's minidisk N (0-based), read-only
 *   trace = off              on | off
 *   virtio = modern          modern | legacy: the virtio-mmio interface of its
 *                            disks and network interfaces
 *   net = LAN [mac=MAC]      repeatable, at most 4: a network interface on LAN, in
 *                            order eth0, eth1, ...; MAC aa:bb:cc:dd:ee:ff unicast,
 *                            not zero; default: derived from the VM's name and
 *                            the interface's number, locally administered
 *
 *   [lan NAME]               a virtual LAN (a switch); NAME as VM names; at most 8
 *   uplink = off             on | off: bridged to the real NIC; on one LAN at most
 *   forward = PROTO HOST IP:PORT   repeatable, at most 8, uplink = on only:
 *                            host PROTO (tcp | udp) port HOST to the guest's
 *                            IPv4 address IP, port PORT
 *   gdb = off                off | on | wait: a debugger stub (docs/debugging.md);
 *                            wait holds the VM at its first instruction for it
 *   symbols = PATH           optional: the kernel's ELF with symbols, for `popek gdb`
 *
 * Sizes are decimal with an optional K/M/G (binary) suffix.  Relative paths
 * are resolved against the folder that holds the directory file, not the
 * current directory.  A VM has at most 8 disks (minidisks and links).
 *
 * The disk file: when some VM has a minidisk, [machine] disk must name an
 * existing, readable file, and every minidisk must lie inside it.  When no VM
 * has a minidisk, a missing disk file is not an error (`popek disk create`
 * may not have run yet); `run` then attaches no disk.
 *
 * A VM has at most 8 virtio devices, as the board has 8 virtio-mmio slots:
 * disks first, then network interfaces.
 *
 * directory_load() reads and validates the text; every problem found is
 * added to dir->diag as "FILE:LINE: what is wrong".  It opens the files the
 * directory names (to check they are readable) but never looks inside a
 * kernel: that is plan.c's job.
 */
#ifndef POPEK_TOOLS_DIRECTORY_H
#define POPEK_TOOLS_DIRECTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bundle.h"
#include "diag.h"

#define DIRECTORY_DEFAULT_MEMORY  (1ULL << 30)
#define DIRECTORY_DEFAULT_QUANTUM 10000 /* us */
#define DIRECTORY_MIN_QUANTUM     100
#define DIRECTORY_MAX_QUANTUM     1000000
#define DIRECTORY_MAX_HARTS       8
#define DIRECTORY_MAX_KEYS        24 /* keys per section kind */
#define DIRECTORY_MAX_FORWARDS    8
/*
 * Where a minidisk may end at most: the real disk is a file, which `popek
 * disk create` sizes with ftruncate() to the largest end rounded up to 1M,
 * and a file's size is an off_t, signed 64 bits.
 */
#define DIRECTORY_MAX_DISK ((uint64_t)INT64_MAX & ~((1ULL << 20) - 1))

struct directory_minidisk {
	uint64_t start; /* byte offset on the real disk */
	uint64_t size;
	int line;
};

struct directory_link {
	char vm[BUNDLE_NAME_MAX]; /* the VM that owns the minidisk */
	unsigned index;           /* which of its minidisks, 0-based */
	int line;
	int target; /* index of that VM in directory.vms once resolved, else -1 */
};

/* One network interface of a VM. */
struct directory_nic {
	char lan_name[BUNDLE_NAME_MAX];
	int lan;        /* index in directory.lans once resolved, else -1 */
	uint8_t mac[6]; /* as given, or derived (directory_mac_derive) */
	bool mac_given;
	int line;
};

enum directory_proto {
	DIRECTORY_PROTO_TCP,
	DIRECTORY_PROTO_UDP,
};

/* forward = PROTO HOST IP:PORT: the host's port to a guest's, through the uplink. */
struct directory_forward {
	enum directory_proto proto;
	uint16_t host_port;
	uint32_t guest_ip; /* IPv4, host byte order: 10.0.2.21 is 0x0a000215 */
	uint16_t guest_port;
	int line;
};

struct directory_lan {
	char name[BUNDLE_NAME_MAX];
	int line;                         /* of the [lan NAME] header */
	int key_line[DIRECTORY_MAX_KEYS]; /* as for a vm */
	bool uplink;
	struct directory_forward forwards[DIRECTORY_MAX_FORWARDS];
	unsigned nforwards;
};

struct directory_vm {
	char name[BUNDLE_NAME_MAX];
	int line;                         /* of the [vm NAME] header */
	int key_line[DIRECTORY_MAX_KEYS]; /* where each key of the vm table was set; 0: not set */

	uint64_t memory;
	char *kernel; /* resolved path, NULL when unset or unreadable */
	char *initrd;
	char *firmware; /* boot = firmware: the image at RAM's base, the kernel its payload */
	char *bootargs;
	enum bundle_boot boot;
	enum bundle_timer timer;
	uint32_t quantum_us;
	bool trace;
	enum bundle_virtio virtio;
	enum bundle_gdb gdb;
	char *symbols; /* resolved path, NULL when unset */

	struct directory_minidisk minidisks[BUNDLE_MAX_DISKS];
	unsigned nminidisks;
	struct directory_link links[BUNDLE_MAX_DISKS];
	unsigned nlinks;
	struct directory_nic nics[BUNDLE_MAX_NICS];
	unsigned nnics;
	uint32_t display_width, display_height; /* display = WxH; 0 x 0: none */
};

struct directory {
	char *path;     /* as given */
	char *base_dir; /* the folder relative paths are resolved against */
	struct diag diag;

	int machine_line; /* of the [machine] header; 0 when there is none */
	int machine_key_line[DIRECTORY_MAX_KEYS];
	uint64_t machine_memory;
	unsigned harts;
	char *disk;         /* resolved path, or NULL */
	bool disk_exists;   /* the disk file is there and readable */
	uint64_t disk_size; /* its size when it exists */

	struct directory_vm vms[BUNDLE_MAX_VMS];
	unsigned nvms;
	struct directory_lan lans[BUNDLE_MAX_LANS];
	unsigned nlans;
};

/* The LAN with uplink = on, or NULL. */
const struct directory_lan *directory_uplink(const struct directory *dir);

/*
 * The MAC of interface `index` of the VM named `vm` when the directory gives
 * none: 52:54:00 would be QEMU's; popek's is locally administered (0x02 set,
 * multicast bit clear) and the rest a hash of the name and the index, the
 * same on every run.
 */
void directory_mac_derive(const char *vm, unsigned index, uint8_t mac[6]);

/* The line where a key was set, or 0; `key` must name a key of its table. */
int directory_vm_key_line(const struct directory_vm *vm, const char *key);
int directory_machine_key_line(const struct directory *dir, const char *key);

/*
 * Reads and validates the directory at `path`.  Returns the number of
 * problems found (0: the directory is good); they are in dir->diag.
 * Always call directory_free() afterwards.
 */
unsigned directory_load(struct directory *dir, const char *path);

/*
 * Flags for directory_load_flags().  DIRECTORY_DISK_TO_CREATE: the disk file
 * may be missing (ENOENT) or too small for the minidisks; `popek disk create`
 * is about to make it.  Every other problem is still reported.
 */
#define DIRECTORY_DISK_TO_CREATE (1u << 0)

/* directory_load(), with flags relaxing some checks. */
unsigned directory_load_flags(struct directory *dir, const char *path, unsigned flags);

void directory_free(struct directory *dir);

/* Resolves `path` against dir->base_dir (a new string; absolute paths are copied). */
char *directory_resolve(const struct directory *dir, const char *path);

#endif
