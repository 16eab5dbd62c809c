/*
 * The virt board's test device ("sifive,test0", the syscon behind the
 * device tree's poweroff and reboot nodes), for a VM with virtual M-mode:
 * firmware with no SBI below it powers the machine off by writing to it.
 * A 2- or 4-byte write at offset 0 of 0x5555 powers off, (code << 16) |
 * 0x3333 powers off reporting failure `code`, 0x7777 resets; other values
 * and reads do nothing (reads return 0).  Accesses of other widths, or
 * misaligned ones, fault as on the board.
 */
#ifndef POPEK_DEV_VTEST_H
#define POPEK_DEV_VTEST_H

#include <stdint.h>

#include "core/emul.h"

enum vtest_event {
	VTEST_PASS,  /* power off */
	VTEST_FAIL,  /* power off, with a failure code */
	VTEST_RESET, /* reset */
};

struct vtest {
	void (*event)(void *arg, enum vtest_event e, uint32_t code);
	void *arg;
};

extern const struct mmio_ops vtest_ops;

#endif
