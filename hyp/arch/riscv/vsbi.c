#include "arch/riscv/vsbi.h"
#include "core/vm.h"

#include <stddef.h>

static const struct vsbi_ext *const extensions[] = {
    &vsbi_base, &vsbi_time, &vsbi_ipi,  &vsbi_rfence,
    &vsbi_hsm,  &vsbi_srst, &vsbi_dbcn, &vsbi_legacy,
};

const struct vsbi_ext *vsbi_find(uint64_t ext)
{
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++) {
		if (ext >= extensions[i]->first && ext <= extensions[i]->last)
			return extensions[i];
	}
	return NULL;
}

enum trap_action vsbi_handle(struct vcpu *v)
{
	uint64_t ext = v->x[17], fid = v->x[16];
	const struct vsbi_ext *e = vsbi_find(ext);
	struct vsbi_ret ret = {SBI_ERR_NOT_SUPPORTED, 0};
	enum trap_action next = TRAP_RESUME;
	v->stats.sbi_calls++;
	v->note = "emulated sbi";
	v->pc += 4; /* set before the call: HSM and SRST may redirect or stop the vCPU */
	if (e)
		next = e->call(v, ext, fid, &ret);
	v->x[10] = (uint64_t)ret.error;
	if (!e || !e->legacy)
		v->x[11] = (uint64_t)ret.value;
	return next;
}

void vsbi_console_putc(struct vcpu *v, char c)
{
	if (c == '\n')
		vuart_firmware_putc(&v->vm->uart, '\r');
	vuart_firmware_putc(&v->vm->uart, c);
}
