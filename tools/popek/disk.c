/*
 * The real disk as the host tools see it.  See disk.h.
 */
#include "disk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "units.h"

#define DISK_COPY_BLOCK (1u << 20)
#define DISK_HOLE_BLOCK 4096u

bool disk_required_size(const struct directory *dir, uint64_t *out)
{
	uint64_t end = 0;

	for (unsigned v = 0; v < dir->nvms; v++) {
		const struct directory_vm *vm = &dir->vms[v];
		for (unsigned i = 0; i < vm->nminidisks; i++) {
			const struct directory_minidisk *m = &vm->minidisks[i];
			if (m->start + m->size < m->start)
				return false;
			if (m->start + m->size > end)
				end = m->start + m->size;
		}
	}
	if (end > UINT64_MAX - (DISK_ROUND - 1))
		return false;
	*out = (end + DISK_ROUND - 1) / DISK_ROUND * DISK_ROUND;
	return true;
}

enum disk_create_action disk_create_plan(bool exists, uint64_t size, uint64_t required, bool force)
{
	if (!exists)
		return DISK_CREATE;
	if (force)
		return DISK_RECREATE;
	return size < required ? DISK_GROW : DISK_KEEP;
}

enum disk_lookup disk_find_minidisk(const struct directory *dir, const char *name, const char *n,
                                    const struct directory_vm **vm,
                                    const struct directory_minidisk **m)
{
	uint64_t index;

	if (!units_parse_uint(n, &index))
		return DISK_BAD_NUMBER;
	*vm = NULL;
	for (unsigned v = 0; v < dir->nvms; v++) {
		if (strcmp(dir->vms[v].name, name) == 0)
			*vm = &dir->vms[v];
	}
	if (!*vm)
		return DISK_NO_VM;
	if (index >= (*vm)->nminidisks)
		return DISK_NO_MINIDISK;
	*m = &(*vm)->minidisks[index];
	return DISK_FOUND;
}

bool disk_extent_inside(const struct directory_minidisk *m, uint64_t disk_size)
{
	return m->start <= disk_size && m->size <= disk_size - m->start;
}

enum disk_fit disk_import_fit(uint64_t image_size, uint64_t extent_size)
{
	if (image_size > extent_size)
		return DISK_FIT_TOO_BIG;
	return image_size == extent_size ? DISK_FIT_EXACT : DISK_FIT_SHORT;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Writes all of buf[0..n) at `off`; returns 0 or an errno value. */
static int write_all(int to, const uint8_t *buf, size_t n, uint64_t off)
{
	for (size_t put = 0; put < n;) {
		ssize_t w = pwrite(to, buf + put, n - put, (off_t)(off + put));
		if (w < 0 && errno != EINTR)
			return errno;
		if (w == 0)
			return EIO;
		if (w > 0)
			put += (size_t)w;
	}
	return 0;
}

int disk_copy(int from, uint64_t from_off, int to, uint64_t to_off, uint64_t len, bool skip_zeros,
              bool *write_failed)
{
	uint8_t *buf = malloc(DISK_COPY_BLOCK);
	int err = 0;

	*write_failed = false;
	if (!buf)
		return ENOMEM;
	for (uint64_t done = 0; done < len && !err;) {
		size_t want = len - done < DISK_COPY_BLOCK ? (size_t)(len - done) : DISK_COPY_BLOCK;
		ssize_t got = pread(from, buf, want, (off_t)(from_off + done));
		if (got < 0) {
			if (errno != EINTR)
				err = errno;
			continue;
		}
		if (got == 0) {
			err = ENODATA;
			continue;
		}
		/* With skip_zeros, look at DISK_HOLE_BLOCK pieces, the granule of a file system's holes. */
		size_t piece = skip_zeros ? DISK_HOLE_BLOCK : (size_t)got;
		for (size_t at = 0; at < (size_t)got && !err; at += piece) {
			size_t n = (size_t)got - at < piece ? (size_t)got - at : piece;
			if (!(skip_zeros && all_zero(buf + at, n)))
				err = write_all(to, buf + at, n, to_off + done + at);
		}
		*write_failed = err != 0;
		done += (uint64_t)got;
	}
	free(buf);
	return err;
}
