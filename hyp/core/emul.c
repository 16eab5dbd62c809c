#include "core/emul.h"

#include <stddef.h>

int emul_add(struct emul *e, uint64_t base, uint64_t size, const struct mmio_ops *ops, void *dev)
{
	if (e->n == EMUL_MAX_REGIONS || size == 0 || base + size < base)
		return -1;
	for (int i = 0; i < e->n; i++) {
		const struct mmio_region *r = &e->regions[i];
		if (base < r->base + r->size && r->base < base + size)
			return -1;
	}
	e->regions[e->n++] = (struct mmio_region){base, size, ops, dev};
	return 0;
}

const struct mmio_region *emul_find(const struct emul *e, uint64_t gpa)
{
	for (int i = 0; i < e->n; i++) {
		const struct mmio_region *r = &e->regions[i];
		if (gpa - r->base < r->size)
			return r;
	}
	return NULL;
}
