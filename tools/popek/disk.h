/*
 * The real disk as the host tools see it (`popek disk`): how large it must
 * be, which extent a minidisk number names, and copying bytes between an
 * extent and a file.  All pure but disk_copy(), which works on descriptors
 * the caller opened, so the unit tests can run it on temporary files.
 */
#ifndef POPEK_TOOLS_DISK_H
#define POPEK_TOOLS_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "directory.h"

#define DISK_ROUND (1ULL << 20) /* the disk is sized in whole MiB */

/*
 * The size the disk must have: the largest start + size over every VM's
 * minidisks, rounded up to DISK_ROUND; 0 when no VM has a minidisk.  False
 * when that does not fit in 64 bits.
 */
bool disk_required_size(const struct directory *dir, uint64_t *out);

/* What `popek disk create` does with the file, given what is there now. */
enum disk_create_action {
	DISK_CREATE,   /* there is no file: create it, sparse, of the required size */
	DISK_GROW,     /* it is smaller: extend it (sparse), keeping every byte it holds */
	DISK_KEEP,     /* it is large enough: leave it alone */
	DISK_RECREATE, /* --force on an existing file: truncate it, then size it anew */
};

enum disk_create_action disk_create_plan(bool exists, uint64_t size, uint64_t required, bool force);

/* The outcome of disk_find_minidisk(). */
enum disk_lookup {
	DISK_FOUND,       /* *vm and *m are set */
	DISK_BAD_NUMBER,  /* N is not a decimal number */
	DISK_NO_VM,       /* the directory has no VM of that name */
	DISK_NO_MINIDISK, /* the VM has fewer minidisks than N + 1; *vm is set */
};

/*
 * Finds minidisk `n` (decimal text, 0-based, counting only the VM's
 * `minidisk` lines, not its links) of VM `name`.
 */
enum disk_lookup disk_find_minidisk(const struct directory *dir, const char *name, const char *n,
                                    const struct directory_vm **vm,
                                    const struct directory_minidisk **m);

/* True when the extent lies wholly inside a disk of `disk_size` bytes; overflow-safe. */
bool disk_extent_inside(const struct directory_minidisk *m, uint64_t disk_size);

/* How an image of `image_size` bytes fits a minidisk of `extent_size` bytes. */
enum disk_fit {
	DISK_FIT_EXACT,   /* same size: the whole minidisk is overwritten */
	DISK_FIT_SHORT,   /* smaller: it fills the start, the rest is left unchanged */
	DISK_FIT_TOO_BIG, /* larger: refused, nothing is written */
};

enum disk_fit disk_import_fit(uint64_t image_size, uint64_t extent_size);

/*
 * Copies `len` bytes from offset `from_off` of `from` to offset `to_off` of
 * `to` with pread/pwrite, never touching a byte outside the two ranges.
 * With `skip_zeros`, all-zero blocks are not written (the caller has sized
 * `to` so that they read as holes).  Returns 0 or an errno value, with
 * *write_failed telling which side failed; a source that ends early is
 * ENODATA.
 */
int disk_copy(int from, uint64_t from_off, int to, uint64_t to_off, uint64_t len, bool skip_zeros,
              bool *write_failed);

#endif
