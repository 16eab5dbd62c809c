/*
 * The string functions popek needs.  Simple on purpose: bytes, or whole
 * doublewords where the bulk copies (guest images at VM creation, device
 * buffers) make it count.
 */
#include "lib/string.h"

#include <stdbool.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	return memmove(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	/*
	 * Whole doublewords when both are equally aligned: guest images at VM
	 * creation and device buffers are megabytes, and a byte loop is 8x the work.
	 */
	bool words = (((uintptr_t)d ^ (uintptr_t)s) & 7) == 0;
	if (d < s) {
		size_t i = 0;
		for (; words && ((uintptr_t)(d + i) & 7) && i < n; i++)
			d[i] = s[i];
		for (; words && i + 8 <= n; i += 8)
			*(uint64_t *)(d + i) = *(const uint64_t *)(s + i);
		for (; i < n; i++)
			d[i] = s[i];
	} else {
		for (; words && ((uintptr_t)(d + n) & 7) && n; n--)
			d[n - 1] = s[n - 1];
		for (; words && n >= 8; n -= 8)
			*(uint64_t *)(d + n - 8) = *(const uint64_t *)(s + n - 8);
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	size_t i = 0;
	/* Whole doublewords when aligned: page tables are zeroed on every shadow fill. */
	if (((uintptr_t)d & 7) == 0) {
		uint64_t w = 0x0101010101010101ULL * (unsigned char)c;
		for (; i + 8 <= n; i += 8)
			*(uint64_t *)(d + i) = w;
	}
	for (; i < n; i++)
		d[i] = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] - y[i];
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	}
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}
