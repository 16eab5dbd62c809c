/*
 * `popek pg`: Popek and Goldberg's theorem, measured (docs/pg.md).
 *
 * Runs the probe guest (build/guest/probe.elf, found next to this program
 * as `popek run` finds popek.bin) twice through this same launcher, `popek
 * run --bare` and `popek run` with trace = on, each with --log-dir; reads
 * the probe's terminal from both and popek's trace and counters from the
 * console; probes the host's x86 in this process; and prints the report.
 * The logs go to a temporary folder, removed at the end, or to --log-dir.
 *
 * The parts: pg_log.c (parsers), pg_table.c (classification), pg_x86.c
 * (the host probe), pg_report.c (text, markdown, JSON).
 */
#include "cmd_pg.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd_run.h"
#include "pg_log.h"
#include "pg_report.h"
#include "pg_table.h"
#include "pg_x86.h"

#define PROBE_VM      "probe"
#define BARE_TIMEOUT  60  /* seconds; the bare run takes about one */
#define POPEK_TIMEOUT 300 /* about ten under TCG: every SBI putchar is a trap */

static struct {
	const char *format;
	const char *log_dir;
	const char *firmware;
} opt;

static const struct option_spec pg_options[] = {
    {"format", 'f', OPTION_STRING, &opt.format, "FORMAT", "text (default), markdown or json"},
    {"log-dir", 'l', OPTION_STRING, &opt.log_dir, "DIR",
     "keep the two runs' directory and logs in DIR (default: a temporary folder)"},
    {"firmware", 0, OPTION_STRING, &opt.firmware, "FILE",
     "both runs' firmware (popek run --firmware; default: popek's)"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

const struct command_spec cmd_pg_spec = {
    .name = "pg",
    .args = NULL,
    .summary = "measure Popek and Goldberg's condition: RV64 bare and under popek, and this x86",
    .description =
        "Runs the probe guest (build/guest/probe.elf) on the bare board and under popek\n"
        "with trace = on.  The probe executes each sensitive RV64 instruction, and a\n"
        "few others, in S-mode and in U-mode and prints what happened.  From the two\n"
        "logs and popek's trace, pg prints: the actions on the real machine, the\n"
        "actions on the virtual machine, whether the sensitive instructions are a\n"
        "subset of the privileged ones, and, on an x86_64 host, what the classic\n"
        "sensitive-but-unprivileged x86 instructions do in user mode here.  Everything\n"
        "is measured in the run; docs/pg.md says how to read it.\n"
        "\n"
        "Environment: POPEK_PG_PROBE overrides the probe's path; POPEK_IMAGE and\n"
        "POPEK_QEMU are passed on to popek run.\n",
    .options = pg_options,
    .min_args = 0,
    .max_args = 0,
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int signo)
{
	interrupted = signo;
}

/* This program's folder. */
static char *exe_path(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return strdup("build/bin/popek");
	exe[n] = '\0';
	return strdup(exe);
}

/* <folder of this program>/../guest/probe.elf, or $POPEK_PG_PROBE. */
static char *probe_path(const char *exe)
{
	const char *env = getenv("POPEK_PG_PROBE");
	char *copy = strdup(exe), *path;

	if (env && *env) {
		path = strdup(env);
	} else if (asprintf(&path, "%s/../guest/probe.elf", dirname(copy)) < 0) {
		abort();
	}
	free(copy);
	char *real = realpath(path, NULL);
	if (real) {
		free(path);
		path = real;
	}
	return path;
}

static bool make_dir(const char *path)
{
	if (mkdir(path, 0777) == 0 || errno == EEXIST)
		return true;
	fprintf(stderr, "popek pg: cannot create %s: %s\n", path, strerror(errno));
	return false;
}

static char *path_join(const char *dir, const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/* The whole file, NUL-terminated, or NULL having said why. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "popek pg: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static bool write_directory(const char *path, const char *probe)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "popek pg: cannot write %s: %s\n", path, strerror(errno));
		return false;
	}
	fprintf(f,
	        "; written by popek pg: the probe guest, bare (popek run --bare) and under popek\n"
	        "[machine]\nmemory = 256M\n\n[vm %s]\nmemory = 64M\nkernel = %s\ntrace = on\n",
	        PROBE_VM, probe);
	return fclose(f) == 0;
}

/*
 * Runs `exe argv...` with stdin /dev/null and stdout and stderr to out, in
 * a process group of its own (QEMU included) so that a timeout or Ctrl-C
 * can end all of it.  Returns its exit status, or -1 having said why.
 */
static int run_child(const char *exe, char *const argv[], const char *out, int timeout,
                     const char *what)
{
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0) {
		fprintf(stderr, "popek pg: cannot write %s: %s\n", out, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "popek pg: cannot fork: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		int in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(exe, argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(fd);

	struct timespec tick = {0, 50 * 1000 * 1000};
	int status;
	for (long waited = 0;; waited += 50) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "popek pg: waitpid: %s\n", strerror(errno));
			return -1;
		}
		if (interrupted || waited >= timeout * 1000L) {
			kill(-pid, SIGTERM);
			nanosleep(&(struct timespec){1, 0}, NULL);
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			if (!interrupted)
				fprintf(stderr,
				        "popek pg: %s did not finish in %d s (its output: %s)\n",
				        what, timeout, out);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static bool measure_riscv(const char *exe, const char *dir, struct pg_result *result)
{
	char *probe = probe_path(exe);
	char *ini = path_join(dir, "probe.ini");
	char *bare_dir = path_join(dir, "bare"), *vm_dir = path_join(dir, "vm");
	char *bare_out = path_join(dir, "bare.out"), *vm_out = path_join(dir, "vm.out");
	char *bare_log = path_join(bare_dir, PROBE_VM ".log"),
	     *vm_log = path_join(vm_dir, PROBE_VM ".log");
	char *console_log = path_join(vm_dir, "console.log");
	char *bare_text = NULL, *vm_text = NULL, *console = NULL;
	/*
	 * The same firmware on both sides (docs/pg.md): what a real-U `rdtime`
	 * with scounteren.TM = 0 does depends on it, and --bare alone would boot
	 * QEMU's stock OpenSBI.
	 */
	char *fw = opt.firmware ? strdup(opt.firmware) : run_firmware_default();
	bool ok = false;
	char err[256];

	if (access(probe, R_OK) != 0) {
		fprintf(
		    stderr,
		    "popek pg: cannot read the probe guest '%s': %s (build it with make, or set "
		    "POPEK_PG_PROBE)\n",
		    probe, strerror(errno));
		goto out;
	}
	if (!write_directory(ini, probe))
		goto out;

	char *bare_argv[] = {(char *)exe, "run",    "--bare", "--firmware", fw,
	                     "--log-dir", bare_dir, ini,      NULL};
	char *vm_argv[] = {(char *)exe, "run", "--firmware", fw, "--log-dir", vm_dir, ini, NULL};
	fprintf(stderr, "popek pg: the probe on the bare board ...\n");
	if (run_child(exe, bare_argv, bare_out, BARE_TIMEOUT, "the bare run") < 0)
		goto out;
	fprintf(stderr, "popek pg: the probe under popek, trace = on ...\n");
	if (run_child(exe, vm_argv, vm_out, POPEK_TIMEOUT, "the run under popek") < 0)
		goto out;

	bare_text = slurp(bare_log);
	vm_text = slurp(vm_log);
	console = slurp(console_log);
	if (!bare_text || !vm_text || !console)
		goto out;

	struct pg_probe_log *logs = malloc(2 * sizeof(*logs));
	if (!logs)
		abort();
	if (!pg_probe_log_parse(bare_text, &logs[0], err, sizeof(err)))
		fprintf(stderr, "popek pg: %s: %s\n", bare_log, err);
	else if (!pg_probe_log_parse(vm_text, &logs[1], err, sizeof(err)))
		fprintf(stderr, "popek pg: %s: %s\n", vm_log, err);
	else if (!pg_classify(&logs[0], &logs[1], console, PROBE_VM, result, err, sizeof(err)))
		fprintf(stderr, "popek pg: the measurement is incomplete: %s (logs in %s)\n", err,
		        opt.log_dir ? dir : "a temporary folder; keep them with --log-dir");
	else
		ok = true;
	free(logs);
out:
	free(fw);
	free(bare_text);
	free(vm_text);
	free(console);
	free(probe);
	free(ini);
	free(bare_dir);
	free(vm_dir);
	free(bare_out);
	free(vm_out);
	free(bare_log);
	free(vm_log);
	free(console_log);
	return ok;
}

static void measure_x86(struct pg_report *rep, struct pg_x86_result *results)
{
	rep->x86 = pg_x86_host();
	rep->x86_results = results;
	rep->nx86 = 0;
	if (!rep->x86)
		return;
	char *cpuinfo = slurp("/proc/cpuinfo");
	rep->umip = cpuinfo && pg_x86_cpuinfo_has(cpuinfo, "umip");
	free(cpuinfo);
	for (int i = 0; i < PG_X86_NINSNS; i++) {
		struct pg_x86_raw raw;
		pg_x86_measure(i, &raw);
		pg_x86_classify(i, &raw, rep->umip, &results[rep->nx86++]);
	}
}

int cmd_pg(int argc, char **argv)
{
	char **args;
	int nargs;
	enum pg_format format = PG_FORMAT_TEXT;

	enum options_result parsed = options_parse(&cmd_pg_spec, argc, argv, &args, &nargs);
	if (parsed != OPTIONS_OK)
		return options_exit_status(parsed);
	if (opt.format && !pg_format_parse(opt.format, &format)) {
		fprintf(stderr, "popek pg: unknown format '%s': use text, markdown or json\n",
		        opt.format);
		return 2;
	}

	char tmp[PATH_MAX] = "";
	const char *dir = opt.log_dir;
	if (dir) {
		if (!make_dir(dir))
			return 1;
	} else {
		const char *t = getenv("TMPDIR");
		snprintf(tmp, sizeof(tmp), "%s/popek-pg-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmp)) {
			fprintf(stderr, "popek pg: cannot create %s: %s\n", tmp, strerror(errno));
			return 1;
		}
		dir = tmp;
	}

	struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	char *exe = exe_path();
	struct pg_result *result = malloc(sizeof(*result));
	struct pg_x86_result x86[PG_X86_NINSNS];
	struct utsname host;
	if (!result)
		abort();
	bool ok = measure_riscv(exe, dir, result);
	if (tmp[0])
		nftw(tmp, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);

	if (ok) {
		struct pg_report rep = {.riscv = result};
		rep.host_arch = uname(&host) == 0 ? host.machine : "unknown";
		measure_x86(&rep, x86);
		pg_report_write(&rep, format, stdout);
	}
	free(result);
	free(exe);
	if (interrupted)
		return 130;
	return ok ? 0 : 1;
}
