/*
 * popek — the host launcher.
 *
 *   popek check FILE       validate a VM directory
 *   popek run FILE         validate, pack and run popek on QEMU (--bare: the guest alone)
 *   popek console NAME     attach to one VM's terminal of a running popek run
 *   popek pack FILE OUT    write the boot bundle
 *   popek disk VERB ...    create the real disk; export or import one minidisk
 *   popek pg               measure the Popek-Goldberg condition, RV64 vs the host's x86
 *   popek help [COMMAND]   this list, or one command's options
 *
 * One file per subcommand (cmd_*.c), each with its option table; this file
 * only finds the subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_check.h"
#include "cmd_console.h"
#include "cmd_ctl.h"
#include "cmd_disk.h"
#include "cmd_key.h"
#include "cmd_gdb.h"
#include "cmd_pack.h"
#include "cmd_pg.h"
#include "cmd_pointer.h"
#include "cmd_run.h"
#include "cmd_screenshot.h"
#include "options.h"

struct command {
	const struct command_spec *spec;
	int (*main)(int argc, char **argv);
};

static const struct command commands[] = {
    {&cmd_check_spec, cmd_check},     {&cmd_run_spec, cmd_run},
    {&cmd_console_spec, cmd_console}, {&cmd_ctl_spec, cmd_ctl},
    {&cmd_pack_spec, cmd_pack},       {&cmd_disk_spec, cmd_disk},
    {&cmd_pg_spec, cmd_pg},           {&cmd_screenshot_spec, cmd_screenshot},
    {&cmd_key_spec, cmd_key},         {&cmd_pointer_spec, cmd_pointer},
    {&cmd_gdb_spec, cmd_gdb},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: popek COMMAND [OPTIONS] [ARGS]\n\n"
	             "popek is a trap-and-emulate virtual machine monitor for RV64; this program\n"
	             "checks VM directories and runs popek on QEMU.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].spec->name, commands[i].spec->summary);
	fprintf(out, "  %-8s %s\n", "help", "show this list, or help on one command");
	fprintf(out, "\n'popek COMMAND --help' shows a command's options.\n");
}

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i].spec->name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		const struct command *c = command_find(argv[2]);
		if (!c) {
			fprintf(stderr, "popek: unknown command '%s'\n", argv[2]);
			return 2;
		}
		options_usage(c->spec, stdout);
		return 0;
	}
	const struct command *c = command_find(name);
	if (!c) {
		fprintf(stderr, "popek: unknown command '%s'\n", name);
		usage(stderr);
		return 2;
	}
	return c->main(argc - 1, argv + 1);
}
