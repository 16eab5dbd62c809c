/*
 * The input side of a monitor run and the `popek console` sockets.  See
 * console_server.h.
 */
#include "console_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qemu.h"
#include "rundir.h"
#include "term.h"

#define WHO           "popek run"
#define READ_SIZE     1024
#define QUIT_GRACE_MS 2000 /* after Ctrl-A x, before QEMU gets SIGTERM, then SIGKILL */

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void client_drop(struct console_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->pending);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

/* Sends what the client has pending; false when it has gone away. */
static bool client_flush(struct console_client *cl)
{
	while (cl->len) {
		ssize_t n = send(cl->fd, cl->pending, cl->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			memmove(cl->pending, cl->pending + n, cl->len - (size_t)n);
			cl->len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return true;
		} else if (n < 0 && errno != EINTR) {
			return false;
		}
	}
	return true;
}

/*
 * A client that no longer takes output (`printf ... | popek console`, which
 * closes as soon as it has sent) may still have input in its socket, sent
 * before the launcher accepted it: that input is read to its end first.
 */
static void client_output_gone(struct console_client *cl)
{
	cl->output_gone = true;
	cl->len = 0;
	if (cl->input_ended)
		client_drop(cl);
}

/* Output for one client: sent now if it can take it, queued if not, cut off if it never does. */
static void client_send(struct console_client *cl, const char *buf, size_t n)
{
	if (cl->output_gone)
		return;
	if (cl->len + n > CONSOLE_CLIENT_QUEUE) {
		client_drop(cl);
		return;
	}
	memcpy(cl->pending + cl->len, buf, n);
	cl->len += n;
	if (!client_flush(cl))
		client_output_gone(cl);
}

/* console.c's vm_hook: VM `vm`'s exact bytes. */
static void server_vm_output(void *arg, unsigned vm, const char *buf, size_t n)
{
	struct console_server *s = arg;
	char *b = s->backlog[vm].buf;
	size_t *len = &s->backlog[vm].len;

	for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++) {
		if (s->clients[i].fd >= 0 && s->clients[i].vm == vm)
			client_send(&s->clients[i], buf, n);
	}
	if (n >= CONSOLE_BACKLOG) {
		memcpy(b, buf + n - CONSOLE_BACKLOG, CONSOLE_BACKLOG);
		*len = CONSOLE_BACKLOG;
		return;
	}
	if (*len + n > CONSOLE_BACKLOG) {
		size_t drop = *len + n - CONSOLE_BACKLOG;
		memmove(b, b + drop, *len - drop);
		*len -= drop;
	}
	memcpy(b + *len, buf, n);
	*len += n;
}

static int listen_on(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* ctl_server's way to popek: a request line, framed for the control channel. */
static bool server_to_popek(void *arg, const char *line, size_t n)
{
	struct console_server *s = arg;
	if (s->enc.qemu_monitor || CONSOLE_QUEUE - s->len < CONSOLE_INPUT_MAX(n))
		return false;
	s->len += console_input_encode(&s->enc, CONSOLE_INPUT_CTL, line, n, s->queue + s->len);
	return true;
}

/* gdb_server's way to popek: a debugger's bytes, framed for its VM's stub. */
static bool server_gdb_to_popek(void *arg, unsigned vm, const char *buf, size_t n)
{
	struct console_server *s = arg;
	if (s->enc.qemu_monitor || CONSOLE_QUEUE - s->len < CONSOLE_INPUT_MAX(n))
		return false;
	s->len +=
	    console_input_encode(&s->enc, CONSOLE_INPUT_GDB0 - (int)vm, buf, n, s->queue + s->len);
	return true;
}

static void server_gdb_output(void *arg, unsigned vm, const char *buf, size_t n)
{
	gdb_server_output(arg, vm, buf, n);
}

/* ctl_server's gdb_on: popek switched a VM's stub on (`gdb NAME`). */
static void server_gdb_on(void *arg, const char *vm)
{
	struct console_server *s = arg;
	for (unsigned i = 0; i < s->nvms; i++) {
		if (strcmp(s->names[i], vm) == 0)
			gdb_server_listen(&s->gdb, i);
	}
}

void console_server_gdb(struct console_server *s, const bool *want, const char *const *symbols)
{
	gdb_server_open(&s->gdb, s->dir, s->names, want, symbols, s->nvms, server_gdb_to_popek, s);
	s->ctl.gdb_on = server_gdb_on;
	s->con->gdb_hook = server_gdb_output;
	s->con->gdb_hook_arg = &s->gdb;
}

void console_server_open(struct console_server *s, struct console *con, const char *const *names,
                         unsigned nvms)
{
	memset(s, 0, sizeof(*s));
	s->con = con;
	s->names = names;
	s->nvms = nvms < CONSOLE_MAX_VMS ? nvms : CONSOLE_MAX_VMS;
	s->qemu_in = -1;
	s->term_fd = -1;
	console_input_init(&s->enc);
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++)
		s->listen_fd[i] = s->gdb.listen_fd[i] = s->gdb.client_fd[i] = -1;
	for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	con->vm_hook = server_vm_output;
	con->vm_hook_arg = s;

	s->dir = rundir_create(WHO);
	ctl_server_open(&s->ctl, s->dir, server_to_popek, s);
	con->ctl_hook = ctl_server_records;
	con->ctl_hook_arg = &s->ctl;
	if (!s->dir) {
		fprintf(stderr, WHO ": going on without `popek console` sockets\n");
		return;
	}
	for (unsigned i = 0; i < s->nvms; i++) {
		struct sockaddr_un a;
		char path[sizeof(a.sun_path)];
		if (!rundir_socket_path(s->dir, names[i], path, sizeof(path))) {
			fprintf(stderr,
			        WHO ": %s/%s.sock is too long for a socket; set XDG_RUNTIME_DIR "
			            "to a shorter folder to attach to VM %s\n",
			        s->dir, names[i], names[i]);
			continue;
		}
		if ((s->listen_fd[i] = listen_on(path)) < 0)
			fprintf(stderr, WHO ": cannot listen on %s: %s\n", path, strerror(errno));
	}
}

