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

#include "core/guest_layout.h"
#include "units.h"

_Static_assert(sizeof(off_t) == 8, "DIRECTORY_MAX_DISK assumes a 64-bit off_t");

enum section_kind {
	SECTION_NONE,    /* before the first header */
	SECTION_MACHINE, /* [machine] */
	SECTION_VM,      /* [vm NAME] */
	SECTION_LAN,     /* [lan NAME] */
	SECTION_IGNORED, /* a bad header: its keys are not looked at */
};

struct parser {
	struct directory *dir;
	FILE *file;
	char *buf;
	size_t cap;
	int line;
	enum section_kind section;
	struct directory_vm *vm;   /* the current VM when section == SECTION_VM */
	struct directory_lan *lan; /* the current LAN when section == SECTION_LAN */
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

/* display = WIDTHxHEIGHT: a virtio-gpu of that size and a virtio keyboard. */
static void vm_display(struct parser *p, const char *value)
{
	unsigned long w, h;
	char *end;

	w = strtoul(value, &end, 10);
	if (end == value || (*end != 'x' && *end != 'X')) {
		ERR(p, "bad display '%s' (WIDTHxHEIGHT, e.g. 640x480)", value);
		return;
	}
	const char *hs = end + 1;
	h = strtoul(hs, &end, 10);
	if (end == hs || *end) {
		ERR(p, "bad display '%s' (WIDTHxHEIGHT, e.g. 640x480)", value);
		return;
	}
	if (w < BUNDLE_DISPLAY_MIN || w > BUNDLE_DISPLAY_MAX_W || h < BUNDLE_DISPLAY_MIN ||
	    h > BUNDLE_DISPLAY_MAX_H) {
		ERR(p, "display = %s is out of range (%dx%d to %dx%d)", value, BUNDLE_DISPLAY_MIN,
		    BUNDLE_DISPLAY_MIN, BUNDLE_DISPLAY_MAX_W, BUNDLE_DISPLAY_MAX_H);
		return;
	}
	p->vm->display_width = (uint32_t)w;
	p->vm->display_height = (uint32_t)h;
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

/* aa:bb:cc:dd:ee:ff, hex digits either case. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = *s++;
			unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
			                                    : 16;
			if (d == 16)
				return false;
			v = v * 16 + d;
		}
		mac[i] = (uint8_t)v;
		if (*s++ != (i == 5 ? '\0' : ':'))
			return false;
	}
	return true;
}

static void vm_net(struct parser *p, const char *value)
{
	char buf[256];
	char *w[2];
	unsigned n = split_words(value, buf, sizeof(buf), w, 2);
	struct directory_nic nic = {.lan = -1, .line = p->line};

	if (n < 1 || n > 2) {
		ERR(p, "bad net '%s' (expected LAN [mac=MAC], e.g. office mac=52:54:00:12:34:56)",
		    value);
		return;
	}
	if (!name_valid(w[0])) {
		ERR(p, "bad LAN name '%s' in net (1 to 31 of a-z 0-9 _ -)", w[0]);
		return;
	}
	if (n == 2) {
		if (strncmp(w[1], "mac=", 4) != 0 || !parse_mac(w[1] + 4, nic.mac)) {
			ERR(p, "bad '%s' in net (expected mac=aa:bb:cc:dd:ee:ff)", w[1]);
			return;
		}
		if (nic.mac[0] & 1) {
			ERR(p, "mac %s is a multicast address (the first byte must be even)",
			    w[1] + 4);
			return;
		}
		static const uint8_t zero[6];
		if (memcmp(nic.mac, zero, 6) == 0) {
			ERR(p, "mac %s is the zero address", w[1] + 4);
			return;
		}
		nic.mac_given = true;
	}
	if (p->vm->nnics == BUNDLE_MAX_NICS) {
		ERR(p, "too many network interfaces in vm '%s' (at most %d)", p->vm->name,
		    BUNDLE_MAX_NICS);
		return;
	}
	snprintf(nic.lan_name, sizeof(nic.lan_name), "%s", w[0]);
	if (!nic.mac_given)
		directory_mac_derive(p->vm->name, p->vm->nnics, nic.mac);
	p->vm->nics[p->vm->nnics++] = nic;
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
    {"net", vm_net, KEY_REPEAT},
    {"display", vm_display, 0},
    {"gdb", vm_gdb, 0},
    {"symbols", vm_symbols, 0},
    {NULL, NULL, 0},
};

/* ---- [lan NAME] ---- */

static void lan_uplink(struct parser *p, const char *value)
{
	static const char *const words[] = {"off", "on", NULL};
	int v = parse_word(p, "uplink", value, words);

	if (v >= 0)
		p->lan->uplink = v == 1;
}

/* A port 1..65535 in decimal. */
static bool parse_port(const char *s, uint16_t *out)
{
	uint64_t v;

	if (!units_parse_uint(s, &v) || v < 1 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* Dotted-quad IPv4, four decimal bytes. */
static bool parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t ip = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255 || *s++ != (i == 3 ? '\0' : '.'))
			return false;
		ip = ip << 8 | v;
	}
	*out = ip;
	return true;
}

static void lan_forward(struct parser *p, const char *value)
{
	static const char *const protos[] = {
	    [DIRECTORY_PROTO_TCP] = "tcp", [DIRECTORY_PROTO_UDP] = "udp", NULL};
	char buf[256], addr[64];
	char *w[3];
	struct directory_forward f = {.line = p->line};

	if (split_words(value, buf, sizeof(buf), w, 3) != 3) {
		ERR(p,
		    "bad forward '%s' (expected PROTO HOSTPORT IP:PORT, e.g. tcp 2222 "
		    "10.0.2.21:22)",
		    value);
		return;
	}
	int proto = parse_word(p, "forward's protocol", w[0], protos);
	if (proto < 0)
		return;
	f.proto = (enum directory_proto)proto;
	if (!parse_port(w[1], &f.host_port)) {
		ERR(p, "bad host port '%s' in forward (1 to 65535)", w[1]);
		return;
	}
	char *colon = strrchr(w[2], ':');
	snprintf(addr, sizeof(addr), "%.*s", colon ? (int)(colon - w[2]) : 0, w[2]);
	if (!colon || !parse_ipv4(addr, &f.guest_ip) || !parse_port(colon + 1, &f.guest_port)) {
		ERR(p, "bad guest address '%s' in forward (expected IPv4:PORT, e.g. 10.0.2.21:22)",
		    w[2]);
		return;
	}
	if (p->lan->nforwards == DIRECTORY_MAX_FORWARDS) {
		ERR(p, "too many forwards in lan '%s' (at most %d)", p->lan->name,
		    DIRECTORY_MAX_FORWARDS);
		return;
	}
	p->lan->forwards[p->lan->nforwards++] = f;
}

static const struct dir_key lan_keys[] = {
    {"uplink", lan_uplink, 0},
    {"forward", lan_forward, KEY_REPEAT},
    {NULL, NULL, 0},
};

_Static_assert(sizeof(vm_keys) / sizeof(vm_keys[0]) <= DIRECTORY_MAX_KEYS, "key table too big");
_Static_assert(sizeof(lan_keys) / sizeof(lan_keys[0]) <= DIRECTORY_MAX_KEYS, "key table too big");
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

static void lan_begin(struct parser *p, const char *name)
{
	struct directory *dir = p->dir;

	if (*name == '\0') {
		ERR(p, "section [lan] needs a name: [lan NAME]");
		return;
	}
	if (!name_valid(name)) {
		ERR(p, "bad LAN name '%s' (1 to 31 of a-z 0-9 _ -)", name);
		return;
	}
	for (unsigned i = 0; i < dir->nlans; i++) {
		if (strcmp(dir->lans[i].name, name) == 0) {
			ERR(p, "duplicate LAN name '%s' (first at line %d)", name,
			    dir->lans[i].line);
			return;
		}
	}
	if (dir->nlans == BUNDLE_MAX_LANS) {
		ERR(p, "too many LANs (at most %d)", BUNDLE_MAX_LANS);
		return;
	}
	struct directory_lan *lan = &dir->lans[dir->nlans++];
	snprintf(lan->name, sizeof(lan->name), "%s", name);
	lan->line = p->line;
	p->section = SECTION_LAN;
	p->lan = lan;
}

static void section_begin(struct parser *p, char *name)
{
	struct directory *dir = p->dir;

	p->section = SECTION_IGNORED;
	p->vm = NULL;
	p->lan = NULL;

	if (strcmp(name, "machine") == 0) {
		if (dir->machine_line) {
			ERR(p, "duplicate section [machine] (first at line %d)", dir->machine_line);
			return;
		}
		dir->machine_line = p->line;
		p->section = SECTION_MACHINE;
		return;
	}
	if (strncmp(name, "lan", 3) == 0 &&
	    (name[3] == '\0' || name[3] == ' ' || name[3] == '\t')) {
		lan_begin(p, name + 3 + strspn(name + 3, " \t"));
		return;
	}
	if (strncmp(name, "vm", 2) != 0 || (name[2] != '\0' && name[2] != ' ' && name[2] != '\t')) {
		ERR(p, "unknown section [%s] (expected [machine], [vm NAME] or [lan NAME])", name);
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
	case SECTION_LAN:
		keys = lan_keys;
		key_line = p->lan->key_line;
		snprintf(where, sizeof(where), "[lan %s]", p->lan->name);
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

/*
 * Interfaces name known LANs and have MACs no other interface has; a VM fits
 * its disks and interfaces in the board's virtio slots; one LAN at most is
 * uplinked, and only it forwards, each host port once.
 */
static void check_nets(struct directory *dir)
{
	const struct directory_lan *uplink = NULL;

	for (unsigned v = 0; v < dir->nvms; v++) {
		struct directory_vm *vm = &dir->vms[v];
		unsigned ndev = vm->nminidisks + vm->nlinks + vm->nnics;
		unsigned display_key = (unsigned)key_index(vm_keys, "display");
		if (vm->nnics && ndev > GUEST_VIRTIO_SLOTS)
			diag_add(&dir->diag, vm->nics[vm->nnics - 1].line,
			         "vm '%s' has %u disks and network interfaces; the board has %d "
			         "virtio slots",
			         vm->name, ndev, GUEST_VIRTIO_SLOTS);
		else if (vm->display_width && ndev + BUNDLE_DISPLAY_SLOTS > GUEST_VIRTIO_SLOTS)
			diag_add(&dir->diag, vm->key_line[display_key],
			         "vm '%s' has %u disks and network interfaces, and a display takes "
			         "%d more virtio slots; the board has %d",
			         vm->name, ndev, BUNDLE_DISPLAY_SLOTS, GUEST_VIRTIO_SLOTS);
		for (unsigned i = 0; i < vm->nnics; i++) {
			struct directory_nic *nic = &vm->nics[i];
			for (unsigned l = 0; l < dir->nlans; l++) {
				if (strcmp(dir->lans[l].name, nic->lan_name) == 0)
					nic->lan = (int)l;
			}
			if (nic->lan < 0)
				diag_add(&dir->diag, nic->line,
				         "net names unknown LAN '%s' (add a [lan %s] section)",
				         nic->lan_name, nic->lan_name);
			for (unsigned w = 0; w <= v; w++) {
				const struct directory_vm *o = &dir->vms[w];
				for (unsigned j = 0; j < (w == v ? i : o->nnics); j++) {
					if (memcmp(o->nics[j].mac, nic->mac, 6) == 0)
						diag_add(
						    &dir->diag, nic->line,
						    "mac %02x:%02x:%02x:%02x:%02x:%02x is also "
						    "interface %u of vm '%s' (line %d)",
						    nic->mac[0], nic->mac[1], nic->mac[2],
						    nic->mac[3], nic->mac[4], nic->mac[5], j,
						    o->name, o->nics[j].line);
				}
			}
		}
	}
	for (unsigned l = 0; l < dir->nlans; l++) {
		const struct directory_lan *lan = &dir->lans[l];
		int uplink_line = lan->key_line[key_index(lan_keys, "uplink")];
		if (lan->uplink && uplink)
			diag_add(&dir->diag, uplink_line,
			         "lan '%s' asks for the uplink, which lan '%s' has (line %d): at "
			         "most one LAN is uplinked",
			         lan->name, uplink->name, uplink->line);
		else if (lan->uplink)
			uplink = lan;
		for (unsigned i = 0; i < lan->nforwards; i++) {
			const struct directory_forward *f = &lan->forwards[i];
			if (!lan->uplink) {
				diag_add(
				    &dir->diag, f->line,
				    "forward in lan '%s', which has no uplink (set uplink = on)",
				    lan->name);
				continue;
			}
			for (unsigned j = 0; j < i; j++) {
				if (lan->forwards[j].proto == f->proto &&
				    lan->forwards[j].host_port == f->host_port)
					diag_add(
					    &dir->diag, f->line,
					    "host port %u is forwarded twice (first at line %d)",
					    f->host_port, lan->forwards[j].line);
			}
		}
	}
}

/* ---- entry points ---- */

const struct directory_lan *directory_uplink(const struct directory *dir)
{
	for (unsigned l = 0; l < dir->nlans; l++) {
		if (dir->lans[l].uplink)
			return &dir->lans[l];
	}
	return NULL;
}

/* FNV-1a over the name and the index, then mixed: stable across runs and hosts. */
void directory_mac_derive(const char *vm, unsigned index, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *c = vm; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
	h = (h ^ (0x100 + index)) * 0x100000001b3ull;
	/* FNV mixes short names poorly into the high bytes: a 64-bit finalizer spreads them */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	mac[0] = 0x02; /* the U/L bit set: locally administered; I/G clear: unicast */
	for (int i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

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
	check_nets(dir);
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
