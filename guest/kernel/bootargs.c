/*
 * bootargs.c — looking up "key=value" words in the device tree's bootargs.
 */
#include "bootargs.h"
#include "main.h"
#include "string.h"

/* Copies the value of "key=" into buf ("" when absent); 0 if found, else -1. */
int bootarg_value(const char *key, char *buf, unsigned size)
{
	const char *args = machine.bootargs;
	size_t n = strlen(key);
	buf[0] = 0;
	for (const char *p = args; *p; p++) {
		if ((p == args || p[-1] == ' ') && strncmp(p, key, n) == 0 && p[n] == '=') {
			unsigned len = 0;
			for (p += n + 1; *p && *p != ' ' && len + 1 < size; p++)
				buf[len++] = *p;
			buf[len] = 0;
			return 0;
		}
	}
	return -1;
}

/* A decimal value, or dflt when the key is absent or not a number. */
uint64_t bootarg_u64(const char *key, uint64_t dflt)
{
	char buf[24];
	uint64_t v = 0;
	if (bootarg_value(key, buf, sizeof(buf)) < 0 || !buf[0])
		return dflt;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9')
			return dflt;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}
