/*
 * mdev.c — the three devices the firmware drives itself, all by polling
 * (the firmware takes no device interrupts):
 *
 *   the 16550 UART    the kernel's console output (SBI putchar) and ours
 *   the CLINT         mtime, hart 0's mtimecmp and msip (SiFive's core-local
 *                     interruptor: what raises mip.MTIP and mip.MSIP)
 *   the test device   sifive,test0: a write of 0x5555 powers the board off,
 *                     0x7777 resets it, (code << 16) | 0x3333 fails with code
 *
 * Their addresses come from the device tree (mmain.c).
 */
#include <stdarg.h>

#include "mkernel.h"
#include "printf.h"

/* 16550 registers, one byte apart: RBR (read) / THR (write) / DLL, IER / DLM, FCR, LCR, LSR */
#define UART_THR  0
#define UART_RBR  0
#define UART_DLL  0
#define UART_IER  1
#define UART_DLM  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_LSR  5
#define LCR_DLAB  0x80 /* DLL/DLM instead of THR/IER */
#define LCR_8N1   0x03
#define FCR_FIFO  0x01
#define LSR_THRE  0x20 /* the transmitter can take a byte */
#define UART_BAUD 115200

/* CLINT registers, for hart 0 (guest_layout.h has the same numbers) */
#define CLINT_MSIP     0x0
#define CLINT_MTIMECMP 0x4000
#define CLINT_MTIME    0xbff8

#define TEST_FAIL      0x3333
#define TEST_PASS      0x5555
#define TEST_RESET     0x7777

/*
 * 115200 8N1, FIFOs on, interrupts off (the kernel turns on the receive
 * interrupt itself).  Then one read of RBR, as OpenSBI's uart8250_init does:
 * QEMU's 16550 empties its receiver when the FIFOs are switched on, and takes
 * the next bytes waiting on its input only after RBR has been read.  Without
 * the read, input typed before boot would sit there unseen; with it, at most
 * the first byte typed is lost (the kernel's tests feed a leading newline).
 */
void m_uart_init(void)
{
	volatile uint8_t *u = m_plat.uart;
	uint32_t div = m_plat.uart_clock ? m_plat.uart_clock / (16 * UART_BAUD) : 0;
	u[UART_IER] = 0;
	if (div) {
		u[UART_LCR] = LCR_DLAB;
		u[UART_DLL] = div & 0xff;
		u[UART_DLM] = (div >> 8) & 0xff;
	}
	u[UART_LCR] = LCR_8N1;
	u[UART_FCR] = FCR_FIFO;
	(void)u[UART_RBR];
}

void m_putc(char c)
{
	if (!m_plat.uart) /* none found (yet): nowhere to write */
		return;
	while (!(m_plat.uart[UART_LSR] & LSR_THRE))
		;
	m_plat.uart[UART_THR] = (uint8_t)c;
}

/*
 * Formats with the kernel's vsnprintf (guest/kernel/printf.c), a pure
 * function in the kernel's text: the firmware borrows the kernel's code but
 * never its data, which the kernel clears and reuses once it runs.
 */
static void m_vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	for (int i = 0; i < n && i < (int)sizeof(buf) - 1; i++)
		m_putc(buf[i]);
}

void m_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	m_vprintf(fmt, ap);
	va_end(ap);
}

uint64_t m_mtime(void)
{
	return *(volatile uint64_t *)(m_plat.clint + CLINT_MTIME);
}

/* mip.MTIP is (mtime >= mtimecmp): the CLINT raises and lowers it, software cannot. */
void m_set_mtimecmp(uint64_t t)
{
	*(volatile uint64_t *)(m_plat.clint + CLINT_MTIMECMP) = t;
}

/* mip.MSIP follows bit 0 of msip. */
void m_set_msip(uint32_t v)
{
	*(volatile uint32_t *)(m_plat.clint + CLINT_MSIP) = v;
}

static void __attribute__((noreturn)) test_device(uint32_t value)
{
	if (m_plat.test)
		*m_plat.test = value;
	for (;;) /* no test device, or it did not stop us */
		asm volatile("wfi");
}

void m_poweroff(void)
{
	test_device(TEST_PASS);
}

void m_reset(void)
{
	test_device(TEST_RESET);
}

/* A firmware bug: say so and stop the board with exit code 1. */
void m_panic(const char *fmt, ...)
{
	va_list ap;
	m_printf("teach-m: panic: ");
	va_start(ap, fmt);
	m_vprintf(fmt, ap);
	va_end(ap);
	m_printf("\n");
	test_device(1 << 16 | TEST_FAIL);
}
