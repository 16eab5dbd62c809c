/* SBI Hart State Management (SBI spec §9) for a VM whose only hart is hart 0. */
#include "arch/riscv/vsbi.h"

#define SBI_EXT_HSM           0x48534d
#define HSM_STARTED           0
#define HSM_SUSPEND_RETENTIVE 0x00000000
#define HSM_SUSPEND_NONRET    0x80000000

static enum trap_action hsm_call(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret)
{
	(void)ext;
	uint64_t hart = v->x[10];
	switch (fid) {
	case 0: /* hart_start */
		ret->error = hart == v->hart_id ? SBI_ERR_ALREADY_AVAILABLE : SBI_ERR_INVALID_PARAM;
		return TRAP_RESUME;
	case 1: /* hart_stop: the VM's last hart stops, so the VM does */
		ret->error = SBI_SUCCESS;
		v->state = VCPU_HALTED;
		return TRAP_HALT;
	case 2: /* hart_get_status */
		ret->error = hart == v->hart_id ? SBI_SUCCESS : SBI_ERR_INVALID_PARAM;
		ret->value = HSM_STARTED;
		return TRAP_RESUME;
	case 3: /* hart_suspend */
		if ((uint32_t)v->x[10] == HSM_SUSPEND_RETENTIVE) {
			ret->error = SBI_SUCCESS; /* like wfi: resumes after the call */
			return TRAP_YIELD;
		}
		ret->error = (uint32_t)v->x[10] == HSM_SUSPEND_NONRET ? SBI_ERR_NOT_SUPPORTED
		                                                      : SBI_ERR_INVALID_PARAM;
		return TRAP_RESUME;
	default:
		return TRAP_RESUME;
	}
}

const struct vsbi_ext vsbi_hsm = {SBI_EXT_HSM, SBI_EXT_HSM, "hsm", hsm_call, false};
