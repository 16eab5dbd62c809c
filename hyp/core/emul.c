#include "core/emul.h"

#include <stdbool.h>
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

static bool emul_inside(const struct mmio_region *r, uint64_t gpa, unsigned len)
{
	return gpa >= r->base && gpa - r->base < r->size && len <= r->size - (gpa - r->base);
}

int emul_read(const struct mmio_region *r, uint64_t gpa, unsigned len, uint64_t *val)
{
	uint64_t mis = gpa & (len - 1), lo, hi;

	if (mis == 0)
		return emul_inside(r, gpa, len) ? r->ops->read(r->dev, gpa - r->base, len, val)
		                                : -1;
	uint64_t a1 = gpa - mis, a2 = a1 + len;
	if (!emul_inside(r, a1, len) || !emul_inside(r, a2, len) ||
	    r->ops->read(r->dev, a1 - r->base, len, &lo) < 0 ||
	    r->ops->read(r->dev, a2 - r->base, len, &hi) < 0)
		return -1;
	*val = (lo >> (8 * mis)) | (hi << (8 * (len - mis)));
	if (len < 8)
		*val &= (1ULL << (8 * len)) - 1;
	return 0;
}

int emul_write(const struct mmio_region *r, uint64_t gpa, unsigned len, uint64_t val)
{
	if ((gpa & (len - 1)) == 0)
		return emul_inside(r, gpa, len) ? r->ops->write(r->dev, gpa - r->base, len, val)
		                                : -1;
	if (!emul_inside(r, gpa, len))
		return -1;
	for (unsigned i = 0; i < len; i++) {
		if (r->ops->write(r->dev, gpa + i - r->base, 1, (uint8_t)(val >> (8 * i))) < 0)
			return -1;
	}
	return 0;
}
