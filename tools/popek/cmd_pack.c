/*
 * `popek pack FILE OUT`: validate a directory and write its boot bundle,
 * the file `popek run` hands QEMU as the initrd.
 */
#include "cmd_pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_check.h"
#include "pack.h"

const struct command_spec cmd_pack_spec = {
    .name = "pack",
    .args = "FILE OUT",
    .summary = "validate a VM directory and write its boot bundle to OUT",
    .description = "The bundle (format: hyp/core/bundle.h) holds the directory in binary form\n"
                   "and every VM's kernel, initrd and device tree.  `popek run` writes the\n"
                   "same file; this command is for inspecting it or loading it by hand.\n",
    .options = NULL,
    .min_args = 2,
    .max_args = 2,
};

bool pack_to_file(const struct directory *dir, const struct plan *plan, const char *out)
{
	uint8_t *bundle;
	size_t len;
	const char *why = pack_bundle(dir, plan, &bundle, &len);

	if (why) {
		fprintf(stderr, "%s: cannot pack the bundle: %s\n", dir->path, why);
		return false;
	}
	int err = pack_write_file(out, bundle, len);
	free(bundle);
	if (err) {
		fprintf(stderr, "popek: cannot write %s: %s\n", out, strerror(err));
		return false;
	}
	return true;
}

int cmd_pack(int argc, char **argv)
{
	struct directory dir;
	struct plan plan;
	char **args;
	int nargs;

	enum options_result parsed = options_parse(&cmd_pack_spec, argc, argv, &args, &nargs);
	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);

	bool ok = check_directory(args[0], &dir, &plan) && pack_to_file(&dir, &plan, args[1]);
	plan_free(&plan);
	directory_free(&dir);
	return ok ? 0 : 1;
}
