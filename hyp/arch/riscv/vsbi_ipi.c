/* SBI IPI extension (SBI spec §7).  A VM has one hart, hart 0. */
#include "arch/riscv/riscv.h"
#include "arch/riscv/vsbi.h"

#define SBI_EXT_IPI 0x735049

/*
 * Whether (hart_mask, hart_mask_base) names only harts that exist, and
 * whether it names hart 0 (SBI spec §3.1: base = -1 means every hart).
 */
int vsbi_hart_mask(uint64_t mask, uint64_t base, int *hits_hart0)
{
	if (base == (uint64_t)-1) {
		*hits_hart0 = 1;
		return 0;
	}
	if (mask == 0) {
		*hits_hart0 = 0;
		return 0;
	}
	if (base != 0 || (mask & ~1UL))
		return -1;
	*hits_hart0 = 1;
	return 0;
}

static enum trap_action ipi_call(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret)
{
	(void)ext;
	int hit;
	if (fid != 0)
		return TRAP_RESUME;
	if (vsbi_hart_mask(v->x[10], v->x[11], &hit) < 0) {
		ret->error = SBI_ERR_INVALID_PARAM;
		return TRAP_RESUME;
	}
	if (hit)
		v->csr.mip |= 1UL << IRQ_S_SOFT;
	ret->error = SBI_SUCCESS;
	return TRAP_RESUME;
}

const struct vsbi_ext vsbi_ipi = {SBI_EXT_IPI, SBI_EXT_IPI, "ipi", ipi_call, false};
