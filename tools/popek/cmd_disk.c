/*
 * `popek disk VERB ...`: the host side of minidisks (DESIGN.md §7).
 *
 *   popek disk create DIRECTORY              make the file [machine] disk names
 *   popek disk export DIRECTORY VM N IMAGE   copy minidisk N of VM into IMAGE
 *   popek disk import DIRECTORY VM N IMAGE   copy IMAGE into minidisk N of VM
 *
 * Every verb first validates the directory as `popek check` does and does
 * nothing when it has a problem.  Bytes move with pread/pwrite inside the
 * minidisk's extent, and every size is checked before the first write, so a
 * neighbour's extent is never touched.  A verb is found in verbs[] like a
 * command in main.c, and has its own option table and --help.
 */
#include "cmd_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_check.h"
#include "directory.h"
#include "disk.h"
#include "outfile.h"
#include "plan.h"
#include "units.h"

/* ---- shared ---- */

/* One line on stderr: "FILE: what is wrong". */
static void __attribute__((format(printf, 2, 3))) fail(const char *file, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int options_exit(enum options_result r)
{
	return r == OPTIONS_HELP ? 0 : 2;
}

/* Opens `path` with `flags`, checks it is a regular file and fills *st; prints why not. */
static int open_regular(const char *path, int flags, struct stat *st)
{
	int fd = open(path, flags | O_CLOEXEC, 0666);

	if (fd < 0) {
		fail(path, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		fail(path, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- create ---- */

static bool create_force;

static const struct option_spec create_options[] = {
    {"force", 'f', OPTION_FLAG, &create_force, NULL,
     "recreate the disk empty even if it exists (destroys its data)"},
    {NULL, 0, 0, NULL, NULL, NULL},
};

static const struct command_spec disk_create_spec = {
    .name = "disk create",
    .args = "DIRECTORY",
    .summary = "create the real disk that [machine] disk names, sized for every minidisk",
    .description = "Validates DIRECTORY as `popek check` does (a missing or too small disk file\n"
                   "is not a problem here) and creates the disk as a sparse file of the largest\n"
                   "minidisk end (START + SIZE over every VM), rounded up to 1M.  An existing\n"
                   "disk is never shrunk: if it is large enough it is left alone, if smaller it\n"
                   "is extended and keeps its data.  --force recreates it empty.\n",
    .options = create_options,
    .min_args = 1,
    .max_args = 1,
};

static int disk_create(int argc, char **argv)
{
	struct directory dir;
	struct plan plan;
	char **args;
	int nargs;
	int status = 1;

	enum options_result r = options_parse(&disk_create_spec, argc, argv, &args, &nargs);
	if (r != OPTIONS_OK)
		return options_exit(r);

	uint64_t required = 0;
	if (!check_directory_flags(args[0], DIRECTORY_DISK_TO_CREATE, &dir, &plan))
		goto out;
	if (!dir.disk) {
		fail(args[0], "no real disk to create: set disk = PATH under [machine]");
		goto out;
	}
	if (!disk_required_size(&dir, &required)) {
		fail(args[0], "the minidisks end past the largest possible disk");
		goto out;
	}
	if (required == 0) {
		fail(args[0], "no VM has a minidisk: nothing to size disk '%s' by", dir.disk);
		goto out;
	}

	struct stat st;
	bool exists = stat(dir.disk, &st) == 0;
	if (!exists && errno != ENOENT) {
		fail(dir.disk, "cannot look at the disk: %s", strerror(errno));
		goto out;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		fail(dir.disk, "not a regular file; refusing to touch it");
		goto out;
	}
	uint64_t size = exists ? (uint64_t)st.st_size : 0;
	enum disk_create_action action = disk_create_plan(exists, size, required, create_force);
	/*
	 * Growing keeps every byte (a failed ftruncate() changes nothing); a new
	 * or recreated disk is made beside the path and renamed into place, so a
	 * failure leaves no 0-byte disk behind, and --force keeps the old one.
	 * ftruncate() extends with a hole: the file takes no space until written.
	 */
	int err = 0;
	if (action == DISK_GROW) {
		int fd = open(dir.disk, O_WRONLY | O_CLOEXEC);
		err = fd < 0 || ftruncate(fd, (off_t)required) != 0 ? errno : 0;
		if (fd >= 0 && close(fd) != 0 && !err)
			err = errno;
	} else if (action != DISK_KEEP) {
		/* the disk is the output here: any other input must not be replaced */
		struct directory others = dir;
		others.disk = NULL;
		if (outfile_is_input("popek disk create", dir.disk, &others, NULL))
			goto out;
		struct outfile o;
		err = outfile_open(&o, dir.disk);
		if (!err && ftruncate(o.fd, (off_t)required) != 0) {
			err = errno;
			outfile_abort(&o);
		} else if (!err) {
			err = outfile_commit(&o);
		}
	}
	if (err) {
		fail(dir.disk, "cannot %s it %llu bytes: %s; nothing was changed",
		     action == DISK_GROW ? "grow" : "make", (unsigned long long)required,
		     strerror(err));
		goto out;
	}
	switch (action) {
	case DISK_CREATE:
		printf("%s: created, %llu bytes (%lluM), sparse\n", dir.disk,
		       (unsigned long long)required, (unsigned long long)(required / MiB));
		break;
	case DISK_GROW:
		printf("%s: grown from %llu to %llu bytes (%lluM); its data is unchanged\n",
		       dir.disk, (unsigned long long)size, (unsigned long long)required,
		       (unsigned long long)(required / MiB));
		break;
	case DISK_KEEP:
		printf("%s: already %llu bytes, enough for every minidisk (%llu needed); left "
		       "alone (--force recreates it empty)\n",
		       dir.disk, (unsigned long long)size, (unsigned long long)required);
		break;
	case DISK_RECREATE:
		printf("%s: recreated empty, %llu bytes (%lluM), sparse\n", dir.disk,
		       (unsigned long long)required, (unsigned long long)(required / MiB));
		break;
	}
	status = 0;
out:
	plan_free(&plan);
	directory_free(&dir);
	return status;
}

/* ---- export and import ---- */

/*
 * What export and import share: the validated directory, the minidisk the
 * arguments DIRECTORY VM N IMAGE name, and the real disk, opened and checked
 * to hold that extent.
 */
struct disk_job {
	const char *verb; /* "disk export" */
	char **args;      /* DIRECTORY VM N IMAGE */
	struct directory dir;
	struct plan plan;
	const struct directory_vm *vm;
	const struct directory_minidisk *m;
	int disk_fd;
	struct stat disk_st;
};

/* Returns 0 with job->m and job->disk_fd set, or the exit status (the problem is printed). */
static int disk_job_open(struct disk_job *job, int disk_flags)
{
	const char *path = job->args[0], *name = job->args[1], *n = job->args[2];

	job->disk_fd = -1;
	if (!check_directory_flags(path, 0, &job->dir, &job->plan))
		return 1;
	switch (disk_find_minidisk(&job->dir, name, n, &job->vm, &job->m)) {
	case DISK_FOUND:
		break;
	case DISK_BAD_NUMBER:
		fprintf(stderr,
		        "popek %s: bad minidisk number '%s' (0-based, in the order of the VM's "
		        "minidisk lines)\n",
		        job->verb, n);
		return 2;
	case DISK_NO_VM: {
		char names[BUNDLE_MAX_VMS * (BUNDLE_NAME_MAX + 2)] = "";
		for (unsigned v = 0; v < job->dir.nvms; v++) {
			strcat(names, v ? ", " : "");
			strcat(names, job->dir.vms[v].name);
		}
		fail(path, "no vm '%s' (the VMs are: %s)", name, names);
		return 1;
	}
	case DISK_NO_MINIDISK:
		fprintf(stderr, "%s:%d: vm '%s' has %u minidisk%s, so no minidisk %s%s\n", path,
		        job->vm->line, name, job->vm->nminidisks,
		        job->vm->nminidisks == 1 ? "" : "s", n,
		        job->vm->nlinks ? " (links are other VMs' minidisks and are not counted)"
		                        : "");
		return 1;
	}

	job->disk_fd = open_regular(job->dir.disk, disk_flags, &job->disk_st);
	if (job->disk_fd < 0)
		return 1;
	if (!disk_extent_inside(job->m, (uint64_t)job->disk_st.st_size)) {
		fail(job->dir.disk,
		     "is %llu bytes, too small for minidisk %s of vm '%s' (ends at byte %llu); run "
		     "popek disk create",
		     (unsigned long long)job->disk_st.st_size, n, name,
		     (unsigned long long)(job->m->start + job->m->size));
		return 1;
	}
	return 0;
}

/* True (and the problem printed) when the image file is the real disk itself. */
static bool disk_job_same_file(const struct disk_job *job, const struct stat *image)
{
	if (image->st_dev != job->disk_st.st_dev || image->st_ino != job->disk_st.st_ino)
		return false;
	fail(job->args[3], "is the real disk itself; choose another image file");
	return true;
}

static void disk_job_close(struct disk_job *job)
{
	if (job->disk_fd >= 0)
		close(job->disk_fd);
	plan_free(&job->plan);
	directory_free(&job->dir);
}

static const struct command_spec disk_export_spec = {
    .name = "disk export",
    .args = "DIRECTORY VM N IMAGE",
    .summary = "copy minidisk N of VM out of the real disk into the file IMAGE",
    .description = "N is 0-based and counts the VM's minidisk lines in order (links are not\n"
                   "counted).  IMAGE is written anew beside its path and renamed into place, so\n"
                   "a failed export leaves an old IMAGE as it was.  It ends up exactly the\n"
                   "minidisk's size; blocks of zeros are left as holes.\n",
    .options = NULL,
    .min_args = 4,
    .max_args = 4,
};

static int disk_export(int argc, char **argv)
{
	struct disk_job job = {.verb = disk_export_spec.name};
	int nargs;

	enum options_result r = options_parse(&disk_export_spec, argc, argv, &job.args, &nargs);
	if (r != OPTIONS_OK)
		return options_exit(r);

	const char *image = job.args[3];
	int status = disk_job_open(&job, O_RDONLY);
	if (status != 0 || outfile_is_input("popek disk export", image, &job.dir, NULL)) {
		disk_job_close(&job);
		return status ? status : 1;
	}
	/* Into a new file, sized first: the copy skips zeros, which must read as holes. */
	struct outfile o;
	bool write_failed = true;
	int err = outfile_open(&o, image);
	if (!err)
		err = ftruncate(o.fd, (off_t)job.m->size) != 0
		          ? errno
		          : disk_copy(job.disk_fd, job.m->start, o.fd, 0, job.m->size, true,
		                      &write_failed);
	if (err) {
		outfile_abort(&o);
	} else {
		write_failed = true; /* what fails now is the image's sync or rename */
		err = outfile_commit(&o);
	}
	if (err) {
		fail(write_failed ? image : job.dir.disk, "cannot %s: %s%s",
		     write_failed ? "write" : "read", strerror(err),
		     write_failed ? "; the file is unchanged" : "");
		status = 1;
	} else {
		printf("%s: minidisk %s of vm '%s' exported, %llu bytes from byte %llu of %s\n",
		       image, job.args[2], job.vm->name, (unsigned long long)job.m->size,
		       (unsigned long long)job.m->start, job.dir.disk);
	}
	disk_job_close(&job);
	return status;
}

static const struct command_spec disk_import_spec = {
    .name = "disk import",
    .args = "DIRECTORY VM N IMAGE",
    .summary = "copy the file IMAGE into minidisk N of VM on the real disk",
    .description = "N is 0-based and counts the VM's minidisk lines in order (links are not\n"
                   "counted).  IMAGE must not be larger than the minidisk: if it is, nothing is\n"
                   "written.  A smaller IMAGE fills the start of the minidisk and the rest is\n"
                   "left as it was.  Nothing outside the minidisk is ever written.\n",
    .options = NULL,
    .min_args = 4,
    .max_args = 4,
};

static int disk_import(int argc, char **argv)
{
	struct disk_job job = {.verb = disk_import_spec.name};
	int nargs;

	enum options_result r = options_parse(&disk_import_spec, argc, argv, &job.args, &nargs);
	if (r != OPTIONS_OK)
		return options_exit(r);

	const char *image = job.args[3];
	int status = disk_job_open(&job, O_RDWR);
	int fd = -1;
	struct stat st;
	if (status == 0) {
		status = 1;
		fd = open_regular(image, O_RDONLY, &st);
	}
	if (fd < 0 || disk_job_same_file(&job, &st))
		goto out;

	uint64_t len = (uint64_t)st.st_size;
	enum disk_fit fit = disk_import_fit(len, job.m->size);
	if (fit == DISK_FIT_TOO_BIG) {
		fail(image,
		     "is %llu bytes, larger than minidisk %s of vm '%s' (%llu bytes); nothing "
		     "written",
		     (unsigned long long)len, job.args[2], job.vm->name,
		     (unsigned long long)job.m->size);
		goto out;
	}
	bool write_failed;
	int err = disk_copy(fd, 0, job.disk_fd, job.m->start, len, false, &write_failed);
	if (!err && fdatasync(job.disk_fd) != 0) {
		err = errno;
		write_failed = true;
	}
	if (err) {
		fail(write_failed ? job.dir.disk : image, "cannot %s: %s",
		     write_failed ? "write" : "read", strerror(err));
		goto out;
	}
	printf("%s: %s imported into minidisk %s of vm '%s', %llu bytes at byte %llu", job.dir.disk,
	       image, job.args[2], job.vm->name, (unsigned long long)len,
	       (unsigned long long)job.m->start);
	if (fit == DISK_FIT_SHORT)
		printf("; the image is smaller than the minidisk (%llu bytes): its last %llu bytes "
		       "are unchanged",
		       (unsigned long long)job.m->size, (unsigned long long)(job.m->size - len));
	printf("\n");
	status = 0;
out:
	if (fd >= 0)
		close(fd);
	disk_job_close(&job);
	return status;
}

/* ---- the verbs ---- */

struct disk_verb {
	const char *name;
	const struct command_spec *spec;
	int (*main)(int argc, char **argv);
};

static const struct disk_verb verbs[] = {
    {"create", &disk_create_spec, disk_create},
    {"export", &disk_export_spec, disk_export},
    {"import", &disk_import_spec, disk_import},
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

const struct command_spec cmd_disk_spec = {
    .name = "disk",
    .args = "VERB ARGS",
    .summary = "create the real disk; copy a minidisk out of it or into it",
    .description = "verbs:\n"
                   "  create DIRECTORY              create or grow the disk [machine] disk names\n"
                   "  export DIRECTORY VM N IMAGE   copy minidisk N of VM into the file IMAGE\n"
                   "  import DIRECTORY VM N IMAGE   copy the file IMAGE into minidisk N of VM\n"
                   "\n'popek disk VERB --help' shows a verb's options.\n",
    .options = NULL,
    .min_args = 1,
    .max_args = 5,
};

int cmd_disk(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "popek disk: expected a verb: create, export or import\n"
		                "Try 'popek disk --help'.\n");
		return 2;
	}
	const char *verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
		options_usage(&cmd_disk_spec, stdout);
		return 0;
	}
	for (size_t i = 0; i < NVERBS; i++) {
		if (strcmp(verbs[i].name, verb) == 0)
			return verbs[i].main(argc - 1, argv + 1);
	}
	fprintf(stderr,
	        "popek disk: unknown verb '%s' (create, export or import)\n"
	        "Try 'popek disk --help'.\n",
	        verb);
	return 2;
}
