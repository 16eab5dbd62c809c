/*
 * A bare run's QEMU monitor (RUNDIR/qemu.mon, qemu.c add_monitor_socket):
 * one human-monitor command, answered when the next prompt comes.
 */
#ifndef POPEK_TOOLS_QEMU_MON_H
#define POPEK_TOOLS_QEMU_MON_H

/*
 * Connects to dir's QEMU monitor and runs each of the n commands in turn.
 * 0, or -1 having said why on stderr (prefixed by who).
 */
int qemu_mon_run(const char *who, const char *dir, const char *const *cmds, int n);

#endif
