/*
 * Reading and validating the VM directory.  See directory.h for the format.
 *
 * inih splits lines into sections, keys and values.  Its handler is told
 * neither the line number (Debian builds it without INI_HANDLER_LINENO) nor
 * about sections without keys, and it silently cuts lines longer than
 * INI_MAX_LINE.  So the file is fed to inih through dir_reader(), which counts
 * lines, reports syntax errors and over-long lines itself (every one, not only
 * the first), and tracks section headers; the key handler then knows the line
 * and the section of every key it is given.
 */
#include "directory.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "units.h"

_Static_assert(sizeof(off_t) == 8, "DIRECTORY_MAX_DISK assumes a 64-bit off_t");

enum section_kind {
	SECTION_NONE,    /* before the first header */
	SECTION_MACHINE, /* [machine] */
	SECTION_VM,      /* [vm NAME] */
	SECTION_IGNORED, /* a bad header: its keys are not looked at */
};

struct parser {
	struct directory *dir;
	FILE *file;
	char *buf;
	size_t cap;
	int line;
	enum section_kind section;
	struct directory_vm *vm; /* the current VM when section == SECTION_VM */
};

#define KEY_REQUIRED (1u << 0)
#define KEY_REPEAT   (1u << 1) /* may appear more than once */

struct dir_key {
	const char *name;
	void (*set)(struct parser *p, const char *value);
	unsigned flags;
};

#define ERR(p, ...) diag_add(&(p)->dir->diag, (p)->line, __VA_ARGS__)

/* ---- values ---- */

static bool parse_memory(struct parser *p, const char *value, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!units_parse_size(value, &v)) {
		ERR(p,
		    "bad size '%s' for memory (a number with an optional K, M or G suffix, "
		    "e.g. 256M)",
		    value);
		return false;
	}
	if (v == 0 || v % (2 * MiB) != 0) {
		ERR(p, "memory = %s is not a non-zero multiple of 2M", value);
		return false;
	}
	if (v > max) {
		ERR(p, "memory = %s is more than %lluG", value, (unsigned long long)(max / GiB));
		return false;
	}
	*out = v;
	return true;
}

/* Resolves and opens `value`; returns the resolved path when it is a readable regular file. */
static char *parse_file(struct parser *p, const char *what, const char *value)
{
	char *path = directory_resolve(p->dir, value);
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		ERR(p, "cannot read %s '%s': %s", what, path, strerror(errno));
		free(path);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ERR(p, "%s '%s' is not a regular file", what, path);
		close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* Looks `value` up in a NULL-terminated list of words; returns its index or -1. */
static int parse_word(struct parser *p, const char *key, const char *value,
                      const char *const *words)
{
	for (int i = 0; words[i]; i++) {
		if (strcmp(value, words[i]) == 0)
			return i;
	}
	char expected[128] = "";
	for (int i = 0; words[i]; i++) {
		strcat(expected, i ? " or " : "");
		strcat(expected, words[i]);
	}
	ERR(p, "bad value '%s' for %s (expected %s)", value, key, expected);
	return -1;
}

static bool name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= BUNDLE_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Splits `value` into at most `max` whitespace-separated words (in `buf`); returns the count. */
static unsigned split_words(const char *value, char *buf, size_t bufsize, char **words,
                            unsigned max)
{
	unsigned n = 0;
	char *save = NULL;

	snprintf(buf, bufsize, "%s", value);
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = w;
	}
	return n;
}

/* ---- [machine] ---- */

static void machine_memory(struct parser *p, const char *value)
{
	parse_memory(p, value, UINT64_MAX, &p->dir->machine_memory);
}

static void machine_harts(struct parser *p, const char *value)
{
	uint64_t v;

	if (!units_parse_uint(value, &v) || v < 1 || v > DIRECTORY_MAX_HARTS) {
		ERR(p, "bad value '%s' for harts (expected 1 to %d)", value, DIRECTORY_MAX_HARTS);
		return;
	}
	p->dir->harts = (unsigned)v;
}

