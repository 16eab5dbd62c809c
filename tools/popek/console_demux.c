/*
 * The operator console's demultiplexer.  See console_demux.h.
 */
#include "console_demux.h"

#include <string.h>

void console_demux_init(struct console_demux *d, const char *const *names, unsigned nvms,
                        void (*term)(void *arg, const char *buf, size_t n),
                        void (*vm)(void *arg, unsigned vm, const char *buf, size_t n), void *arg)
{
	memset(d, 0, sizeof(*d));
	d->nvms = nvms < CONSOLE_MAX_VMS ? nvms : CONSOLE_MAX_VMS;
	for (unsigned i = 0; i < d->nvms; i++)
		d->names[i] = names[i];
	d->term = term;
	d->vm = vm;
	d->arg = arg;
	d->source = CONSOLE_SOURCE_POPEK;
	d->col = CONSOLE_COL_START;
	d->line_owner = CONSOLE_SOURCE_POPEK;
}

/* The source a marker's second byte selects; anything unknown is popek. */
static int console_select(const struct console_demux *d, unsigned char sel)
{
	if (sel >= CONSOLE_SEL_VM0 && sel < CONSOLE_SEL_VM0 + d->nvms)
		return sel - CONSOLE_SEL_VM0;
	if (sel == CONSOLE_SEL_CTL)
		return CONSOLE_SOURCE_CTL;
	if (sel >= CONSOLE_SEL_GDB0 && sel < CONSOLE_SEL_GDB0 + d->nvms)
		return CONSOLE_SOURCE_GDB0 - (sel - CONSOLE_SEL_GDB0);
	return CONSOLE_SOURCE_POPEK;
}

/* Before the first byte of a visible line: the line break and the tag it needs. */
static void console_line_prepare(struct console_demux *d, char next)
{
	if (d->col != CONSOLE_COL_START && d->line_owner != d->source) {
		d->term(d->arg, "\r\n", 2);
		d->col = CONSOLE_COL_START;
	}
	d->line_owner = d->source;
	if (d->source == CONSOLE_SOURCE_POPEK)
		return;
	/* a '\r' at the left edge moves nothing: it needs no tag */
	if (next != '\r' &&
	    (d->col == CONSOLE_COL_START || (d->col == CONSOLE_COL_CR && next != '\n'))) {
		const char *name = d->names[d->source];
		d->term(d->arg, name, strlen(name));
		d->term(d->arg, " | ", 3);
		d->col = CONSOLE_COL_MID;
	}
}

/* `n` bytes of the current source, free of markers. */
static void console_source_bytes(struct console_demux *d, const char *p, size_t n)
{
	if (d->source == CONSOLE_SOURCE_CTL) {
		if (d->ctl && n)
			d->ctl(d->arg, p, n);
		return;
	}
	if (d->source <= CONSOLE_SOURCE_GDB0) {
		if (d->gdb && n)
			d->gdb(d->arg, (unsigned)(CONSOLE_SOURCE_GDB0 - d->source), p, n);
		return;
	}
	if (n && d->source != CONSOLE_SOURCE_POPEK && d->vm)
		d->vm(d->arg, (unsigned)d->source, p, n);
	while (n) {
		/* one piece: up to and including the next '\n' or '\r' */
		size_t k = 0;
		while (k < n && p[k] != '\n' && p[k] != '\r')
			k++;
		k += k < n;
		console_line_prepare(d, p[0]);
		d->term(d->arg, p, k);
		if (p[k - 1] == '\n')
			d->col = CONSOLE_COL_START;
		else if (p[k - 1] == '\r')
			d->col = k == 1 && d->col == CONSOLE_COL_START ? CONSOLE_COL_START
			                                               : CONSOLE_COL_CR;
		else
			d->col = CONSOLE_COL_MID;
		p += k;
		n -= k;
	}
}

void console_demux_feed(struct console_demux *d, const char *buf, size_t n)
{
	static const char rs = CONSOLE_RS;
	size_t i = 0;

	while (i < n) {
		if (d->marker) {
			d->marker = false;
			unsigned char sel = (unsigned char)buf[i++];
			if (sel == CONSOLE_RS)
				console_source_bytes(d, &rs, 1);
			else
				d->source = console_select(d, sel);
			continue;
		}
		if (buf[i] == CONSOLE_RS) {
			d->marker = true;
			i++;
			continue;
		}
		const char *end = memchr(buf + i, CONSOLE_RS, n - i);
		size_t run = end ? (size_t)(end - (buf + i)) : n - i;
		console_source_bytes(d, buf + i, run);
		i += run;
	}
}

void console_demux_finish(struct console_demux *d)
{
	d->marker = false;
	if (d->col != CONSOLE_COL_START) {
		d->term(d->arg, "\r\n", 2);
		d->col = CONSOLE_COL_START;
	}
}
