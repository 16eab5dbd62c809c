/*
 * `popek screenshot`: one VM's screen as a PNG.  Under popek the frame comes
 * from popek's GPU model through the control socket, which writes it as a
 * PPM in the run directory; on a bare run QEMU's screendump writes the PPM.
 * Either way the PPM becomes the PNG (shot.c) and goes.
 */
#include "cmd_screenshot.h"

#include <errno.h>
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

#define WHO "popek screenshot"

static struct {
	const char *run;
	bool screen;
} opt;

static const struct option_spec screenshot_options[] = {
    {"run", 'r', OPTION_STRING, &opt.run, "DIR|PID",
     "the run: its run directory or its PID (default: the latest run)"},
    {"screen", 's', OPTION_FLAG, &opt.screen, NULL,
     "the whole real screen (status bar and focused VM) instead of one VM's: FILE.png only"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_screenshot_spec = {
    .name = "screenshot",
    .args = "NAME FILE.png | --screen FILE.png",
    .summary = "write a VM's screen as a PNG",
    .description = "Writes the screen of VM NAME (display = WxH in the directory) as it is now.\n"
                   "Under popek the frame comes through the run's control socket; on a bare\n"
                   "run (popek run --bare) from QEMU's own virtio-gpu, by its monitor's\n"
                   "screendump, so that the two compare pixel for pixel (docs/display.md).\n",
    .options = screenshot_options,
    .min_args = 1,
    .max_args = 2,
};

static bool exists(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* Under popek: the control socket's screenshot; its answer names the PPM it wrote. */
static int shot_ctl(const char *dir, const char *name, char *ppm, size_t size)
{
	char req[256], line[1024], why[512];
	struct ctl_out o;
	int fd;

	ctl_out_init(&o, req, sizeof(req));
	ctl_out_raw(&o, "{\"cmd\":\"screenshot\",\"vm\":");
	ctl_out_str(&o, name);
	ctl_out_raw(&o, "}\n");
	if (o.overflow || (fd = ctl_client_connect(WHO, dir)) < 0)
		return -1;
	bool sent = send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req);
	bool got = sent && ctl_client_read_line(fd, line, sizeof(line));
	close(fd);
	if (!got) {
		fprintf(stderr, WHO ": no answer from the run's control socket\n");
		return -1;
	}
	if (strncmp(line, "{\"ok\":true", 10) != 0) {
		ctl_client_field(line, "error", why, sizeof(why));
		fprintf(stderr, WHO ": %s\n", why);
		return -1;
	}
	ctl_client_field(line, "file", ppm, size);
	return ppm[0] ? 0 : -1;
}

/* A bare run: QEMU's monitor's screendump into the run directory. */
static int shot_bare(const char *dir, char *ppm, size_t size)
{
	char cmd[4200];
	const char *cmds[] = {cmd};

	snprintf(ppm, size, "%s/shot-%ld.ppm", dir, (long)getpid());
	snprintf(cmd, sizeof(cmd), "screendump %s", ppm);
	return qemu_mon_run(WHO, dir, cmds, 1);
}

int cmd_screenshot(int argc, char **argv)
{
	char **args, ppm[4096] = "";
	int nargs, r;
	enum options_result parsed = options_parse(&cmd_screenshot_spec, argc, argv, &args, &nargs);

	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);
	if (nargs != (opt.screen ? 1 : 2)) {
		fprintf(stderr, WHO ": %s (see popek screenshot --help)\n",
		        opt.screen ? "--screen takes FILE.png alone" : "NAME and FILE.png, please");
		return 2;
	}
	const char *png = args[nargs - 1];
	char *dir = rundir_find(WHO, opt.run);
	if (!dir)
		return 1;
	if (opt.screen) {
		/* the real display: QEMU's own screendump */
		r = exists(dir, RUNDIR_QEMU_MON) ? shot_bare(dir, ppm, sizeof(ppm)) : -1;
		if (r < 0 && !ppm[0])
			fprintf(stderr, WHO ": the run at %s has no real screen\n", dir);
	} else if (exists(dir, CTL_SOCKET))
		r = shot_ctl(dir, args[0], ppm, sizeof(ppm));
	else if (exists(dir, RUNDIR_QEMU_MON))
		r = shot_bare(dir, ppm, sizeof(ppm));
	else {
		fprintf(stderr,
		        WHO ": the run at %s has neither popek's control socket nor a QEMU "
		            "monitor\n",
		        dir);
		r = -1;
	}
	if (r == 0)
		r = shot_ppm_to_png(WHO, ppm, png);
	if (ppm[0])
		unlink(ppm);
	free(dir);
	return r == 0 ? 0 : 1;
}