/* The disk may not exist yet: whether that matters is decided in check_disks(). */
static void machine_disk(struct parser *p, const char *value)
{
	free(p->dir->disk);
	p->dir->disk = directory_resolve(p->dir, value);
}

static const struct dir_key machine_keys[] = {
    {"memory", machine_memory, 0},
    {"harts", machine_harts, 0},
    {"disk", machine_disk, 0},
    {NULL, NULL, 0},
};

/* ---- [vm NAME] ---- */

static void vm_memory(struct parser *p, const char *value)
{
	parse_memory(p, value, BUNDLE_MAX_MEMORY, &p->vm->memory);
}

static void vm_kernel(struct parser *p, const char *value)
{
	p->vm->kernel = parse_file(p, "kernel", value);
}

static void vm_initrd(struct parser *p, const char *value)
{
	p->vm->initrd = parse_file(p, "initrd", value);
}

static void vm_firmware(struct parser *p, const char *value)
{
	p->vm->firmware = parse_file(p, "firmware", value);
}

static void vm_bootargs(struct parser *p, const char *value)
{
	p->vm->bootargs = strdup(value);
}

static void vm_boot(struct parser *p, const char *value)
{
	static const char *const words[] = {
	    [BUNDLE_BOOT_SBI] = "sbi", [BUNDLE_BOOT_FIRMWARE] = "firmware", NULL};
	int v = parse_word(p, "boot", value, words);

	if (v >= 0)
		p->vm->boot = (enum bundle_boot)v;
}

static void vm_timer(struct parser *p, const char *value)
{
	static const char *const words[] = {
	    [BUNDLE_TIMER_REAL] = "real", [BUNDLE_TIMER_VIRTUAL] = "virtual", NULL};
	int v = parse_word(p, "timer", value, words);

	if (v >= 0)
		p->vm->timer = (enum bundle_timer)v;
}

static void vm_trace(struct parser *p, const char *value)
{
	static const char *const words[] = {"off", "on", NULL};
	int v = parse_word(p, "trace", value, words);

	if (v >= 0)
		p->vm->trace = v == 1;
}

static void vm_virtio(struct parser *p, const char *value)
{
	static const char *const words[] = {
	    [BUNDLE_VIRTIO_MODERN] = "modern", [BUNDLE_VIRTIO_LEGACY] = "legacy", NULL};
	int v = parse_word(p, "virtio", value, words);

	if (v >= 0)
		p->vm->virtio = (enum bundle_virtio)v;
}

static void vm_gdb(struct parser *p, const char *value)
{
	static const char *const words[] = {
	    [BUNDLE_GDB_OFF] = "off", [BUNDLE_GDB_ON] = "on", [BUNDLE_GDB_WAIT] = "wait", NULL};
	int v = parse_word(p, "gdb", value, words);

	if (v >= 0)
		p->vm->gdb = (enum bundle_gdb)v;
}

static void vm_symbols(struct parser *p, const char *value)
{
	free(p->vm->symbols);
	p->vm->symbols = parse_file(p, "symbols", value);
}

static void vm_quantum(struct parser *p, const char *value)
{
	uint32_t us;

	if (!units_parse_duration_us(value, &us)) {
		ERR(p, "bad duration '%s' for quantum (a number with unit us, ms or s, e.g. 10ms)",
		    value);
		return;
	}
	if (us < DIRECTORY_MIN_QUANTUM || us > DIRECTORY_MAX_QUANTUM) {
		ERR(p, "quantum = %s is out of range (100us to 1s)", value);
		return;
	}
	p->vm->quantum_us = us;
}

static bool vm_disk_slot(struct parser *p)
{
	if (p->vm->nminidisks + p->vm->nlinks < BUNDLE_MAX_DISKS)
		return true;
	ERR(p, "too many disks in vm '%s' (at most %d minidisks and links)", p->vm->name,
	    BUNDLE_MAX_DISKS);
	return false;
}

