/*
 * The QEMU command lines.  See qemu.h.
 */
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rundir.h"
#include "units.h"

extern char **environ;

void qemu_argv_add(struct qemu_argv *a, const char *s)
{
	if (a->count + 2 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 32;
		a->argv = realloc(a->argv, a->cap * sizeof(*a->argv));
		if (!a->argv)
			abort();
	}
	a->argv[a->count] = strdup(s);
	if (!a->argv[a->count])
		abort();
	a->argv[++a->count] = NULL;
}

void qemu_argv_addf(struct qemu_argv *a, const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	qemu_argv_add(a, s);
	free(s);
}

void qemu_argv_free(struct qemu_argv *a)
{
	for (size_t i = 0; i < a->count; i++)
		free(a->argv[i]);
	free(a->argv);
	memset(a, 0, sizeof(*a));
}

/* QEMU's -m takes a size with a suffix; megabytes are exact for every size we allow. */
static void add_memory(struct qemu_argv *a, uint64_t bytes)
{
	qemu_argv_add(a, "-m");
	qemu_argv_addf(a, "%lluM", (unsigned long long)(bytes / MiB));
}

/* QEMU's option syntax doubles a comma to put it inside a value. */
static char *opt_escape(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *p = out;

	if (!out)
		abort();
	for (; *s; s++) {
		*p++ = *s;
		if (*s == ',')
			*p++ = ',';
	}
	*p = '\0';
	return out;
}

static void add_machine(struct qemu_argv *a, const struct qemu_opts *o)
{
	qemu_argv_add(a, o->binary ? o->binary : QEMU_DEFAULT_BINARY);
	qemu_argv_add(a, "-M");
	qemu_argv_add(a, "virt");
	qemu_argv_add(a, "-cpu");
	qemu_argv_add(a, "rv64,h=false");
}

/*
 * modern: every virtio-mmio slot presents Version 2 (popek's disk driver needs
 * it, and so does a VM with virtio = modern run bare).  Otherwise QEMU's
 * default stays: the legacy interface, Version 1.
 */
static void add_console(struct qemu_argv *a, const struct qemu_opts *o, bool modern)
{
	/* a window shows the display; the console stays this terminal (-serial, -mon below) */
	if (o->window) {
		qemu_argv_add(a, "-display");
		qemu_argv_add(a, o->window);
	} else {
		qemu_argv_add(a, "-nographic");
	}
	qemu_argv_add(a, "-chardev");
	if (o->log_file) {
		char *log = opt_escape(o->log_file);
		qemu_argv_addf(a, "stdio,id=con0,mux=on,signal=off,logfile=%s", log);
		free(log);
	} else {
		qemu_argv_add(a, "stdio,id=con0,mux=on,signal=off");
	}
	qemu_argv_add(a, "-serial");
	qemu_argv_add(a, "chardev:con0");
	qemu_argv_add(a, "-mon");
	qemu_argv_add(a, "chardev=con0,mode=readline");
	if (modern) {
		qemu_argv_add(a, "-global");
		qemu_argv_add(a, "virtio-mmio.force-legacy=false");
	}
	if (o->gdb) {
		qemu_argv_add(a, "-s");
		qemu_argv_add(a, "-S");
	}
}

/*
 * The uplink's netdev: QEMU's user networking (the host is 10.0.2.2 from
 * inside, its DHCP server hands out 10.0.2.15 on), each forward listening
 * on the host's loopback alone.
 */
static void add_uplink_netdev(struct qemu_argv *a, const struct directory_lan *lan)
{
	static const char *const proto[] = {
	    [DIRECTORY_PROTO_TCP] = "tcp", [DIRECTORY_PROTO_UDP] = "udp"};
	char *opts = strdup("user,id=uplink");

	for (unsigned i = 0; i < lan->nforwards && opts; i++) {
		const struct directory_forward *f = &lan->forwards[i];
		char *more;
		if (asprintf(&more, "%s,hostfwd=%s:127.0.0.1:%u-%u.%u.%u.%u:%u", opts,
		             proto[f->proto], f->host_port, f->guest_ip >> 24,
		             (f->guest_ip >> 16) & 0xff, (f->guest_ip >> 8) & 0xff,
		             f->guest_ip & 0xff, f->guest_port) < 0)
			more = NULL;
		free(opts);
		opts = more;
	}
	if (!opts)
		abort();
	qemu_argv_add(a, "-netdev");
	qemu_argv_add(a, opts);
	free(opts);
}

/*
 * popek's real NIC, only when a LAN is uplinked: otherwise the machine has
 * no network card at all and nothing can leave it.
 */
