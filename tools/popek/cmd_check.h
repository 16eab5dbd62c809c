/*
 * `popek check FILE`: validate a VM directory.
 */
#ifndef POPEK_TOOLS_CMD_CHECK_H
#define POPEK_TOOLS_CMD_CHECK_H

#include "directory.h"
#include "options.h"
#include "plan.h"

extern const struct command_spec cmd_check_spec;
int cmd_check(int argc, char **argv);

/*
 * Loads, validates and plans the directory at `path`, as every subcommand
 * that reads one does.  Prints every problem on stderr.  Returns true when
 * there were none; either way call plan_free() and directory_free().
 */
bool check_directory(const char *path, struct directory *dir, struct plan *plan);
/* The same, with directory_load_flags() flags (e.g. a disk that `popek disk create` will make). */
bool check_directory_flags(const char *path, unsigned flags, struct directory *dir,
                           struct plan *plan);

#endif
