/*
 * The launcher's end of each VM's debugger stub.  See gdb_server.h.
 */
#include "gdb_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WHO "popek run"

static int listen_tcp(int want_port, int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)want_port)};
	socklen_t len = sizeof(a);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void port_file(const struct gdb_server *g, unsigned vm, const char *symbols)
{
	char *path;
	if (!g->dir)
		return;
	if (asprintf(&path, "%s/%s.gdb", g->dir, g->names[vm]) < 0)
		abort();
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n%s\n", g->port[vm], symbols ? symbols : "");
		fclose(f);
	} else {
		fprintf(stderr, WHO ": cannot write %s: %s\n", path, strerror(errno));
	}
	free(path);
}

void gdb_server_open(struct gdb_server *g, const char *dir, const char *const *names,
                     const bool *want, const char *const *symbols, unsigned nvms,
                     bool (*to_popek)(void *arg, unsigned vm, const char *buf, size_t n), void *arg)
{
	memset(g, 0, sizeof(*g));
	g->dir = (char *)dir;
	g->names = names;
	g->to_popek = to_popek;
	g->arg = arg;
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++)
		g->listen_fd[i] = g->client_fd[i] = -1;
	g->nvms = nvms < CONSOLE_MAX_VMS ? nvms : CONSOLE_MAX_VMS;
	for (unsigned i = 0; i < g->nvms; i++) {
		g->symbols[i] = symbols[i];
		if (want[i])
			gdb_server_listen(g, i);
	}
}

void gdb_server_listen(struct gdb_server *g, unsigned vm)
{
	if (vm >= g->nvms || g->listen_fd[vm] >= 0)
		return;
	const char *base = getenv("POPEK_GDB_PORT");
	int p = base ? atoi(base) + (int)vm : 0;
	if ((g->listen_fd[vm] = listen_tcp(p, &g->port[vm])) < 0) {
		fprintf(stderr, WHO ": vm %s: cannot listen for gdb on port %d: %s\r\n",
		        g->names[vm], p, strerror(errno));
		return;
	}
	g->pending[vm] = malloc(GDB_QUEUE);
	if (!g->pending[vm])
		abort();
	port_file(g, vm, g->symbols[vm]);
	fprintf(stderr, WHO ": vm %s: gdb on localhost:%d (popek gdb %s)\r\n", g->names[vm],
	        g->port[vm], g->names[vm]);
}

static void client_drop(struct gdb_server *g, unsigned vm)
{
	if (g->client_fd[vm] >= 0)
		close(g->client_fd[vm]);
	g->client_fd[vm] = -1;
	g->len[vm] = 0;
	g->detach_owed[vm] = g->talked[vm];
	g->talked[vm] = false;
}

/*
 * A debugger that went away without `detach` (gdb killed, its connection
 * lost) would leave the VM stopped, its breakpoints planted and the stub in
 * its no-ack mode for the next one: the stub gets the detach gdb did not
 * send.  A '$' starts a packet whatever came before it (gdb escapes every
 * '$' in a packet's data), so a packet the debugger left unfinished does not
 * swallow it.
 */
static void detach_send(struct gdb_server *g)
{
	static const char detach[] = "$D#44";
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++) {
		if (g->detach_owed[i] && g->to_popek(g->arg, i, detach, sizeof(detach) - 1))
			g->detach_owed[i] = false;
	}
}

static void client_flush(struct gdb_server *g, unsigned vm)
{
	while (g->len[vm]) {
		ssize_t n =
		    send(g->client_fd[vm], g->pending[vm], g->len[vm], MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			memmove(g->pending[vm], g->pending[vm] + n, g->len[vm] - (size_t)n);
			g->len[vm] -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else if (n < 0 && errno != EINTR) {
			client_drop(g, vm);
			return;
		}
	}
}

void gdb_server_output(struct gdb_server *g, unsigned vm, const char *buf, size_t n)
{
	if (vm >= CONSOLE_MAX_VMS || g->client_fd[vm] < 0)
		return; /* nobody listens: gdb resends what it misses */
	if (g->len[vm] + n > GDB_QUEUE) {
		fprintf(stderr, WHO ": vm %s: the debugger is not reading; disconnected\r\n",
		        g->names[vm]);
		client_drop(g, vm);
		return;
	}
	memcpy(g->pending[vm] + g->len[vm], buf, n);
	g->len[vm] += n;
	client_flush(g, vm);
}

void gdb_server_poll(struct gdb_server *g, struct pollfd *p, bool reading)
{
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++) {
		p[i] = (struct pollfd){.fd = g->listen_fd[i], .events = POLLIN};
		short ev = (reading ? POLLIN : 0) | (g->len[i] ? POLLOUT : 0);
		p[CONSOLE_MAX_VMS + i] =
		    (struct pollfd){.fd = ev ? g->client_fd[i] : -1, .events = ev};
	}
}

static void accept_one(struct gdb_server *g, unsigned vm)
{
	int one = 1;
	int fd = accept4(g->listen_fd[vm], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (g->client_fd[vm] >= 0) {
		close(fd); /* one debugger per VM */
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	g->client_fd[vm] = fd;
	g->len[vm] = 0;
}

void gdb_server_handle(struct gdb_server *g, const struct pollfd *p)
{
	detach_send(g); /* before a next debugger's first bytes */
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++) {
		const struct pollfd *c = &p[CONSOLE_MAX_VMS + i];
		if (g->client_fd[i] >= 0 && c->fd == g->client_fd[i] && c->revents) {
			if (c->revents & POLLOUT)
				client_flush(g, i);
			if (g->client_fd[i] >= 0 && !g->detach_owed[i] &&
			    c->revents & (POLLIN | POLLHUP | POLLERR)) {
				char buf[1024];
				ssize_t n = recv(g->client_fd[i], buf, sizeof(buf), MSG_PEEK);
				if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
					client_drop(g, i);
				} else if (n > 0 && g->to_popek(g->arg, i, buf, (size_t)n)) {
					n = recv(g->client_fd[i], buf, (size_t)n, 0);
					g->talked[i] = true;
				}
			}
		}
		if (p[i].revents)
			accept_one(g, i);
	}
	detach_send(g); /* for a debugger that left just now */
}

void gdb_server_close(struct gdb_server *g)
{
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++) {
		client_drop(g, i);
		g->detach_owed[i] = false; /* the run is over */
		if (g->listen_fd[i] >= 0)
			close(g->listen_fd[i]);
		g->listen_fd[i] = -1;
		free(g->pending[i]);
		g->pending[i] = NULL;
	}
}
