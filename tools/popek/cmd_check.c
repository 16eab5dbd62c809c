/*
 * `popek check FILE`: validate a VM directory and report every problem,
 * one line each, "FILE:LINE: what is wrong", in file order.
 */
#include "cmd_check.h"

#include <stdio.h>

#include "units.h"

static bool quiet;

static const struct option_spec check_options[] = {
    {"quiet", 'q', OPTION_FLAG, &quiet, NULL, "print nothing when the directory is good"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_check_spec = {
    .name = "check",
    .args = "FILE",
    .summary = "validate a VM directory",
    .description =
        "Reads the directory FILE (an INI file: [machine] and one [vm NAME] per VM),\n"
        "loads every kernel and initrd it names, builds each guest's device tree and\n"
        "checks that everything fits.  Relative paths in FILE are taken relative to the\n"
        "folder that holds FILE.  Every problem is reported on stderr as one line\n"
        "FILE:LINE: what is wrong.  Exit status: 0 good, 1 problems found, 2 usage.\n",
    .options = check_options,
    .min_args = 1,
    .max_args = 1,
};

bool check_directory_flags(const char *path, unsigned flags, struct directory *dir,
                           struct plan *plan)
{
	directory_load_flags(dir, path, flags);
	plan_build(dir, plan);
	diag_sort(&dir->diag);
	diag_print(&dir->diag, stderr);
	return dir->diag.count == 0;
}

bool check_directory(const char *path, struct directory *dir, struct plan *plan)
{
	return check_directory_flags(path, 0, dir, plan);
}

int cmd_check(int argc, char **argv)
{
	struct directory dir;
	struct plan plan;
	char **args;
	int nargs;

	enum options_result parsed = options_parse(&cmd_check_spec, argc, argv, &args, &nargs);
	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);

	bool ok = check_directory(args[0], &dir, &plan);
	if (ok && !quiet) {
		uint64_t vm_memory = 0;
		for (unsigned v = 0; v < dir.nvms; v++)
			vm_memory += dir.vms[v].memory;
		printf("%s: ok: %u VM%s, %lluM of %lluM memory, bundle %llu bytes\n", args[0],
		       dir.nvms, dir.nvms == 1 ? "" : "s", (unsigned long long)(vm_memory / MiB),
		       (unsigned long long)(dir.machine_memory / MiB),
		       (unsigned long long)plan.bundle_size);
	}
	plan_free(&plan);
	directory_free(&dir);
	return ok ? 0 : 1;
}
