/* SBI RFENCE extension (SBI spec §8): remote fences, on a VM with one hart. */
#include "arch/riscv/shadow.h"
#include "arch/riscv/vsbi.h"

#define SBI_EXT_RFENCE 0x52464e43

static enum trap_action rfence_call(struct vcpu *v, uint64_t ext, uint64_t fid,
                                    struct vsbi_ret *ret)
{
	(void)ext;
	int hit;
	if (fid > 2) /* the HFENCE functions need the H extension, which a VM does not have */
		return TRAP_RESUME;
	if (vsbi_hart_mask(v->x[10], v->x[11], &hit) < 0) {
		ret->error = SBI_ERR_INVALID_PARAM;
		return TRAP_RESUME;
	}
	ret->error = SBI_SUCCESS;
	if (!hit)
		return TRAP_RESUME;
	if (fid == 0) {
		vsbi_fence_i();
		return TRAP_RESUME;
	}
	/*
	 * sfence.vma (fid 1, every ASID) or by ASID (fid 2, a4): start a2, size
	 * a3; size 0 or -1 means all.  One pass over the range, one fence round.
	 */
	uint64_t start = v->x[12], size = v->x[13];
	bool all_asid = fid == 1;
	if (size == 0 || size == (uint64_t)-1 || size > VSBI_RFENCE_MAX_PAGES * 4096UL) {
		shadow_fence(v, true, 0, 0, all_asid, v->x[14]);
	} else {
		/* by offset, so a range that wraps past the top of the address space still works */
		uint64_t pages = (size + (start & 4095UL) + 4095) / 4096;
		shadow_fence(v, false, start & ~4095UL, pages, all_asid, v->x[14]);
	}
	return TRAP_RESUME;
}

const struct vsbi_ext vsbi_rfence = {SBI_EXT_RFENCE, SBI_EXT_RFENCE, "rfence", rfence_call, false};
