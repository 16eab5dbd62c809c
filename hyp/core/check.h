/*
 * Invariants popek checks itself (docs/security.md).  In a build with
 * POPEK_CHECK (the one `make test` runs, and every fuzz harness), a broken
 * invariant is a bug in popek: it panics with a full register dump on the
 * target and aborts on the host, where the sanitizers report it.  Otherwise
 * CHECK() compiles to nothing, and its condition is not evaluated.
 */
#ifndef POPEK_CORE_CHECK_H
#define POPEK_CORE_CHECK_H

#ifdef POPEK_CHECK
#ifdef POPEK_HOST
#include <stdio.h>
#include <stdlib.h>
#define CHECK(cond, ...)                                                           \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: invariant: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                              \
			fputc('\n', stderr);                                       \
			abort();                                                   \
		}                                                                  \
	} while (0)
#else
#include "core/panic.h"
#define CHECK(cond, ...)                    \
	do {                                \
		if (!(cond))                \
			panic(__VA_ARGS__); \
	} while (0)
#endif
#define POPEK_CHECKING 1
#else
#define CHECK(cond, ...) \
	do {             \
	} while (0)
#define POPEK_CHECKING 0
#endif

#endif
