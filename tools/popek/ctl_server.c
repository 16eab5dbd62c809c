/*
 * The control socket of a monitor run.  See ctl_server.h.
 */
#include "ctl_server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define WHO "popek run"

/* The commands, and whether each names a VM. */
static const struct {
	const char *name;
	bool vm;
} commands[] = {
    {"list", false}, {"events", false}, {"pause", true}, {"resume", true},
    {"reset", true}, {"ipl", true},     {"stop", true},  {"screenshot", true},
    {"key", true},   {"focus", true},   {"gdb", true},   {"pointer", true},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

void ctl_server_open(struct ctl_server *s, const char *dir,
                     bool (*to_popek)(void *arg, const char *line, size_t n), void *arg)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	memset(s, 0, sizeof(*s));
	s->listen_fd = -1;
	s->to_popek = to_popek;
	s->arg = arg;
	s->dir = dir;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	for (unsigned i = 0; i < CTL_MAX_PENDING; i++)
		s->pending[i].client = -1;
	if (!dir)
		return;
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, CTL_SOCKET) >=
	    sizeof(a.sun_path)) {
		fprintf(stderr, WHO ": %s/%s is too long for a socket; no control socket\n", dir,
		        CTL_SOCKET);
		return;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(a.sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0) {
		fprintf(stderr, WHO ": cannot listen on %s: %s\n", a.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	s->listen_fd = fd;
}

static void client_drop(struct ctl_server *s, int i)
{
	struct ctl_client *cl = &s->clients[i];
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	for (unsigned k = 0; k < CTL_MAX_PENDING; k++) {
		if (s->pending[k].client == i)
			s->pending[k].client =
			    -2; /* popek's answer is still to come: then dropped */
	}
}

static bool client_flush(struct ctl_client *cl)
{
	while (cl->out_len) {
		ssize_t n = send(cl->fd, cl->out, cl->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			memmove(cl->out, cl->out + n, cl->out_len - (size_t)n);
			cl->out_len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return true;
		} else if (n < 0 && errno != EINTR) {
			return false;
		}
	}
	return true;
}

/* One line of JSON to client i: queued, sent when it can take it, cut off if it never does. */
static void client_line(struct ctl_server *s, int i, const char *json)
{
	size_t n = strlen(json);
	if (i < 0 || i >= CTL_MAX_CLIENTS || s->clients[i].fd < 0)
		return;
	struct ctl_client *cl = &s->clients[i];
	if (cl->out_len + n + 1 > CTL_CLIENT_OUT) {
		client_drop(s, i);
		return;
	}
	memcpy(cl->out + cl->out_len, json, n);
	cl->out[cl->out_len + n] = '\n';
	cl->out_len += n + 1;
	if (!client_flush(cl))
		client_drop(s, i);
}

/* {"ok":false,"error":WHY[,"id":ID]} */
static void reply_error(struct ctl_server *s, int client, bool has_id, uint64_t id, const char *why)
{
	char buf[512];
	struct ctl_out o;
	ctl_out_init(&o, buf, sizeof(buf));
	ctl_out_raw(&o, "{\"ok\":false,\"error\":");
	ctl_out_str(&o, why);
	if (o.overflow) {
		ctl_out_init(&o, buf, sizeof(buf));
		ctl_out_raw(&o, "{\"ok\":false,\"error\":\"error\"");
	}
	if (has_id)
		ctl_out_raw(&o, ",\"id\":%" PRIu64, id);
	ctl_out_raw(&o, "}");
	client_line(s, client, buf);
}

/* A VM name popek could know: what the directory allows (tools/popek/directory.c). */
static bool name_possible(const char *name)
{
	size_t n = strlen(name);
	return n && n < 16 && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

void ctl_server_request(struct ctl_server *s, int client, const char *line, size_t n)
{
	struct ctl_request r;
	const char *why = ctl_request_parse(line, n, &r);
	char msg[256];
	unsigned c = 0;

	if (why) {
		reply_error(s, client, false, 0, why);
		return;
	}
	while (c < NCOMMANDS && strcmp(commands[c].name, r.cmd) != 0)
		c++;
	if (c == NCOMMANDS) {
		snprintf(msg, sizeof(msg),
		         "unknown command '%s' (list, events, pause, resume, reset, ipl, stop, "
		         "screenshot, key, focus, gdb, pointer)",
		         r.cmd);
		reply_error(s, client, r.has_id, r.id, msg);
		return;
	}
	if (commands[c].vm != (r.vm[0] != '\0')) {
		snprintf(msg, sizeof(msg), "%s %s", r.cmd,
		         commands[c].vm ? "needs \"vm\": a VM's name" : "takes no \"vm\"");
		reply_error(s, client, r.has_id, r.id, msg);
		return;
	}
	if (commands[c].vm && !name_possible(r.vm)) {
		reply_error(s, client, r.has_id, r.id, "no vm of that name");
		return;
	}
	if (strcmp(r.cmd, "key") == 0 && (!r.has_key || r.key == 0 || r.key > CTL_KEY_MAX)) {
		reply_error(s, client, r.has_id, r.id, "key needs \"key\": a key code, 1 to 767");
		return;
	}
	if (strcmp(r.cmd, "key") != 0 && r.has_key) {
		reply_error(s, client, r.has_id, r.id, "only key takes \"key\"");
		return;
	}
	if (r.has_with && (!r.has_key || r.with == 0 || r.with > CTL_KEY_MAX)) {
		reply_error(s, client, r.has_id, r.id,
		            "\"with\" is key's: a key code, 1 to 767, held around \"key\"");
		return;
	}
	bool pointer = strcmp(r.cmd, "pointer") == 0;
	if (pointer && (!r.has_x || !r.has_y || r.x > CTL_COORD_MAX || r.y > CTL_COORD_MAX ||
	                r.buttons > CTL_BUTTONS_MAX)) {
		reply_error(s, client, r.has_id, r.id,
		            "pointer needs \"x\" and \"y\" (0 to 65535) and takes \"buttons\" "
		            "(0 to 7: 1 left, 2 right, 4 middle)");
		return;
	}
	if (!pointer && (r.has_x || r.has_y || r.has_buttons)) {
		reply_error(s, client, r.has_id, r.id,
		            "only pointer takes \"x\", \"y\", \"buttons\"");
		return;
	}
	if (strcmp(r.cmd, "screenshot") == 0 && !s->dir) {
		reply_error(s, client, r.has_id, r.id, "no run directory for the screenshot");
		return;
	}
	if (strcmp(r.cmd, "events") == 0) {
		char buf[64];
		struct ctl_out o;
		s->clients[client].events = true;
		ctl_out_init(&o, buf, sizeof(buf));
		ctl_out_raw(&o, "{\"ok\":true");
		if (r.has_id)
			ctl_out_raw(&o, ",\"id\":%" PRIu64, r.id);
		ctl_out_raw(&o, "}");
		client_line(s, client, buf);
		return;
	}
	struct ctl_pending *p = NULL;
	for (unsigned k = 0; k < CTL_MAX_PENDING && !p; k++) {
		if (s->pending[k].client == -1)
			p = &s->pending[k];
	}
	if (!p) {
		reply_error(s, client, r.has_id, r.id, "too many requests under way; try again");
		return;
	}
	char req[128];
	uint64_t seq = ++s->seq;
	int len;
	if (r.has_key)
		len = snprintf(req, sizeof(req), "%" PRIu64 " key %s %" PRIu64 " %" PRIu64 "\n",
		               seq, r.vm, r.key, r.with);
	else if (pointer)
		len = snprintf(req, sizeof(req),
		               "%" PRIu64 " pointer %s %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", seq,
		               r.vm, r.x, r.y, r.buttons);
	else
		len = snprintf(req, sizeof(req), "%" PRIu64 " %s%s%s\n", seq, r.cmd,
		               r.vm[0] ? " " : "", r.vm);
	if (!s->to_popek(s->arg, req, (size_t)len)) {
		reply_error(s, client, r.has_id, r.id, "popek is not taking requests now");
		return;
	}
	*p = (struct ctl_pending){.client = client,
	                          .seq = seq,
	                          .has_id = r.has_id,
	                          .id = r.id,
	                          .list = strcmp(r.cmd, "list") == 0};
}

static struct ctl_pending *pending_of(struct ctl_server *s, uint64_t seq)
{
	for (unsigned k = 0; k < CTL_MAX_PENDING; k++) {
		if (s->pending[k].client != -1 && s->pending[k].seq == seq)
			return &s->pending[k];
	}
	return NULL;
}

/* Splits a record into at most max words, in place. */
static int words(char *rec, char **w, int max)
{
	int n = 0;
	for (char *p = strtok(rec, " "); p && n < max; p = strtok(NULL, " "))
		w[n++] = p;
	return n;
}

/* "SEQ vm NAME STATE MODE TRAPS RESTARTS MIB": one more element of the list's array. */
static void record_vm(struct ctl_pending *p, char **w, int n)
{
	char buf[512];
	struct ctl_out o;
	if (n != 8)
		return;
	ctl_out_init(&o, buf, sizeof(buf));
	ctl_out_raw(&o, "{\"name\":");
	ctl_out_str(&o, w[2]);
	ctl_out_raw(&o, ",\"state\":");
	ctl_out_str(&o, w[3]);
	ctl_out_raw(&o, ",\"mode\":");
	ctl_out_str(&o, w[4]);
	ctl_out_raw(&o, ",\"traps\":%llu,\"restarts\":%llu,\"memory_mib\":%llu}",
	            strtoull(w[5], NULL, 10), strtoull(w[6], NULL, 10), strtoull(w[7], NULL, 10));
	if (!o.overflow && p->len + o.len + 2 < sizeof(p->reply)) {
		if (p->len)
			p->reply[p->len++] = ',';
		memcpy(p->reply + p->len, buf, o.len + 1);
		p->len += o.len;
	}
}

/*
 * A screenshot's records: "SEQ frame W H", then "SEQ px RRGGBB[*N] ..." with the
 * pixels in order, written as they come into a PPM (P6) file in the run
 * directory; never more pixels than the frame has.
 */
static void record_shot(struct ctl_server *s, struct ctl_pending *p, char *rec)
{
	char copy[sizeof(s->rec)], *w[CTL_SHOT_WORDS];
	snprintf(copy, sizeof(copy), "%s", rec);
	int n = words(copy, w, CTL_SHOT_WORDS);

	if (strcmp(w[1], "frame") == 0) {
		unsigned long fw = n == 4 ? strtoul(w[2], NULL, 10) : 0;
		unsigned long fh = n == 4 ? strtoul(w[3], NULL, 10) : 0;
		if (p->shot || !fw || !fh || fw > 8192 || fh > 8192)
			return;
		snprintf(p->shot_path, sizeof(p->shot_path), "%s/shot-%" PRIu64 ".ppm", s->dir,
		         p->seq);
		p->shot = fopen(p->shot_path, "wb");
		if (!p->shot) {
			p->shot_path[0] = '\0';
			return;
		}
		fprintf(p->shot, "P6\n%lu %lu\n255\n", fw, fh);
		p->shot_px = 0;
		p->shot_total = (uint64_t)fw * fh;
		return;
	}
	for (int i = 2; i < n && p->shot; i++) {
		char *star = strchr(w[i], '*');
		unsigned long rgb = strtoul(w[i], NULL, 16);
		uint64_t count = star ? strtoull(star + 1, NULL, 10) : 1;
		unsigned char px[3] = {(unsigned char)(rgb >> 16), (unsigned char)(rgb >> 8),
		                       (unsigned char)rgb};
		for (; count && p->shot_px < p->shot_total; count--, p->shot_px++)
			fwrite(px, 1, 3, p->shot);
	}
}

/* One record of popek's control channel. */
static void record(struct ctl_server *s, char *rec)
{
	char copy[sizeof(s->rec)], *w[8];
	snprintf(copy, sizeof(copy), "%s", rec);
	int n = words(copy, w, 8);
	if (n == 3 && strcmp(w[0], "event") == 0) {
		if (strcmp(w[2], "gdb") == 0 && s->gdb_on)
			s->gdb_on(s->arg, w[1]);
		char buf[256];
		struct ctl_out o;
		ctl_out_init(&o, buf, sizeof(buf));
		ctl_out_raw(&o, "{\"event\":");
		ctl_out_str(&o, w[2]);
		ctl_out_raw(&o, ",\"vm\":");
		ctl_out_str(&o, w[1]);
		ctl_out_raw(&o, "}");
		for (int i = 0; i < CTL_MAX_CLIENTS && !o.overflow; i++) {
			if (s->clients[i].fd >= 0 && s->clients[i].events)
				client_line(s, i, buf);
		}
		return;
	}
	struct ctl_pending *p = n >= 2 ? pending_of(s, strtoull(w[0], NULL, 10)) : NULL;
	if (!p)
		return;
	if (strcmp(w[1], "vm") == 0) {
		record_vm(p, w, n);
		return;
	}
	if (strcmp(w[1], "frame") == 0 || strcmp(w[1], "px") == 0) {
		record_shot(s, p, rec);
		return;
	}
	if (p->shot) {
		bool whole = p->shot_px == p->shot_total;
		fclose(p->shot);
		p->shot = NULL;
		if (strcmp(w[1], "ok") != 0 || !whole || p->client < 0)
			unlink(p->shot_path); /* nobody takes it */
		if (strcmp(w[1], "ok") == 0 && !whole) {
			if (p->client >= 0)
				reply_error(s, p->client, p->has_id, p->id,
				            "the frame came incomplete");
			p->client = -1;
			return;
		}
	}
	if (strcmp(w[1], "err") == 0) {
		/* the rest of the record, as popek wrote it */
		const char *why = strstr(rec, " err ");
		if (p->client >= 0)
			reply_error(s, p->client, p->has_id, p->id, why ? why + 5 : "error");
	} else if (p->client >= 0) {
		static char buf[CTL_REPLY_MAX + 64];
		struct ctl_out o;
		ctl_out_init(&o, buf, sizeof(buf));
		ctl_out_raw(&o, "{\"ok\":true");
		if (p->list)
			ctl_out_raw(&o, ",\"vms\":[%.*s]", (int)p->len, p->reply);
		if (p->shot_path[0]) {
			ctl_out_raw(&o, ",\"file\":");
			ctl_out_str(&o, p->shot_path);
		}
		if (p->has_id)
			ctl_out_raw(&o, ",\"id\":%" PRIu64, p->id);
		ctl_out_raw(&o, "}");
		if (o.overflow)
			reply_error(s, p->client, p->has_id, p->id, "answer too long");
		else
			client_line(s, p->client, buf);
	}
	p->client = -1;
}

void ctl_server_records(void *server, const char *buf, size_t n)
{
	struct ctl_server *s = server;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			s->rec[s->rec_len] = '\0';
			record(s, s->rec);
			s->rec_len = 0;
		} else if (s->rec_len + 1 < sizeof(s->rec)) {
			s->rec[s->rec_len++] = buf[i];
		}
	}
}

void ctl_server_poll(const struct ctl_server *s, struct pollfd *p, bool reading)
{
	p[0] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		const struct ctl_client *cl = &s->clients[i];
		short ev = (reading ? POLLIN : 0) | (cl->out_len ? POLLOUT : 0);
		p[1 + i] = (struct pollfd){.fd = ev ? cl->fd : -1, .events = ev};
	}
}

