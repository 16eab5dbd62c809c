/*
 * Diagnostics: the list of problems found in a directory, one line each,
 * "FILE:LINE: what is wrong".  Collected rather than printed so that the
 * parser stays free of side effects and the unit tests can look at them.
 */
#ifndef POPEK_TOOLS_DIAG_H
#define POPEK_TOOLS_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct diag_entry {
	int line;   /* 1-based; 0 when the problem has no line (the file itself) */
	char *text; /* the whole "FILE:LINE: message" */
};

struct diag {
	const char *file; /* the directory's path as the user wrote it */
	struct diag_entry *entries;
	size_t count;
	size_t cap;
};

void diag_init(struct diag *d, const char *file);
void diag_free(struct diag *d);

/* Records one problem at `line` of d->file. */
void diag_add(struct diag *d, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sorts the problems by line (stable), so that a reader meets them in file order. */
void diag_sort(struct diag *d);

/* Writes every problem, one per line, to `out`. */
void diag_print(const struct diag *d, FILE *out);

#endif
