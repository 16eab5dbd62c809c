/*
 * Diagnostics for the directory.  See diag.h.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = file;
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->entries[i].text);
	free(d->entries);
	d->entries = NULL;
	d->count = d->cap = 0;
}

void diag_add(struct diag *d, int line, const char *fmt, ...)
{
	char *msg = NULL;
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);

	if (line > 0) {
		if (asprintf(&text, "%s:%d: %s", d->file, line, msg ? msg : "out of memory") < 0)
			text = NULL;
	} else {
		if (asprintf(&text, "%s: %s", d->file, msg ? msg : "out of memory") < 0)
			text = NULL;
	}
	free(msg);
	if (!text)
		abort();

	if (d->count == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->entries = realloc(d->entries, d->cap * sizeof(*d->entries));
		if (!d->entries)
			abort();
	}
	d->entries[d->count].line = line;
	d->entries[d->count].text = text;
	d->count++;
}

void diag_sort(struct diag *d)
{
	/* Insertion sort: stable, and the lists are short. */
	for (size_t i = 1; i < d->count; i++) {
		struct diag_entry e = d->entries[i];
		size_t j = i;
		while (j > 0 && d->entries[j - 1].line > e.line) {
			d->entries[j] = d->entries[j - 1];
			j--;
		}
		d->entries[j] = e;
	}
}

void diag_print(const struct diag *d, FILE *out)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(out, "%s\n", d->entries[i].text);
}
