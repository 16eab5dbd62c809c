/*
 * Formatted output for popek: %d %i %u %x %X %o %c %s %p %%, with the l, ll
 * and z length modifiers, a field width, '-' and '0' flags.  Output goes
 * through a caller-supplied sink so the same code formats into buffers (and
 * is unit tested on the host) and onto the console.
 */
#ifndef POPEK_LIB_PRINTF_H
#define POPEK_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*printf_sink)(void *arg, char c);

/* Formats to `sink`; returns the number of characters produced. */
int fmt_vformat(printf_sink sink, void *arg, const char *fmt, va_list ap);
/* Like vsnprintf: always NUL-terminates when size > 0; returns the full length. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
