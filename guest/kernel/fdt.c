/*
 * fdt.c — a small reader for the flattened device tree (Devicetree
 * Specification v0.4, chapter 5).  Everything we learn about the machine —
 * RAM, timebase, UART, PLIC, virtio slots, bootargs — comes from here.
 *
 * The blob is big-endian: a header, a structure block of tokens
 * (BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END), each
 * padded to 4 bytes, and a strings block holding property names.
 */
#include "fdt.h"
#include "string.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static const uint8_t *fdt_struct;
static const char *fdt_strings;
static uint32_t fdt_struct_size;

uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t tok(int off)
{
	return fdt_be32(fdt_struct + off);
}

static int align4(int x)
{
	return (x + 3) & ~3;
}

/*
 * The firmware leaves the blob somewhere in RAM that the page allocator will
 * hand out, so the kernel keeps its own copy.
 */
static uint8_t fdt_copy[64 * 1024] __attribute__((aligned(8)));

int fdt_init(const void *dtb)
{
	const uint8_t *h = dtb;
	if (!h || fdt_be32(h) != FDT_MAGIC || fdt_be32(h + 4) > sizeof(fdt_copy))
		return -1;
	memcpy(fdt_copy, h, fdt_be32(h + 4));
	h = fdt_copy;
	fdt_struct = h + fdt_be32(h + 8);
	fdt_strings = (const char *)h + fdt_be32(h + 12);
	fdt_struct_size = fdt_be32(h + 36);
	return 0;
}

/* Offset just past a token: skips a node's name or a property's value. */
static int skip_token(int off)
{
	switch (tok(off)) {
	case FDT_BEGIN_NODE:
		return off + 4 + align4(strlen((const char *)fdt_struct + off + 4) + 1);
	case FDT_PROP:
		return off + 12 + align4(tok(off + 4));
	default:
		return off + 4;
	}
}

/*
 * The node after `off` in document order (off = -1: the root), tracking the
 * depth (root = 0).  Returns -1 at the end of the tree.
 */
int fdt_next_node(int off, int *depth)
{
	if (off < 0) {
		off = 0;
		while (tok(off) == FDT_NOP)
			off += 4;
		*depth = 0;
		return tok(off) == FDT_BEGIN_NODE ? off : -1;
	}
	int d = *depth;
	off = skip_token(off);
	while ((uint32_t)off < fdt_struct_size) {
		switch (tok(off)) {
		case FDT_BEGIN_NODE:
			*depth = d + 1;
			return off;
		case FDT_END_NODE:
			d--;
			break;
		case FDT_END:
			return -1;
		}
		off = skip_token(off);
	}
	return -1;
}

int fdt_root(void)
{
	int depth;
	return fdt_next_node(-1, &depth);
}

const char *fdt_node_name(int off)
{
	return (const char *)fdt_struct + off + 4;
}

const void *fdt_getprop(int off, const char *name, int *len)
{
	for (off = skip_token(off);; off = skip_token(off)) {
		uint32_t t = tok(off);
		if (t == FDT_NOP)
			continue;
		if (t != FDT_PROP)
			return 0;
		if (strcmp(fdt_strings + tok(off + 8), name) == 0) {
			if (len)
				*len = (int)tok(off + 4);
			return fdt_struct + off + 12;
		}
	}
}

uint32_t fdt_u32(int off, const char *name, uint32_t dflt)
{
	int len;
	const void *p = fdt_getprop(off, name, &len);
	return p && len >= 4 ? fdt_be32(p) : dflt;
}

/* Is `compat` one of the NUL-separated strings of the node's "compatible"? */
static int is_compatible(int off, const char *compat)
{
	int len;
	const char *p = fdt_getprop(off, "compatible", &len);
	for (int i = 0; p && i < len; i += strlen(p + i) + 1)
		if (strcmp(p + i, compat) == 0)
			return 1;
	return 0;
}

int fdt_find_compatible(int after, const char *compat)
{
	int depth = 0, off = -1;
	if (after >= 0) {
		/* re-find `after` to learn its depth */
		while ((off = fdt_next_node(off, &depth)) >= 0 && off != after)
			;
	}
	while ((off = fdt_next_node(off, &depth)) >= 0)
		if (is_compatible(off, compat))
			return off;
	return -1;
}

/* A direct child whose name, up to any '@unit', is `name`. */
int fdt_find_child(int parent, const char *name)
{
	int depth = 0, off = -1, pdepth = -1;
	size_t n = strlen(name);
	while ((off = fdt_next_node(off, &depth)) >= 0) {
		if (off == parent) {
			pdepth = depth;
		} else if (pdepth >= 0) {
			if (depth <= pdepth)
				return -1;
			const char *nm = fdt_node_name(off);
			if (depth == pdepth + 1 && strncmp(nm, name, n) == 0 &&
			    (nm[n] == 0 || nm[n] == '@'))
				return off;
		}
	}
	return -1;
}

int fdt_find_phandle(uint32_t phandle)
{
	int depth = 0, off = -1;
	while ((off = fdt_next_node(off, &depth)) >= 0)
		if (fdt_u32(off, "phandle", 0) == phandle)
			return off;
	return -1;
}

static int fdt_parent(int node)
{
	int stack[16], depth = 0, off = -1;
	while ((off = fdt_next_node(off, &depth)) >= 0 && depth < 16) {
		stack[depth] = off;
		if (off == node)
			return depth ? stack[depth - 1] : -1;
	}
	return -1;
}

static uint64_t read_cells(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < n; i++)
		v = v << 32 | fdt_be32(p + 4 * i);
	return v;
}

/* Entry idx of "reg", decoded with the parent's #address-cells/#size-cells. */
int fdt_reg(int off, int idx, uint64_t *addr, uint64_t *size)
{
	int parent = fdt_parent(off), len;
	uint32_t ac = parent >= 0 ? fdt_u32(parent, "#address-cells", 2) : 2;
	uint32_t sc = parent >= 0 ? fdt_u32(parent, "#size-cells", 1) : 1;
	const uint8_t *p = fdt_getprop(off, "reg", &len);
	int stride = 4 * (ac + sc);
	if (!p || (idx + 1) * stride > len)
		return -1;
	p += idx * stride;
	*addr = read_cells(p, ac);
	*size = read_cells(p + 4 * ac, sc);
	return 0;
}

const uint8_t *fdt_rng_seed(int *len)
{
	int chosen = fdt_find_child(fdt_root(), "chosen");
	return chosen < 0 ? 0 : fdt_getprop(chosen, "rng-seed", len);
}
