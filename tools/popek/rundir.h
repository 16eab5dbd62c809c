/*
 * Where a running `popek run` can be found from another shell: its run
 * directory, with one UNIX stream socket per VM (NAME.sock) that
 * `popek console NAME` connects to.
 *
 *   $XDG_RUNTIME_DIR/popek/PID/NAME.sock    (else /tmp/popek-UID/PID/...)
 *   $XDG_RUNTIME_DIR/popek/PID/popek.ctl    the control socket (ctl_server.h)
 *   $XDG_RUNTIME_DIR/popek/PID/qemu.mon     a bare run's QEMU monitor (popek screenshot)
 *   $XDG_RUNTIME_DIR/popek/current -> PID   the run started last
 *
 * The folders are the user's alone (0700).  A run removes its directory,
 * and `current` when it still names it, when it ends; one killed outright
 * leaves them behind, and the next run removes those of runs whose process
 * is gone.
 */
#ifndef POPEK_TOOLS_RUNDIR_H
#define POPEK_TOOLS_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RUNDIR_CURRENT  "current"
#define RUNDIR_QEMU_MON "qemu.mon"
#define RUNDIR_QEMU_QMP "qemu.qmp" /* beside it: QMP, for what HMP cannot (a tablet's position) */

/*
 * The folder that holds the run directories, created (0700) if `create`.
 * Returns a malloc'd path, or NULL having said why on stderr (prefixed by
 * `who`).
 */
char *rundir_base(const char *who, bool create);

/* Creates this process's run directory and points `current` at it; NULL on failure. */
char *rundir_create(const char *who);

/* Removes the run directory (its sockets first) and `current` when it names it. */
void rundir_remove(const char *dir);

/*
 * The run directory `spec` names: a PID, a folder, or NULL for `current`.
 * Returns a malloc'd path, or NULL having said why on stderr.
 */
char *rundir_find(const char *who, const char *spec);

/* Fills a sockaddr_un path for dir/NAME.sock; false when it does not fit. */
bool rundir_socket_path(const char *dir, const char *name, char *path, size_t size);

#endif
