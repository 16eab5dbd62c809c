#ifndef KALLOC_H
#define KALLOC_H

#include <stdint.h>

void kalloc_init(uint64_t start, uint64_t end);
void *kalloc(void);
void *kzalloc(void);
void kfree(void *page);
uint64_t kalloc_free_pages(void);

#endif
