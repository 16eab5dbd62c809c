/*
 * `popek pack FILE OUT`: validate a directory and write its boot bundle,
 * the file `popek run` hands QEMU as the initrd.
 */
#include "cmd_pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_check.h"
#include "outfile.h"
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

bool pack_to_file(const char *who, const struct directory *dir, const struct plan *plan,
                  const char *out, const char *image)
{
	uint8_t *bundle;
	size_t len;

	if (outfile_is_input(who, out, dir, image))
		return false;
	const char *why = pack_bundle(dir, plan, &bundle, &len);
	if (why) {
		fprintf(stderr, "%s: cannot pack the bundle: %s\n", dir->path, why);
		return false;
	}
	int err = outfile_write(out, bundle, len);
	free(bundle);
	if (err) {
		fprintf(stderr, "%s: cannot write %s: %s\n", who, out, strerror(err));
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

	bool ok = check_directory(args[0], &dir, &plan) &&
	          pack_to_file("popek pack", &dir, &plan, args[1], NULL);
	plan_free(&plan);
	directory_free(&dir);
	return ok ? 0 : 1;
}