static void server_accept(struct console_server *s, unsigned vm)
{
	static const char full[] = "popek run: too many consoles attached\r\n";
	int fd = accept4(s->listen_fd[vm], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct console_client *cl = NULL;

	if (fd < 0)
		return;
	for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS && !cl; i++) {
		if (s->clients[i].fd < 0)
			cl = &s->clients[i];
	}
	if (!cl) {
		send(fd, full, sizeof(full) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		return;
	}
	cl->pending = malloc(CONSOLE_CLIENT_QUEUE);
	if (!cl->pending)
		abort();
	cl->fd = fd;
	cl->vm = vm;
	client_send(cl, s->backlog[vm].buf, s->backlog[vm].len);
}

/* Whether another read of READ_SIZE bytes, encoded, fits in the queue for QEMU. */
static bool queue_room(const struct console_server *s)
{
	return CONSOLE_QUEUE - s->len >= CONSOLE_INPUT_MAX(READ_SIZE);
}

/* Reads input from `fd` for `dest`; returns the byte count, 0 at its end, -1 on error. */
static ssize_t server_read_input(struct console_server *s, int fd, int dest)
{
	char buf[READ_SIZE];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0)
		s->len += console_input_encode(&s->enc, dest, buf, (size_t)n, s->queue + s->len);
	return n;
}

static void queue_flush(struct console_server *s)
{
	ssize_t n = write(s->qemu_in, s->queue, s->len);

	if (n > 0) {
		memmove(s->queue, s->queue + n, s->len - (size_t)n);
		s->len -= (size_t)n;
	} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		s->len = 0; /* QEMU is gone: its output is about to end too */
	}
}

enum {
	P_QEMU_OUT,
	P_QEMU_IN,
	P_TERM,
	P_LISTEN,
	P_CLIENT = P_LISTEN + CONSOLE_MAX_VMS,
	P_CTL = P_CLIENT + CONSOLE_MAX_CLIENTS,
	P_GDB = P_CTL + CTL_POLLFDS,
	P_COUNT = P_GDB + GDB_POLLFDS
};

