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

/*
 * The same on dir's QMP socket (RUNDIR_QEMU_QMP): capabilities negotiated,
 * then each command (one JSON object, such as {"execute":"input-send-event",
 * ...}) answered by its return.  0, or -1 having said why (QEMU's error
 * included) on stderr.
 */
int qemu_qmp_run(const char *who, const char *dir, const char *const *cmds, int n);

#endif
