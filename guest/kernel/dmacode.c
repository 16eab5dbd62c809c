/*
 * dmacode.c — mode=dmacode: the kernel rewrites one of its own functions by
 * DMA, a virtio-blk read of a sector into the code page, and calls it before
 * and after (tests/e2e/gdb.toml).  With a debugger's breakpoint planted in
 * that function, it must still return what the disk wrote, and still stop
 * the debugger: popek's private copy of the page follows the device's write
 * (docs/debugging.md).
 */
#include "dmacode.h"
#include "kalloc.h"
#include "printf.h"
#include "virtio_blk.h"

#include <stdint.h>

/*
 * One page: dmacode_fn, `return 1` uncompressed so that the immediate is at
 * a known place (addi a0, zero, 1: unpriv spec §2.4), and dmacode_mark,
 * where the debugger's breakpoint goes, called after it.  A breakpoint hit
 * makes popek rebuild its copies of the page; dmacode_fn runs from the copy
 * between the two hits, as it was after the disk's write.
 */
__asm__(".pushsection .text.dmacode, \"ax\"\n"
        ".balign 4096\n"
        ".globl dmacode_fn\n"
        "dmacode_fn:\n"
        ".option push\n"
        ".option norvc\n"
        "addi a0, zero, 1\n"
        "ret\n"
        ".balign 64\n"
        ".globl dmacode_mark\n"
        "dmacode_mark:\n"
        "ret\n"
        ".option pop\n"
        ".popsection\n");

uint64_t dmacode_fn(void);
void dmacode_mark(void);

#define ADDI_A0_2 0x00200513u /* addi a0, zero, 2 */

void dmacode_run(void)
{
	uint8_t *code = (uint8_t *)dmacode_fn, *buf = kalloc();
	uint64_t before = dmacode_fn();
	dmacode_mark();
	kprintf("dmacode: before %lu\n", before);
	if (!virtio_blk_present() || !buf) {
		kprintf("FAIL dmacode: no virtio-blk disk\n");
		return;
	}
	for (unsigned i = 0; i < SECTOR_SIZE; i++)
		buf[i] = code[i]; /* the code as loads see it: never a breakpoint */
	*(volatile uint32_t *)buf = ADDI_A0_2;
	int w = virtio_blk_rw(0, buf, 1, 1);
	int r = virtio_blk_rw(0, code, 1, 0); /* the device writes the code page */
	__asm__ volatile("fence.i" ::: "memory");
	kprintf("dmacode: write %d, read %d, code reads %x\n", w, r, *(volatile uint32_t *)code);
	uint64_t after = dmacode_fn();
	dmacode_mark();
	kprintf("dmacode: after %lu\n", after);
}