int console_server_serve(void *server, int qemu_in, int qemu_out)
{
	struct console_server *s = server;
	struct pollfd p[P_COUNT];
	long long quit_at = -1; /* when QEMU gets the next signal after a Ctrl-A x */
	int quit_signal = SIGTERM;

	s->qemu_in = qemu_in;
	/* a terminal in the background is not ours to read: it would stop us with SIGTTIN */
	s->term_fd = isatty(STDIN_FILENO) && !term_is_ours(STDIN_FILENO) ? -1 : STDIN_FILENO;
	if (s->term_fd >= 0 && term_raw(s->term_fd, false) && s->dir)
		fprintf(stderr,
		        WHO ": Ctrl-A x quits; `popek console NAME` attaches to one VM from "
		            "another shell (run %d)\r\n",
		        (int)getpid());

	for (;;) {
		bool room = queue_room(s);
		p[P_QEMU_OUT] = (struct pollfd){.fd = qemu_out, .events = POLLIN};
		p[P_QEMU_IN] = (struct pollfd){.fd = s->len ? qemu_in : -1, .events = POLLOUT};
		p[P_TERM] = (struct pollfd){.fd = room ? s->term_fd : -1, .events = POLLIN};
		for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++)
			p[P_LISTEN + i] = (struct pollfd){.fd = s->listen_fd[i], .events = POLLIN};
		for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++) {
			const struct console_client *cl = &s->clients[i];
			/* while QEMU's monitor has the input, a client's bytes wait in its socket */
			bool reading = room && !cl->input_ended && !s->enc.qemu_monitor;
			short ev = (reading ? POLLIN : 0) | (cl->len ? POLLOUT : 0);
			/* a hang-up it cannot act on yet must not wake the loop over and over */
			p[P_CLIENT + i] = (struct pollfd){.fd = ev || cl->input_ended ? cl->fd : -1,
			                                  .events = ev};
		}

		ctl_server_poll(&s->ctl, &p[P_CTL], room && !s->enc.qemu_monitor);
		gdb_server_poll(&s->gdb, &p[P_GDB], room && !s->enc.qemu_monitor);

		int timeout = -1;
		if (s->enc.quit && quit_at < 0)
			quit_at = now_ms() + QUIT_GRACE_MS;
		if (quit_at >= 0) {
			long long left = quit_at - now_ms();
			if (left <= 0) {
				qemu_signal(quit_signal);
				quit_signal = SIGKILL;
				quit_at = now_ms() + QUIT_GRACE_MS;
				left = QUIT_GRACE_MS;
			}
			timeout = (int)left;
		}
		if (poll(p, P_COUNT, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}

		if (p[P_QEMU_OUT].revents) {
			char buf[4096];
			ssize_t n = read(qemu_out, buf, sizeof(buf));
			if (n > 0)
				console_output(s->con, buf, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				break; /* QEMU has exited */
		}
		if (p[P_QEMU_IN].revents)
			queue_flush(s);
		if (p[P_TERM].revents && queue_room(s)) {
			ssize_t n = server_read_input(s, s->term_fd, CONSOLE_INPUT_TERM);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				s->term_fd = -1; /* end of input, not of the run */
		}
		for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++) {
			struct console_client *cl = &s->clients[i];
			short ev = p[P_CLIENT + i].revents;
			if (cl->fd < 0 || cl->fd != p[P_CLIENT + i].fd || !ev)
				continue;
			if (ev & POLLOUT && !client_flush(cl)) {
				client_output_gone(cl);
				if (cl->fd < 0)
					continue;
			}
			if (ev & (POLLIN | POLLHUP | POLLERR) && !cl->input_ended &&
			    queue_room(s) && !s->enc.qemu_monitor) {
				ssize_t n = server_read_input(s, cl->fd, (int)cl->vm);
				if (n == 0 && cl->output_gone)
					client_drop(cl);
				else if (n == 0)
					cl->input_ended = true; /* it still gets the output */
				else if (n < 0 && errno != EINTR && errno != EAGAIN)
					client_drop(cl);
			} else if (ev & (POLLHUP | POLLERR) && cl->input_ended) {
				client_drop(cl);
			}
		}
		ctl_server_handle(&s->ctl, &p[P_CTL]);
		gdb_server_handle(&s->gdb, &p[P_GDB]);
		/* after the clients: a slot freed above may be taken again */
		for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++) {
			if (p[P_LISTEN + i].revents)
				server_accept(s, i);
		}
		if (s->len)
			queue_flush(s);
	}
	term_restore();
	return 0;
}

void console_server_close(struct console_server *s)
{
	term_restore();
	ctl_server_close(&s->ctl);
	gdb_server_close(&s->gdb);
	for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++) {
		if (s->clients[i].fd >= 0)
			client_drop(&s->clients[i]);
	}
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++) {
		if (s->listen_fd[i] >= 0)
			close(s->listen_fd[i]);
		s->listen_fd[i] = -1;
	}
	if (s->dir)
		rundir_remove(s->dir);
	free(s->dir);
	s->dir = NULL;
	if (s->con) {
		s->con->vm_hook = NULL;
		s->con->ctl_hook = NULL;
		s->con->gdb_hook = NULL;
	}
}
