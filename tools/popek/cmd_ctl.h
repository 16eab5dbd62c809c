/*
 * `popek ctl [--run DIR|PID] [--json] COMMAND [NAME]`: operate the VMs of a
 * running `popek run` through its control socket (ctl_server.h).
 */
#ifndef POPEK_TOOLS_CMD_CTL_H
#define POPEK_TOOLS_CMD_CTL_H

#include "options.h"

extern const struct command_spec cmd_ctl_spec;
int cmd_ctl(int argc, char **argv);

#endif
