/*
 * `popek pg`: Popek and Goldberg's theorem, measured (docs/pg.md).
 */
#ifndef POPEK_TOOLS_CMD_PG_H
#define POPEK_TOOLS_CMD_PG_H

#include "options.h"

extern const struct command_spec cmd_pg_spec;
int cmd_pg(int argc, char **argv);

#endif
