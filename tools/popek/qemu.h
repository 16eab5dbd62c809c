/*
 * The QEMU command lines `popek run` starts.  Building them is pure (a
 * vector of strings from the directory and the options), so the tests can
 * look at them; qemu_run() in qemu.c is the one function that starts a process.
 *
 * Both lines use QEMU's virt board with the hypervisor extension off, so
 * that popek and a bare run see the same machine.  popek's own line asks
 * for virtio-mmio version 2 (force-legacy=false), which its disk driver
 * speaks; a bare line does too, unless the VM has `virtio = legacy`, whose
 * disks then stay at QEMU's default, the legacy interface (version 1).  The console is a stdio chardev with signal=off and
 * mux=on: Ctrl-C reaches the guest, Ctrl-A x quits QEMU, Ctrl-A c reaches
 * QEMU's monitor.  With a log file (bare runs) the chardev also writes the
 * output to it; a monitor run owns QEMU's standard input and output as
 * pipes (qemu_spawn_serving): it merges the keys of its terminal and of the
 * `popek console` clients, and writes the terminal and the logs itself.
 */
#ifndef POPEK_TOOLS_QEMU_H
#define POPEK_TOOLS_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "directory.h"

#define QEMU_DEFAULT_BINARY "qemu-system-riscv64"
#define QEMU_STATUS_BAR     16 /* popek's status bar above a VM's screen (hyp/core/screen.c) */

struct qemu_argv {
	char **argv; /* NULL-terminated */
	size_t count;
	size_t cap;
};

struct qemu_opts {
	const char *binary;         /* the QEMU to run */
	const char *popek_image;    /* popek.bin (monitor runs) */
	const char *bundle;         /* the boot bundle (monitor runs) */
	const char *firmware;       /* -bios: a file, or NULL for "default" (QEMU's OpenSBI) */
	const char *log_file;       /* console copy, or NULL */
	bool gdb;                   /* -s -S: wait for gdb on :1234 */
	const char *monitor_socket; /* a second QEMU monitor on this UNIX socket, or NULL */
	const char *window;         /* QEMU's UI for a window (-display gtk), or NULL: -nographic */
};

void qemu_argv_add(struct qemu_argv *a, const char *s);
void qemu_argv_addf(struct qemu_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void qemu_argv_free(struct qemu_argv *a);

/*
 * popek on the whole machine: memory, harts, the real disk, the bundle as the
 * initrd, the firmware of o->firmware (docs/firmware.md).
 */
void qemu_argv_monitor(const struct directory *dir, const struct qemu_opts *o, struct qemu_argv *a);

/*
 * The first VM's kernel alone on a machine of its size, its minidisks as
 * slices of the disk, then its interfaces, then (display = WxH) QEMU's
 * virtio-gpu-device of that size, virtio-keyboard-device and virtio-tablet-device, in the slots
 * they have under popek; on o->firmware, or with -bios none for boot = firmware.
 */
void qemu_argv_bare(const struct directory *dir, const struct qemu_opts *o, struct qemu_argv *a);

/*
 * The UI a window can have here: "gtk" or else "sdl" when the host has a
 * window system ($DISPLAY or $WAYLAND_DISPLAY) and `binary -display help`
 * lists it; NULL otherwise, with *why saying what is missing.
 */
const char *qemu_window_ui(const char *binary, const char **why);

/* Prints the command line, shell-quoted where needed. */
void qemu_argv_print(const struct qemu_argv *a, FILE *out);

/*
 * Runs the command and waits for it.  Returns its exit status (128 + the
 * signal if it was killed), or -1 with errno set when it could not start.
 */
int qemu_spawn(const struct qemu_argv *a);

/*
 * The same, but QEMU's standard input and output are pipes, handed to
 * serve(arg, qemu_in, qemu_out) (qemu_in non-blocking), which reads QEMU's
 * output until it ends (QEMU exits) and then returns.  QEMU's standard
 * error stays the launcher's.  A SIGTERM or SIGHUP the launcher gets
 * meanwhile is passed on to QEMU.
 */
int qemu_spawn_serving(const struct qemu_argv *a,
                       int (*serve)(void *arg, int qemu_in, int qemu_out), void *arg);

/* Sends `sig` to the QEMU that qemu_spawn*() is running, if any. */
void qemu_signal(int sig);

#endif
