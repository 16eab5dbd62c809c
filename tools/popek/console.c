/*
 * The operator console of a monitor run.  See console.h.
 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * What QEMU's mux writes on Ctrl-A x (chardev/char-mux.c) into the stream,
 * just before QEMU exits.  It is no VM's output, but nothing marks it as QEMU's.
 */
static const char qemu_quit_msg[] = "QEMU: Terminated\n\r";
#define QEMU_QUIT_LEN (sizeof(qemu_quit_msg) - 1)

/*
 * Writes all of buf.  The terminal may be non-blocking behind our back: QEMU
 * sets O_NONBLOCK on its stdin, which is often the very open file that is
 * our stdout, so EAGAIN means wait, not fail.
 */
static bool write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w > 0) {
			buf += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			poll(&p, 1, -1);
		} else if (w < 0 && errno != EINTR) {
			return false;
		}
	}
	return true;
}

/* Writes to a log; on failure says so once and stops writing that log. */
static void log_write(int *fd, const char *path, const char *buf, size_t n)
{
	if (*fd < 0 || write_all(*fd, buf, n))
		return;
	fprintf(stderr, "popek run: cannot write %s: %s; that log stops here\n", path,
	        strerror(errno));
	close(*fd);
	*fd = -1;
}

/* The terminal bytes gathered so far go to stdout and console.log. */
static void console_flush(struct console *c)
{
	if (c->term_fd >= 0 && !write_all(c->term_fd, c->buf, c->len))
		c->term_fd = -1; /* nobody reads our output any more: keep the logs going */
	log_write(&c->log_fd, c->log_path, c->buf, c->len);
	c->len = 0;
}

/* Notices popek's panic line in its own output, even split across reads. */
static void watch_popek(struct console *c, const char *buf, size_t n)
{
	const size_t want = sizeof(CONSOLE_PANIC_LINE) - 1;
	for (size_t i = 0; i < n && !c->popek_panicked; i++) {
		if (c->popek_tail_len == want) {
			memmove(c->popek_tail, c->popek_tail + 1, want - 1);
			c->popek_tail_len--;
		}
		c->popek_tail[c->popek_tail_len++] = buf[i];
		c->popek_panicked = c->popek_tail_len == want &&
		                    memcmp(c->popek_tail, CONSOLE_PANIC_LINE, want) == 0;
	}
}

static void console_term(void *arg, const char *buf, size_t n)
{
	struct console *c = arg;

	if (c->demux.source == CONSOLE_SOURCE_POPEK)
		watch_popek(c, buf, n);

	while (n) {
		if (c->len == sizeof(c->buf))
			console_flush(c);
		size_t k = sizeof(c->buf) - c->len < n ? sizeof(c->buf) - c->len : n;
		memcpy(c->buf + c->len, buf, k);
		c->len += k;
		buf += k;
		n -= k;
	}
}

static void console_vm(void *arg, unsigned vm, const char *buf, size_t n)
{
	struct console *c = arg;

	log_write(&c->vm_fd[vm], c->vm_path[vm], buf, n);
	if (c->vm_hook)
		c->vm_hook(c->vm_hook_arg, vm, buf, n);
}

static void console_ctl(void *arg, const char *buf, size_t n)
{
	struct console *c = arg;
	if (c->ctl_hook)
		c->ctl_hook(c->ctl_hook_arg, buf, n);
}

static void console_gdb(void *arg, unsigned vm, const char *buf, size_t n)
{
	struct console *c = arg;
	if (c->gdb_hook)
		c->gdb_hook(c->gdb_hook_arg, vm, buf, n);
}

static int log_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		fprintf(stderr, "popek run: cannot create %s: %s\n", path, strerror(errno));
	return fd;
}

static char *log_name(const char *dir, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s.log", dir, name) < 0)
		abort();
	return path;
}

bool console_open(struct console *c, const char *const *names, unsigned nvms, const char *log_dir)
{
	memset(c, 0, sizeof(*c));
	c->term_fd = STDOUT_FILENO;
	c->log_fd = -1;
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++)
		c->vm_fd[i] = -1;
	console_demux_init(&c->demux, names, nvms, console_term, console_vm, c);
	c->demux.ctl = console_ctl;
	c->demux.gdb = console_gdb;
	if (!log_dir)
		return true;

	for (unsigned i = 0; i < c->demux.nvms; i++) {
		/* DIR/console.log is the terminal's: a VM of that name would write over it */
		if (strcmp(names[i], "console") == 0) {
			fprintf(stderr,
			        "popek run: VM 'console' would share %s/console.log with the "
			        "terminal's log; rename the VM to use --log-dir\n",
			        log_dir);
			return false;
		}
	}
	c->log_path = log_name(log_dir, "console");
	if ((c->log_fd = log_create(c->log_path)) < 0)
		return false;
	for (unsigned i = 0; i < c->demux.nvms; i++) {
		c->vm_path[i] = log_name(log_dir, names[i]);
		if ((c->vm_fd[i] = log_create(c->vm_path[i])) < 0)
			return false;
	}
	return true;
}

void console_output(void *con, const char *buf, size_t n)
{
	struct console *c = con;
	size_t keep = n < CONSOLE_TAIL ? n : CONSOLE_TAIL;

	console_demux_feed(&c->demux, buf, n);
	console_flush(c);
	if (c->tail_len + keep > CONSOLE_TAIL) {
		size_t drop = c->tail_len + keep - CONSOLE_TAIL;
		memmove(c->tail, c->tail + drop, c->tail_len - drop);
		c->tail_len -= drop;
	}
	memcpy(c->tail + c->tail_len, buf + n - keep, keep);
	c->tail_len += keep;
}

/*
 * A Ctrl-A x ends the stream with QEMU's message in whatever source was
 * current.  The terminal has shown it (under a VM's tag, at worst), but a
 * VM's log promises only the VM's bytes: take it back out.
 */
static void console_unlog_quit(struct console *c)
{
	int vm = c->demux.source;

	if (vm == CONSOLE_SOURCE_POPEK || c->vm_fd[vm] < 0 || c->tail_len < QEMU_QUIT_LEN ||
	    memcmp(c->tail + c->tail_len - QEMU_QUIT_LEN, qemu_quit_msg, QEMU_QUIT_LEN) != 0)
		return;
	off_t end = lseek(c->vm_fd[vm], 0, SEEK_CUR);
	if (end >= (off_t)QEMU_QUIT_LEN && ftruncate(c->vm_fd[vm], end - (off_t)QEMU_QUIT_LEN) < 0)
		fprintf(stderr, "popek run: cannot truncate %s: %s\n", c->vm_path[vm],
		        strerror(errno));
}

void console_close(struct console *c)
{
	console_unlog_quit(c);
	console_demux_finish(&c->demux);
	console_flush(c);
	if (c->log_fd >= 0)
		close(c->log_fd);
	free(c->log_path);
	for (unsigned i = 0; i < CONSOLE_MAX_VMS; i++) {
		if (c->vm_fd[i] >= 0)
			close(c->vm_fd[i]);
		free(c->vm_path[i]);
	}
	memset(c, 0, sizeof(*c));
}
