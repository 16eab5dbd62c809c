/*
 * Declarative command-line options.  See options.h.
 */
#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define OPTIONS_MAX 32

static const struct option_spec help_option = {
    "help", 'h', OPTION_FLAG, NULL, NULL, "show this help and exit",
};

static void usage_hint(const struct command_spec *spec)
{
	fprintf(stderr, "Try 'popek %s --help'.\n", spec->name);
}

static void print_option(const struct option_spec *o, FILE *out)
{
	const char *arg = o->kind == OPTION_STRING ? o->arg : "";
	const char *sep = o->kind == OPTION_STRING ? " " : "";
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, sep, arg);
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, sep, arg);
	fprintf(out, "  %-24s %s\n", left, o->help);
}

void options_usage(const struct command_spec *spec, FILE *out)
{
	fprintf(out, "usage: popek %s [OPTIONS]%s%s\n\n%s\n", spec->name, spec->args ? " " : "",
	        spec->args ? spec->args : "", spec->summary);
	if (spec->description)
		fprintf(out, "\n%s", spec->description);
	fprintf(out, "\noptions:\n");
	for (const struct option_spec *o = spec->options; o && o->name; o++)
		print_option(o, out);
	print_option(&help_option, out);
}

enum options_result options_parse(const struct command_spec *spec, int argc, char **argv,
                                  char ***args, int *nargs)
{
	struct option longopts[OPTIONS_MAX + 2];
	const struct option_spec *specs[OPTIONS_MAX + 1];
	char shortopts[2 * OPTIONS_MAX + 4] = ""; /* no '+': options may follow FILE */
	int n = 0;

	for (const struct option_spec *o = spec->options; o && o->name; o++) {
		if (n == OPTIONS_MAX)
			abort();
		specs[n] = o;
		longopts[n] = (struct option){
		    o->name, o->kind == OPTION_STRING ? required_argument : no_argument, NULL,
		    256 + n};
		if (o->short_name) {
			size_t len = strlen(shortopts);
			shortopts[len++] = o->short_name;
			if (o->kind == OPTION_STRING)
				shortopts[len++] = ':';
			shortopts[len] = '\0';
		}
		n++;
	}
	specs[n] = &help_option;
	longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n + 1] = (struct option){NULL, 0, NULL, 0};
	strcat(shortopts, "h");

	optind = 0; /* full re-initialisation: popek parses its own argv first */
	opterr = 0;
	for (;;) {
		int longindex = -1;
		int c = getopt_long(argc, argv, shortopts, longopts, &longindex);
		if (c == -1)
			break;
		if (c == 'h') {
			options_usage(spec, stdout);
			return OPTIONS_HELP;
		}
		if (c == '?' || c == ':') {
			if (optopt && optopt < 256)
				fprintf(stderr, "popek %s: bad option '-%c' or missing argument\n",
				        spec->name, optopt);
			else
				fprintf(stderr, "popek %s: bad option '%s' or missing argument\n",
				        spec->name, argv[optind - 1]);
			usage_hint(spec);
			return OPTIONS_ERROR;
		}
		const struct option_spec *o = NULL;
		if (c >= 256 && c < 256 + n) {
			o = specs[c - 256];
		} else {
			for (int i = 0; i < n; i++) {
				if (specs[i]->short_name == c)
					o = specs[i];
			}
		}
		if (!o)
			abort();
		if (o->kind == OPTION_FLAG)
			*(bool *)o->value = true;
		else
			*(const char **)o->value = optarg;
	}

	*args = argv + optind;
	*nargs = argc - optind;
	if (*nargs < spec->min_args || *nargs > spec->max_args) {
		fprintf(stderr, "popek %s: expected %s\n", spec->name,
		        spec->args ? spec->args : "no arguments");
		usage_hint(spec);
		return OPTIONS_ERROR;
	}
	return OPTIONS_OK;
}

int options_exit_status(enum options_result r)
{
	return r == OPTIONS_HELP ? 0 : 2;
}
