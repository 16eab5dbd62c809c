/*
 * The input side of a monitor run, and the `popek console` sockets.
 *
 * `popek run` owns QEMU's standard input (a pipe) and output (a pipe).
 * console_server_serve() is one poll() loop over
 *
 *  - QEMU's output: to console_output() (console.c: terminal and logs); each
 *    VM's exact bytes also go to the clients attached to that VM, and the
 *    last CONSOLE_BACKLOG bytes of each VM are kept for the next to attach;
 *  - the launcher's standard input: in raw mode when it is our terminal
 *    (term.h), passed on as the focus's input; end of file stops only the
 *    reading, never the run;
 *  - one listening socket per VM, RUNDIR/NAME.sock (rundir.h), and the
 *    connected clients: what a client sends goes to its VM alone.  Several
 *    clients may attach to one VM: all see its output, and the input of
 *    all goes to it;
 *  - the control socket, RUNDIR/popek.ctl, and its clients (ctl_server.h),
 *    whose requests go to popek's control channel;
 *  - QEMU's input, written from a bounded queue: while the queue is full,
 *    no input is read (popek, or QEMU's serial, is not taking any), but
 *    QEMU's output always is.
 *
 * Input is framed for popek's monitor by console_input.h.  A terminal's
 * Ctrl-A x reaches QEMU as before; if QEMU has not exited 2 s later it is
 * sent SIGTERM, and SIGKILL 2 s after that.
 */
#ifndef POPEK_TOOLS_CONSOLE_SERVER_H
#define POPEK_TOOLS_CONSOLE_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "console.h"
#include "console_input.h"
#include "ctl_server.h"
#include "gdb_server.h"

#define CONSOLE_MAX_CLIENTS  32
#define CONSOLE_BACKLOG      4096        /* of each VM's output, for a client that attaches */
#define CONSOLE_QUEUE        (64 * 1024) /* input not yet taken by QEMU */
#define CONSOLE_CLIENT_QUEUE (64 * 1024) /* output not yet taken by a client: then it is cut off */

struct console_client {
	int fd; /* -1: a free slot */
	unsigned vm;
	bool input_ended; /* it has shut down its sending side */
	bool output_gone; /* its receiving side is closed: what it sent is still read, to the end */
	char *pending;    /* output it has not taken yet */
	size_t len;
};

struct console_server {
	struct console *con;
	const char *const *names;
	unsigned nvms;
	char *dir;                      /* the run directory, or NULL */
	int listen_fd[CONSOLE_MAX_VMS]; /* -1: none */
	struct console_client clients[CONSOLE_MAX_CLIENTS];
	struct {
		char buf[CONSOLE_BACKLOG];
		size_t len;
	} backlog[CONSOLE_MAX_VMS];
	struct console_input enc;
	char queue[CONSOLE_QUEUE];
	size_t len;
	int qemu_in;
	int term_fd;           /* the launcher's stdin; -1 once it has ended */
	struct ctl_server ctl; /* RUNDIR/popek.ctl */
	struct gdb_server gdb; /* the VMs' debugger stubs' ports */
};

/*
 * Prepares `s` for `con`'s VMs: the run directory and its sockets.  When
 * they cannot be made, says so on stderr and goes on without them.
 */
void console_server_open(struct console_server *s, struct console *con, const char *const *names,
                         unsigned nvms);

/* Bridges the debugger stub of each VM i with want[i] to a TCP port (gdb_server.h). */
void console_server_gdb(struct console_server *s, const bool *want, const char *const *symbols);

/* The loop, a callback for qemu_spawn_serving(); returns when QEMU's output ends. */
int console_server_serve(void *server, int qemu_in, int qemu_out);

/* Disconnects the clients, removes the run directory, restores the terminal. */
void console_server_close(struct console_server *s);

#endif
