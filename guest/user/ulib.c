/* ulib.c — string functions, printf and a median for user programs. */
#include "user.h"

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

long atol(const char *s)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static void put_num(char *buf, int *n, uint64_t v, int base, int neg)
{
	char tmp[24];
	int k = 0;
	do {
		tmp[k++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[k++] = '-';
	while (k && *n < 200)
		buf[(*n)++] = tmp[--k];
}

/* %d %u %x %s %c, with 'l'; one write per call. */
int printf(const char *fmt, ...)
{
	char buf[256];
	int n = 0;
	va_list ap;
	va_start(ap, fmt);
	for (; *fmt && n < 200; fmt++) {
		if (*fmt != '%') {
			buf[n++] = *fmt;
			continue;
		}
		int lng = 0;
		while (*++fmt == 'l')
			lng = 1;
		switch (*fmt) {
		case 'd': {
			long v = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(buf, &n, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0);
			break;
		}
		case 'u':
			put_num(buf, &n, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0);
			break;
		case 'x':
			put_num(buf, &n, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0);
			break;
		case 's':
			for (const char *s = va_arg(ap, const char *); *s && n < 200; s++)
				buf[n++] = *s;
			break;
		case 'c':
			buf[n++] = (char)va_arg(ap, int);
			break;
		default:
			buf[n++] = *fmt;
		}
	}
	va_end(ap);
	return write(1, buf, n);
}

/* The median of v[0..n), sorting v in place (insertion sort: n is small). */
uint64_t median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}
