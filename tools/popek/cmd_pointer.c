/*
 * `popek pointer`: a VM's tablet moved to a point of its screen, and a button
 * clicked there.  Under popek through the control socket (popek scales the
 * point as the board's tablet does); on a bare run, or on the real tablet
 * (--real), through QEMU's QMP input-send-event, scaled here the same way
 * (QEMU's qemu_input_scale_axis: x * 32767 / width), so both guests see the
 * same events.
 */
#include "cmd_pointer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_client.h"
#include "ctl_json.h"
#include "ctl_server.h"
#include "qemu_mon.h"
#include "rundir.h"
#include "shot.h"

#define WHO     "popek pointer"
#define ABS_MAX 32767 /* the board tablet's axes: 0 to INPUT_EVENT_ABS_MAX */

static struct {
	const char *run;
	bool real;
} opt;

static const struct option_spec pointer_options[] = {
    {"run", 'r', OPTION_STRING, &opt.run, "DIR|PID",
     "the run: its run directory or its PID (default: the latest run)"},
    {"real", 'R', OPTION_FLAG, &opt.real, NULL,
     "the real tablet, X and Y on the real screen (the VM with the focus gets it)"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_pointer_spec = {
    .name = "pointer",
    .args = "NAME X Y [BUTTON] | --real X Y [BUTTON]",
    .summary = "move a VM's tablet, click a button",
    .description = "Moves the tablet of VM NAME (display = WxH) to pixel (X, Y) of its screen,\n"
                   "and with BUTTON (left, right or middle) clicks it there: pressed with the\n"
                   "move, released after.  Under popek through the run's control socket; on a\n"
                   "bare run through QEMU's QMP (input-send-event), scaled as QEMU scales a\n"
                   "window's pointer, so that both guests see the same events.  --real moves\n"
                   "the real tablet to (X, Y) of the real screen: popek gives the VM with the\n"
                   "focus the point of its screen under it (the status bar is not the VM's).\n",
    .options = pointer_options,
    .min_args = 2,
    .max_args = 4,
};

static const char *const button_names[] = {"left", "right", "middle"};

static bool coord(const char *s, unsigned *v)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (!*s || *end || *s == '-' || n > CTL_COORD_MAX)
		return false;
	*v = (unsigned)n;
	return true;
}

static int ctl_pointer(int fd, const char *vm, unsigned x, unsigned y, unsigned buttons)
{
	char req[256], line[1024], why[512];
	struct ctl_out o;

	ctl_out_init(&o, req, sizeof(req));
	ctl_out_raw(&o, "{\"cmd\":\"pointer\",\"vm\":");
	ctl_out_str(&o, vm);
	ctl_out_raw(&o, ",\"x\":%u,\"y\":%u,\"buttons\":%u}\n", x, y, buttons);
	if (o.overflow || send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req) ||
	    !ctl_client_read_line(fd, line, sizeof(line))) {
		fprintf(stderr, WHO ": the run's control socket did not answer\n");
		return -1;
	}
	if (strncmp(line, "{\"ok\":true", 10) != 0) {
		ctl_client_field(line, "error", why, sizeof(why));
		fprintf(stderr, WHO ": %s\n", why);
		return -1;
	}
	return 0;
}

/* Under popek: the move with the button down, then its release. */
static int point_ctl(const char *dir, const char *vm, unsigned x, unsigned y, int button)
{
	int fd = ctl_client_connect(WHO, dir);
	int r;

	if (fd < 0)
		return -1;
	r = ctl_pointer(fd, vm, x, y, button < 0 ? 0 : 1u << button);
	if (r == 0 && button >= 0)
		r = ctl_pointer(fd, vm, x, y, 0);
	close(fd);
	return r;
}

/* QEMU's screen, its size learnt from a screendump (the display's, or the real one's). */
static int screen_size(const char *dir, unsigned *w, unsigned *h)
{
	char ppm[4200], cmd[4300];
	const char *cmds[] = {cmd};

	snprintf(ppm, sizeof(ppm), "%s/pointer-%ld.ppm", dir, (long)getpid());
	snprintf(cmd, sizeof(cmd), "screendump %s", ppm);
	int r = qemu_mon_run(WHO, dir, cmds, 1) == 0 ? shot_ppm_size(ppm, w, h) : -1;
	unlink(ppm);
	if (r < 0)
		fprintf(stderr, WHO ": cannot learn the screen's size from QEMU's screendump\n");
	return r;
}

/* A bare run or the real tablet: QMP's input-send-event, the move (and press), then the release. */
static int point_qmp(const char *dir, unsigned x, unsigned y, int button)
{
	char move[512], release[256];
	const char *cmds[] = {move, release};
	unsigned w, h;

	if (screen_size(dir, &w, &h) < 0)
		return -1;
	if (x >= w)
		x = w - 1;
	if (y >= h)
		y = h - 1;
	int n = snprintf(move, sizeof(move),
	                 "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":["
	                 "{\"type\":\"abs\",\"data\":{\"axis\":\"x\",\"value\":%" PRIu64 "}},"
	                 "{\"type\":\"abs\",\"data\":{\"axis\":\"y\",\"value\":%" PRIu64 "}}",
	                 (uint64_t)x * ABS_MAX / w, (uint64_t)y * ABS_MAX / h);
	if (button >= 0) {
		n += snprintf(move + n, sizeof(move) - (size_t)n,
		              ",{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"%s\"}}",
		              button_names[button]);
		snprintf(release, sizeof(release),
		         "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":["
		         "{\"type\":\"btn\",\"data\":{\"down\":false,\"button\":\"%s\"}}]}}",
		         button_names[button]);
	}
	snprintf(move + n, sizeof(move) - (size_t)n, "]}}");
	return qemu_qmp_run(WHO, dir, cmds, button >= 0 ? 2 : 1);
}

static bool exists(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

int cmd_pointer(int argc, char **argv)
{
	char **args;
	int nargs, button = -1;
	unsigned x, y;
	enum options_result parsed = options_parse(&cmd_pointer_spec, argc, argv, &args, &nargs);

	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);
	int first = opt.real ? 0 : 1; /* X's argument */
	if (nargs < first + 2 || nargs > first + 3) {
		fprintf(stderr, WHO ": %s (see popek pointer --help)\n",
		        opt.real ? "--real takes X Y [BUTTON]" : "NAME X Y [BUTTON], please");
		return 2;
	}
	if (!coord(args[first], &x) || !coord(args[first + 1], &y)) {
		fprintf(stderr, WHO ": X and Y are pixels, 0 to %d\n", CTL_COORD_MAX);
		return 2;
	}
	if (nargs == first + 3) {
		for (int b = 0; b < 3; b++)
			if (strcmp(args[first + 2], button_names[b]) == 0)
				button = b;
		if (button < 0) {
			fprintf(stderr, WHO ": BUTTON is left, right or middle\n");
			return 2;
		}
	}
	char *dir = rundir_find(WHO, opt.run);
	if (!dir)
		return 1;
	int r;
	if (!opt.real && exists(dir, CTL_SOCKET))
		r = point_ctl(dir, args[0], x, y, button);
	else if (exists(dir, RUNDIR_QEMU_QMP))
		r = point_qmp(dir, x, y, button);
	else {
		fprintf(stderr,
		        WHO ": the run at %s has neither popek's control socket nor QEMU's QMP\n",
		        dir);
		r = -1;
	}
	free(dir);
	return r == 0 ? 0 : 1;
}