static void add_uplink(struct qemu_argv *a, const struct directory *dir)
{
	const struct directory_lan *lan = directory_uplink(dir);
	if (!lan)
		return;
	add_uplink_netdev(a, lan);
	qemu_argv_add(a, "-device");
	qemu_argv_add(a, "virtio-net-device,netdev=uplink");
}

/* A second monitor on a UNIX socket: `popek screenshot` and `popek key` of a bare run. */
static void add_monitor_socket(struct qemu_argv *a, const struct qemu_opts *o);

/*
 * When some VM has a display: the real display popek shows the focused VM on,
 * as wide as the widest VM screen and as high as the highest plus popek's
 * status bar (core/screen.c), the real keyboard and tablet.  Shown in a window only
 * with o->window (popek run --window).
 */
static void add_real_display(struct qemu_argv *a, const struct directory *dir)
{
	uint32_t w = 0, h = 0;

	for (unsigned i = 0; i < dir->nvms; i++) {
		if (dir->vms[i].display_width > w)
			w = dir->vms[i].display_width;
		if (dir->vms[i].display_height > h)
			h = dir->vms[i].display_height;
	}
	if (!w)
		return;
	qemu_argv_add(a, "-device");
	qemu_argv_addf(a, "virtio-gpu-device,xres=%u,yres=%u,edid=off", w, h + QEMU_STATUS_BAR);
	qemu_argv_add(a, "-device");
	qemu_argv_add(a, "virtio-keyboard-device");
	qemu_argv_add(a, "-device");
	qemu_argv_add(a, "virtio-tablet-device");
}

void qemu_argv_monitor(const struct directory *dir, const struct qemu_opts *o, struct qemu_argv *a)
{
	add_machine(a, o);
	add_memory(a, dir->machine_memory);
	qemu_argv_add(a, "-smp");
	qemu_argv_addf(a, "%u", dir->harts);
	qemu_argv_add(a, "-bios");
	qemu_argv_add(a, o->firmware ? o->firmware : "default");
	qemu_argv_add(a, "-kernel");
	qemu_argv_add(a, o->popek_image);
	qemu_argv_add(a, "-initrd");
	qemu_argv_add(a, o->bundle);
	add_console(a, o, true);
	if (dir->disk && dir->disk_exists) {
		char *disk = opt_escape(dir->disk);
		qemu_argv_add(a, "-drive");
		qemu_argv_addf(a, "file=%s,format=raw,if=none,id=disk0", disk);
		qemu_argv_add(a, "-device");
		qemu_argv_add(a, "virtio-blk-device,drive=disk0");
		free(disk);
	}
	add_uplink(a, dir);
	add_real_display(a, dir);
	add_monitor_socket(a, o);
}

static void add_slice(struct qemu_argv *a, const char *disk, unsigned n, uint64_t start,
                      uint64_t size, bool ro)
{
	qemu_argv_add(a, "-blockdev");
	qemu_argv_addf(a,
	               "driver=raw,node-name=md%u,offset=%llu,size=%llu,file.driver=file,"
	               "file.filename=%s,file.locking=off%s",
	               n, (unsigned long long)start, (unsigned long long)size, disk,
	               ro ? ",read-only=on" : "");
	/* the serial popek's minidisk answers GET_ID with (hyp/dev/vblk.c, vblk_get_id) */
	qemu_argv_add(a, "-device");
	qemu_argv_addf(a, "virtio-blk-device,drive=md%u,bus=virtio-mmio-bus.%u,serial=popek-%llx",
	               n, n, (unsigned long long)start);
}

/*
 * The first VM's interfaces, in the slots after its disks as under popek,
 * with their MACs.  One on the uplinked LAN reaches QEMU's user networking
 * with the same forwards; one on another LAN has no peer, as alone on its
 * LAN it would have none to talk to.
 */
static void add_bare_nics(struct qemu_argv *a, const struct directory *dir,
                          const struct directory_vm *vm, unsigned first_slot)
{
	const struct directory_lan *up = directory_uplink(dir);
	bool netdev = false;

	for (unsigned i = 0; i < vm->nnics; i++) {
		const struct directory_nic *n = &vm->nics[i];
		const uint8_t *m = n->mac;
		bool uplinked = up && n->lan >= 0 && &dir->lans[n->lan] == up && !netdev;
		if (uplinked) {
			add_uplink_netdev(a, up);
			netdev = true;
		}
		qemu_argv_add(a, "-device");
		qemu_argv_addf(a,
		               "virtio-net-device,bus=virtio-mmio-bus.%u,"
		               "mac=%02x:%02x:%02x:%02x:%02x:%02x%s",
		               first_slot + i, m[0], m[1], m[2], m[3], m[4], m[5],
		               uplinked ? ",netdev=uplink" : "");
	}
}

