/*
 * Numbers with units, as the directory writes them.
 *
 *   size      decimal integer with an optional binary suffix K, M or G
 *             (upper or lower case): 512, 64K, 256M, 2G
 *   duration  decimal integer with a required unit us, ms or s: 100us, 10ms, 1s
 */
#ifndef POPEK_TOOLS_UNITS_H
#define POPEK_TOOLS_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Parses a size into *out; false (and *out untouched) when `s` is not one or overflows. */
bool units_parse_size(const char *s, uint64_t *out);

/* Parses a duration into microseconds; false when `s` is not one or overflows 32 bits. */
bool units_parse_duration_us(const char *s, uint32_t *out);

/* Parses a plain decimal integer (no sign, no suffix). */
bool units_parse_uint(const char *s, uint64_t *out);

#endif
