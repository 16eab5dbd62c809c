/*
 * uart.c — the ns16550a the device tree lists, for interrupt-driven input.
 * Output goes through the SBI console instead, which on the bare board
 * writes this same UART's THR; we never touch THR ourselves.
 *
 * Registers (one byte apart, "reg-shift" 0 on the virt board): RBR 0 (read),
 * IER 1, FCR 2 (write), LCR 3, MCR 4, LSR 5.  IER bit 0 asks for an
 * interrupt while received data is available; LSR bit 0 says it is.
 */
#include "uart.h"
#include "console.h"
#include "fdt.h"
#include "plic.h"
#include "vm.h"

#define RBR         0
#define IER         1
#define FCR         2
#define MCR         4
#define LSR         5

#define IER_RX      0x01
#define FCR_FIFO    0x01 /* enable the FIFOs; clearing them would drop early input */
#define MCR_OUT2    0x08 /* gates the interrupt line on PC-style boards */
#define MCR_DTR_RTS 0x03
#define LSR_DR      0x01

static volatile uint8_t *uart;
static uint32_t uart_irq;

static void uart_intr(void)
{
	while (uart[LSR] & LSR_DR)
		console_input((char)uart[RBR]);
}

int uart_init(void)
{
	uint64_t base, size;
	int node = fdt_find_compatible(-1, "ns16550a");
	if (node < 0 || fdt_reg(node, 0, &base, &size) < 0)
		return -1;
	vm_map_device(base, size);
	uart = (volatile uint8_t *)base;
	uart[IER] = 0;
	uart[FCR] = FCR_FIFO;
	uart[MCR] = MCR_DTR_RTS | MCR_OUT2;
	uart[IER] = IER_RX;
	uart_irq = fdt_u32(node, "interrupts", 0);
	plic_enable(uart_irq, uart_intr);
	return 0;
}

volatile uint8_t *uart_regs(uint32_t *irq)
{
	*irq = uart_irq;
	return uart;
}

void uart_console_restore(void)
{
	uart[IER] = IER_RX;
	plic_enable(uart_irq, uart_intr);
}
