/* The real 16550 UART: popek's operator console. */
#ifndef POPEK_DRIVERS_UART_H
#define POPEK_DRIVERS_UART_H

#include <stdint.h>

/* `regs`: the mapped register window; registers are 2^shift bytes apart. */
void uart_init(volatile uint8_t *regs, uint32_t shift);
void uart_putc(char c);
/* A received byte, or -1 when none is waiting. */
int uart_getc(void);
void uart_enable_rx_irq(void);

#endif
