/*
 * `popek run FILE`: validate the directory (nothing starts when it has a
 * problem), pack the boot bundle and run QEMU in the foreground; the exit
 * status is QEMU's.
 *
 * The bundle goes to a fresh folder under $TMPDIR (default /tmp), named
 * popek-XXXXXX, which is removed when QEMU exits; --bundle FILE writes it
 * to FILE instead and keeps it.
 *
 * The operator console of a monitor run.  popek multiplexes its messages and
 * every VM's output onto the one UART (console_demux.h has the framing), so
 * the launcher must see the bytes before the terminal does: QEMU's serial is
 * still a `-chardev stdio` with mux=on, but its standard output is a pipe the
 * launcher reads, demultiplexes, tags and logs (console.c).
 *
 * Its standard input is a pipe too: the launcher merges into it the keys of
 * its own terminal and of every `popek console NAME` client (a UNIX socket
 * per VM in the run directory, rundir.h), framed so that popek's monitor
 * knows whose they are (console_input.h, console_server.h).  So the
 * launcher puts its terminal in raw mode itself, as QEMU did (term.h), and
 * restores it on every way out.  The terminal's bytes pass as typed, Ctrl-A
 * included: Ctrl-A x still quits (with a SIGTERM after 2 s if QEMU does not),
 * Ctrl-A c still reaches QEMU's monitor, Ctrl-C and Ctrl-] reach popek.
 * With stdin a pipe or /dev/null nothing is put in raw mode, and its end
 * only stops the reading: the VMs go on, and so do the consoles.
 *
 * The price: what QEMU's mux itself writes (Ctrl-A h help, the monitor's
 * replies) comes down the output pipe unmarked, so it is shown, and logged,
 * as the current source's; only the "QEMU: Terminated" of Ctrl-A x, which
 * ends the stream, is recognised and kept out of the VM's log.  The bare run
 * has no framing and no consoles: QEMU keeps the terminal, and its own
 * logfile= is the log, less the firmware's banner (banner.h).
 */
#include "cmd_run.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banner.h"
#include "cmd_check.h"
#include "cmd_pack.h"
#include "console.h"
#include "console_server.h"
#include "outfile.h"
#include "qemu.h"
#include "rundir.h"

static struct {
	const char *log_dir;
	const char *bundle;
	const char *firmware;
	bool bare;
	bool gdb;
	bool dry_run;
	bool window;
} opt;

