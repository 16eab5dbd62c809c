/*
 * Declarative command-line options, in the manner of kvmtool's
 * parse-options: each subcommand describes its options in a table and
 * options_parse() does the rest, --help included.
 */
#ifndef POPEK_TOOLS_OPTIONS_H
#define POPEK_TOOLS_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

enum option_kind {
	OPTION_FLAG,   /* bool *value := true */
	OPTION_STRING, /* const char **value := the argument */
};

struct option_spec {
	const char *name; /* long name, without the dashes; NULL ends the table */
	char short_name;  /* 0: none */
	enum option_kind kind;
	void *value;
	const char *arg;  /* the argument's name in --help (OPTION_STRING) */
	const char *help; /* one line */
};

struct command_spec {
	const char *name;        /* "check" */
	const char *args;        /* positional arguments in the usage line: "FILE" */
	const char *summary;     /* one line, for `popek --help` */
	const char *description; /* paragraphs for `popek NAME --help`, may be NULL */
	const struct option_spec *options;
	int min_args;
	int max_args;
};

enum options_result {
	OPTIONS_OK,
	OPTIONS_HELP,  /* --help was asked for and printed: exit 0 */
	OPTIONS_ERROR, /* a usage error was printed on stderr: exit 2 */
};

/*
 * Parses argv[1..argc) of subcommand `spec` (argv[0] is its name).  Options
 * may come before or after the positional arguments, which are left in
 * (*args)[0..*nargs).
 */
enum options_result options_parse(const struct command_spec *spec, int argc, char **argv,
                                  char ***args, int *nargs);

/* The exit status for a result other than OPTIONS_OK: 0 after --help, 2 after a usage error. */
int options_exit_status(enum options_result r);

/* Prints the usage, the description and the option table of `spec`. */
void options_usage(const struct command_spec *spec, FILE *out);

#endif
