/*
 * SBI Hart State Management (SBI spec §9) for a VM whose only hart is hart
 * 0, answering as OpenSBI 1.1 does on the one-hart virt board.
 */
#include "arch/riscv/vsbi.h"
#include "core/guest_layout.h"

#include <stdbool.h>
#include <stddef.h>

#define SBI_EXT_HSM 0x48534d
#define HSM_STARTED 0

/*
 * Whether S-mode may execute at addr, as OpenSBI 1.1's root domain says: all
 * but its own image and the CLINT.  A VM's RAM holds no firmware, so only
 * the CLINT's window is left out.
 */
static bool hsm_executable(uint64_t addr)
{
	return addr - GUEST_CLINT_BASE >= GUEST_CLINT_SIZE;
}

/*
 * Suspend types (§9.4, table 28) and what OpenSBI 1.1 does with each on the
 * virt board, which has no platform suspend: the default retentive suspend
 * waits like wfi; the non-retentive default is the one OpenSBI has and popek
 * does not (it would restart the guest at a new address with satp = 0).
 */
static const struct {
	uint32_t first, last;
	long error;
	bool check_resume_addr; /* non-retentive: the resume address is checked first */
} hsm_suspend_types[] = {
    {0x00000000, 0x00000000, SBI_SUCCESS, false},
    {0x00000001, 0x0fffffff, SBI_ERR_INVALID_PARAM, false}, /* reserved */
    {0x10000000, 0x7fffffff, SBI_ERR_NOT_SUPPORTED, false}, /* platform-specific */
    {0x80000000, 0x80000000, SBI_ERR_NOT_SUPPORTED, true},
    {0x80000001, 0x8fffffff, SBI_ERR_INVALID_PARAM, false}, /* reserved */
    {0x90000000, 0xffffffff, SBI_ERR_NOT_SUPPORTED, true},  /* platform-specific */
};

static enum trap_action hsm_suspend(struct vcpu *v, struct vsbi_ret *ret)
{
	uint32_t type = (uint32_t)v->x[10]; /* OpenSBI 1.1 takes the type as u32 */
	size_t i = 0;
	while (type > hsm_suspend_types[i].last)
		i++;
	ret->error = hsm_suspend_types[i].error;
	if (hsm_suspend_types[i].check_resume_addr && !hsm_executable(v->x[11]))
		ret->error = SBI_ERR_INVALID_ADDRESS;
	return type == 0 ? TRAP_YIELD : TRAP_RESUME; /* resumes after the call, like wfi */
}

static enum trap_action hsm_call(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret)
{
	(void)ext;
	/* OpenSBI 1.1 takes hart ids as u32: 1 << 32 names hart 0. */
	bool self = (uint32_t)v->x[10] == v->hart_id;
	switch (fid) {
	case 0: /* hart_start(hartid, start_addr, opaque) */
		ret->error = !self                       ? SBI_ERR_INVALID_PARAM
		             : !hsm_executable(v->x[11]) ? SBI_ERR_INVALID_ADDRESS
		                                         : SBI_ERR_ALREADY_AVAILABLE;
		return TRAP_RESUME;
	case 1: /* hart_stop: the VM's last hart stops, so the VM does */
		ret->error = SBI_SUCCESS;
		v->state = VCPU_HALTED;
		return TRAP_HALT;
	case 2: /* hart_get_status */
		ret->error = self ? SBI_SUCCESS : SBI_ERR_INVALID_PARAM;
		ret->value = HSM_STARTED;
		return TRAP_RESUME;
	case 3: /* hart_suspend(suspend_type, resume_addr, opaque) */
		return hsm_suspend(v, ret);
	default:
		return TRAP_RESUME;
	}
}

const struct vsbi_ext vsbi_hsm = {SBI_EXT_HSM, SBI_EXT_HSM, "hsm", hsm_call, false};