static const struct option_spec run_options[] = {
    {"log-dir", 'l', OPTION_STRING, &opt.log_dir, "DIR",
     "write each VM's output to DIR/NAME.log and the terminal's to DIR/console.log"},
    {"bare", 'b', OPTION_FLAG, &opt.bare, NULL,
     "boot the first VM's kernel directly on QEMU, no monitor"},
    {"firmware", 'f', OPTION_STRING, &opt.firmware, "FILE",
     "the M-mode firmware (-bios): FILE, or 'default' for QEMU's OpenSBI"},
    {"gdb", 'g', OPTION_FLAG, &opt.gdb, NULL, "start QEMU halted, its gdb stub on :1234"},
    {"window", 'w', OPTION_FLAG, &opt.window, NULL,
     "show the display in a window where the host has one (else headless)"},
    {"bundle", 0, OPTION_STRING, &opt.bundle, "FILE", "write the boot bundle to FILE and keep it"},
    {"dry-run", 'n', OPTION_FLAG, &opt.dry_run, NULL,
     "validate and pack, print the QEMU command line, start nothing"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_run_spec = {
    .name = "run",
    .args = "FILE",
    .summary = "validate a VM directory, pack it and run popek on QEMU",
    .description = "Starts qemu-system-riscv64 -M virt -cpu rv64,h=false with the directory's\n"
                   "[machine] memory, harts and disk; OpenSBI loads popek (build/popek.bin) and\n"
                   "popek finds the boot bundle where QEMU put it as the initrd.  The console is\n"
                   "this terminal: Ctrl-A x quits, Ctrl-A c switches to QEMU's monitor, Ctrl-C\n"
                   "goes to the guest, Ctrl-] moves the input to the next VM and then to popek's\n"
                   "monitor.  Every line a VM writes is shown after its name ('NAME | '); with\n"
                   "--log-dir, DIR/NAME.log gets exactly the bytes VM NAME wrote.  From another\n"
                   "shell, 'popek console NAME' attaches to one VM's terminal alone.  popek run\n"
                   "exits when QEMU does, with its exit status (70 when popek panicked).\n"
                   "\n"
                   "With --bare the first VM's kernel (and initrd, bootargs and minidisks, as\n"
                   "slices of the real disk) runs alone on a virt board of the VM's size, as\n"
                   "the reference for comparing popek against the real machine; --log-dir\n"
                   "then writes the whole console (firmware included) to DIR/NAME.log.\n"
                   "\n"
                   "Firmware: popek boots on popek's OpenSBI (../firmware/fw_dynamic.bin next\n"
                   "to this program's folder, built by make), which delegates illegal-\n"
                   "instruction traps to popek when it asks (docs/firmware.md); --firmware\n"
                   "FILE boots it on another, --firmware default on QEMU's bundled OpenSBI.\n"
                   "--bare keeps QEMU's bundled OpenSBI, the real board as users have it\n"
                   "(-bios none for a VM with boot = firmware), unless --firmware is given.\n"
                   "\n"
                   "Displays (display = WxH): the run is headless (-nographic; popek screenshot\n"
                   "and popek key reach the screens).  --window shows the real display (the VM\n"
                   "with the focus, under popek's status bar; --bare: the VM's own) in QEMU's\n"
                   "gtk or sdl window when $DISPLAY or $WAYLAND_DISPLAY is set and QEMU has\n"
                   "one, and says why not and stays headless otherwise.\n"
                   "\n"
                   "Environment: POPEK_IMAGE overrides popek.bin (default: ../popek.bin next\n"
                   "to this program's folder); POPEK_QEMU overrides qemu-system-riscv64.\n",
    .options = run_options,
    .min_args = 1,
    .max_args = 1,
};

/* <folder of this program>/../REL (build/REL when that cannot be known). */
static char *build_path(const char *rel)
{
	char exe[PATH_MAX];
	char *path;

	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		if (asprintf(&path, "build/%s", rel) < 0)
			abort();
		return path;
	}
	exe[n] = '\0';
	if (asprintf(&path, "%s/../%s", dirname(exe), rel) < 0)
		abort();
	char *real = realpath(path, NULL); /* tidier in messages, when it exists */
	if (real) {
		free(path);
		path = real;
	}
	return path;
}

/* <folder of this program>/../popek.bin, or $POPEK_IMAGE. */
static char *popek_image_path(void)
{
	const char *env = getenv("POPEK_IMAGE");

	return env && *env ? strdup(env) : build_path("popek.bin");
}

char *run_firmware_default(void)
{
	return build_path("firmware/fw_dynamic.bin");
}

/*
 * The -bios of this run, or NULL for QEMU's bundled OpenSBI: --firmware,
 * else popek's firmware for a monitor run and the stock one bare.  Says so
 * and returns false when the file cannot be read, or when --bare is asked to
 * put firmware under a VM that is its own (boot = firmware).
 */
static bool firmware_choose(const struct directory *dir, char **firmware)
{
	*firmware = NULL;
	if (opt.bare && opt.firmware && dir->vms[0].boot == BUNDLE_BOOT_FIRMWARE) {
		fprintf(
		    stderr,
		    "popek run: --firmware: VM %s boots as firmware (boot = firmware), so --bare "
		    "runs it with -bios none\n",
		    dir->vms[0].name);
		return false;
	}
	if ((opt.firmware && strcmp(opt.firmware, "default") == 0) || (opt.bare && !opt.firmware))
		return true;
	char *path = opt.firmware ? strdup(opt.firmware) : run_firmware_default();
	if (access(path, R_OK) != 0) {
		fprintf(stderr,
		        "popek run: cannot read firmware '%s': %s (build it with make firmware, or "
		        "use --firmware default)\n",
		        path, strerror(errno));
		free(path);
		return false;
	}
	*firmware = path;
	return true;
}

/* mkdir -p for the log folder. */
static bool make_dirs(const char *path)
{
	char *copy = strdup(path);
	bool ok = true;

	for (char *p = copy + 1; ok && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ok = mkdir(copy, 0777) == 0 || errno == EEXIST;
		*p = '/';
	}
	if (ok)
		ok = mkdir(copy, 0777) == 0 || errno == EEXIST;
	if (!ok)
		fprintf(stderr, "popek run: cannot create %s: %s\n", copy, strerror(errno));
	free(copy);
	return ok;
}

static char *log_path(const char *name)
{
	char *path;

	if (!opt.log_dir)
		return NULL;
	if (!make_dirs(opt.log_dir))
		return NULL;
	if (asprintf(&path, "%s/%s.log", opt.log_dir, name) < 0)
		abort();
	return path;
}

/* True (and said) when a log of --log-dir would be written over one of the run's inputs. */
static bool logs_overwrite_input(const struct directory *dir, const char *image)
{
	bool bad = false;

	for (unsigned i = 0; opt.log_dir && i <= dir->nvms && !bad; i++) {
		char *path;
		const char *name = i < dir->nvms ? dir->vms[i].name : "console";
		if (asprintf(&path, "%s/%s.log", opt.log_dir, name) < 0)
			abort();
		bad = outfile_is_input("popek run", path, dir, image);
		free(path);
	}
	return bad;
}

static int start(const struct qemu_argv *a)
{
	if (opt.dry_run) {
		qemu_argv_print(a, stdout);
		return 0;
	}
	int status = qemu_spawn(a);
	if (status < 0) {
		fprintf(stderr, "popek run: cannot start %s: %s\n", a->argv[0], strerror(errno));
		return 1;
	}
	return status;
}

/* popek powers the machine off after a panic, and QEMU then exits 0: say otherwise. */
#define POPEK_PANIC_STATUS 70

/* A monitor run: QEMU's output demultiplexed, its input merged (see the top). */
static int start_monitor(const struct directory *dir, const struct qemu_argv *a)
{
	const char *names[CONSOLE_MAX_VMS];
	struct console con;
	int status = 1;

	if (opt.dry_run) {
		qemu_argv_print(a, stdout);
		return 0;
	}
	for (unsigned i = 0; i < dir->nvms && i < CONSOLE_MAX_VMS; i++)
		names[i] = dir->vms[i].name;
	if (console_open(&con, names, dir->nvms, opt.log_dir)) {
		struct console_server *server = malloc(sizeof(*server));
		if (!server)
			abort();
		console_server_open(server, &con, names, dir->nvms);
		bool gdb[CONSOLE_MAX_VMS] = {false};
		const char *symbols[CONSOLE_MAX_VMS] = {NULL};
		for (unsigned i = 0; i < dir->nvms && i < CONSOLE_MAX_VMS; i++) {
			gdb[i] = dir->vms[i].gdb != BUNDLE_GDB_OFF;
			symbols[i] = dir->vms[i].symbols;
		}
		console_server_gdb(server, gdb, symbols);
		status = qemu_spawn_serving(a, console_server_serve, server);
		if (status < 0) {
			fprintf(stderr, "popek run: cannot start %s: %s\n", a->argv[0],
			        strerror(errno));
			status = 1;
		}
		console_server_close(server);
		free(server);
		if (con.popek_panicked && status == 0) {
			fprintf(stderr, "popek run: popek panicked (its report is above)\n");
			status = POPEK_PANIC_STATUS;
		}
	}
	console_close(&con);
	return status;
}

static int run_bare(const struct directory *dir, struct qemu_opts *q)
{
	struct qemu_argv a = {0};
	if (logs_overwrite_input(dir, NULL))
		return 1;
	char *log = log_path(dir->vms[0].name);
	int status;

	if (opt.log_dir && !log)
		return 1;
	q->log_file = log;
	/* a run directory with QEMU's monitor: `popek screenshot` and `popek key` reach it */
	char *rdir = opt.dry_run ? NULL : rundir_create("popek run");
	char *mon = NULL;
	if (rdir && asprintf(&mon, "%s/%s", rdir, RUNDIR_QEMU_MON) < 0)
		abort();
	q->monitor_socket = mon;
	qemu_argv_bare(dir, q, &a);
	if (opt.gdb)
		fprintf(stderr,
		        "popek run: QEMU waits for gdb on :1234; attach with\n"
		        "  gdb-multiarch %s -ex 'target remote :1234'\n",
		        dir->vms[0].kernel);
	status = start(&a);
	if (rdir)
		rundir_remove(rdir);
	free(rdir);
	free(mon);
	int err = log && dir->vms[0].boot == BUNDLE_BOOT_SBI ? banner_strip_file(log) : 0;
	if (err)
		fprintf(stderr, "popek run: cannot rewrite %s: %s\n", log, strerror(err));
	qemu_argv_free(&a);
	free(log);
	return status;
}

static int run_monitor(const struct directory *dir, const struct plan *plan, struct qemu_opts *q)
{
	char tmpdir[PATH_MAX] = "";
	char *bundle = NULL;
	char *image = popek_image_path();
	int status = 1;

	if (!opt.dry_run && access(image, R_OK) != 0) {
		fprintf(stderr,
		        "popek run: cannot read popek image '%s': %s (build it with make, or set "
		        "POPEK_IMAGE)\n",
		        image, strerror(errno));
		goto out;
	}
	if (logs_overwrite_input(dir, image) || (opt.log_dir && !make_dirs(opt.log_dir)))
		goto out;

	if (opt.bundle) {
		bundle = strdup(opt.bundle);
	} else {
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/popek-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir)) {
			fprintf(stderr, "popek run: cannot create %s: %s\n", tmpdir,
			        strerror(errno));
			tmpdir[0] = '\0';
			goto out;
		}
		if (asprintf(&bundle, "%s/bundle", tmpdir) < 0)
			abort();
	}
	if (!pack_to_file("popek run", dir, plan, bundle, image))
		goto out;

	struct qemu_argv a = {0};
	q->popek_image = image;
	q->bundle = bundle;
	q->log_file = NULL; /* the launcher writes the logs */
	/* a display: QEMU's monitor in the run directory the console server makes (rundir.h) */
	char *mon = NULL, *base = NULL;
	for (unsigned i = 0; i < dir->nvms && !mon && !opt.dry_run; i++) {
		if (dir->vms[i].display_width && (base = rundir_base("popek run", true)) &&
		    asprintf(&mon, "%s/%d/%s", base, (int)getpid(), RUNDIR_QEMU_MON) < 0)
			abort();
	}
	free(base);
	q->monitor_socket = mon;
	qemu_argv_monitor(dir, q, &a);
	if (opt.gdb) {
		size_t n = strlen(image);
		bool bin = n > 4 && strcmp(image + n - 4, ".bin") == 0;
		fprintf(stderr,
		        "popek run: QEMU waits for gdb on :1234; attach with\n"
		        "  gdb-multiarch %.*s%s -ex 'target remote :1234'\n",
		        (int)(bin ? n - 4 : n), image, bin ? ".elf" : "");
	}
	status = start_monitor(dir, &a);
	qemu_argv_free(&a);
	free(mon);
