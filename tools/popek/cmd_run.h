/*
 * `popek run FILE`: validate, pack and start popek (or, with --bare, the
 * first VM's kernel alone) on QEMU.
 */
#ifndef POPEK_TOOLS_CMD_RUN_H
#define POPEK_TOOLS_CMD_RUN_H

#include "options.h"

extern const struct command_spec cmd_run_spec;
int cmd_run(int argc, char **argv);

/* popek's firmware, as `popek run` finds it: ../firmware/fw_dynamic.bin next to this program's folder. */
char *run_firmware_default(void);

#endif
