/*
 * The boot bundle: the VM directory in the binary form popek reads.
 *
 * The launcher (tools/popek) validates the text directory, loads each VM's
 * kernel and initrd, generates its device tree, decides where each lands in
 * guest-physical memory, and writes one file:
 *
 *   struct bundle_header    fixed size, describes the machine and every VM
 *   blob data               kernel, initrd and device-tree bytes, each 8-byte
 *                           aligned, at the offsets the header names
 *
 * QEMU loads the file as the initrd; popek finds it through /chosen
 * linux,initrd-start in its own device tree. popek never parses text and
 * never trusts the bundle: bundle_check() verifies every offset and size
 * before anything is used.
 *
 * All integers are little-endian and fixed-width; the layout is the same on
 * the host and in popek. Shared by hyp/ and tools/popek/.
 */
#ifndef POPEK_CORE_BUNDLE_H
#define POPEK_CORE_BUNDLE_H

#include <stdint.h>

#define BUNDLE_MAGIC         "POPEKBN" /* 7 characters and the NUL: 8 bytes */
#define BUNDLE_VERSION       5
#define BUNDLE_NAME_MAX      32 /* including the NUL */
#define BUNDLE_MAX_VMS       16
#define BUNDLE_MAX_BLOBS     4
#define BUNDLE_MAX_DISKS     8
#define BUNDLE_MAX_NICS      4    /* network interfaces of one VM */
#define BUNDLE_DISPLAY_SLOTS 3    /* a display takes a virtio-gpu, a keyboard and a tablet */
#define BUNDLE_DISPLAY_MIN   16   /* the board's smallest scanout */
#define BUNDLE_DISPLAY_MAX_W 1920 /* what popek sets aside memory for */
#define BUNDLE_DISPLAY_MAX_H 1200
#define BUNDLE_MAX_LANS      8
#define BUNDLE_ALIGN         8
#define BUNDLE_MAX_MEMORY    (1ULL << 40) /* of one VM */

/* Guest-physical RAM of every VM starts here, as on the virt board. */
#define BUNDLE_GUEST_RAM_BASE 0x80000000ULL

enum bundle_boot {
	BUNDLE_BOOT_SBI = 0,      /* start in vS: a0 = hart id, a1 = device tree */
	BUNDLE_BOOT_FIRMWARE = 1, /* start in vM at 0x8000_0000, no SBI in front */
};

enum bundle_timer {
	BUNDLE_TIMER_REAL = 0,    /* time read directly, never stops */
	BUNDLE_TIMER_VIRTUAL = 1, /* time traps; the clock stops while descheduled */
};

enum bundle_virtio {
	BUNDLE_VIRTIO_MODERN = 0, /* virtio-mmio Version 2 (virtio 1.1 §4.2.2) */
	BUNDLE_VIRTIO_LEGACY = 1, /* virtio-mmio Version 1, the legacy interface (§4.2.4) */
};

enum bundle_blob_kind {
	BUNDLE_BLOB_KERNEL = 0,
	BUNDLE_BLOB_INITRD = 1,
	BUNDLE_BLOB_DTB = 2,
};

/* Bytes copied into the VM's RAM before it starts. */
struct bundle_blob {
	uint64_t gpa;    /* guest-physical destination, inside the VM's RAM */
	uint64_t offset; /* from the start of the bundle, BUNDLE_ALIGN-aligned */
	uint64_t size;   /* bytes in the bundle; memory up to the next blob is zero */
	uint32_t kind;   /* enum bundle_blob_kind */
	uint32_t reserved;
};

#define BUNDLE_DISK_RO (1u << 0) /* read-only: a link ... ro */

/* One extent of the real disk, presented to the VM as a virtio-blk device. */
struct bundle_disk {
	uint64_t start; /* byte offset on the real disk, 512-aligned */
	uint64_t size;  /* bytes, 512-aligned */
	uint32_t flags; /* BUNDLE_DISK_* */
	uint32_t reserved;
};

/* One network interface, presented to the VM as a virtio-net device on a LAN. */
struct bundle_nic {
	uint8_t mac[6]; /* unicast, not zero */
	uint16_t lan;   /* index in bundle_header.lans */
};

#define BUNDLE_LAN_UPLINK (1u << 0) /* bridged to the real NIC; on one LAN at most */

/* A virtual LAN: a switch joining the interfaces that name it (docs/network.md). */
struct bundle_lan {
	char name[BUNDLE_NAME_MAX]; /* NUL-terminated */
	uint32_t flags;             /* BUNDLE_LAN_* */
	uint32_t reserved;          /* 0 */
};

/* A VM's debugger stub: off, on, or on with the VM held until a debugger resumes it. */
enum bundle_gdb {
	BUNDLE_GDB_OFF,
	BUNDLE_GDB_ON,
	BUNDLE_GDB_WAIT,
};

struct bundle_vm {
	char name[BUNDLE_NAME_MAX]; /* NUL-terminated */
	uint64_t memory;            /* bytes of RAM at BUNDLE_GUEST_RAM_BASE */
	uint64_t entry;             /* guest-physical pc at start */
	uint64_t dtb_gpa;           /* a1 at start */
	uint64_t
	    next_addr;  /* boot = firmware: the payload's address in the board's fw_dynamic info */
	uint32_t boot;  /* enum bundle_boot */
	uint32_t timer; /* enum bundle_timer */
	uint32_t trace; /* 1: log every trap of this VM */
	uint32_t quantum_us; /* scheduling quantum */
	uint32_t nblobs;
	uint32_t ndisks;
	uint32_t virtio; /* enum bundle_virtio: the interface of every disk */
	uint32_t gdb;    /* enum bundle_gdb: its debugger stub (docs/debugging.md) */
	struct bundle_blob blobs[BUNDLE_MAX_BLOBS];
	struct bundle_disk disks[BUNDLE_MAX_DISKS];
	uint32_t nnics; /* eth0, eth1, ... at the virtio slots after the disks */
	uint32_t reserved2;
	struct bundle_nic nics[BUNDLE_MAX_NICS];
	/*
	 * display = WIDTHxHEIGHT (0 x 0: none): a virtio-gpu and a virtio-input
	 * keyboard at the two virtio slots after the interfaces.
	 */
	uint32_t display_width, display_height;
};

struct bundle_header {
	char magic[8];        /* BUNDLE_MAGIC with its NUL */
	uint32_t version;     /* BUNDLE_VERSION */
	uint32_t header_size; /* sizeof(struct bundle_header) */
	uint64_t total_size;  /* bytes in the whole bundle */
	uint64_t machine_memory;
	uint32_t harts;
	uint32_t nvms;
	struct bundle_vm vms[BUNDLE_MAX_VMS];
	uint32_t nlans;
	uint32_t reserved;
	struct bundle_lan lans[BUNDLE_MAX_LANS];
};

/*
 * Checks a bundle of `len` bytes at `b`, for a real disk of `disk_bytes`
 * bytes (0: none): magic, version, sizes, every blob inside the bundle and
 * inside its VM's RAM, names terminated, every minidisk inside the disk, no
 * two writable minidisks overlapping, and each read-only one exactly another
 * VM's minidisk (a link), every interface on a LAN with a unicast MAC no
 * other interface has, at most one LAN uplinked.  Returns NULL when it is sound, or a short
 * description of the first problem.
 */
const char *bundle_check(const struct bundle_header *b, uint64_t len, uint64_t disk_bytes);

#endif
