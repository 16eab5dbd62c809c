/*
 * The launcher's own terminal in raw mode, as QEMU's stdio chardev sets it
 * (`popek run` now reads the keys itself, and so does `popek console`):
 * bytes arrive one by one, unechoed, with no signal keys (Ctrl-C and Ctrl-Z
 * are the guest's); output post-processing stays on.
 *
 * term_raw() saves the settings first, and they come back on every way out:
 * term_restore(), exit() (atexit), and a fatal or terminating signal (the
 * handler restores, then the signal does what it would have done).
 */
#ifndef POPEK_TOOLS_TERM_H
#define POPEK_TOOLS_TERM_H

#include <stdbool.h>

/*
 * Puts terminal `fd` in raw mode when it is a terminal this process may
 * change: not one whose foreground process group is another (a background
 * job leaves it alone, rather than being stopped by SIGTTOU).  Returns
 * whether it did.  `catch_term`: also restore on SIGTERM, SIGHUP, SIGINT
 * and SIGQUIT (for programs that do not handle those themselves).
 */
bool term_raw(int fd, bool catch_term);

/* Whether `fd` is a terminal this process may read and change (see above). */
bool term_is_ours(int fd);

/* Puts the terminal back as it was; harmless when term_raw() did nothing. */
void term_restore(void);

#endif
