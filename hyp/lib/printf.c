#include "lib/printf.h"

#include <stdint.h>

struct out {
	printf_sink sink;
	void *arg;
	int count;
};

static void emit(struct out *o, char c)
{
	o->sink(o->arg, c);
	o->count++;
}

static void emit_number(struct out *o, uint64_t v, int neg, unsigned base, int upper, int width,
                        int zero, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + neg;
	if (neg && zero)
		emit(o, '-');
	for (; !left && len < width; width--)
		emit(o, zero ? '0' : ' ');
	if (neg && !zero)
		emit(o, '-');
	while (n)
		emit(o, tmp[--n]);
	for (; left && len < width; width--)
		emit(o, ' ');
}

int fmt_vformat(printf_sink sink, void *arg, const char *fmt, va_list ap)
{
	struct out o = {sink, arg, 0};
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		int zero = 0, left = 0, width = 0, lng = 0;
		for (fmt++; *fmt == '0' || *fmt == '-'; fmt++) {
			zero |= *fmt == '0';
			left |= *fmt == '-';
		}
		if (left)
			zero = 0;
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		uint64_t u;
		int64_t s;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			emit_number(&o, u, s < 0, 10, 0, width, zero, left);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			emit_number(&o, u, 0,
			            *fmt == 'u'   ? 10
			            : *fmt == 'o' ? 8
			                          : 16,
			            *fmt == 'X', width, zero, left);
			break;
		case 'p':
			emit(&o, '0');
			emit(&o, 'x');
			emit_number(&o, (uintptr_t)va_arg(ap, void *), 0, 16, 0, 16, 1, 0);
			break;
		case 'c':
			emit(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int n = 0;
			while (str[n])
				n++;
			for (int w = width; !left && n < w; w--)
				emit(&o, ' ');
			for (int i = 0; i < n; i++)
				emit(&o, str[i]);
			for (int w = width; left && n < w; w--)
				emit(&o, ' ');
			break;
		}
		case '%':
			emit(&o, '%');
			break;
		case '\0':
			return o.count;
		default:
			emit(&o, '%');
			emit(&o, *fmt);
			break;
		}
	}
	return o.count;
}

struct buf {
	char *p;
	size_t size, used;
};

static void buf_sink(void *arg, char c)
{
	struct buf *b = arg;
	if (b->used + 1 < b->size)
		b->p[b->used] = c;
	b->used++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf b = {buf, size, 0};
	int n = fmt_vformat(buf_sink, &b, fmt, ap);
	if (size)
		buf[b.used < size ? b.used : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
