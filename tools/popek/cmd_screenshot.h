/*
 * `popek screenshot [--run DIR|PID] NAME FILE.png`: VM NAME's screen, from a
 * running `popek run` (through its control socket), or the screen of a bare
 * run (`popek run --bare`: QEMU's own GPU, through QEMU's monitor's screendump).
 */
#ifndef POPEK_TOOLS_CMD_SCREENSHOT_H
#define POPEK_TOOLS_CMD_SCREENSHOT_H

#include "options.h"

extern const struct command_spec cmd_screenshot_spec;
int cmd_screenshot(int argc, char **argv);

#endif