static void vm_minidisk(struct parser *p, const char *value)
{
	char buf[256];
	char *w[2];
	uint64_t start, size;

	if (split_words(value, buf, sizeof(buf), w, 2) != 2) {
		ERR(p, "bad minidisk '%s' (expected START SIZE, e.g. 0 64M)", value);
		return;
	}
	if (!units_parse_size(w[0], &start)) {
		ERR(p, "bad minidisk start '%s' (a number with an optional K, M or G suffix)",
		    w[0]);
		return;
	}
	if (!units_parse_size(w[1], &size)) {
		ERR(p, "bad minidisk size '%s' (a number with an optional K, M or G suffix)", w[1]);
		return;
	}
	if (start % 512 != 0 || size % 512 != 0 || size == 0) {
		ERR(p, "minidisk %s %s is not a non-empty, 512-byte aligned extent", w[0], w[1]);
		return;
	}
	if (size > DIRECTORY_MAX_DISK || start > DIRECTORY_MAX_DISK - size) {
		ERR(p, "minidisk %s %s ends past the largest possible disk file (%llu bytes)", w[0],
		    w[1], (unsigned long long)DIRECTORY_MAX_DISK);
		return;
	}
	if (!vm_disk_slot(p))
		return;
	struct directory_minidisk *m = &p->vm->minidisks[p->vm->nminidisks++];
	m->start = start;
	m->size = size;
	m->line = p->line;
}

static void vm_link(struct parser *p, const char *value)
{
	char buf[256];
	char *w[3];
	uint64_t index;

	if (split_words(value, buf, sizeof(buf), w, 3) != 3) {
		ERR(p, "bad link '%s' (expected VM N ro, e.g. linux2 0 ro)", value);
		return;
	}
	if (!name_valid(w[0])) {
		ERR(p, "bad VM name '%s' in link (1 to 31 of a-z 0-9 _ -)", w[0]);
		return;
	}
	if (!units_parse_uint(w[1], &index) || index >= BUNDLE_MAX_DISKS) {
		ERR(p, "bad minidisk number '%s' in link (0 to %d)", w[1], BUNDLE_MAX_DISKS - 1);
		return;
	}
	if (strcmp(w[2], "ro") != 0) {
		ERR(p, "link mode '%s' is not supported (only read-only links: ro)", w[2]);
		return;
	}
	if (!vm_disk_slot(p))
		return;
	struct directory_link *l = &p->vm->links[p->vm->nlinks++];
	snprintf(l->vm, sizeof(l->vm), "%s", w[0]);
	l->index = (unsigned)index;
	l->line = p->line;
	l->target = -1;
}

static const struct dir_key vm_keys[] = {
    {"memory", vm_memory, KEY_REQUIRED},
    {"kernel", vm_kernel, KEY_REQUIRED},
    {"initrd", vm_initrd, 0},
    {"firmware", vm_firmware, 0},
    {"bootargs", vm_bootargs, 0},
    {"boot", vm_boot, 0},
    {"timer", vm_timer, 0},
    {"quantum", vm_quantum, 0},
    {"minidisk", vm_minidisk, KEY_REPEAT},
    {"link", vm_link, KEY_REPEAT},
    {"trace", vm_trace, 0},
    {"virtio", vm_virtio, 0},
    {"gdb", vm_gdb, 0},
    {"symbols", vm_symbols, 0},
    {NULL, NULL, 0},
};

_Static_assert(sizeof(vm_keys) / sizeof(vm_keys[0]) <= DIRECTORY_MAX_KEYS, "key table too big");
_Static_assert(sizeof(machine_keys) / sizeof(machine_keys[0]) <= DIRECTORY_MAX_KEYS,
               "key table too big");

static int key_index(const struct dir_key *keys, const char *name)
{
	for (int i = 0; keys[i].name; i++) {
		if (strcmp(keys[i].name, name) == 0)
			return i;
	}
	return -1;
}

