/*
 * msbi.c — the Supervisor Binary Interface, as much of it as the teaching
 * kernel uses (SBI spec v2.0).  The kernel makes a call with `ecall` in
 * S-mode: a7 = extension id, a6 = function id, arguments in a0..a5.  It
 * traps here (mcause 9, never delegated); we answer in a0 (error) and a1
 * (value) and m_trap resumes the kernel after its ecall.
 *
 *   BASE   0x10        spec version, implementation, probe, machine ids (§4)
 *   TIME   "TIME"      set_timer (§6)
 *   SRST   "SRST"      system reset: shutdown through the test device (§10)
 *   legacy 0x00 0x01 0x08   set_timer, console_putchar, shutdown (§5):
 *                      a0 only, the way SBI v0.1 had it
 *
 * Nothing else: an unknown extension or function gets SBI_ERR_NOT_SUPPORTED.
 * DBCN is missing on purpose, so the kernel prints one character per call
 * through legacy putchar, as it does on OpenSBI 1.1.
 */
#include "mkernel.h"
#include "sbi.h"

#define SBI_ERR_INVALID_PARAM -3

#define LEGACY_SET_TIMER      0x00
#define LEGACY_PUTCHAR        0x01
#define LEGACY_SHUTDOWN       0x08

/* SBI spec version 0.3: the one that added SRST, the newest extension here. */
#define SPEC_VERSION (0L << 24 | 3)
/* The spec's table of implementation ids has no entry for us: "teac". */
#define IMPL_ID      0x74656163L
#define IMPL_VERSION 1L

static int implemented(long eid)
{
	switch (eid) {
	case SBI_EXT_BASE:
	case SBI_EXT_TIME:
	case SBI_EXT_SRST:
	case LEGACY_SET_TIMER:
	case LEGACY_PUTCHAR:
	case LEGACY_SHUTDOWN:
		return 1;
	}
	return 0;
}

static long base(long fid, long arg, long *value)
{
	switch (fid) {
	case 0:
		*value = SPEC_VERSION;
		return SBI_SUCCESS;
	case 1:
		*value = IMPL_ID;
		return SBI_SUCCESS;
	case 2:
		*value = IMPL_VERSION;
		return SBI_SUCCESS;
	case 3:
		*value = implemented(arg);
		return SBI_SUCCESS; /* probe_extension */
	case 4:
		*value = (long)csr_read(mvendorid);
		return SBI_SUCCESS;
	case 5:
		*value = (long)csr_read(marchid);
		return SBI_SUCCESS;
	case 6:
		*value = (long)csr_read(mimpid);
		return SBI_SUCCESS;
	}
	return SBI_ERR_NOT_SUPPORTED;
}

/* system_reset(type, reason): 0 = shutdown, 1 = cold and 2 = warm reboot. */
static long srst(long fid, long type, long reason)
{
	if (fid != 0)
		return SBI_ERR_NOT_SUPPORTED;
	if (type < 0 || type > 2 || reason < 0 || reason > 1) /* 0 none, 1 system failure */
		return SBI_ERR_INVALID_PARAM;
	if (type == 0)
		m_poweroff();
	m_reset();
}

void m_sbi_call(struct m_frame *f)
{
	long eid = (long)f->x[REG_A7], fid = (long)f->x[REG_A6];
	long a0 = (long)f->x[REG_A0], a1 = (long)f->x[REG_A1];
	long error = SBI_ERR_NOT_SUPPORTED, value = 0;

	switch (eid) {
	case LEGACY_SET_TIMER:
		m_set_timer((uint64_t)a0);
		f->x[REG_A0] = 0;
		return;
	case LEGACY_PUTCHAR:
		m_putc((char)a0);
		f->x[REG_A0] = 0;
		return;
	case LEGACY_SHUTDOWN:
		m_poweroff();
	case SBI_EXT_BASE:
		error = base(fid, a0, &value);
		break;
	case SBI_EXT_TIME:
		if (fid == 0) {
			m_set_timer((uint64_t)a0);
			error = SBI_SUCCESS;
		}
		break;
	case SBI_EXT_SRST:
		error = srst(fid, a0, a1);
		break;
	}
	f->x[REG_A0] = (uint64_t)error;
	f->x[REG_A1] = (uint64_t)value;
}
