/*
 * 16550 UART, polled output.  OpenSBI has already programmed the divisor;
 * popek only sets 8N1 and enables the FIFOs.  Register offsets are those of
 * the PC16550D data sheet, scaled by the device tree's reg-shift.
 */
#include "drivers/uart.h"

#define UART_RBR  0 /* receive buffer (read) */
#define UART_THR  0 /* transmit holding (write) */
#define UART_IER  1 /* interrupt enable */
#define UART_FCR  2 /* FIFO control (write) */
#define UART_LCR  3 /* line control */
#define UART_LSR  5 /* line status */

#define LSR_DR    0x01 /* data ready */
#define LSR_THRE  0x20 /* transmit holding register empty */
#define IER_ERBFI 0x01 /* interrupt when data is received */
#define LCR_8N1   0x03
#define FCR_FIFOS 0x01 /* enable the FIFOs; clearing them would drop input typed early */

static volatile uint8_t *uart_regs;
static uint32_t uart_shift;

static inline volatile uint8_t *reg(int r)
{
	return uart_regs + ((uintptr_t)r << uart_shift);
}

void uart_init(volatile uint8_t *regs, uint32_t shift)
{
	uart_regs = regs;
	uart_shift = shift;
	*reg(UART_IER) = 0;
	*reg(UART_LCR) = LCR_8N1;
	*reg(UART_FCR) = FCR_FIFOS;
}

void uart_putc(char c)
{
	while (!(*reg(UART_LSR) & LSR_THRE))
		;
	*reg(UART_THR) = (uint8_t)c;
}

void uart_enable_rx_irq(void)
{
	*reg(UART_IER) = IER_ERBFI;
}

int uart_getc(void)
{
	if (!(*reg(UART_LSR) & LSR_DR))
		return -1;
	return *reg(UART_RBR);
}
