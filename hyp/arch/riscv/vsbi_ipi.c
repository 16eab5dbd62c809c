/* SBI IPI extension (SBI spec §7).  A VM has one hart, hart 0. */
#include "arch/riscv/riscv.h"
#include "arch/riscv/vsbi.h"

#define SBI_EXT_IPI 0x735049

/*
 * OpenSBI 1.1 (sbi_ipi_send_many, sbi_hsm_hart_interruptible_mask): base -1
 * means every hart (§3.1); any other base past the last hart, hart 0, is
 * SBI_ERR_INVALID_PARAM, whatever the mask; at base 0 the bits of harts
 * that do not exist are ignored.  (The spec would reject them too; the
 * board does not, and a VM gets what the board gives.)
 */
int vsbi_hart_mask(uint64_t mask, uint64_t base, int *hits_hart0)
{
	if (base == (uint64_t)-1) {
		*hits_hart0 = 1;
		return 0;
	}
	if (base != 0)
		return -1;
	*hits_hart0 = (int)(mask & 1);
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
