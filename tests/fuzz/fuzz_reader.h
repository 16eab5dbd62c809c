/*
 * What every harness shares: REQUIRE(), a property of popek that must hold
 * (a failure aborts, and libFuzzer keeps the input as a crash), and a little
 * reader turning bytes into operations, which yields zeros once the input ends.
 */
#ifndef POPEK_TESTS_FUZZ_READER_H
#define POPEK_TESTS_FUZZ_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define REQUIRE(c)               \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

struct reader {
	const uint8_t *data;
	size_t size;
};

static inline uint8_t reader_u8(struct reader *r)
{
	if (!r->size)
		return 0;
	r->size--;
	return *r->data++;
}

static inline uint16_t reader_u16(struct reader *r)
{
	uint16_t lo = reader_u8(r); /* one statement each: C leaves the order of operands open */
	return (uint16_t)(lo | reader_u8(r) << 8);
}

static inline uint32_t reader_u32(struct reader *r)
{
	uint32_t lo = reader_u16(r);
	return lo | (uint32_t)reader_u16(r) << 16;
}

static inline uint64_t reader_u64(struct reader *r)
{
	uint64_t lo = reader_u32(r);
	return lo | (uint64_t)reader_u32(r) << 32;
}

#endif
