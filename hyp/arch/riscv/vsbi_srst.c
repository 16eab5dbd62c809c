/*
 * SBI System Reset (SBI spec §10): a shutdown stops the VM; a cold or warm
 * reboot starts it again from its directory entry (vm_reboot), as the board
 * would reset itself.
 */
#include "arch/riscv/vsbi.h"
#include "core/console.h"
#include "core/vm.h"

#define SBI_EXT_SRST_ID 0x53525354

/* What was requested, by reason (0: none, 1: system failure) and type. */
static const char *const requests[2][3] = {
    {"shutdown requested", "cold reboot requested", "warm reboot requested"},
    {"shutdown requested (system failure)", "cold reboot requested (system failure)",
     "warm reboot requested (system failure)"},
};

static enum trap_action srst_call(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret)
{
	(void)ext;
	if (fid != 0)
		return TRAP_RESUME;
	/*
	 * §10.1 gives types and reasons 32 bits; OpenSBI 1.1 compares the whole
	 * registers, and knows no vendor or SBI-specific reason (0xe0000000 up):
	 * anything but the three types and reasons 0 and 1 is INVALID_PARAM.
	 */
	uint64_t type = v->x[10], reason = v->x[11];
	if (type >= sizeof(requests[0]) / sizeof(requests[0][0]) || reason > 1) {
		ret->error = SBI_ERR_INVALID_PARAM;
		return TRAP_RESUME;
	}
	if (type == 0) {
		kprintf("popek: vm %s: %s\n", v->vm->name, requests[reason][type]);
		v->state = VCPU_HALTED;
	} else {
		vm_reboot(v->vm, requests[reason][type]);
	}
	ret->error = SBI_SUCCESS;
	return TRAP_HALT;
}

const struct vsbi_ext vsbi_srst = {SBI_EXT_SRST_ID, SBI_EXT_SRST_ID, "srst", srst_call, false};
