/*
 * Run directories.  See rundir.h.
 */
#include "rundir.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *xasprintf_path(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0)
		abort();
	return p;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

char *rundir_base(const char *who, bool create)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *base;
	struct stat st;

	if (xdg && *xdg) {
		base = xasprintf_path(xdg, "popek");
	} else if (asprintf(&base, "/tmp/popek-%u", (unsigned)getuid()) < 0) {
		abort();
	}
	if (create && mkdir(base, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", who, base, strerror(errno));
		free(base);
		return NULL;
	}
	/* in a shared /tmp, a folder someone else made (or a symlink) is not ours to trust */
	if (lstat(base, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
		if (create || errno != ENOENT)
			fprintf(stderr, "%s: %s is not a folder of yours\n", who, base);
		free(base);
		return NULL;
	}
	return base;
}

/* Removes a run directory's files, then the folder. */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *p = xasprintf_path(dir, e->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* Run directories of processes that are gone (killed before they could clean up). */
static void remove_stale(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!all_digits(e->d_name))
			continue;
		long pid = strtol(e->d_name, NULL, 10);
		if (pid <= 0 || pid > INT_MAX || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char *p = xasprintf_path(base, e->d_name);
		remove_tree(p);
		free(p);
	}
	closedir(d);
}

char *rundir_create(const char *who)
{
	char *base = rundir_base(who, true);
	char pid[32], *dir, *cur, *tmp;

	if (!base)
		return NULL;
	remove_stale(base);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	dir = xasprintf_path(base, pid);
	remove_tree(dir); /* a stale one of an earlier process with our PID */
	if (mkdir(dir, 0700) < 0) {
		fprintf(stderr, "%s: cannot create %s: %s\n", who, dir, strerror(errno));
		free(dir);
		free(base);
		return NULL;
	}
	/* `current` is replaced atomically: a new link under a temporary name, renamed */
	cur = xasprintf_path(base, RUNDIR_CURRENT);
	if (asprintf(&tmp, "%s/.current-%s", base, pid) < 0)
		abort();
	unlink(tmp);
	if (symlink(pid, tmp) < 0 || rename(tmp, cur) < 0) {
		fprintf(stderr, "%s: cannot point %s at %s: %s\n", who, cur, dir, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	free(cur);
	free(base);
	return dir;
}

void rundir_remove(const char *dir)
{
	char *copy = strdup(dir), *slash, *cur, target[64];

	if (!copy)
		abort();
	remove_tree(dir);
	slash = strrchr(copy, '/');
	if (slash) {
		*slash = '\0';
		cur = xasprintf_path(copy, RUNDIR_CURRENT);
		ssize_t n = readlink(cur, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (strcmp(target, slash + 1) == 0)
				unlink(cur);
		}
		free(cur);
	}
	free(copy);
}

char *rundir_find(const char *who, const char *spec)
{
	struct stat st;
	char *base, *dir;

	if (spec && !all_digits(spec)) {
		if (stat(spec, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: no run directory %s\n", who, spec);
			return NULL;
		}
		return strdup(spec);
	}
	base = rundir_base(who, false);
	if (!base) {
		fprintf(stderr, "%s: no popek run is running (start one with popek run FILE)\n",
		        who);
		return NULL;
	}
	dir = xasprintf_path(base, spec ? spec : RUNDIR_CURRENT);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (spec)
			fprintf(stderr, "%s: no popek run with PID %s (no %s)\n", who, spec, dir);
		else
			fprintf(stderr,
			        "%s: no popek run is running (no %s; start one with popek run "
			        "FILE)\n",
			        who, dir);
		free(dir);
		dir = NULL;
	} else {
		char *real = realpath(dir, NULL); /* `current` -> the PID, in messages */
		if (real) {
			free(dir);
			dir = real;
		}
	}
	free(base);
	return dir;
}

bool rundir_socket_path(const char *dir, const char *name, char *path, size_t size)
{
	int n = snprintf(path, size, "%s/%s.sock", dir, name);

	return n > 0 && (size_t)n < size;
}
