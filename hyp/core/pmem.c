#include "core/pmem.h"

void pmem_reset(struct pmem *p)
{
	p->n = 0;
}

static void remove_at(struct pmem *p, int i)
{
	for (int j = i; j + 1 < p->n; j++)
		p->free[j] = p->free[j + 1];
	p->n--;
}

static int insert_at(struct pmem *p, int i, uint64_t base, uint64_t size)
{
	if (p->n == PMEM_MAX_RANGES)
		return -1;
	for (int j = p->n; j > i; j--)
		p->free[j] = p->free[j - 1];
	p->free[i].base = base;
	p->free[i].size = size;
	p->n++;
	return 0;
}

int pmem_add(struct pmem *p, uint64_t base, uint64_t size)
{
	if (size == 0)
		return 0;
	/* Take out any overlap first, so adding twice never counts memory twice. */
	if (pmem_reserve(p, base, size) < 0)
		return -1;
	int i = 0;
	while (i < p->n && p->free[i].base < base)
		i++;
	int merge_prev = i > 0 && p->free[i - 1].base + p->free[i - 1].size == base;
	int merge_next = i < p->n && base + size == p->free[i].base;
	if (merge_prev && merge_next) {
		p->free[i - 1].size += size + p->free[i].size;
		remove_at(p, i);
	} else if (merge_prev) {
		p->free[i - 1].size += size;
	} else if (merge_next) {
		p->free[i].base = base;
		p->free[i].size += size;
	} else {
		return insert_at(p, i, base, size);
	}
	return 0;
}

int pmem_reserve(struct pmem *p, uint64_t base, uint64_t size)
{
	uint64_t end = base + size;
	if (end < base)
		end = UINT64_MAX;
	for (int i = 0; i < p->n; i++) {
		uint64_t fb = p->free[i].base, fe = fb + p->free[i].size;
		if (fe <= base || fb >= end)
			continue;
		if (fb < base && fe > end) { /* split in two */
			p->free[i].size = base - fb;
			if (insert_at(p, i + 1, end, fe - end) < 0)
				return -1;
			return 0;
		}
		if (fb < base) {
			p->free[i].size = base - fb;
		} else if (fe > end) {
			p->free[i].base = end;
			p->free[i].size = fe - end;
		} else {
			remove_at(p, i--);
		}
	}
	return 0;
}

uint64_t pmem_alloc(struct pmem *p, uint64_t size, uint64_t align)
{
	if (size == 0 || align == 0 || (align & (align - 1)))
		return 0;
	for (int i = 0; i < p->n; i++) {
		uint64_t fb = p->free[i].base, fe = fb + p->free[i].size;
		uint64_t a = (fb + align - 1) & ~(align - 1);
		if (a < fb || a >= fe || fe - a < size)
			continue;
		if (pmem_reserve(p, a, size) < 0)
			return 0;
		return a;
	}
	return 0;
}

uint64_t pmem_free_bytes(const struct pmem *p)
{
	uint64_t total = 0;
	for (int i = 0; i < p->n; i++)
		total += p->free[i].size;
	return total;
}
