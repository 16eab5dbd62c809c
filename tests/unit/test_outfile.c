/*
 * tools/popek/outfile.c: every output the launcher writes whole goes to a
 * temporary file beside it and is renamed into place, so a write that fails
 * (a full disk; here RLIMIT_FSIZE in a child, with SIGXFSZ ignored) leaves
 * the old file byte for byte and no temporary file behind.  banner.c's log
 * rewrite is one such output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "banner.h"
#include "outfile.h"

static char dir[64];

static char *at(const char *name)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void put(const char *name, const char *text, size_t len)
{
	FILE *f = fopen(at(name), "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t get(const char *name, char *buf, size_t cap)
{
	FILE *f = fopen(at(name), "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Files in the folder, so that a stray temporary file is seen. */
static int count_files(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/popek-outfile-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(at(e->d_name));
	}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

/* Runs `job` in a child whose files may not grow past `limit` bytes; returns its status. */
static int with_fsize_limit(rlim_t limit, int (*job)(void))
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit r = {limit, limit};
		signal(SIGXFSZ, SIG_IGN); /* the write fails with EFBIG instead */
		if (setrlimit(RLIMIT_FSIZE, &r) != 0)
			_exit(100);
		_exit(job());
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static char big[64 * 1024];

static int write_big(void)
{
	return outfile_write(at("out"), big, sizeof(big)) == EFBIG ? 0 : 1;
}

static void test_failed_write_keeps_old(void **state)
{
	char buf[128];

	(void)state;
	put("out", "old contents\n", 13);
	memset(big, 'n', sizeof(big));
	assert_int_equal(with_fsize_limit(4096, write_big), 0);
	assert_int_equal(get("out", buf, sizeof(buf)), 13);
	assert_memory_equal(buf, "old contents\n", 13);
	assert_int_equal(count_files(), 1); /* no temporary file left */
}

static void test_write_replaces_keeps_mode(void **state)
{
	char buf[16];
	struct stat st;

	(void)state;
	put("m", "x", 1);
	assert_int_equal(chmod(at("m"), 0640), 0);
	assert_int_equal(outfile_write(at("m"), "new", 3), 0);
	assert_int_equal(get("m", buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "new", 3);
	assert_int_equal(stat(at("m"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* a new file, in a folder of its own */
	assert_int_equal(outfile_write(at("fresh"), "f", 1), 0);
	assert_int_equal(get("fresh", buf, sizeof(buf)), 1);
}

static void test_symlink_followed(void **state)
{
	char buf[16];
	struct stat st;

	(void)state;
	put("target", "t", 1);
	assert_int_equal(symlink("target", at("link")), 0);
	assert_int_equal(outfile_write(at("link"), "via", 3), 0);
	assert_int_equal(lstat(at("link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode)); /* still a link */
	assert_int_equal(get("target", buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "via", 3);
}

static void test_not_regular_refused(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("sub"), 0700), 0);
	assert_int_equal(outfile_write(at("sub"), "x", 1), EISDIR);
	assert_int_equal(outfile_write("/dev/null", "x", 1), EINVAL);
	assert_int_equal(outfile_write(at("nofolder/x"), "x", 1), ENOENT);
	rmdir(at("sub"));
}

static void test_abort_removes(void **state)
{
	struct outfile o;

	(void)state;
	int before = count_files();
	assert_int_equal(outfile_open(&o, at("never")), 0);
	assert_int_equal(count_files(), before + 1);
	outfile_abort(&o);
	outfile_abort(&o); /* twice is harmless */
	assert_int_equal(count_files(), before);
	assert_int_not_equal(access(at("never"), F_OK), 0);
}

static void test_same_file(void **state)
{
	(void)state;
	put("a", "a", 1);
	put("b", "a", 1);
	assert_int_equal(link(at("a"), at("hard")), 0);
	assert_true(outfile_same_file(at("a"), at("hard")));
	assert_false(outfile_same_file(at("a"), at("b"))); /* same bytes, another file */
	assert_false(outfile_same_file(at("a"), at("missing")));
}

/* The bare run's log: OpenSBI's banner taken out through a new file. */
static const char banner_log[] = "OpenSBI v1.1\nBoot HART MEDELEG : 0xb109\n\nguest line\n";

static int strip(void)
{
	return banner_strip_file(at("vm.log")) == EFBIG ? 0 : 1;
}

static void test_banner_rewrite_failure_keeps_log(void **state)
{
	char buf[sizeof(big) + 128];
	size_t n = sizeof(banner_log) - 1;

	(void)state;
	/* a log bigger than the limit: the rewrite fails, the log stays whole */
	memcpy(buf, banner_log, n);
	memset(buf + n, 'g', sizeof(big));
	put("vm.log", buf, n + sizeof(big));
	assert_int_equal(with_fsize_limit(4096, strip), 0);
	static char again[sizeof(buf)];
	assert_int_equal(get("vm.log", again, sizeof(again)), n + sizeof(big));
	assert_memory_equal(again, buf, n + sizeof(big));
	int files = count_files();
	/* without a limit it works */
	assert_int_equal(banner_strip_file(at("vm.log")), 0);
	assert_int_equal(get("vm.log", again, sizeof(again)), sizeof(big) + 11);
	assert_memory_equal(again, "guest line\n", 11);
	assert_int_equal(count_files(), files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_failed_write_keeps_old, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_replaces_keeps_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_followed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_regular_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abort_removes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_banner_rewrite_failure_keeps_log, setup, teardown),
	};
	return cmocka_run_group_tests_name("outfile", tests, NULL, NULL);
}