/*
 * The board's GPU, keyboard and tablet for a VM with a display.  No EDID: popek's GPU
 * offers none (dev/vgpu.c), so both give drivers the same modes.
 */
static void add_bare_display(struct qemu_argv *a, const struct directory_vm *vm, unsigned slot)
{
	if (!vm->display_width)
		return;
	qemu_argv_add(a, "-device");
	qemu_argv_addf(a, "virtio-gpu-device,bus=virtio-mmio-bus.%u,xres=%u,yres=%u,edid=off", slot,
	               vm->display_width, vm->display_height);
	qemu_argv_add(a, "-device");
	qemu_argv_addf(a, "virtio-keyboard-device,bus=virtio-mmio-bus.%u", slot + 1);
	qemu_argv_add(a, "-device");
	qemu_argv_addf(a, "virtio-tablet-device,bus=virtio-mmio-bus.%u", slot + 2);
}

/*
 * The second monitor: `popek screenshot` and `popek key` of a bare run, and a
 * popek run's real screen and keyboard.
 */
static void add_monitor_socket(struct qemu_argv *a, const struct qemu_opts *o)
{
	if (!o->monitor_socket)
		return;
	char *path = opt_escape(o->monitor_socket);
	qemu_argv_add(a, "-chardev");
	qemu_argv_addf(a, "socket,id=mon1,path=%s,server=on,wait=off", path);
	qemu_argv_add(a, "-mon");
	qemu_argv_add(a, "chardev=mon1,mode=readline");
	/* QMP beside it (RUNDIR_QEMU_QMP): a tablet's absolute position (input-send-event) */
	char *slash = strrchr(path, '/');
	qemu_argv_add(a, "-chardev");
	qemu_argv_addf(a, "socket,id=qmp1,path=%.*s%s,server=on,wait=off",
	               slash ? (int)(slash + 1 - path) : 0, path, RUNDIR_QEMU_QMP);
	qemu_argv_add(a, "-mon");
	qemu_argv_add(a, "chardev=qmp1,mode=control");
	free(path);
}

void qemu_argv_bare(const struct directory *dir, const struct qemu_opts *o, struct qemu_argv *a)
{
	const struct directory_vm *vm = &dir->vms[0];

	add_machine(a, o);
	add_memory(a, vm->memory);
	qemu_argv_add(a, "-smp");
	qemu_argv_add(a, "1");
	qemu_argv_add(a, "-bios");
	if (vm->boot == BUNDLE_BOOT_FIRMWARE)
		qemu_argv_add(a, vm->firmware ? vm->firmware : "none");
	else
		qemu_argv_add(a, o->firmware ? o->firmware : "default");
	qemu_argv_add(a, "-kernel");
	qemu_argv_add(a, vm->kernel);
	if (vm->initrd) {
		qemu_argv_add(a, "-initrd");
		qemu_argv_add(a, vm->initrd);
	}
	if (vm->bootargs) {
		qemu_argv_add(a, "-append");
		qemu_argv_add(a, vm->bootargs);
	}
	/* The first VM's disks, with the interface it would have under popek. */
	add_console(a, o, vm->virtio == BUNDLE_VIRTIO_MODERN);

	/*
	 * Slot N of popek's layout (0x1000_1000 + N * 0x1000) is QEMU's
	 * virtio-mmio-bus.N; without bus= QEMU fills the top slot first.  The
	 * slices share one file, so QEMU's image locking (one writer per file)
	 * is off: the directory has already checked that they do not overlap.
	 */
	unsigned ndisks = dir->disk ? vm->nminidisks + vm->nlinks : 0;
	add_bare_nics(a, dir, vm, ndisks);
	add_bare_display(a, vm, ndisks + vm->nnics);
	add_monitor_socket(a, o);
	if (!dir->disk)
		return;
	char *disk = opt_escape(dir->disk);
	for (unsigned i = 0; i < ndisks; i++) {
		if (i < vm->nminidisks) {
			const struct directory_minidisk *m = &vm->minidisks[i];
			add_slice(a, disk, i, m->start, m->size, false);
		} else {
			const struct directory_link *l = &vm->links[i - vm->nminidisks];
			const struct directory_minidisk *m =
			    &dir->vms[l->target].minidisks[l->index];
			add_slice(a, disk, i, m->start, m->size, true);
		}
	}
	free(disk);
}

