/*
 * The launcher's terminal in raw mode.  See term.h.
 */
#include "term.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t saved_fd = -1;

void term_restore(void)
{
	if (saved_fd >= 0) {
		tcsetattr(saved_fd, TCSADRAIN, &saved);
		saved_fd = -1;
	}
}

/* Restores the terminal (async-signal-safe), then lets the signal do its default. */
static void term_signal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

bool term_is_ours(int fd)
{
	pid_t fg = tcgetpgrp(fd); /* fails on a terminal that is not our controlling one */

	return isatty(fd) && (fg < 0 || fg == getpgrp());
}

bool term_raw(int fd, bool catch_term)
{
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	static const int terminate[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};
	static bool registered;
	struct sigaction sa = {.sa_handler = term_signal};
	struct termios t;

	if (!term_is_ours(fd) || tcgetattr(fd, &saved) < 0)
		return false;
	t = saved;
	/* QEMU's chardev/char-stdio.c, with signal=off */
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_oflag |= OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	for (size_t i = 0; catch_term && i < sizeof(terminate) / sizeof(terminate[0]); i++)
		sigaction(terminate[i], &sa, NULL);
	if (!registered) {
		atexit(term_restore);
		registered = true;
	}
	saved_fd = fd;
	if (tcsetattr(fd, TCSADRAIN, &t) < 0) {
		saved_fd = -1;
		return false;
	}
	return true;
}