/* Reads what client i sent and acts on each whole line. */
static void client_read(struct ctl_server *s, int i)
{
	struct ctl_client *cl = &s->clients[i];
	char buf[1024];
	ssize_t n = read(cl->fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		client_drop(s, i);
		return;
	}
	for (ssize_t k = 0; k < n && cl->fd >= 0; k++) {
		if (buf[k] == '\n') {
			if (cl->skipping)
				reply_error(s, i, false, 0, "request longer than 4096 bytes");
			else
				ctl_server_request(s, i, cl->in, cl->in_len);
			cl->in_len = 0;
			cl->skipping = false;
		} else if (cl->in_len < sizeof(cl->in)) {
			cl->in[cl->in_len++] = buf[k];
		} else {
			cl->skipping = true;
		}
	}
}

void ctl_server_handle(struct ctl_server *s, const struct pollfd *p)
{
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &s->clients[i];
		short ev = p[1 + i].revents;
		if (cl->fd < 0 || cl->fd != p[1 + i].fd || !ev)
			continue;
		if (ev & POLLOUT && !client_flush(cl)) {
			client_drop(s, i);
			continue;
		}
		if (ev & (POLLIN | POLLHUP | POLLERR))
			client_read(s, i);
	}
	if (p[0].revents) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int i = 0;
		while (i < CTL_MAX_CLIENTS && s->clients[i].fd >= 0)
			i++;
		if (fd >= 0 && i == CTL_MAX_CLIENTS) {
			static const char full[] =
			    "{\"ok\":false,\"error\":\"too many clients\"}\n";
			send(fd, full, sizeof(full) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
		} else if (fd >= 0) {
			s->clients[i].fd = fd;
			s->clients[i].out = malloc(CTL_CLIENT_OUT);
			if (!s->clients[i].out)
				abort();
		}
	}
}

void ctl_server_close(struct ctl_server *s)
{
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (s->clients[i].fd >= 0)
			client_drop(s, i);
	}
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
	for (unsigned k = 0; k < CTL_MAX_PENDING; k++) {
		if (s->pending[k].shot) {
			fclose(s->pending[k].shot);
			unlink(s->pending[k].shot_path);
			s->pending[k].shot = NULL;
		}
	}
}