out:
	if (tmpdir[0]) {
		if (bundle)
			unlink(bundle);
		rmdir(tmpdir);
	}
	free(bundle);
	free(image);
	return status;
}

/*
 * QEMU cannot listen on a forward's host port that something else holds,
 * and says so in a line about "host forwarding rules": say it in ours
 * before starting anything.  (A port taken between this check and QEMU's
 * start still gets QEMU's line.)
 */
static bool forwards_free(const struct directory *dir)
{
	const struct directory_lan *lan = directory_uplink(dir);
	bool ok = true;

	for (unsigned i = 0; lan && i < lan->nforwards; i++) {
		const struct directory_forward *f = &lan->forwards[i];
		bool tcp = f->proto == DIRECTORY_PROTO_TCP;
		int s = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET,
		                         .sin_port = htons(f->host_port),
		                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
		    errno == EADDRINUSE) {
			fprintf(stderr,
			        "%s:%d: host %s port %u is already in use; forward from another "
			        "port\n",
			        dir->path, f->line, tcp ? "tcp" : "udp", f->host_port);
			ok = false;
		}
		if (s >= 0)
			close(s);
	}
	return ok;
}

/*
 * --window: QEMU's gtk or sdl window for a run that has a display (under
 * popek, some VM's; bare, the first VM's), where the host can show one.
 */
