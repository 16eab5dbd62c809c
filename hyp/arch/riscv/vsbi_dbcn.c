/* SBI Debug Console (SBI spec v2.0 §12): the VM's terminal, addressed by guest-physical buffers. */
#include "arch/riscv/vsbi.h"
#include "core/check.h"
#include "core/vm.h"

#include <stddef.h>

#define SBI_EXT_DBCN 0x4442434e

enum { DBCN_WRITE, DBCN_READ, DBCN_WRITE_BYTE };

static uint64_t dbcn_write(struct vcpu *v, char *buf, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		vsbi_console_putc(v, buf[i]);
	return n;
}

/* §12.2: non-blocking; stops at the first byte the VM's UART does not hold yet. */
static uint64_t dbcn_read(struct vcpu *v, char *buf, uint64_t n)
{
	uint64_t i = 0;
	for (int c; i < n && (c = vuart_firmware_getc(&v->vm->uart)) >= 0; i++)
		buf[i] = (char)c;
	return i;
}

static uint64_t (*const dbcn_move[])(struct vcpu *v, char *buf, uint64_t n) = {
    [DBCN_WRITE] = dbcn_write,
    [DBCN_READ] = dbcn_read,
};

static enum trap_action dbcn_call(struct vcpu *v, uint64_t ext, uint64_t fid, struct vsbi_ret *ret)
{
	(void)ext;
	uint64_t n = v->x[10], base_lo = v->x[11], base_hi = v->x[12];
	if (fid == DBCN_WRITE_BYTE) {
		vsbi_console_putc(v, (char)n);
		ret->error = SBI_SUCCESS;
		return TRAP_RESUME;
	}
	if (fid >= sizeof(dbcn_move) / sizeof(dbcn_move[0]))
		return TRAP_RESUME;
	/*
	 * §12.1: all of [base, base + num_bytes) must be memory the caller may
	 * use.  On RV64 base_hi holds address bits 64 and up, which no RAM has.
	 */
	char *buf = base_hi ? NULL : vm_gpa_to_hva(v->vm, base_lo, n);
	if (!buf && n) {
		ret->error = SBI_ERR_INVALID_PARAM;
		return TRAP_RESUME;
	}
	/* §12.1, §12.2: a call may move fewer bytes than asked; the guest retries with the rest. */
	uint64_t chunk = n < VSBI_DBCN_MAX ? n : VSBI_DBCN_MAX;
	uint64_t done = dbcn_move[fid](v, buf, chunk);
	CHECK(done <= chunk, "dbcn: moved %lu bytes of %lu", done, chunk);
	ret->error = SBI_SUCCESS;
	ret->value = (long)done;
	return TRAP_RESUME;
}

const struct vsbi_ext vsbi_dbcn = {SBI_EXT_DBCN, SBI_EXT_DBCN, "dbcn", dbcn_call, false};
