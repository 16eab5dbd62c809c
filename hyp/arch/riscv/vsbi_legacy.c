/*
 * SBI v0.1 legacy extensions 0x00-0x08 (SBI spec §5): one return value, in
 * a0.  0x09-0x0f are no extension at all, as on OpenSBI 1.1: a probe says
 * 0 and a call returns SBI_ERR_NOT_SUPPORTED with a1 = 0.
 */
#include "arch/riscv/riscv.h"
#include "arch/riscv/shadow.h"
#include "arch/riscv/vsbi.h"
#include "core/console.h"
#include "core/vm.h"

static enum trap_action legacy_call(struct vcpu *v, uint64_t ext, uint64_t fid,
                                    struct vsbi_ret *ret)
{
	(void)fid;
	ret->error = SBI_SUCCESS;
	switch (ext) {
	case 0x00: /* set_timer */
		v->timer_deadline = v->x[10];
		v->csr.mip &= ~(1UL << IRQ_S_TIMER);
		break;
	case 0x01: /* console_putchar */
		vsbi_console_putc(v, (char)v->x[10]);
		break;
	case 0x02: /* console_getchar: -1 when the VM's UART holds nothing */
		ret->error = vuart_firmware_getc(&v->vm->uart);
		break;
	case 0x03: /* clear_ipi */
		v->csr.mip &= ~(1UL << IRQ_S_SOFT);
		break;
	case 0x04: /* send_ipi: the VM's only hart is the caller */
		v->csr.mip |= 1UL << IRQ_S_SOFT;
		break;
	case 0x05: /* remote_fence_i */
		vsbi_fence_i();
		break;
	case 0x06: /* remote_sfence_vma */
	case 0x07: /* remote_sfence_vma_asid */
		shadow_flush(v, true, 0);
		break;
	case 0x08: /* shutdown */
		kprintf("popek: vm %s: shutdown requested\n", v->vm->name);
		v->state = VCPU_HALTED;
		return TRAP_HALT;
	default:
		ret->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return TRAP_RESUME;
}

const struct vsbi_ext vsbi_legacy = {0x00, 0x08, "legacy", legacy_call, true};
