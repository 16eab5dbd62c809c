/* A bare run's QEMU monitor, and its QMP: see qemu_mon.h. */
#include "qemu_mon.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rundir.h"

#define PROMPT     "(qemu) "
#define TIMEOUT_MS 20000

/* Reads until the monitor's prompt; false when the socket ends or it takes too long. */
static bool wait_prompt(int fd)
{
	char tail[sizeof(PROMPT)] = "";
	size_t have = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char c;
		if (poll(&p, 1, TIMEOUT_MS) <= 0 || read(fd, &c, 1) != 1)
			return false;
		/* the last strlen(PROMPT) bytes, to spot the prompt however the output is cut */
		if (have < sizeof(PROMPT) - 1) {
			tail[have++] = c;
		} else {
			memmove(tail, tail + 1, sizeof(PROMPT) - 2);
			tail[sizeof(PROMPT) - 2] = c;
		}
		tail[have] = '\0';
		if (have == sizeof(PROMPT) - 1 && strcmp(tail, PROMPT) == 0)
			return true;
	}
}

int qemu_mon_run(const char *who, const char *dir, const char *const *cmds, int n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, RUNDIR_QEMU_MON) >=
	    sizeof(a.sun_path)) {
		fprintf(stderr, "%s: %s/%s is too long a path for a socket\n", who, dir,
		        RUNDIR_QEMU_MON);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n", who, a.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	bool ok = wait_prompt(fd);
	for (int i = 0; i < n && ok; i++) {
		size_t len = strlen(cmds[i]);
		ok = send(fd, cmds[i], len, MSG_NOSIGNAL) == (ssize_t)len &&
		     send(fd, "\n", 1, MSG_NOSIGNAL) == 1 && wait_prompt(fd);
	}
	close(fd);
	if (!ok)
		fprintf(stderr, "%s: QEMU's monitor at %s did not answer\n", who, a.sun_path);
	return ok ? 0 : -1;
}

/* One line from QMP (its \r\n dropped) into line; false when the socket ends or is slow. */
static bool qmp_line(int fd, char *line, size_t size)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char c;
		if (poll(&p, 1, TIMEOUT_MS) <= 0 || read(fd, &c, 1) != 1)
			return false;
		if (c == '\n')
			break;
		if (c != '\r' && n + 1 < size)
			line[n++] = c;
	}
	line[n] = '\0';
	return true;
}

/* Waits for the answer to what was sent, past any event; NULL when it returned, else why not. */
static const char *qmp_answer(int fd, char *line, size_t size)
{
	while (qmp_line(fd, line, size)) {
		if (strncmp(line, "{\"return\"", 9) == 0)
			return NULL;
		if (strncmp(line, "{\"error\"", 8) == 0)
			return line;
	}
	return "no answer";
}

int qemu_qmp_run(const char *who, const char *dir, const char *const *cmds, int n)
{
	static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char line[1024];
	const char *why = NULL;
	int fd;

	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, RUNDIR_QEMU_QMP) >=
	    sizeof(a.sun_path)) {
		fprintf(stderr, "%s: %s/%s is too long a path for a socket\n", who, dir,
		        RUNDIR_QEMU_QMP);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n", who, a.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* the greeting ({"QMP": ...}), then capabilities, then the commands */
	if (!qmp_line(fd, line, sizeof(line)))
		why = "no greeting";
	else if (send(fd, caps, sizeof(caps) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(caps) - 1)
		why = "closed";
	else
		why = qmp_answer(fd, line, sizeof(line));
	for (int i = 0; i < n && !why; i++) {
		size_t len = strlen(cmds[i]);
		if (send(fd, cmds[i], len, MSG_NOSIGNAL) != (ssize_t)len ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
			why = "closed";
		else
			why = qmp_answer(fd, line, sizeof(line));
	}
	close(fd);
	if (why)
		fprintf(stderr, "%s: QEMU's QMP at %s: %s\n", who, a.sun_path, why);
	return why ? -1 : 0;
}
