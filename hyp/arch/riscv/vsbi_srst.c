/*
 * SBI System Reset (SBI spec §10): a shutdown stops the VM; a cold or warm
 * reboot starts it again from its directory entry (vm_reboot), as the board
 * would reset itself.
 */
#include "arch/riscv/vsbi.h"
#include "core/console.h"
#include "core/vm.h"
#include "lib/printf.h"

#define SBI_EXT_SRST_ID 0x53525354

static const char *const reset_types[] = {"shutdown", "cold reboot", "warm reboot"};

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
	if (type >= sizeof(reset_types) / sizeof(reset_types[0]) || reason > 1) {
		ret->error = SBI_ERR_INVALID_PARAM;
		return TRAP_RESUME;
	}
	char why[48];
	fmt_snprintf(why, sizeof(why), "%s requested%s", reset_types[type],
	             reason == 1 ? " (system failure)" : "");
	if (type == 0) {
		kprintf("popek: vm %s: %s\n", v->vm->name, why);
		v->state = VCPU_HALTED;
	} else {
		vm_reboot(v->vm, why);
	}
	ret->error = SBI_SUCCESS;
	return TRAP_HALT;
}

const struct vsbi_ext vsbi_srst = {SBI_EXT_SRST_ID, SBI_EXT_SRST_ID, "srst", srst_call, false};
