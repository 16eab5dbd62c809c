/*
 * `popek key`: text typed on a VM's virtual keyboard, one key press and
 * release a character, with Shift held around it where the US layout wants
 * it (keymap.c): any printable ASCII text, and newline (Enter).
 */
#include "cmd_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_client.h"
#include "ctl_json.h"
#include "ctl_server.h"
#include "keymap.h"
#include "qemu_mon.h"
#include "rundir.h"

#define WHO         "popek key"
#define KEY_PACE_US 60000

static struct {
	const char *run;
	bool real;
} opt;

static const struct option_spec key_options[] = {
    {"run", 'r', OPTION_STRING, &opt.run, "DIR|PID",
     "the run: its run directory or its PID (default: the latest run)"},
    {"real", 'R', OPTION_FLAG, &opt.real, NULL,
     "type on the real keyboard (the VM with the focus gets it): TEXT only"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_key_spec = {
    .name = "key",
    .args = "NAME TEXT | --real TEXT",
    .summary = "type text on a VM's keyboard",
    .description = "Types TEXT on the virtual keyboard of VM NAME (display = WxH), one key a\n"
                   "character as on a US keyboard, Shift held for upper case and the shifted\n"
                   "symbols: any printable ASCII, and \\n for Enter.  Under popek through the\n"
                   "run's control socket; on a bare run through QEMU's monitor (sendkey), so\n"
                   "that both guests see the same keys.\n",
    .options = key_options,
    .min_args = 1,
    .max_args = 2,
};

/* "\n" in the argument is Enter. */
static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		abort();
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static int type_ctl(const char *dir, const char *vm, const char *text)
{
	int fd = ctl_client_connect(WHO, dir);
	char line[1024], why[512];
	struct keymap_key k;

	if (fd < 0)
		return -1;
	for (const char *c = text; *c; c++) {
		char req[256];
		struct ctl_out o;

		keymap_lookup(*c, &k);
		ctl_out_init(&o, req, sizeof(req));
		ctl_out_raw(&o, "{\"cmd\":\"key\",\"vm\":");
		ctl_out_str(&o, vm);
		ctl_out_raw(&o, ",\"key\":%u", k.code);
		if (k.shift)
			ctl_out_raw(&o, ",\"with\":%u", KEYMAP_SHIFT);
		ctl_out_raw(&o, "}\n");
		if (o.overflow ||
		    send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req) ||
		    !ctl_client_read_line(fd, line, sizeof(line))) {
			fprintf(stderr, WHO ": the run's control socket did not answer\n");
			close(fd);
			return -1;
		}
		if (strncmp(line, "{\"ok\":true", 10) != 0) {
			ctl_client_field(line, "error", why, sizeof(why));
			fprintf(stderr, WHO ": %s\n", why);
			close(fd);
			return -1;
		}
		/*
		 * A typist's pace (QEMU's sendkey holds a key 100 ms): the guest gets to
		 * take the events and give its buffers back, or the keyboard drops
		 * reports it has no buffers for, as the board's does.
		 */
		usleep(KEY_PACE_US);
	}
	close(fd);
	return 0;
}

static int type_bare(const char *dir, const char *text)
{
	size_t n = strlen(text);
	char(*cmds)[32] = calloc(n ? n : 1, sizeof(*cmds));
	const char **list = calloc(n ? n : 1, sizeof(*list));
	struct keymap_key k;
	int r;

	if (!cmds || !list)
		abort();
	for (size_t i = 0; i < n; i++) {
		keymap_lookup(text[i], &k);
		snprintf(cmds[i], sizeof(cmds[i]), "sendkey %s%s", k.shift ? "shift-" : "", k.qemu);
		list[i] = cmds[i];
	}
	r = qemu_mon_run(WHO, dir, list, (int)n);
	free(cmds);
	free(list);
	return r;
}

int cmd_key(int argc, char **argv)
{
	char **args;
	int nargs, r;
	struct keymap_key k;
	enum options_result parsed = options_parse(&cmd_key_spec, argc, argv, &args, &nargs);

	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);
	if (nargs != (opt.real ? 1 : 2)) {
		fprintf(stderr, WHO ": %s (see popek key --help)\n",
		        opt.real ? "--real takes TEXT alone" : "NAME and TEXT, please");
		return 2;
	}
	char *text = unescape(args[nargs - 1]);
	for (const char *c = text; *c; c++) {
		if (!keymap_lookup(*c, &k)) {
			fprintf(stderr, WHO ": no key types byte 0x%02x (see popek key --help)\n",
			        (unsigned char)*c);
			free(text);
			return 1;
		}
	}
	char *dir = rundir_find(WHO, opt.run);
	if (!dir) {
		free(text);
		return 1;
	}
	char path[4200];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, CTL_SOCKET);
	if (stat(path, &st) == 0 && !opt.real)
		r = type_ctl(dir, args[0], text);
	else
		r = type_bare(dir, text);
	free(dir);
	free(text);
	return r == 0 ? 0 : 1;
}
