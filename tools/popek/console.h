/*
 * The operator console of a monitor run, launcher side: QEMU's serial output
 * arrives through a pipe (qemu_spawn_reading), console_demux splits it by
 * source, and this file writes the pieces to the terminal (stdout) and, with
 * a log folder, to DIR/NAME.log (each VM's exact bytes) and DIR/console.log
 * (what the terminal showed).  Each VM's exact bytes also go to vm_hook,
 * when one is set (console_server.c: the `popek console` clients).  Input
 * does not pass through here (console_server.h).
 */
#ifndef POPEK_TOOLS_CONSOLE_H
#define POPEK_TOOLS_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "console_demux.h"

#define CONSOLE_BUF_SIZE 8192
#define CONSOLE_TAIL     32 /* the stream's last bytes kept, for its end */

/* How popek's panic report starts (hyp/core/panic.c). */
#define CONSOLE_PANIC_LINE "popek: panic: "

struct console {
	struct console_demux demux;
	int term_fd;                /* stdout; -1 once writing it failed */
	int log_fd;                 /* DIR/console.log, or -1 */
	int vm_fd[CONSOLE_MAX_VMS]; /* DIR/NAME.log, or -1 */
	char *log_path;             /* for messages */
	char *vm_path[CONSOLE_MAX_VMS];
	char buf[CONSOLE_BUF_SIZE]; /* terminal bytes not yet written */
	size_t len;
	char tail[CONSOLE_TAIL]; /* the last bytes of the stream */
	size_t tail_len;
	void (*vm_hook)(void *arg, unsigned vm, const char *buf, size_t n); /* or NULL */
	/* popek's own output, watched for its panic line (QEMU exits 0 even then) */
	char popek_tail[sizeof(CONSOLE_PANIC_LINE)];
	size_t popek_tail_len;
	bool popek_panicked;
	void *vm_hook_arg;
	/* popek's control channel records (console_demux.h), or NULL: ctl_server.c */
	void (*ctl_hook)(void *arg, const char *buf, size_t n);
	void *ctl_hook_arg;
	/* each VM's debugger stub's bytes, or NULL: gdb_server.c */
	void (*gdb_hook)(void *arg, unsigned vm, const char *buf, size_t n);
	void *gdb_hook_arg;
};

/*
 * names[0..nvms) are the VMs in bundle order.  With log_dir (an existing
 * folder), creates or truncates the log files.  Returns false, having said
 * why on stderr, when one cannot be created.  Always call console_close().
 */
bool console_open(struct console *c, const char *const *names, unsigned nvms, const char *log_dir);

/* The next bytes of QEMU's serial output: a callback for qemu_spawn_reading(). */
void console_output(void *con, const char *buf, size_t n);

/*
 * The stream has ended: ends the last visible line, writes and closes
 * everything.  When the stream ends with what QEMU's mux writes on Ctrl-A x,
 * that text leaves the log of the VM it fell into.
 */
void console_close(struct console *c);

#endif
