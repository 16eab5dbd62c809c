/*
 * `popek disk VERB ...`: create the real disk, copy a minidisk out of it or
 * into it.
 */
#ifndef POPEK_TOOLS_CMD_DISK_H
#define POPEK_TOOLS_CMD_DISK_H

#include "options.h"

extern const struct command_spec cmd_disk_spec;
int cmd_disk(int argc, char **argv);

#endif
