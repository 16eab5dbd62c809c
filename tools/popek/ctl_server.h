/*
 * The control socket of a monitor run, RUNDIR/popek.ctl (docs/operating.md):
 * programs drive popek with one JSON request a line (ctl_json.h) and get one
 * JSON answer a line, and, after {"cmd":"events"}, every VM event as it
 * happens.
 *
 * The launcher turns each request into a line of popek's control channel
 * (input marker 0x1E '!', hyp/core/monitor.c), "SEQ VERB [NAME]", and
 * popek's records (output marker '!', console_demux.h) back into answers:
 * "SEQ vm ..." rows, then "SEQ ok" or "SEQ err WHY"; "event NAME KIND".
 * A request the launcher can refuse itself (bad JSON, an unknown command, a
 * name no VM can have) is answered at once and never reaches popek.
 */
#ifndef POPEK_TOOLS_CTL_SERVER_H
#define POPEK_TOOLS_CTL_SERVER_H

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_json.h"

#define CTL_SOCKET      "popek.ctl" /* no VM's NAME.sock can be this */
#define CTL_MAX_CLIENTS 8
#define CTL_MAX_PENDING 32
#define CTL_POLLFDS     (1 + CTL_MAX_CLIENTS)
#define CTL_REPLY_MAX   8192
#define CTL_KEY_MAX     767         /* the highest Linux key code (KEY_MAX) */
#define CTL_COORD_MAX   65535       /* a pointer coordinate (popek clamps it to the screen) */
#define CTL_BUTTONS_MAX 7           /* the pointer's buttons: 1 left, 2 right, 4 middle */
#define CTL_SHOT_WORDS  40          /* words of a screenshot record */
#define CTL_CLIENT_OUT  (64 * 1024) /* answers and events a client has not taken: then cut off */

struct ctl_client {
	int fd; /* -1: free */
	bool events;
	bool skipping; /* inside a line too long to take: up to its newline */
	char in[CTL_LINE_MAX];
	size_t in_len;
	char *out;
	size_t out_len;
};

struct ctl_pending {
	int client; /* -1: free */
	uint64_t seq;
	bool has_id;
	uint64_t id;
	bool list;
	char reply[CTL_REPLY_MAX]; /* the vms array so far, for list */
	size_t len;
	/* screenshot: the frame popek sends, written as a PPM file in the run directory */
	FILE *shot;
	char shot_path[256];
	uint64_t shot_px, shot_total; /* pixels written, and the frame's */
};

struct ctl_server {
	int listen_fd;
	struct ctl_client clients[CTL_MAX_CLIENTS];
	struct ctl_pending pending[CTL_MAX_PENDING];
	uint64_t seq;
	char rec[256]; /* popek's record being received */
	size_t rec_len;
	/* Sends a request line to popek's control channel; false when it cannot now. */
	bool (*to_popek)(void *arg, const char *line, size_t n);
	void *arg;
	const char *dir; /* the run directory (screenshots go there), or NULL */
	/* popek switched VM `vm`'s debugger stub on (its event "gdb"): listen for a debugger */
	void (*gdb_on)(void *arg, const char *vm);
};

/* Listens on dir/popek.ctl; without it (said on stderr) the run goes on. */
void ctl_server_open(struct ctl_server *s, const char *dir,
                     bool (*to_popek)(void *arg, const char *line, size_t n), void *arg);
/* Fills p[0..CTL_POLLFDS) with what to wait for; `reading`: requests may be taken now. */
void ctl_server_poll(const struct ctl_server *s, struct pollfd *p, bool reading);
/* Acts on what poll() reported in p[0..CTL_POLLFDS). */
void ctl_server_handle(struct ctl_server *s, const struct pollfd *p);
/* Bytes of popek's control channel (console.h's ctl_hook). */
void ctl_server_records(void *server, const char *buf, size_t n);
/* One request line from client `client` (exposed for the unit test): answers or forwards it. */
void ctl_server_request(struct ctl_server *s, int client, const char *line, size_t n);
void ctl_server_close(struct ctl_server *s);

#endif
