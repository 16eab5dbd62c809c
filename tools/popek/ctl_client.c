/* The control socket's client side, shared by popek ctl, screenshot and key: see ctl_client.h. */
#include "ctl_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_server.h"

int ctl_client_connect_at(const char *who, const char *dir, const char *name)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, name) >=
	    sizeof(a.sun_path)) {
		fprintf(stderr, "%s: %s/%s is too long a path for a socket\n", who, dir, name);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	fprintf(stderr, "%s: cannot connect to %s: %s\n", who, a.sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int ctl_client_connect(const char *who, const char *dir)
{
	return ctl_client_connect_at(who, dir, CTL_SOCKET);
}

/* The next line from the socket into buf (NUL-terminated, newline dropped); false at its end. */
bool ctl_client_read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
	}
	buf[n] = '\0';
	return true;
}

/* The string value of "key" in a flat JSON answer, unescaped enough for showing; or "". */
void ctl_client_field(const char *json, const char *key, char *out, size_t size)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(json, pat);
	size_t n = 0;
	out[0] = '\0';
	if (!p)
		return;
	p += strlen(pat);
	bool quoted = *p == '"';
	p += quoted;
	for (; *p && n + 1 < size; p++) {
		if (quoted && *p == '"')
			break;
		if (!quoted && (*p == ',' || *p == '}'))
			break;
		if (quoted && *p == '\\' && p[1])
			p++;
		out[n++] = *p;
	}
	out[n] = '\0';
}
