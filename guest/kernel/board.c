/*
 * board.c — mode=board: a kernel that leans on the virt board's leniencies,
 * where QEMU's devices are kinder than their specifications.  Each case
 * prints what it saw; the output is the same on the bare board and in a VM
 * that duplicates it:
 *
 *   board: uart, IIR never read: N request(s)
 *   board: uart, after LSR and LCR reads: N request(s)
 *   board: uart, after an IER change: N request(s)
 *   board: plic, complete while disabled: N request(s)
 *   board: virtio, low feature word only: FEATURES_OK kept|refused, read ok|failed
 *
 * The board's PLIC latches a request when a device signals its line, and its
 * 16550 signals only when its state changes (a THR, IER or FCR write, an RBR
 * read, an IIR read that acknowledges THRI...): a driver that claims and
 * completes its UART's interrupt without reading IIR gets one request, not
 * a storm.  The board's PLIC also takes a complete for a source the context
 * has disabled.  Its version 2 virtio device sets FEATURES_OK for a driver
 * that writes only the low word of its features.  Interrupts taken beyond
 * STORM in one case are cut off (the source disabled), so a VM that does
 * not duplicate the board shows a number, not a hang.
 */
#include "board.h"
#include "kalloc.h"
#include "plic.h"
#include "printf.h"
#include "riscv.h"
#include "timer.h"
#include "uart.h"
#include "virtio_blk.h"

#define IER       1
#define IIR       2
#define LCR       3
#define LSR       5
#define IER_RX    0x01
#define IER_THRI  0x02
#define STORM     1000
#define WINDOW_MS 20

static volatile uint8_t *uart;
static uint32_t irq;
static volatile int requests;

/* Counts, touches nothing of the UART: the claim and the complete are plic_intr's. */
static void count_only(void)
{
	if (++requests >= STORM)
		plic_disable(irq);
}

/* The same, and disables the source before plic_intr completes it. */
static void count_and_disable(void)
{
	requests++;
	plic_disable(irq);
}

static void window(void)
{
	uint64_t end = rdtime() + ms_to_ticks(WINDOW_MS);
	while (rdtime() < end)
		;
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

/*
 * Nothing may print while the UART's THR interrupt is enabled: the console's
 * output is a THR write, which signals the line.
 */
static void uart_cases(void)
{
	int seen[4];

	uart = uart_regs(&irq);
	if (!uart || !irq) {
		kprintf("board: uart: n/a, no UART\n");
		return;
	}
	requests = 0;
	plic_enable(irq, count_only);
	intr_on();
	uart[IER] = IER_THRI; /* THR is empty: the UART signals at once */
	window();
	seen[0] = requests;
	(void)uart[LSR];
	(void)uart[LCR];
	window();
	seen[1] = requests;
	uart[IER] = IER_THRI | IER_RX; /* a change: the UART signals again */
	window();
	seen[2] = requests;

	requests = 0;
	plic_enable(irq, count_and_disable);
	uart[IER] = IER_THRI; /* a change: one request; the handler disables the source */
	window();
	plic_enable(irq, count_and_disable);
	uart[IER] = IER_THRI | IER_RX;
	window();
	seen[3] = requests;
	/*
	 * Interrupts off again, as the rest of the kernel runs: the disk's
	 * wait checks its ring and then sleeps, and an interrupt taken between
	 * the two would wake no one.
	 */
	intr_off();

	(void)uart[IIR]; /* acknowledges THRI */
	uart_console_restore();
	kprintf("board: uart, IIR never read: %d request%s\n", seen[0], plural(seen[0]));
	kprintf("board: uart, after LSR and LCR reads: %d request%s\n", seen[1], plural(seen[1]));
	kprintf("board: uart, after an IER change: %d request%s\n", seen[2], plural(seen[2]));
	kprintf("board: plic, complete while disabled: %d request%s\n", seen[3], plural(seen[3]));
}

static void virtio_case(void)
{
	if (!virtio_blk_present()) {
		kprintf("board: virtio: n/a, no disk\n");
		return;
	}
	virtio_blk_low_word_only = 1;
	int kept = virtio_blk_reset() == 0;
	char *buf = kalloc();
	int read = kept && buf && virtio_blk_rw(0, buf, 1, 0) == 0;
	kprintf("board: virtio, low feature word only: FEATURES_OK %s, read %s\n",
	        kept ? "kept" : "refused", read ? "ok" : "failed");
	if (buf)
		kfree(buf);
	virtio_blk_low_word_only = 0;
	virtio_blk_reset();
}

void board_run(void)
{
	uart_cases();
	virtio_case();
}
