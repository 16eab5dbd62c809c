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

/*
 * Packs a checked directory and writes its bundle to `out` (outfile.h: the
 * old file survives a failed write), unless `out` is one of the inputs
 * (the directory's files, or popek's `image`, NULL: none).  Prints any
 * problem as "WHO: ...".
 */
bool pack_to_file(const char *who, const struct directory *dir, const struct plan *plan,
                  const char *out, const char *image);

#endif
