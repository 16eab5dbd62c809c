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

#include "ctl_client.h"
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
    .description =
        "Commands: list (each VM's state, virtual mode, traps, restarts), pause NAME,\n"
        "resume NAME, reset NAME, ipl NAME, stop NAME, gdb NAME (switch the VM's\n"
        "debugger stub on: RUNDIR/NAME.gdb, popek gdb NAME), and events (every VM\n"
        "event from now until the run ends: started, stopped, wedged, rebooted,\n"
        "paused, resumed, gdb).  Talks to the run's control socket RUNDIR/popek.ctl, which takes\n"
        "one JSON request a line (docs/operating.md).  Exits 0 when popek says ok,\n"
        "1 when it refuses (the reason on stderr) or there is no such run.\n",
    .options = ctl_options,
    .min_args = 1,
    .max_args = 2,
};

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
		ctl_client_field(el, "name", name, sizeof(name));
		ctl_client_field(el, "state", state, sizeof(state));
		ctl_client_field(el, "mode", mode, sizeof(mode));
		ctl_client_field(el, "traps", traps, sizeof(traps));
		ctl_client_field(el, "restarts", restarts, sizeof(restarts));
		ctl_client_field(el, "memory_mib", mib, sizeof(mib));
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
	int fd = ctl_client_connect(WHO, dir);
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
	while (ctl_client_read_line(fd, line, sizeof(line))) {
		char ev[32], vm[64], why[512];
		if (strncmp(line, "{\"event\":", 9) == 0) {
			ctl_client_field(line, "event", ev, sizeof(ev));
			ctl_client_field(line, "vm", vm, sizeof(vm));
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
			ctl_client_field(line, "error", why, sizeof(why));
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
