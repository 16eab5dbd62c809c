/*
 * `popek gdb NAME`: finds the run's RUNDIR/NAME.gdb (gdb_server.h: the
 * port, then the directory's `symbols` file if it names one) and runs
 * gdb-multiarch (POPEK_GDB overrides it) on those symbols, connected.
 */
#include "cmd_gdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rundir.h"

#define WHO      "popek gdb"
#define MAX_ARGS 64

static struct {
	const char *run;
} opt;

static const struct option_spec gdb_options[] = {
    {"run", 'r', OPTION_STRING, &opt.run, "DIR|PID",
     "the run whose VM to debug: its run directory or its PID (default: the latest run)"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_gdb_spec = {
    .name = "gdb",
    .args = "NAME [-- GDB-ARGS...]",
    .summary = "debug one VM of a running popek run with gdb-multiarch",
    .description = "Runs gdb-multiarch (or $POPEK_GDB) connected to the debugger stub of VM NAME,\n"
                   "which its directory entry enables with gdb = on (or wait: the VM waits at its\n"
                   "first instruction for the debugger's continue).  With symbols = FILE in the\n"
                   "entry, gdb loads FILE's symbols.  The other VMs run on whatever the debugger\n"
                   "does.  Arguments after -- go to gdb after the connection, e.g.\n"
                   "  popek gdb teach -- -batch -x session.gdb\n",
    .options = gdb_options,
    .min_args = 1,
    .max_args = MAX_ARGS,
};

int cmd_gdb(int argc, char **argv)
{
	char **args, *path, line[4096], target[64];
	int nargs, port = 0;

	enum options_result parsed = options_parse(&cmd_gdb_spec, argc, argv, &args, &nargs);
	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);
	char *dir = rundir_find(WHO, opt.run);
	if (!dir)
		return 1;
	if (asprintf(&path, "%s/%s.gdb", dir, args[0]) < 0)
		abort();
	FILE *f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f) || (port = atoi(line)) <= 0) {
		fprintf(stderr,
		        WHO ": the run in %s has no debugger stub for a VM '%s' (gdb = on in its "
		            "directory entry enables one)\n",
		        dir, args[0]);
		return 1;
	}
	char *symbols = NULL;
	if (fgets(line, sizeof(line), f) && line[0] != '\n') {
		line[strcspn(line, "\n")] = '\0';
		symbols = strdup(line);
	}
	fclose(f);
	snprintf(target, sizeof(target), "target remote localhost:%d", port);

	const char *gdb = getenv("POPEK_GDB") ? getenv("POPEK_GDB") : "gdb-multiarch";
	char *av[MAX_ARGS + 8];
	int n = 0;
	av[n++] = (char *)gdb;
	av[n++] = "-q";
	if (symbols)
		av[n++] = symbols;
	/*
	 * gdb waits 2 s for a reply by default; the stub answers from inside an
	 * emulated machine, which a loaded host can slow past that.
	 */
	av[n++] = "-ex";
	av[n++] = "set remotetimeout 30";
	av[n++] = "-ex";
	av[n++] = target;
	for (int i = 1; i < nargs; i++)
		av[n++] = args[i];
	av[n] = NULL;
	execvp(gdb, av);
	fprintf(stderr, WHO ": cannot run %s: %s\n", gdb, strerror(errno));
	return 1;
}
