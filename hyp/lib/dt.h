/*
 * A small reader for flattened device trees (devicetree spec v0.4 §5).
 * popek reads the tree OpenSBI hands it; it never writes one (the launcher
 * builds guests' trees with libfdt on the host).  Every access is bounds
 * checked against the blob's own header.  Nodes are named by the offset of
 * their FDT_BEGIN_NODE token in the structure block; -1 means "none".
 */
#ifndef POPEK_LIB_DT_H
#define POPEK_LIB_DT_H

#include <stddef.h>
#include <stdint.h>

struct dt {
	const uint8_t *structs; /* structure block */
	uint32_t structs_size;
	const char *strings; /* strings block */
	uint32_t strings_size;
	uint32_t total_size;
};

/* 0 when `blob` holds a sane tree of at most `max` bytes, else -1. */
int dt_init(struct dt *dt, const void *blob, uint64_t max);
/* Total size the header claims (valid only after dt_init succeeded). */
uint32_t dt_size(const void *blob);

int dt_root(const struct dt *dt);
int dt_child(const struct dt *dt, int node);
int dt_sibling(const struct dt *dt, int node);
/* The child of `node` whose name is `name` or starts with `name@`. */
int dt_find_child(const struct dt *dt, int node, const char *name);
/* "/a/b" → node, matching unit addresses loosely as dt_find_child does. */
int dt_path(const struct dt *dt, const char *path);
const char *dt_name(const struct dt *dt, int node);

/* Property value and its length in bytes, or NULL. */
const void *dt_prop(const struct dt *dt, int node, const char *name, uint32_t *len);
/* A string property, or NULL if absent or not NUL-terminated. */
const char *dt_prop_str(const struct dt *dt, int node, const char *name);
/* True if `node`'s compatible list contains `compat`. */
int dt_compatible(const struct dt *dt, int node, const char *compat);
/* One u32 cell property; `def` when absent or too short. */
uint32_t dt_prop_u32(const struct dt *dt, int node, const char *name, uint32_t def);
/* `n` big-endian cells starting at cell `idx` of a value of `len` bytes, as one number. */
uint64_t dt_cells(const void *val, uint32_t len, uint32_t idx, uint32_t n);

/*
 * Depth-first walk of every node under `node` (not `node` itself):
 * returns the next node after `cur` (pass -1 to start), or -1 at the end.
 */
int dt_walk(const struct dt *dt, int node, int cur);

#endif
