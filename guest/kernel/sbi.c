/*
 * sbi.c — calls into the supervisor execution environment (OpenSBI on the
 * bare board, popek in a VM).  SBI spec v2.0: a7 = extension id, a6 =
 * function id, arguments in a0..a5, result {error, value} in a0/a1.
 *
 * We probe with BASE (§4) which extensions exist and fall back to the
 * legacy v0.1 calls (§5) when TIME, DBCN or SRST are missing.  OpenSBI 1.1
 * (QEMU 7.2's -bios default) predates DBCN, so bare runs use legacy putchar.
 */
#include "sbi.h"

enum {
	LEGACY_SET_TIMER = 0x00,
	LEGACY_PUTCHAR = 0x01,
	LEGACY_SHUTDOWN = 0x08,
};

static struct {
	int time, dbcn, srst;
} have;

struct sbiret sbi_call(long eid, long fid, long a0, long a1, long a2)
{
	register long r_a0 asm("a0") = a0;
	register long r_a1 asm("a1") = a1;
	register long r_a2 asm("a2") = a2;
	register long r_a6 asm("a6") = fid;
	register long r_a7 asm("a7") = eid;
	asm volatile("ecall"
	             : "+r"(r_a0), "+r"(r_a1)
	             : "r"(r_a2), "r"(r_a6), "r"(r_a7)
	             : "memory", "a3", "a4", "a5");
	return (struct sbiret){r_a0, r_a1};
}

/* Legacy calls return only a0 and may clobber a1 (SBI v2.0 §5). */
static long sbi_legacy(long eid, long a0)
{
	return sbi_call(eid, 0, a0, 0, 0).error;
}

long sbi_probe(long eid)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, 3, eid, 0, 0);
	return r.error ? 0 : r.value;
}

void sbi_init(void)
{
	have.time = sbi_probe(SBI_EXT_TIME) != 0;
	have.dbcn = sbi_probe(SBI_EXT_DBCN) != 0;
	have.srst = sbi_probe(SBI_EXT_SRST) != 0;
}

/* Sets the next timer event and clears sip.STIP until then (v2.0 §6.1). */
void sbi_set_timer(uint64_t deadline)
{
	if (have.time)
		sbi_call(SBI_EXT_TIME, 0, (long)deadline, 0, 0);
	else
		sbi_legacy(LEGACY_SET_TIMER, (long)deadline);
}

/* DBCN takes a physical address; the kernel's memory is mapped VA == PA. */
void sbi_console_write(const char *buf, size_t n)
{
	while (have.dbcn && n) {
		struct sbiret r = sbi_call(SBI_EXT_DBCN, 0, (long)n, (long)buf, 0);
		if (r.error)
			break;
		buf += r.value;
		n -= r.value;
	}
	for (; n; n--)
		sbi_legacy(LEGACY_PUTCHAR, *buf++);
}

void sbi_shutdown(void)
{
	if (have.srst)
		sbi_call(SBI_EXT_SRST, 0, 0 /* shutdown */, 0 /* no reason */, 0);
	sbi_legacy(LEGACY_SHUTDOWN, 0);
	for (;;)
		asm volatile("wfi");
}
