/*
 * reboot.c — mode=reboot: a kernel that reboots its machine on purpose, to
 * check that a reboot starts it again with its minidisk as it left it.
 *
 * Sector 0 of its first disk counts its boots ("REBOOTS" and a count).
 * Each boot prints "reboot: boot N"; while N <= reboots=K (default 1) it
 * adds one to the count and asks for a reboot through SBI SRST (§10: cold,
 * or warm with reboot=warm), which behind teach-m's firmware is a reset
 * through the test device; with reboot=machine it waits instead for the
 * whole machine popek runs on to be reset (QEMU's system_reset).  Boot K+1
 * prints "reboot: done, booted N times" and powers off.  Nothing in RAM
 * survives a reboot: only the disk counts, and every boot checks a window of
 * RAM that the boot before filled (window_check).
 */
#include "reboot.h"
#include "bootargs.h"
#include "kalloc.h"
#include "main.h"
#include "printf.h"
#include "riscv.h"
#include "sbi.h"
#include "string.h"
#include "virtio_blk.h"

#define MAGIC "REBOOTS"

/*
 * 8 MiB of RAM, 16 MiB below its end: above the pages this mode allocates
 * (from the bottom) and below the device tree (RAM end - 2 MiB).  Each free
 * page's first doubleword links kalloc's free list, so it is left out.
 */
#define WINDOW_BELOW_END (16UL << 20)
#define WINDOW_SIZE      (8UL << 20)
#define WINDOW_FILL      0x5a5a5a5a5a5a5a5aUL

extern char kernel_end[];

static uint64_t *window(void)
{
	uint64_t lo = machine.ram_end - WINDOW_BELOW_END;
	return machine.ram_end - machine.ram_base >= 2 * WINDOW_BELOW_END &&
	               lo >= (uint64_t)kernel_end
	           ? (uint64_t *)lo
	           : 0;
}

/* A VM's RAM is zero when it starts, whatever the boot before it left there. */
static int window_check(void)
{
	uint64_t *w = window();
	for (uint64_t i = 0; w && i < WINDOW_SIZE / 8; i++) {
		if (i % (PGSIZE / 8) != 0 && w[i] != 0) {
			kprintf("reboot: FAIL RAM at %p holds %lx, not zero\n", (void *)&w[i],
			        w[i]);
			return -1;
		}
	}
	kprintf("reboot: RAM window %s\n", w ? "zero" : "not checked (RAM too small)");
	return 0;
}

static void window_fill(void)
{
	uint64_t *w = window();
	for (uint64_t i = 0; w && i < WINDOW_SIZE / 8; i++)
		if (i % (PGSIZE / 8) != 0)
			w[i] = WINDOW_FILL;
}

void reboot_run(void)
{
	uint64_t most = bootarg_u64("reboots", 1), n = 0;
	char type[8] = "";
	uint8_t *buf = kalloc();

	bootarg_value("reboot", type, sizeof(type));
	if (!virtio_blk_present() || virtio_blk_rw(0, buf, 1, 0) != VIRTIO_BLK_S_OK) {
		kprintf("reboot: FAIL no disk to count boots on\n");
		return;
	}
	if (memcmp(buf, MAGIC, sizeof(MAGIC)) == 0)
		memcpy(&n, buf + sizeof(MAGIC), sizeof(n));
	n++;
	kprintf("reboot: boot %lu\n", n);
	if (window_check() < 0)
		return;
	if (n > most) {
		kprintf("reboot: done, booted %lu times\n", n);
		return;
	}
	memcpy(buf, MAGIC, sizeof(MAGIC));
	memcpy(buf + sizeof(MAGIC), &n, sizeof(n));
	if (virtio_blk_rw(0, buf, 1, 1) != VIRTIO_BLK_S_OK) {
		kprintf("reboot: FAIL cannot write the count\n");
		return;
	}
	window_fill();
	if (strcmp(type, "machine") == 0) {
		kprintf("reboot: waiting for a reset of the machine\n");
		for (;;)
			asm volatile("wfi");
	}
	long kind = strcmp(type, "warm") == 0 ? 2 : 1;
	kprintf("reboot: asking for a %s reboot\n", kind == 2 ? "warm" : "cold");
	struct sbiret r = sbi_call(SBI_EXT_SRST, 0, kind, 0, 0);
	kprintf("reboot: FAIL still running after the reboot (SBI error %ld)\n", r.error);
}
