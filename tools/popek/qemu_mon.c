/* A bare run's QEMU monitor, and its QMP: see qemu_mon.h. */
#include "qemu_mon.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_client.h"
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
	int fd = ctl_client_connect_at(who, dir, RUNDIR_QEMU_MON);

	if (fd < 0)
		return -1;
	bool ok = wait_prompt(fd);
	for (int i = 0; i < n && ok; i++) {
		size_t len = strlen(cmds[i]);
		ok = send(fd, cmds[i], len, MSG_NOSIGNAL) == (ssize_t)len &&
		     send(fd, "\n", 1, MSG_NOSIGNAL) == 1 && wait_prompt(fd);
	}
	close(fd);
	if (!ok)
		fprintf(stderr, "%s: QEMU's monitor at %s/%s did not answer\n", who, dir,
		        RUNDIR_QEMU_MON);
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
	char line[1024];
	const char *why = NULL;
	int fd = ctl_client_connect_at(who, dir, RUNDIR_QEMU_QMP);

	if (fd < 0)
		return -1;
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
		fprintf(stderr, "%s: QEMU's QMP at %s/%s: %s\n", who, dir, RUNDIR_QEMU_QMP, why);
	return why ? -1 : 0;
}
