/* The physical range allocator: a table of operations and the free list they must leave. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/pmem.h"

#define M (1ULL << 20)

enum op { ADD, RESERVE, ALLOC };
struct step {
	enum op op;
	uint64_t a, b;   /* ADD/RESERVE: base, size.  ALLOC: size, align */
	uint64_t expect; /* ALLOC: the address it must return (0: failure) */
};
struct range {
	uint64_t base, size;
};
struct scenario {
	const char *name;
	struct step steps[8];
	int nsteps;
	struct range left[4]; /* the free list afterwards */
	int nleft;
};

static const struct scenario scenarios[] = {
    {"add merges neighbours",
     {{ADD, 0, 4 * M}, {ADD, 8 * M, 4 * M}, {ADD, 4 * M, 4 * M}},
     3,
     {{0, 12 * M}},
     1},
    {"add twice counts once", {{ADD, 0, 4 * M}, {ADD, 2 * M, 4 * M}}, 2, {{0, 6 * M}}, 1},
    {"reserve splits",
     {{ADD, 0, 16 * M}, {RESERVE, 4 * M, 4 * M}},
     2,
     {{0, 4 * M}, {8 * M, 8 * M}},
     2},
    {"reserve trims both ends",
     {{ADD, 0, 4 * M}, {ADD, 8 * M, 4 * M}, {RESERVE, 2 * M, 8 * M}},
     3,
     {{0, 2 * M}, {10 * M, 2 * M}},
     2},
    {"reserve everything", {{ADD, 4 * M, 4 * M}, {RESERVE, 0, 64 * M}}, 2, {{0, 0}}, 0},
    {"reserve past the top of memory",
     {{ADD, 4 * M, 4 * M}, {RESERVE, 6 * M, UINT64_MAX}},
     2,
     {{4 * M, 2 * M}},
     1},
    {"alloc first fit",
     {{ADD, 0x1000, 2 * M}, {ALLOC, 4096, 4096, 0x1000}},
     2,
     {{0x2000, 2 * M - 0x1000}},
     1},
    {"alloc honours alignment",
     {{ADD, 0x1000, 8 * M}, {ALLOC, 2 * M, 2 * M, 2 * M}},
     2,
     {{0x1000, 2 * M - 0x1000}, {4 * M, 4 * M + 0x1000}},
     2},
    {"alloc skips a range too small",
     {{ADD, 0, M}, {ADD, 4 * M, 8 * M}, {ALLOC, 2 * M, 4096, 4 * M}},
     3,
     {{0, M}, {6 * M, 6 * M}},
     2},
    {"alloc fails when nothing fits", {{ADD, 0, M}, {ALLOC, 2 * M, 4096, 0}}, 2, {{0, M}}, 1},
    {"alloc rejects bad alignment", {{ADD, 0, 4 * M}, {ALLOC, 4096, 3, 0}}, 2, {{0, 4 * M}}, 1},
    {"alloc of zero bytes fails", {{ADD, 0, 4 * M}, {ALLOC, 0, 4096, 0}}, 2, {{0, 4 * M}}, 1},
};

static void test_scenarios(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof(scenarios) / sizeof(scenarios[0]); s++) {
		const struct scenario *sc = &scenarios[s];
		struct pmem p;
		pmem_reset(&p);
		for (int i = 0; i < sc->nsteps; i++) {
			const struct step *st = &sc->steps[i];
			if (st->op == ADD)
				assert_int_equal(pmem_add(&p, st->a, st->b), 0);
			else if (st->op == RESERVE)
				assert_int_equal(pmem_reserve(&p, st->a, st->b), 0);
			else if (pmem_alloc(&p, st->a, st->b) != st->expect)
				fail_msg("%s: step %d returned the wrong address", sc->name, i);
		}
		if (p.n != sc->nleft)
			fail_msg("%s: %d free ranges, expected %d", sc->name, p.n, sc->nleft);
		for (int i = 0; i < sc->nleft; i++) {
			if (p.free[i].base != sc->left[i].base ||
			    p.free[i].size != sc->left[i].size)
				fail_msg("%s: free range %d is %#lx+%#lx", sc->name, i,
				         (unsigned long)p.free[i].base,
				         (unsigned long)p.free[i].size);
		}
	}
}

static void test_alloc_until_empty(void **state)
{
	(void)state;
	struct pmem p;
	pmem_reset(&p);
	pmem_add(&p, 0x80000000, 64 * 4096);
	uint64_t last = 0;
	for (int i = 0; i < 64; i++) {
		uint64_t a = pmem_alloc(&p, 4096, 4096);
		assert_true(a > last);
		last = a;
	}
	assert_int_equal(pmem_alloc(&p, 4096, 4096), 0);
	assert_int_equal(pmem_free_bytes(&p), 0);
}

static void test_table_full(void **state)
{
	(void)state;
	struct pmem p;
	pmem_reset(&p);
	for (int i = 0; i < PMEM_MAX_RANGES; i++)
		assert_int_equal(pmem_add(&p, (uint64_t)i * 2 * M, M), 0);
	assert_int_equal(pmem_add(&p, 1000 * M, M), -1);
	/* splitting needs a slot too, and says so */
	assert_int_equal(pmem_reserve(&p, M / 4, M / 2), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scenarios),
	    cmocka_unit_test(test_alloc_until_empty),
	    cmocka_unit_test(test_table_full),
	};
	return cmocka_run_group_tests_name("pmem", tests, NULL, NULL);
}
