/*
 * Writing a file through a temporary one and rename().  See outfile.h.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path)
{
	struct stat st;
	mode_t mode;

	o->fd = -1;
	o->tmp = NULL;
	o->path = realpath(path, NULL); /* follows a symlink; NULL when nothing is there yet */
	if (!o->path && !(o->path = strdup(path)))
		abort();
	if (stat(o->path, &st) == 0) {
		if (!S_ISREG(
		        st.st_mode)) { /* rename() would replace a device or a folder's entry */
			int err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
			free(o->path);
			o->path = NULL;
			return err;
		}
		mode = st.st_mode & 07777;
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}

	/* Same folder, so that rename() is atomic and never crosses file systems. */
	char *d = strdup(o->path), *b = strdup(o->path);
	if (!d || !b || asprintf(&o->tmp, "%s/.%s.XXXXXX", dirname(d), basename(b)) < 0)
		abort();
	free(d);
	free(b);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0 || fchmod(o->fd, mode) != 0) {
		int err = errno;
		outfile_abort(o);
		return err;
	}
	return 0;
}

int outfile_commit(struct outfile *o)
{
	int err = 0;

	if (fsync(o->fd) != 0)
		err = errno;
	if (close(o->fd) != 0 && !err)
		err = errno;
	o->fd = -1;
	if (!err && rename(o->tmp, o->path) != 0)
		err = errno;
	if (err) {
		outfile_abort(o);
		return err;
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
}

int outfile_write(const char *path, const void *buf, size_t len)
{
	struct outfile o;
	const char *p = buf;
	int err = outfile_open(&o, path);

	while (!err && len) {
		ssize_t n = write(o.fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (err) {
		outfile_abort(&o);
		return err;
	}
	return outfile_commit(&o);
}

bool outfile_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

bool outfile_is_input(const char *who, const char *out, const struct directory *dir,
                      const char *image)
{
	char what[64 + BUNDLE_NAME_MAX];

	if (outfile_same_file(out, dir->path)) {
		snprintf(what, sizeof(what), "the directory file");
	} else if (dir->disk && outfile_same_file(out, dir->disk)) {
		snprintf(what, sizeof(what), "the real disk");
	} else if (image && outfile_same_file(out, image)) {
		snprintf(what, sizeof(what), "popek's image");
	} else {
		what[0] = '\0';
		for (unsigned v = 0; v < dir->nvms && !what[0]; v++) {
			const struct directory_vm *vm = &dir->vms[v];
			if (vm->kernel && outfile_same_file(out, vm->kernel))
				snprintf(what, sizeof(what), "the kernel of vm '%s'", vm->name);
			else if (vm->initrd && outfile_same_file(out, vm->initrd))
				snprintf(what, sizeof(what), "the initrd of vm '%s'", vm->name);
		}
		if (!what[0])
			return false;
	}
	fprintf(stderr, "%s: %s is %s (an input); choose another file\n", who, out, what);
	return true;
}
