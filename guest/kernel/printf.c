/*
 * printf.c — formatted output.  One formatter (vsnprintf) serves kprintf,
 * snprintf and panic; kprintf hands each formatted message to the console
 * in one piece so that an SBI DBCN write carries a whole line.
 *
 * Conversions: %d %u %x %s %c %p %%, with optional '0', width and 'l'/'z'.
 */
#include <stdint.h>
#include "printf.h"
#include "console.h"
#include "sbi.h"

struct outbuf {
	char *buf;
	size_t size, len;
};

static void out(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct outbuf *o, uint64_t v, int base, int neg, int width, char pad)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		out(o, pad);
	while (n)
		out(o, tmp[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = {buf, size, 0};
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out(&o, *fmt);
			continue;
		}
		char pad = ' ';
		int width = 0, lng = 0;
		fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z')
			lng = 1, fmt++;
		switch (*fmt) {
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			out_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
			out_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0, width,
			        pad);
			break;
		case 'x':
			out_num(&o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0, width,
			        pad);
			break;
		case 'p':
			out(&o, '0');
			out(&o, 'x');
			out_num(&o, (uint64_t)va_arg(ap, void *), 16, 0, 0, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				out(&o, *s);
			break;
		}
		case 'c':
			out(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out(&o, '%');
			break;
		default:
			out(&o, '%');
			out(&o, *fmt);
			if (!*fmt)
				fmt--;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void kprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("panic: %s\n", buf);
	sbi_shutdown();
}
