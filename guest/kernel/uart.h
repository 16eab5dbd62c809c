#ifndef UART_H
#define UART_H

#include <stdint.h>

int uart_init(void);
/* For mode=board: the UART's registers and PLIC source, and giving it back to the console. */
volatile uint8_t *uart_regs(uint32_t *irq);
void uart_console_restore(void);

#endif
