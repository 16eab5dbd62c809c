/*
 * Numbers with units.  See units.h.
 */
#include "units.h"

#include <string.h>

/* Reads the leading decimal digits of `s`; *end points past them. */
static bool parse_digits(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	*end = p;
	return true;
}

bool units_parse_uint(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (!parse_digits(s, &v, &end) || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool units_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		char suffix;
		uint64_t scale;
	} suffixes[] = {
	    {'\0', 1}, {'k', KiB}, {'K', KiB}, {'m', MiB}, {'M', MiB}, {'g', GiB}, {'G', GiB},
	};
	const char *end;
	uint64_t v;

	if (!parse_digits(s, &v, &end))
		return false;
	if (end[0] != '\0' && end[1] != '\0')
		return false;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (suffixes[i].suffix != end[0])
			continue;
		if (v > UINT64_MAX / suffixes[i].scale)
			return false;
		*out = v * suffixes[i].scale;
		return true;
	}
	return false;
}

bool units_parse_duration_us(const char *s, uint32_t *out)
{
	static const struct {
		const char *unit;
		uint64_t us;
	} units[] = {
	    {"us", 1},
	    {"ms", 1000},
	    {"s", 1000000},
	};
	const char *end;
	uint64_t v;

	if (!parse_digits(s, &v, &end))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (v > UINT32_MAX / units[i].us)
			return false;
		*out = (uint32_t)(v * units[i].us);
		return true;
	}
	return false;
}