int directory_vm_key_line(const struct directory_vm *vm, const char *key)
{
	int i = key_index(vm_keys, key);
	return i < 0 ? 0 : vm->key_line[i];
}

int directory_machine_key_line(const struct directory *dir, const char *key)
{
	int i = key_index(machine_keys, key);
	return i < 0 ? 0 : dir->machine_key_line[i];
}

/* ---- sections ---- */

static void section_begin(struct parser *p, char *name)
{
	struct directory *dir = p->dir;

	p->section = SECTION_IGNORED;
	p->vm = NULL;

	if (strcmp(name, "machine") == 0) {
		if (dir->machine_line) {
			ERR(p, "duplicate section [machine] (first at line %d)", dir->machine_line);
			return;
		}
		dir->machine_line = p->line;
		p->section = SECTION_MACHINE;
		return;
	}
	if (strncmp(name, "vm", 2) != 0 || (name[2] != '\0' && name[2] != ' ' && name[2] != '\t')) {
		ERR(p, "unknown section [%s] (expected [machine] or [vm NAME])", name);
		return;
	}
	char *vmname = name + 2 + strspn(name + 2, " \t");
	if (*vmname == '\0') {
		ERR(p, "section [vm] needs a name: [vm NAME]");
		return;
	}
	if (!name_valid(vmname)) {
		ERR(p, "bad VM name '%s' (1 to 31 of a-z 0-9 _ -)", vmname);
		return;
	}
	for (unsigned i = 0; i < dir->nvms; i++) {
		if (strcmp(dir->vms[i].name, vmname) == 0) {
			ERR(p, "duplicate VM name '%s' (first at line %d)", vmname,
			    dir->vms[i].line);
			return;
		}
	}
	if (dir->nvms == BUNDLE_MAX_VMS) {
		ERR(p, "too many VMs (at most %d)", BUNDLE_MAX_VMS);
		return;
	}
	struct directory_vm *vm = &dir->vms[dir->nvms++];
	snprintf(vm->name, sizeof(vm->name), "%s", vmname);
	vm->line = p->line;
	vm->boot = BUNDLE_BOOT_SBI;
	vm->timer = BUNDLE_TIMER_REAL;
	vm->virtio = BUNDLE_VIRTIO_MODERN;
	vm->quantum_us = DIRECTORY_DEFAULT_QUANTUM;
	p->section = SECTION_VM;
	p->vm = vm;
}

/* ---- lines ---- */

