/*
 * popek's operator console: the real UART once console_init() has found it,
 * the SBI console before that.
 */
#ifndef POPEK_CORE_CONSOLE_H
#define POPEK_CORE_CONSOLE_H

#include <stdarg.h>

struct machine;

void console_init(const struct machine *m);
void console_putc(char c);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

#endif
