/*
 * Flattened device tree reader.  Layout (devicetree spec v0.4 §5): a header
 * of big-endian u32s; a structure block of 4-byte-aligned tokens —
 * BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END — and a
 * strings block holding property names.
 */
#include "lib/dt.h"
#include "lib/string.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint32_t dt_size(const void *blob)
{
	return be32((const uint8_t *)blob + 4);
}

int dt_init(struct dt *dt, const void *blob, uint64_t max)
{
	const uint8_t *h = blob;
	if (max < 40 || be32(h) != FDT_MAGIC)
		return -1;
	uint32_t total = be32(h + 4), off_struct = be32(h + 8), off_strings = be32(h + 12);
	uint32_t version = be32(h + 20), size_strings = be32(h + 32), size_struct = be32(h + 36);
	if (total > max || version < 17)
		return -1;
	if (off_struct > total || size_struct > total - off_struct || off_struct % 4 != 0)
		return -1;
	if (off_strings > total || size_strings > total - off_strings)
		return -1;
	dt->structs = h + off_struct;
	dt->structs_size = size_struct;
	dt->strings = (const char *)h + off_strings;
	dt->strings_size = size_strings;
	dt->total_size = total;
	return 0;
}

static uint32_t token(const struct dt *dt, int off)
{
	if (off < 0 || (uint32_t)off + 4 > dt->structs_size)
		return FDT_END;
	return be32(dt->structs + off);
}

/* Offset just past a NUL-terminated string at `off`, 4-aligned; -1 if unterminated. */
static int skip_string(const struct dt *dt, int off)
{
	for (uint32_t i = off; i < dt->structs_size; i++) {
		if (dt->structs[i] == '\0')
			return (int)((i + 1 + 3) & ~3u);
	}
	return -1;
}

/* Offset of the token after the one at `off`, or -1 on a malformed tree. */
static int next_token(const struct dt *dt, int off)
{
	switch (token(dt, off)) {
	case FDT_BEGIN_NODE:
		return skip_string(dt, off + 4);
	case FDT_PROP: {
		if ((uint32_t)off + 12 > dt->structs_size)
			return -1;
		uint32_t len = be32(dt->structs + off + 4);
		if (len > dt->structs_size - off - 12)
			return -1;
		return (int)((off + 12 + len + 3) & ~3u);
	}
	case FDT_END_NODE:
	case FDT_NOP:
		return off + 4;
	default:
		return -1;
	}
}

int dt_root(const struct dt *dt)
{
	int off = 0;
	while (token(dt, off) == FDT_NOP)
		off += 4;
	return token(dt, off) == FDT_BEGIN_NODE ? off : -1;
}

const char *dt_name(const struct dt *dt, int node)
{
	if (token(dt, node) != FDT_BEGIN_NODE || skip_string(dt, node + 4) < 0)
		return "";
	return (const char *)dt->structs + node + 4;
}

/* First token after a node's properties: its first child or its END_NODE. */
static int after_props(const struct dt *dt, int node)
{
	int off = next_token(dt, node);
	while (off >= 0 && (token(dt, off) == FDT_PROP || token(dt, off) == FDT_NOP))
		off = next_token(dt, off);
	return off;
}

int dt_child(const struct dt *dt, int node)
{
	if (token(dt, node) != FDT_BEGIN_NODE)
		return -1;
	int off = after_props(dt, node);
	return token(dt, off) == FDT_BEGIN_NODE ? off : -1;
}

/* Offset just past the END_NODE closing the node at `node`. */
static int skip_node(const struct dt *dt, int node)
{
	int depth = 0, off = node;
	while (off >= 0) {
		uint32_t t = token(dt, off);
		if (t == FDT_BEGIN_NODE)
			depth++;
		else if (t == FDT_END_NODE && --depth == 0)
			return off + 4;
		else if (t == FDT_END)
			return -1;
		off = next_token(dt, off);
	}
	return -1;
}

int dt_sibling(const struct dt *dt, int node)
{
	int off = skip_node(dt, node);
	while (off >= 0 && token(dt, off) == FDT_NOP)
		off += 4;
	return off >= 0 && token(dt, off) == FDT_BEGIN_NODE ? off : -1;
}

