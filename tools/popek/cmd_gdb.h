/*
 * `popek gdb NAME [-- GDB-ARGS]`: gdb-multiarch attached to VM NAME's
 * debugger stub in a running `popek run` (docs/debugging.md).
 */
#ifndef POPEK_TOOLS_CMD_GDB_H
#define POPEK_TOOLS_CMD_GDB_H

#include "options.h"

extern const struct command_spec cmd_gdb_spec;
int cmd_gdb(int argc, char **argv);

#endif
