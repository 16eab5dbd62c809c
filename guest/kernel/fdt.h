#ifndef FDT_H
#define FDT_H

#include <stdint.h>

/* Nodes are named by their offset in the structure block; -1 means none. */
int fdt_init(const void *dtb);
int fdt_root(void);
int fdt_next_node(int off, int *depth);
const char *fdt_node_name(int off);
const void *fdt_getprop(int off, const char *name, int *len);
int fdt_find_compatible(int after, const char *compat);
int fdt_find_child(int parent, const char *name);
int fdt_find_phandle(uint32_t phandle);
int fdt_reg(int off, int idx, uint64_t *addr, uint64_t *size);
/* /chosen rng-seed and its length, or 0 (the board's fresh random bytes). */
const uint8_t *fdt_rng_seed(int *len);
uint32_t fdt_u32(int off, const char *name, uint32_t dflt);
uint32_t fdt_be32(const void *p);

#endif
