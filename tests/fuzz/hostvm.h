/*
 * A host stand-in for the machine under popek's trap-and-emulate code, so
 * that the real shadow.c, gwalk.c, pmp.c, vcsr.c, emulate.c, insn.c and
 * inject.c run on the host (unit tests in tests/unit/test_shadow.c, the
 * shadow, emulate and vcsr fuzz harnesses).  It gives them:
 *  - one VM with RAM at guest-physical 0x8000_0000, "host-physical" being
 *    va_to_pa() of a host buffer, so pa_to_va() is the identity on it;
 *  - mem_alloc_range() from an arena (shadow pools), reset with the VM;
 *  - page_alloc()/page_free() from a small shared pool that stands for what
 *    popek keeps for itself: shadow tables must never come from it;
 *  - a fake MMIO device, the CSRs and fences of the hart (counted), mmu_root()
 *    with popek's slot 510 (one U = 0 leaf), panic() (abort), trap_reflect().
 * Deterministic: hostvm_create() resets everything an input could change.
 */
#ifndef POPEK_TESTS_HOSTVM_H
#define POPEK_TESTS_HOSTVM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm.h"

#define HOSTVM_RAM_GPA   0x80000000UL
#define HOSTVM_MMIO_BASE 0x10000000UL /* the fake device: 256 bytes */
#define HOSTVM_MMIO_SIZE 0x100UL

struct hostvm_stats {
	uint64_t fence_all;  /* sfence.vma with no address */
	uint64_t fence_page; /* sfence.vma va, asid */
	uint64_t fence_asid; /* sfence.vma x0, asid (mmu_fence_asid) */
	uint64_t last_va, last_asid;
	uint64_t mmio_reads, mmio_writes;
	uint64_t shared_pages_taken; /* page_alloc() calls: popek's own memory */
};
extern struct hostvm_stats hostvm_stats;
/*
 * The vPLIC's S-context line as a device has just raised it: mip.SEIP
 * follows it when popek brings the pending bits up to date (vcpu_ready()).
 */
extern bool hostvm_line_seip;

/*
 * A fresh VM of `ram` bytes (a multiple of 2 MiB, at most 8 MiB), zeroed,
 * booted in vM (`firmware`) or vS as OpenSBI leaves its payload, with its
 * vCPU's shadow tables initialised (asid_base 1).  `shared_pages`: how many
 * pages page_alloc() may hand out before it panics.
 */
struct vcpu *hostvm_create(uint64_t ram, bool firmware, unsigned shared_pages);
/* Another VM beside the first (same arena): for checking one cannot touch the other. */
struct vcpu *hostvm_create_second(uint64_t ram);
/* popek's pointer to guest-physical gpa (in RAM), for building guest tables. */
void *hostvm_gpa(uint64_t gpa);

/*
 * Walks every view of v's shadow tables and checks the invariants: every
 * leaf has R, W or X, U = 1, lies within the VM's RAM; every table page is
 * in the vCPU's pool; the pages found equal shadow.pages; slot 510 is
 * popek's; in every cached space too; no fence left due, no two spaces with
 * one key, no entries in a tree that is not live.  Aborts with a message when one fails.  Returns the leaves found.
 */
uint64_t hostvm_check_shadow(const struct vcpu *v);

/*
 * Calls fn(ctx, view, va, level, pte) for every shadow leaf of `view`
 * (va sign-extended, level 0 = 4 KiB): in the current space, or in cached
 * space `space` (for a paged view).
 */
void hostvm_each_leaf(const struct vcpu *v, int view,
                      void (*fn)(void *ctx, int view, uint64_t va, int level, uint64_t pte),
                      void *ctx);
void hostvm_each_space_leaf(const struct vcpu *v, int space, int view,
                            void (*fn)(void *ctx, int view, uint64_t va, int level, uint64_t pte),
                            void *ctx);

#endif
