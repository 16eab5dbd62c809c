/*
 * The launcher's end of each VM's debugger stub (docs/debugging.md).
 *
 * popek carries VM i's GDB remote-protocol bytes on the UART under the
 * marker 0x1E 'P'+i, both ways (console_demux.h, console_input.h).  For each
 * VM whose directory entry has `gdb = on` or `wait`, the launcher listens on
 * a TCP port of 127.0.0.1 (an ephemeral one, or POPEK_GDB_PORT + i), writes
 * it to RUNDIR/NAME.gdb (the port, then the VM's symbols file or an empty line), says so on stderr, and bridges one debugger at a
 * time to the stub: bytes as they are, no other framing.  A second debugger
 * of the same VM is refused while the first is connected.
 */
#ifndef POPEK_TOOLS_GDB_SERVER_H
#define POPEK_TOOLS_GDB_SERVER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "console_demux.h"

#define GDB_POLLFDS (2 * CONSOLE_MAX_VMS)
#define GDB_QUEUE   (256 * 1024) /* stub output a debugger has not taken yet */

struct gdb_server {
	int listen_fd[CONSOLE_MAX_VMS]; /* -1: no stub */
	int client_fd[CONSOLE_MAX_VMS]; /* -1: no debugger */
	int port[CONSOLE_MAX_VMS];
	char *pending[CONSOLE_MAX_VMS]; /* output not yet sent to the debugger */
	size_t len[CONSOLE_MAX_VMS];
	bool talked[CONSOLE_MAX_VMS];      /* the debugger has sent the stub something */
	bool detach_owed[CONSOLE_MAX_VMS]; /* it left without detaching: the stub is told */
	char *dir;                         /* the run directory (not owned), or NULL */
	const char *const *names;
	const char *symbols[CONSOLE_MAX_VMS]; /* each VM's `symbols` file, or NULL */
	unsigned nvms;
	/* hands a debugger's bytes to popek: false when there is no room now */
	bool (*to_popek)(void *arg, unsigned vm, const char *buf, size_t n);
	void *arg;
};

/* Listens for the VMs with want[i]; says where on stderr.  dir may be NULL. */
void gdb_server_open(struct gdb_server *g, const char *dir, const char *const *names,
                     const bool *want, const char *const *symbols, unsigned nvms,
                     bool (*to_popek)(void *arg, unsigned vm, const char *buf, size_t n),
                     void *arg);
/* Listens for VM vm's debugger from now (popek switched its stub on: `gdb NAME`), if not yet. */
void gdb_server_listen(struct gdb_server *g, unsigned vm);
/* VM vm's stub said buf: to its debugger, if one is connected. */
void gdb_server_output(struct gdb_server *g, unsigned vm, const char *buf, size_t n);
/* Fills GDB_POLLFDS entries; `reading`: there is room for input toward popek. */
void gdb_server_poll(struct gdb_server *g, struct pollfd *p, bool reading);
void gdb_server_handle(struct gdb_server *g, const struct pollfd *p);
void gdb_server_close(struct gdb_server *g);

#endif