static int name_matches(const char *full, const char *name, size_t n)
{
	return strncmp(full, name, n) == 0 && (full[n] == '\0' || full[n] == '@');
}

int dt_find_child(const struct dt *dt, int node, const char *name)
{
	size_t n = strlen(name);
	for (int c = dt_child(dt, node); c >= 0; c = dt_sibling(dt, c)) {
		if (name_matches(dt_name(dt, c), name, n))
			return c;
	}
	return -1;
}

int dt_path(const struct dt *dt, const char *path)
{
	int node = dt_root(dt);
	while (node >= 0 && *path) {
		while (*path == '/')
			path++;
		if (!*path)
			break;
		size_t n = 0;
		while (path[n] && path[n] != '/')
			n++;
		int found = -1;
		for (int c = dt_child(dt, node); c >= 0 && found < 0; c = dt_sibling(dt, c)) {
			const char *cn = dt_name(dt, c);
			if (strncmp(cn, path, n) == 0 &&
			    (cn[n] == '\0' || (cn[n] == '@' && !memchr(path, '@', n))))
				found = c;
		}
		node = found;
		path += n;
	}
	return node;
}

const void *dt_prop(const struct dt *dt, int node, const char *name, uint32_t *len)
{
	if (token(dt, node) != FDT_BEGIN_NODE)
		return NULL;
	for (int off = next_token(dt, node); off >= 0; off = next_token(dt, off)) {
		uint32_t t = token(dt, off);
		if (t == FDT_NOP)
			continue;
		if (t != FDT_PROP)
			break;
		uint32_t nameoff = be32(dt->structs + off + 8);
		if (nameoff >= dt->strings_size)
			return NULL;
		const char *pname = dt->strings + nameoff;
		size_t room = dt->strings_size - nameoff;
		size_t n = strlen(name);
		if (n < room && strncmp(pname, name, n + 1) == 0) {
			if (len)
				*len = be32(dt->structs + off + 4);
			return dt->structs + off + 12;
		}
	}
	return NULL;
}

const char *dt_prop_str(const struct dt *dt, int node, const char *name)
{
	uint32_t len;
	const char *s = dt_prop(dt, node, name, &len);
	if (!s || len == 0 || s[len - 1] != '\0')
		return NULL;
	return s;
}

int dt_compatible(const struct dt *dt, int node, const char *compat)
{
	uint32_t len;
	const char *s = dt_prop(dt, node, "compatible", &len);
	if (!s)
		return 0;
	size_t n = strlen(compat);
	for (uint32_t i = 0; i < len;) {
		size_t m = strnlen(s + i, len - i);
		if (m == n && memcmp(s + i, compat, n) == 0)
			return 1;
		i += m + 1;
	}
	return 0;
}

uint64_t dt_cells(const void *val, uint32_t len, uint32_t idx, uint32_t n)
{
	const uint8_t *p = val;
	uint64_t v = 0;
	for (uint32_t i = 0; i < n; i++) {
		if ((idx + i + 1) * 4 > len)
			return 0;
		v = v << 32 | be32(p + (idx + i) * 4);
	}
	return v;
}

uint32_t dt_prop_u32(const struct dt *dt, int node, const char *name, uint32_t def)
{
	uint32_t len;
	const void *v = dt_prop(dt, node, name, &len);
	return v && len >= 4 ? be32(v) : def;
}

int dt_walk(const struct dt *dt, int node, int cur)
{
	if (cur < 0)
		return dt_child(dt, node);
	int c = dt_child(dt, cur);
	if (c >= 0)
		return c;
	/* No children: the next sibling of `cur` or of its nearest ancestor below `node`. */
	int end = skip_node(dt, node);
	for (int off = skip_node(dt, cur); off >= 0 && off < end;) {
		uint32_t t = token(dt, off);
		if (t == FDT_BEGIN_NODE)
			return off;
		if (t != FDT_END_NODE && t != FDT_NOP)
			return -1;
		off += 4;
	}
	return -1;
}
