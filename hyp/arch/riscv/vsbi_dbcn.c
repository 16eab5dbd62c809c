/* SBI Debug Console (SBI spec §12): the VM's terminal, addressed by guest-physical buffers. */
#include "arch/riscv/vsbi.h"
#include "core/vm.h"

#include <stddef.h>

#define SBI_EXT_DBCN 0x4442434e

static enum trap_action dbcn_call(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret)
{
	(void)ext;
	struct vm *vm = v->vm;
	uint64_t n = v->x[10], gpa = v->x[11];
	switch (fid) {
	case 0:   /* console_write(num_bytes, base_lo, base_hi) */
	case 1: { /* console_read */
		char *buf = v->x[12] ? NULL : vm_gpa_to_hva(vm, gpa, n);
		if (!buf && n) {
			ret->error =
			    SBI_ERR_INVALID_PARAM; /* §12.1: not memory the caller may use */
			return TRAP_RESUME;
		}
		uint64_t i = 0;
		if (fid == 0) {
			for (; i < n; i++)
				vsbi_console_putc(v, buf[i]);
		} else {
			for (int c; i < n && (c = vm_console_in(vm)) >= 0; i++)
				buf[i] = (char)c;
		}
		ret->error = SBI_SUCCESS;
		ret->value = (long)i;
		return TRAP_RESUME;
	}
	case 2: /* console_write_byte */
		vsbi_console_putc(v, (char)n);
		ret->error = SBI_SUCCESS;
		return TRAP_RESUME;
	default:
		return TRAP_RESUME;
	}
}

const struct vsbi_ext vsbi_dbcn = {SBI_EXT_DBCN, SBI_EXT_DBCN, "dbcn", dbcn_call, false};
