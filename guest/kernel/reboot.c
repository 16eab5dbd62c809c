/*
 * reboot.c — mode=reboot: a kernel that reboots its machine on purpose, to
 * check that a reboot starts it again with its minidisk as it left it.
 *
 * Sector 0 of its first disk counts its boots ("REBOOTS" and a count).
 * Each boot prints "reboot: boot N"; while N <= reboots=K (default 1) it
 * adds one to the count and asks for a reboot through SBI SRST (§10: cold,
 * or warm with reboot=warm), which behind teach-m's firmware is a reset
 * through the test device.  Boot K+1 prints "reboot: done, booted N times"
 * and powers off.  Nothing in RAM survives a reboot: only the disk counts.
 */
#include "reboot.h"
#include "bootargs.h"
#include "kalloc.h"
#include "printf.h"
#include "sbi.h"
#include "string.h"
#include "virtio_blk.h"

#define MAGIC "REBOOTS"

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
	long kind = strcmp(type, "warm") == 0 ? 2 : 1;
	kprintf("reboot: asking for a %s reboot\n", kind == 2 ? "warm" : "cold");
	struct sbiret r = sbi_call(SBI_EXT_SRST, 0, kind, 0, 0);
	kprintf("reboot: FAIL still running after the reboot (SBI error %ld)\n", r.error);
}
