/*
 * `popek pg`'s report (docs/pg.md): the four parts, as text for a
 * terminal, as markdown, or as JSON for scripts and tests.  Pure: it only
 * formats what pg_table.h and pg_x86.h measured.
 */
#ifndef POPEK_TOOLS_PG_REPORT_H
#define POPEK_TOOLS_PG_REPORT_H

#include <stdio.h>

#include "pg_table.h"
#include "pg_x86.h"

enum pg_format { PG_FORMAT_TEXT, PG_FORMAT_MARKDOWN, PG_FORMAT_JSON };

struct pg_report {
	const struct pg_result *riscv;
	const char *host_arch; /* uname's machine */
	bool x86;              /* part 4 was measured (the host is x86_64) */
	bool umip;             /* /proc/cpuinfo lists umip */
	const struct pg_x86_result *x86_results;
	unsigned nx86;
};

/* Parses "text", "markdown" or "json"; false for anything else. */
bool pg_format_parse(const char *s, enum pg_format *f);

void pg_report_write(const struct pg_report *r, enum pg_format f, FILE *out);

#endif
