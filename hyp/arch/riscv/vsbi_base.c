/* SBI Base extension (SBI spec §4): versions, probing, machine IDs. */
#include "arch/riscv/sbi.h"
#include "arch/riscv/vsbi.h"

#include <stddef.h>

#define VSBI_SPEC_VERSION (2UL << 24)    /* v2.0: the version that defines DBCN */
#define VSBI_IMPL_ID      0x504f50454bUL /* "POPEK" */
#define VSBI_IMPL_VERSION 1

static enum trap_action base_call(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret)
{
	(void)ext;
	ret->error = SBI_SUCCESS;
	switch (fid) {
	case 0:
		ret->value = VSBI_SPEC_VERSION;
		break;
	case 1:
		ret->value = VSBI_IMPL_ID;
		break;
	case 2:
		ret->value = VSBI_IMPL_VERSION;
		break;
	case 3:
		ret->value = vsbi_find(v->x[10]) != NULL;
		break;
	case 4: /* mvendorid, marchid, mimpid: the real machine's, as the guest would see bare */
	case 5:
	case 6:
		ret->value = sbi_call(SBI_EXT_BASE, fid, 0, 0, 0).value;
		break;
	default:
		ret->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return TRAP_RESUME;
}

const struct vsbi_ext vsbi_base = {SBI_EXT_BASE, SBI_EXT_BASE, "base", base_call, false};
