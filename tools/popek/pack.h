/*
 * Packing the boot bundle (hyp/core/bundle.h) from a planned directory:
 * the header, then for each VM its kernel, initrd and device tree, each
 * BUNDLE_ALIGN-aligned.  The result is checked with bundle_check(), the same
 * function popek runs on it, before it is written.
 */
#ifndef POPEK_TOOLS_PACK_H
#define POPEK_TOOLS_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "directory.h"
#include "plan.h"

/* Bytes in the bundle of `plan` (VMs that did not plan count for nothing). */
uint64_t pack_size(const struct plan *plan);

/*
 * Builds the bundle of a directory without problems into a new buffer.
 * Returns NULL, or what is wrong (then *out is NULL).  Pure.
 */
const char *pack_bundle(const struct directory *dir, const struct plan *plan, uint8_t **out,
                        size_t *len);

#endif
