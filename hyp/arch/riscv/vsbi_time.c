/* SBI Timer extension (SBI spec §6): one deadline per vCPU; see vcpu_timer_check(). */
#include "arch/riscv/riscv.h"
#include "arch/riscv/sbi.h"
#include "arch/riscv/vsbi.h"

static enum trap_action time_call(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret)
{
	(void)ext;
	if (fid != 0)
		return TRAP_RESUME;
	/* §6.1: setting a new deadline clears the pending timer interrupt. */
	v->timer_deadline = v->x[10];
	v->csr.mip &= ~(1UL << IRQ_S_TIMER);
	ret->error = SBI_SUCCESS;
	return TRAP_RESUME;
}

const struct vsbi_ext vsbi_time = {SBI_EXT_TIME, SBI_EXT_TIME, "time", time_call, false};
