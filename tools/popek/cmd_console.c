/*
 * `popek console NAME [--run DIR|PID]`: from another shell, attach to the
 * terminal of VM NAME in a running `popek run`, like `virsh console`.
 *
 * The run listens on RUNDIR/NAME.sock (rundir.h, console_server.h).  The
 * socket carries plain bytes both ways: from the run, exactly what the VM
 * writes (the bytes of DIR/NAME.log), starting with the last few KiB it
 * wrote before we attached; to the run, what is typed here, which goes to
 * that VM alone.  This terminal is in raw mode meanwhile (term.h) and is
 * restored on every way out.  Ctrl-] is the detach prefix
 * (console_input.h): Ctrl-] q detaches and leaves everything running.
 *
 * With standard input not a terminal, its bytes are sent as they are
 * (Ctrl-] q still detaches); at its end the sending side of the socket is
 * shut and the VM's output is shown until the run ends.
 */
#include "cmd_console.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "console_input.h"
#include "rundir.h"
#include "term.h"

#define WHO "popek console"

static struct {
	const char *run;
} opt;

static const struct option_spec console_options[] = {
    {"run", 'r', OPTION_STRING, &opt.run, "DIR|PID",
     "the run to attach to: its run directory or its PID (default: the latest run)"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_console_spec = {
    .name = "console",
    .args = "NAME",
    .summary = "attach to one VM's terminal of a running popek run",
    .description = "Shows what VM NAME writes, from a few KiB before now on, and sends what is\n"
                   "typed to that VM alone; the other VMs and the operator console go on as they\n"
                   "were.  Ctrl-] q (or Ctrl-] .) detaches and leaves the VM running; Ctrl-]\n"
                   "Ctrl-] sends one Ctrl-].  Several consoles may attach to one VM at once: each\n"
                   "sees all its output, and what any of them types goes to it.\n"
                   "\n"
                   "A run is found in $XDG_RUNTIME_DIR/popek/PID (else /tmp/popek-UID/PID), where\n"
                   "each VM has a socket NAME.sock; without --run, 'current' there names the run\n"
                   "started last.  Exits 0 when detached or when the run ends, 1 when there is no\n"
                   "such run or VM.\n",
    .options = console_options,
    .min_args = 1,
    .max_args = 1,
};

static bool write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w > 0) {
			buf += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			poll(&p, 1, -1);
		} else if (w < 0 && errno != EINTR) {
			return false;
		}
	}
	return true;
}

/* The VMs a run directory has sockets for, for a message. */
static void list_vms(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	const char *sep = "";

	fprintf(stderr, " (its VMs:");
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 5 && strcmp(e->d_name + n - 5, ".sock") == 0) {
			fprintf(stderr, "%s %.*s", sep, (int)(n - 5), e->d_name);
			sep = ",";
		}
	}
	if (d)
		closedir(d);
	fprintf(stderr, ")\n");
}

static int attach(const char *dir, const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (!rundir_socket_path(dir, name, a.sun_path, sizeof(a.sun_path))) {
		fprintf(stderr, WHO ": %s/%s.sock is too long a path for a socket\n", dir, name);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	if (errno == ENOENT) {
		fprintf(stderr, WHO ": the run in %s has no VM '%s'", dir, name);
		list_vms(dir);
	} else if (errno == ECONNREFUSED) {
		fprintf(stderr, WHO ": the run in %s has ended (nothing listens on %s)\n", dir,
		        a.sun_path);
	} else {
		fprintf(stderr, WHO ": cannot connect to %s: %s\n", a.sun_path, strerror(errno));
	}
	close(fd);
	return -1;
}

/* Returns true when the user detached, false when the run closed the connection. */
static bool console_loop(int sock, int in)
{
	struct console_escape esc = {0};
	char buf[4096], out[sizeof(buf) + 1];

	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = in, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[0].revents) {
			ssize_t n = read(sock, buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EINTR))
				return false;
			if (n > 0 && !write_all(STDOUT_FILENO, buf, (size_t)n))
				return true; /* nobody reads what we show: leave quietly */
		}
		if (p[1].revents) {
			ssize_t n = read(in, buf, sizeof(buf));
			size_t k;
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				shutdown(sock,
				         SHUT_WR); /* no more input: keep showing the output */
				in = -1;
				continue;
			}
			if (n < 0)
				continue;
			bool detach = console_escape_feed(&esc, buf, (size_t)n, out, &k);
			if (k && send(sock, out, k, MSG_NOSIGNAL) < 0 && errno == EPIPE)
				return false;
			if (detach)
				return true;
		}
	}
}

int cmd_console(int argc, char **argv)
{
	char **args;
	int nargs;

	enum options_result parsed = options_parse(&cmd_console_spec, argc, argv, &args, &nargs);
	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);
	const char *name = args[0];
	char *dir = rundir_find(WHO, opt.run);
	if (!dir)
		return 1;
	int sock = attach(dir, name);
	if (sock < 0) {
		free(dir);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* a terminal we are in the background of is not ours to read */
	int in = isatty(STDIN_FILENO) && !term_is_ours(STDIN_FILENO) ? -1 : STDIN_FILENO;
	bool raw = in >= 0 && term_raw(in, true);
	fprintf(stderr, WHO ": attached to VM %s (%s)%s\r\n", name, dir,
	        raw ? "; Ctrl-] q detaches" : "");
	bool detached = console_loop(sock, in);
	term_restore();
	fprintf(stderr,
	        detached ? "\r\n" WHO ": detached from VM %s\n"
	                 : "\r\n" WHO ": the run of VM %s has ended\n",
	        name);
	close(sock);
	free(dir);
	return 0;
}
