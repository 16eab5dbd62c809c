/*
 * popek's physical memory: the free ranges left once popek, firmware, the
 * device tree and the boot bundle are set aside, and pages for page tables.
 */
#ifndef POPEK_CORE_MEM_H
#define POPEK_CORE_MEM_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

void mem_init(const struct machine *m, uint64_t dtb_pa, uint64_t dtb_size);
/* A zeroed 4 KiB page (physical address); panics when memory is exhausted. */
uint64_t page_alloc(void);
void page_free(uint64_t pa);
/* A contiguous, `align`-aligned physical range, or 0 when none is left. */
uint64_t mem_alloc_range(uint64_t size, uint64_t align);
uint64_t mem_free_bytes(void);
/*
 * True on the first boot since QEMU mapped the board's RAM: every range
 * mem_alloc_range() hands out still holds zeros (nothing before popek
 * writes outside the firmware, the images and the device tree, which
 * mem_init() reserves; popek never hands a range out twice).
 */
bool mem_fresh(void);

#endif
