/*
 * `popek key [--run DIR|PID] NAME TEXT`: types TEXT on VM NAME's keyboard
 * (display = WxH), as key presses and releases: through the control socket
 * under popek, through QEMU's monitor's sendkey on a bare run.
 */
#ifndef POPEK_TOOLS_CMD_KEY_H
#define POPEK_TOOLS_CMD_KEY_H

#include "options.h"

extern const struct command_spec cmd_key_spec;
int cmd_key(int argc, char **argv);

#endif
