/*
 * `popek ctl`: the control socket's command-line client (docs/operating.md).
 * It sends one request, {"cmd":COMMAND[,"vm":NAME]}, prints the answer (the
 * answer's JSON as it is with --json), and exits 0 when it says ok, 1 when
 * not.  `events` prints every VM event from then on until the run ends.
 */
#include "cmd_ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_json.h"
#include "ctl_server.h"
#include "rundir.h"

#define WHO "popek ctl"

static struct {
	const char *run;
	bool json;
} opt;

static const struct option_spec ctl_options[] = {
    {"run", 'r', OPTION_STRING, &opt.run, "DIR|PID",
     "the run to operate: its run directory or its PID (default: the latest run)"},
    {"json", 'j', OPTION_FLAG, &opt.json, NULL, "print the answers' JSON lines as they are"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_ctl_spec = {
    .name = "ctl",
    .args = "COMMAND [NAME]",
    .summary = "operate the VMs of a running popek run",
    .description = "Commands: list (each VM's state, virtual mode, traps, restarts), pause NAME,\n"
                   "resume NAME, reset NAME, ipl NAME, stop NAME, and events (every VM event\n"
                   "from now until the run ends: started, stopped, wedged, rebooted, paused,\n"
                   "resumed).  Talks to the run's control socket RUNDIR/popek.ctl, which takes\n"
                   "one JSON request a line (docs/operating.md).  Exits 0 when popek says ok,\n"
                   "1 when it refuses (the reason on stderr) or there is no such run.\n",
    .options = ctl_options,
    .min_args = 1,
    .max_args = 2,
};

static int ctl_connect(const char *dir)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, CTL_SOCKET) >=
	    sizeof(a.sun_path)) {
		fprintf(stderr, WHO ": %s/%s is too long a path for a socket\n", dir, CTL_SOCKET);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	fprintf(stderr, WHO ": cannot connect to %s: %s\n", a.sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The next line from the socket into buf (NUL-terminated, newline dropped); false at its end. */
static bool read_line(int fd, char *buf, size_t size)
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
static void field(const char *json, const char *key, char *out, size_t size)
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

/* The list's VMs, one line each. */
static void show_list(const char *json)
{
	const char *p = strstr(json, "\"vms\":[");
	printf("%-16s %-10s %-4s %14s %8s %8s\n", "NAME", "STATE", "MODE", "TRAPS", "RESTARTS",
	       "MIB");
	while (p && (p = strstr(p, "{\"name\":"))) {
		char name[64], state[32], mode[8], traps[24], restarts[16], mib[16];
		const char *end = strchr(p, '}');
		char el[512];
		size_t n = end ? (size_t)(end - p + 1) : strlen(p);
		snprintf(el, sizeof(el), "%.*s", (int)n, p);
		field(el, "name", name, sizeof(name));
		field(el, "state", state, sizeof(state));
		field(el, "mode", mode, sizeof(mode));
		field(el, "traps", traps, sizeof(traps));
		field(el, "restarts", restarts, sizeof(restarts));
		field(el, "memory_mib", mib, sizeof(mib));
		printf("%-16s %-10s %-4s %14s %8s %8s\n", name, state, mode, traps, restarts, mib);
		p += n;
	}
}

int cmd_ctl(int argc, char **argv)
{
	char **args;
	int nargs;
	enum options_result parsed = options_parse(&cmd_ctl_spec, argc, argv, &args, &nargs);
	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);
	char req[256];
	struct ctl_out o;
	ctl_out_init(&o, req, sizeof(req));
	ctl_out_raw(&o, "{\"cmd\":");
	ctl_out_str(&o, args[0]);
	if (nargs > 1) {
		ctl_out_raw(&o, ",\"vm\":");
		ctl_out_str(&o, args[1]);
	}
	ctl_out_raw(&o, "}\n");
	if (o.overflow) {
		fprintf(stderr, WHO ": command or name too long\n");
		return 1;
	}

	char *dir = rundir_find(WHO, opt.run);
	if (!dir)
		return 1;
	int fd = ctl_connect(dir);
	free(dir);
	if (fd < 0)
		return 1;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, WHO ": cannot send the request: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	static char line[CTL_REPLY_MAX + 256];
	bool events = strcmp(args[0], "events") == 0;
	int status = 1;
	while (read_line(fd, line, sizeof(line))) {
		char ev[32], vm[64], why[512];
		if (strncmp(line, "{\"event\":", 9) == 0) {
			field(line, "event", ev, sizeof(ev));
			field(line, "vm", vm, sizeof(vm));
			if (opt.json)
				printf("%s\n", line);
			else
				printf("%s %s\n", vm, ev);
			fflush(stdout);
			continue;
		}
		bool ok = strncmp(line, "{\"ok\":true", 10) == 0;
		status = ok ? 0 : 1;
		if (opt.json) {
			printf("%s\n", line);
		} else if (!ok) {
			field(line, "error", why, sizeof(why));
			fprintf(stderr, WHO ": %s\n", why);
		} else if (strcmp(args[0], "list") == 0) {
			show_list(line);
		} else if (!events) {
			printf("ok\n");
		}
		fflush(stdout);
		if (!events || !ok)
			break;
	}
	close(fd);
	return status;
}
