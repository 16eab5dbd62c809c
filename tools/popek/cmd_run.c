/*
 * `popek run FILE`: validate the directory (nothing starts when it has a
 * problem), pack the boot bundle and run QEMU in the foreground; the exit
 * status is QEMU's.
 *
 * The bundle goes to a fresh folder under $TMPDIR (default /tmp), named
 * popek-XXXXXX, which is removed when QEMU exits; --bundle FILE writes it
 * to FILE instead and keeps it.
 */
#include "cmd_run.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_check.h"
#include "cmd_pack.h"
#include "qemu.h"

static struct {
	const char *log_dir;
	const char *bundle;
	bool bare;
	bool gdb;
	bool dry_run;
} opt;

static const struct option_spec run_options[] = {
    {"log-dir", 'l', OPTION_STRING, &opt.log_dir, "DIR",
     "also write the console to DIR/console.log (--bare: DIR/NAME.log)"},
    {"bare", 'b', OPTION_FLAG, &opt.bare, NULL,
     "boot the first VM's kernel directly on QEMU, no monitor"},
    {"gdb", 'g', OPTION_FLAG, &opt.gdb, NULL, "start QEMU halted, its gdb stub on :1234"},
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
                   "goes to the guest.  popek run exits when QEMU does, with its exit status.\n"
                   "\n"
                   "With --bare the first VM's kernel (and initrd, bootargs and minidisks, as\n"
                   "slices of the real disk) runs alone on a virt board of the VM's size, as\n"
                   "the reference for comparing popek against the real machine.\n"
                   "\n"
                   "Environment: POPEK_IMAGE overrides popek.bin (default: ../popek.bin next\n"
                   "to this program's folder); POPEK_QEMU overrides qemu-system-riscv64.\n",
    .options = run_options,
    .min_args = 1,
    .max_args = 1,
};

/* <folder of this program>/../popek.bin, or $POPEK_IMAGE. */
static char *popek_image_path(void)
{
	const char *env = getenv("POPEK_IMAGE");
	char exe[PATH_MAX];
	char *path;

	if (env && *env)
		return strdup(env);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return strdup("build/popek.bin");
	exe[n] = '\0';
	if (asprintf(&path, "%s/../popek.bin", dirname(exe)) < 0)
		abort();
	char *real = realpath(path, NULL); /* tidier in messages, when it exists */
	if (real) {
		free(path);
		path = real;
	}
	return path;
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

static int run_bare(const struct directory *dir, struct qemu_opts *q)
{
	struct qemu_argv a = {0};
	char *log = log_path(dir->vms[0].name);
	int status;

	if (opt.log_dir && !log)
		return 1;
	q->log_file = log;
	qemu_argv_bare(dir, q, &a);
	if (opt.gdb)
		fprintf(stderr,
		        "popek run: QEMU waits for gdb on :1234; attach with\n"
		        "  gdb-multiarch %s -ex 'target remote :1234'\n",
		        dir->vms[0].kernel);
	status = start(&a);
	qemu_argv_free(&a);
	free(log);
	return status;
}

static int run_monitor(const struct directory *dir, const struct plan *plan, struct qemu_opts *q)
{
	char tmpdir[PATH_MAX] = "";
	char *bundle = NULL;
	char *image = popek_image_path();
	char *log = NULL;
	int status = 1;

	if (!opt.dry_run && access(image, R_OK) != 0) {
		fprintf(stderr,
		        "popek run: cannot read popek image '%s': %s (build it with make, or set "
		        "POPEK_IMAGE)\n",
		        image, strerror(errno));
		goto out;
	}
	if (opt.log_dir && !(log = log_path("console")))
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
	if (!pack_to_file(dir, plan, bundle))
		goto out;

	struct qemu_argv a = {0};
	q->popek_image = image;
	q->bundle = bundle;
	q->log_file = log;
	qemu_argv_monitor(dir, q, &a);
	if (opt.gdb) {
		size_t n = strlen(image);
		bool bin = n > 4 && strcmp(image + n - 4, ".bin") == 0;
		fprintf(stderr,
		        "popek run: QEMU waits for gdb on :1234; attach with\n"
		        "  gdb-multiarch %.*s%s -ex 'target remote :1234'\n",
		        (int)(bin ? n - 4 : n), image, bin ? ".elf" : "");
	}
	status = start(&a);
	qemu_argv_free(&a);
out:
	if (tmpdir[0]) {
		if (bundle)
			unlink(bundle);
		rmdir(tmpdir);
	}
	free(bundle);
	free(image);
	free(log);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct directory dir;
	struct plan plan;
	char **args;
	int nargs;
	int status = 1;

	switch (options_parse(&cmd_run_spec, argc, argv, &args, &nargs)) {
	case OPTIONS_HELP:
		return 0;
	case OPTIONS_ERROR:
		return 2;
	case OPTIONS_OK:
		break;
	}

	if (check_directory(args[0], &dir, &plan)) {
		const char *qemu = getenv("POPEK_QEMU");
		struct qemu_opts q = {
		    .binary = qemu && *qemu ? qemu : QEMU_DEFAULT_BINARY,
		    .gdb = opt.gdb,
		};
		fflush(stdout);
		status = opt.bare ? run_bare(&dir, &q) : run_monitor(&dir, &plan, &q);
	}
	plan_free(&plan);
	directory_free(&dir);
	return status;
}