void qemu_argv_print(const struct qemu_argv *a, FILE *out)
{
	for (size_t i = 0; i < a->count; i++) {
		const char *s = a->argv[i];
		bool plain = *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                             "0123456789-_=,.:/+@%") == strlen(s);
		fputs(i ? " " : "", out);
		if (plain) {
			fputs(s, out);
			continue;
		}
		fputc('\'', out);
		for (; *s; s++) {
			if (*s == '\'')
				fputs("'\\''", out);
			else
				fputc(*s, out);
		}
		fputc('\'', out);
	}
	fputc('\n', out);
}

static volatile sig_atomic_t child_pid;

/* A SIGTERM or SIGHUP sent to the launcher alone must not orphan QEMU: pass it on. */
static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

void qemu_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

/*
 * Starts the command; with `serve`, its standard input and output are pipes
 * handed to serve(), which returns when QEMU has closed its output (it
 * exits).  Then waits for it.
 */
static int qemu_run(const struct qemu_argv *a, int (*serve)(void *arg, int qemu_in, int qemu_out),
                    void *arg)
{
	struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit, old_pipe;
	struct sigaction forward = {.sa_handler = forward_signal}, old_term, old_hup;
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t defaults;
	int outs[2] = {-1, -1}, ins[2] = {-1, -1};
	pid_t pid;
	int status, err;

	if (serve && (pipe2(outs, O_CLOEXEC) < 0 || pipe2(ins, O_CLOEXEC) < 0)) {
		err = errno;
		close(outs[0]);
		close(outs[1]);
		errno = err;
		return -1;
	}
	/* our end only: the launcher must never block on keys QEMU is not taking yet */
	if (serve)
		fcntl(ins[1], F_SETFL, fcntl(ins[1], F_GETFL) | O_NONBLOCK);

	/*
	 * As system() does: while QEMU runs, a terminal's SIGINT or SIGQUIT is
	 * QEMU's to handle (with signal=off it never sees them: the keys go to
	 * the guest), and the launcher must outlive QEMU to report its status.
	 * A reader of our output that goes away is not a reason to die either:
	 * the writes fail with EPIPE instead.
	 */
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	sigaction(SIGPIPE, &ignore, &old_pipe);
	posix_spawnattr_init(&attr);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGQUIT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&actions);
	if (serve) {
		posix_spawn_file_actions_adddup2(&actions, ins[0], STDIN_FILENO);
		posix_spawn_file_actions_adddup2(&actions, outs[1], STDOUT_FILENO);
	}
	err = posix_spawnp(&pid, a->argv[0], &actions, &attr, a->argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	if (serve) {
		close(ins[0]);
		close(outs[1]);
	}

	int result = -1;
	if (err) {
		errno = err;
	} else {
		child_pid = pid;
		sigaction(SIGTERM, &forward, &old_term);
		sigaction(SIGHUP, &forward, &old_hup);
		if (serve)
			serve(arg, ins[1], outs[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		child_pid = 0;
	}
	if (serve) {
		close(ins[1]);
		close(outs[0]);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return result;
}

int qemu_spawn(const struct qemu_argv *a)
{
	return qemu_run(a, NULL, NULL);
}

int qemu_spawn_serving(const struct qemu_argv *a,
                       int (*serve)(void *arg, int qemu_in, int qemu_out), void *arg)
{
	return qemu_run(a, serve, arg);
}

const char *qemu_window_ui(const char *binary, const char **why)
{
	static const char *const uis[] = {"gtk", "sdl"};
	const char *x = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY");
	char *argv[] = {(char *)binary, "-display", "help", NULL};
	char out[4096], *line, *save;
	size_t len = 0;
	int fds[2], status;
	pid_t pid;

	if (!(x && *x) && !(wl && *wl)) {
		*why = "no window system ($DISPLAY and $WAYLAND_DISPLAY are unset)";
		return NULL;
	}
	*why = "QEMU has neither the gtk nor the sdl display (-display help)";
	if (pipe(fds) < 0)
		return NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	int err = posix_spawnp(&pid, binary, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	for (ssize_t n = 1; !err && n > 0 && len < sizeof(out) - 1; len += (size_t)n) {
		n = read(fds[0], out + len, sizeof(out) - 1 - len);
		if (n < 0)
			n = 0;
	}
	close(fds[0]);
	if (err)
		return NULL;
	waitpid(pid, &status, 0);
	out[len] = '\0';
	/* "Available display backend types:", then one name a line */
	bool has[2] = {false, false};
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		for (size_t i = 0; i < 2; i++)
			has[i] |= strcmp(line, uis[i]) == 0;
	}
	for (size_t i = 0; i < 2; i++) {
		if (has[i])
			return uis[i];
	}
	return NULL;
}
