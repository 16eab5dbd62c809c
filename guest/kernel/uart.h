#ifndef UART_H
#define UART_H

#include <stdint.h>

int uart_init(void);

#endif
