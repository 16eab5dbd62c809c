/*
 * Self-checks that fail with a reason: a check function returns NULL when
 * it passed, or the text of why it did not.  Shared by the test, disk and
 * other modes.
 */
#ifndef TEACH_CHECK_H
#define TEACH_CHECK_H

#include "printf.h"

/* The reason of the last failed CHECK. */
extern char check_why[160];

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			snprintf(check_why, sizeof(check_why), __VA_ARGS__); \
			return check_why;                                    \
		}                                                            \
	} while (0)

#endif