static char *trim(char *s)
{
	s += strspn(s, " \t");
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* True when `s` is empty or only a comment, as inih sees it. */
static bool blank_or_comment(const char *s)
{
	s += strspn(s, " \t");
	return *s == '\0' || *s == ';' || *s == '#';
}

/*
 * Checks one line and hands inih a line it parses the same way: sections are
 * tracked here, a bad line becomes an empty one (its error is already
 * recorded), leading blanks are dropped so that inih never treats a line as
 * a continuation of the previous value.
 */
static char *dir_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	ssize_t n = getline(&p->buf, &p->cap, p->file);

	if (n < 0)
		return NULL;
	p->line++;

	char *s = p->buf;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	s += strspn(s, " \t");
	str[0] = '\0';

	if (strlen(s) + 2 > (size_t)num) {
		ERR(p, "line too long (at most %d characters)", num - 2);
		return str;
	}
	if (blank_or_comment(s))
		return str;

	if (s[0] == '[') {
		char *end = strchr(s, ']');
		if (!end) {
			ERR(p, "syntax error: section header without ']'");
			p->section = SECTION_IGNORED;
			return str;
		}
		if (!blank_or_comment(end + 1)) {
			ERR(p, "syntax error: text after the section header");
			p->section = SECTION_IGNORED;
			return str;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(end - s - 1), s + 1);
		section_begin(p, trim(name));
		snprintf(str, (size_t)num, "%s\n", s);
		return str;
	}

	/* inih splits at the first '=' or ':' and cuts comments starting " ;". */
	size_t sep = strcspn(s, "=:");
	if (s[sep] == '\0') {
		ERR(p, "syntax error: expected 'key = value' or '[section]'");
		return str;
	}
	if (sep == 0 || strspn(s, " \t") == sep) {
		ERR(p, "syntax error: no key before '%c'", s[sep]);
		return str;
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

static int dir_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	const struct dir_key *keys;
	int *key_line;
	char where[64];

	(void)section; /* tracked by dir_reader(), which also sees empty sections */
	switch (p->section) {
	case SECTION_MACHINE:
		keys = machine_keys;
		key_line = p->dir->machine_key_line;
		snprintf(where, sizeof(where), "[machine]");
		break;
	case SECTION_VM:
		keys = vm_keys;
		key_line = p->vm->key_line;
		snprintf(where, sizeof(where), "[vm %s]", p->vm->name);
		break;
	case SECTION_NONE:
		ERR(p, "key '%s' outside any section (put it under [machine] or [vm NAME])", name);
		return 1;
	default:
		return 1;
	}

	int i = key_index(keys, name);
	if (i < 0) {
		ERR(p, "unknown key '%s' in %s", name, where);
		return 1;
	}
	if (key_line[i] && !(keys[i].flags & KEY_REPEAT)) {
		ERR(p, "duplicate key '%s' (first at line %d)", name, key_line[i]);
		return 1;
	}
	key_line[i] = p->line;
	if (*value == '\0') {
		ERR(p, "key '%s' has no value", name);
		return 1;
	}
	keys[i].set(p, value);
	return 1;
}

/* ---- whole-directory checks ---- */

static void check_required(struct directory *dir)
{
	for (unsigned v = 0; v < dir->nvms; v++) {
		struct directory_vm *vm = &dir->vms[v];
		for (int i = 0; vm_keys[i].name; i++) {
			if ((vm_keys[i].flags & KEY_REQUIRED) && !vm->key_line[i])
				diag_add(&dir->diag, vm->line, "vm '%s' has no %s (required)",
				         vm->name, vm_keys[i].name);
		}
		int firmware_line = directory_vm_key_line(vm, "firmware");
		if (firmware_line && vm->boot != BUNDLE_BOOT_FIRMWARE)
			diag_add(&dir->diag, firmware_line,
			         "firmware = is for a VM with boot = firmware (vm '%s' boots on "
			         "popek's SBI)",
			         vm->name);
	}
	if (dir->nvms == 0)
		diag_add(&dir->diag, dir->machine_line ? dir->machine_line : 1,
		         "no VMs: add a [vm NAME] section");
}

static void check_disks(struct directory *dir, unsigned flags)
{
	const struct directory_minidisk *first = NULL;
	int disk_line = directory_machine_key_line(dir, "disk");

	for (unsigned v = 0; v < dir->nvms && !first; v++) {
		if (dir->vms[v].nminidisks)
			first = &dir->vms[v].minidisks[0];
	}

	if (dir->disk) {
		struct stat st;
		int fd = open(dir->disk, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			dir->disk_exists = true;
			dir->disk_size = (uint64_t)st.st_size;
		} else if (first &&
		           !(fd < 0 && errno == ENOENT && (flags & DIRECTORY_DISK_TO_CREATE))) {
			diag_add(&dir->diag, disk_line, "cannot read disk '%s': %s", dir->disk,
			         fd < 0 ? strerror(errno) : "not a regular file");
		}
		if (fd >= 0)
			close(fd);
	} else if (first) {
		diag_add(&dir->diag, first->line,
		         "minidisk without a real disk: set disk = PATH under [machine]");
	}

	/* Every minidisk inside the disk, and no two overlapping, across all VMs. */
	for (unsigned v = 0; v < dir->nvms; v++) {
		const struct directory_vm *vm = &dir->vms[v];
		for (unsigned i = 0; i < vm->nminidisks; i++) {
			const struct directory_minidisk *m = &vm->minidisks[i];
			if (dir->disk_exists && m->start + m->size > dir->disk_size &&
			    !(flags & DIRECTORY_DISK_TO_CREATE))
				diag_add(&dir->diag, m->line,
				         "minidisk ends at byte %llu, past the end of disk '%s' "
				         "(%llu bytes)",
				         (unsigned long long)(m->start + m->size), dir->disk,
				         (unsigned long long)dir->disk_size);
			for (unsigned w = 0; w <= v; w++) {
				const struct directory_vm *o = &dir->vms[w];
				for (unsigned j = 0; j < (w == v ? i : o->nminidisks); j++) {
					const struct directory_minidisk *n = &o->minidisks[j];
					if (m->start < n->start + n->size &&
					    n->start < m->start + m->size)
						diag_add(&dir->diag, m->line,
						         "minidisk overlaps minidisk %u of vm '%s' "
						         "(line %d)",
						         j, o->name, n->line);
				}
			}
		}
	}
}

static void check_links(struct directory *dir)
{
	for (unsigned v = 0; v < dir->nvms; v++) {
		struct directory_vm *vm = &dir->vms[v];
		for (unsigned i = 0; i < vm->nlinks; i++) {
			struct directory_link *l = &vm->links[i];
			int t = -1;
			for (unsigned w = 0; w < dir->nvms; w++) {
				if (strcmp(dir->vms[w].name, l->vm) == 0)
					t = (int)w;
			}
			if (t < 0) {
				diag_add(&dir->diag, l->line, "link names unknown VM '%s'", l->vm);
			} else if ((unsigned)t == v) {
				diag_add(&dir->diag, l->line,
				         "link names its own VM '%s' (use the minidisk directly)",
				         l->vm);
			} else if (l->index >= dir->vms[t].nminidisks) {
				diag_add(&dir->diag, l->line,
				         "link names minidisk %u of vm '%s', which has %u",
				         l->index, l->vm, dir->vms[t].nminidisks);
			} else {
				l->target = t;
			}
		}
	}
}

/* ---- entry points ---- */

char *directory_resolve(const struct directory *dir, const char *path)
{
	char *out;

	if (path[0] == '/' || !dir->base_dir)
		out = strdup(path);
	else if (asprintf(&out, "%s/%s", dir->base_dir, path) < 0)
		out = NULL;
	if (!out)
		abort();
	return out;
}

unsigned directory_load(struct directory *dir, const char *path)
{
	return directory_load_flags(dir, path, 0);
}

unsigned directory_load_flags(struct directory *dir, const char *path, unsigned flags)
{
	struct parser p = {.dir = dir, .section = SECTION_NONE};

	memset(dir, 0, sizeof(*dir));
	dir->path = strdup(path);
	char *copy = strdup(path);
	dir->base_dir = strdup(dirname(copy));
	free(copy);
	diag_init(&dir->diag, dir->path);
	dir->machine_memory = DIRECTORY_DEFAULT_MEMORY;
	dir->harts = 1;

	p.file = fopen(path, "r");
	if (!p.file) {
		diag_add(&dir->diag, 0, "cannot read the directory: %s", strerror(errno));
		return (unsigned)dir->diag.count;
	}
	ini_parse_stream(dir_reader, &p, dir_handler, &p);
	fclose(p.file);
	free(p.buf);

	check_required(dir);
	check_disks(dir, flags);
	check_links(dir);
	return (unsigned)dir->diag.count;
}

void directory_free(struct directory *dir)
{
	for (unsigned v = 0; v < dir->nvms; v++) {
		free(dir->vms[v].kernel);
		free(dir->vms[v].initrd);
		free(dir->vms[v].firmware);
		free(dir->vms[v].symbols);
		free(dir->vms[v].bootargs);
	}
	free(dir->disk);
	free(dir->base_dir);
	free(dir->path);
	diag_free(&dir->diag);
	memset(dir, 0, sizeof(*dir));
}
