/*
 * `popek console NAME`: attach to one VM's terminal of a running `popek run`.
 */
#ifndef POPEK_TOOLS_CMD_CONSOLE_H
#define POPEK_TOOLS_CMD_CONSOLE_H

#include "options.h"

extern const struct command_spec cmd_console_spec;
int cmd_console(int argc, char **argv);

#endif
