#include "banner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"

static const char *find(const char *buf, size_t n, const char *s)
{
	return memmem(buf, n, s, strlen(s));
}

size_t banner_length(const char *buf, size_t n)
{
	size_t start = 0;
	while (start < n && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	if (n - start < 9 || memcmp(buf + start, "OpenSBI v", 9) != 0)
		return 0;
	const char *last = find(buf, n, "Boot HART MEDELEG");
	if (!last)
		return 0;
	/* the end of that line, then one empty line */
	const char *eol = memchr(last, '\n', (size_t)(buf + n - last));
	if (!eol)
		return 0;
	size_t end = (size_t)(eol - buf) + 1;
	if (end < n && buf[end] == '\r')
		end++;
	if (end < n && buf[end] == '\n')
		end++;
	return end;
}

int banner_strip_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return ENOMEM;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	size_t skip = err ? 0 : banner_length(buf, n);
	if (skip)
		err = outfile_write(path, buf + skip, n - skip);
	free(buf);
	return err;
}