static void window_choose(const struct directory *dir, struct qemu_opts *q)
{
	bool display = false;
	const char *why;

	for (unsigned i = 0; i < (opt.bare ? 1u : dir->nvms); i++)
		display |= dir->vms[i].display_width != 0;
	if (!opt.window || !display)
		return;
	q->window = qemu_window_ui(q->binary, &why);
	if (!q->window)
		fprintf(stderr, "popek run: no window, headless: %s\n", why);
}

int cmd_run(int argc, char **argv)
{
	struct directory dir;
	struct plan plan;
	char **args;
	int nargs;
	int status = 1;

	enum options_result parsed = options_parse(&cmd_run_spec, argc, argv, &args, &nargs);
	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);

	char *firmware = NULL;
	if (check_directory(args[0], &dir, &plan) && firmware_choose(&dir, &firmware)) {
		const char *qemu = getenv("POPEK_QEMU");
		struct qemu_opts q = {
		    .binary = qemu && *qemu ? qemu : QEMU_DEFAULT_BINARY,
		    .firmware = firmware,
		    .gdb = opt.gdb,
		};
		window_choose(&dir, &q);
		fflush(stdout);
		if (!opt.dry_run && !forwards_free(&dir))
			status = 1;
		else
			status = opt.bare ? run_bare(&dir, &q) : run_monitor(&dir, &plan, &q);
	}
	free(firmware);
	plan_free(&plan);
	directory_free(&dir);
	return status;
}
