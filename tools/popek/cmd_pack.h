/*
 * `popek pack FILE OUT`: write a directory's boot bundle to a file.
 */
#ifndef POPEK_TOOLS_CMD_PACK_H
#define POPEK_TOOLS_CMD_PACK_H

#include "directory.h"
#include "options.h"
#include "plan.h"

extern const struct command_spec cmd_pack_spec;
int cmd_pack(int argc, char **argv);

/* Packs a checked directory and writes its bundle to `out`; prints any problem.  */
bool pack_to_file(const struct directory *dir, const struct plan *plan, const char *out);

#endif
