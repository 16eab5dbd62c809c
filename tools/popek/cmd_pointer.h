/*
 * `popek pointer [--run DIR|PID] NAME X Y [BUTTON]`: moves VM NAME's tablet
 * (display = WxH) to (X, Y) of its screen, and clicks BUTTON there: through
 * the control socket under popek, through QEMU's QMP on a bare run.
 */
#ifndef POPEK_TOOLS_CMD_POINTER_H
#define POPEK_TOOLS_CMD_POINTER_H

#include "options.h"

extern const struct command_spec cmd_pointer_spec;
int cmd_pointer(int argc, char **argv);

#endif
