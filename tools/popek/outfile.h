/*
 * Writing a file so that a failure loses nothing.  Every file the launcher
 * writes whole (the bundle of `pack` and `run --bundle`, a bare run's log
 * once its banner is taken out, `disk export`'s image, a new real disk) goes
 * through here: the bytes go to a temporary file in the same folder, which
 * replaces the file by rename() only once all of them are written and
 * synced.  A full disk, a signal or a crash leaves the old file as it was
 * (and at worst a stray .NAME.XXXXXX beside it after a crash).
 *
 * A symlink is followed: the file it names is replaced, not the link.  A
 * new file gets mode 0666 less the umask; a replaced one keeps its mode.
 */
#ifndef POPEK_TOOLS_OUTFILE_H
#define POPEK_TOOLS_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "directory.h"

struct outfile {
	char *path; /* the file to replace, symlinks resolved */
	char *tmp;  /* the temporary file beside it */
	int fd;     /* open for writing on tmp; -1 once closed */
};

/*
 * Creates the temporary file for `path`; returns 0 or an errno value
 * (EISDIR, or EINVAL for anything else there that is not a regular file).
 */
int outfile_open(struct outfile *o, const char *path);

/* Syncs and closes the temporary file and renames it to the path; returns 0 or an errno value. */
int outfile_commit(struct outfile *o);

/* Removes the temporary file; the path is untouched.  Safe after a failed commit, and twice. */
void outfile_abort(struct outfile *o);

/* The whole job for bytes in memory: open, write buf[0..len), commit; 0 or an errno value. */
int outfile_write(const char *path, const void *buf, size_t len);

/* True when `a` and `b` name the same existing file (device and inode, not name). */
bool outfile_same_file(const char *a, const char *b);

/*
 * True when `out` is one of the files a command reads: the directory file,
 * a VM's kernel or initrd, the real disk, or popek's `image` (NULL: none).  Then it prints one line on stderr,
 * "WHO: OUT is the kernel of vm 'a' (an input); choose another file", and
 * nothing must be written.  Compared by device and inode, so another name
 * for the same file (a link, ./x, a symlink) is caught too.
 */
bool outfile_is_input(const char *who, const char *out, const struct directory *dir,
                      const char *image);

#endif
