/*
 * mmain.c — teach-m's firmware: what runs in machine mode before the
 * teaching kernel, and what the kernel then asks of it.
 *
 * On the virt board the hart starts in M-mode, the most privileged mode,
 * where nothing is translated, nothing is protected and nothing traps to
 * anyone else.  An operating system kernel is written for S-mode instead.
 * Between the two sits the firmware (OpenSBI on most RISC-V boards; here,
 * these few files).  In order, m_main:
 *
 *   1. finds the UART, the CLINT and the test device in the device tree;
 *   2. runs its M-mode self-tests (mtests.c);
 *   3. delegates the traps the kernel handles itself (medeleg, mideleg), so
 *      that they go straight to S-mode and never pass through here;
 *   4. fences its own memory off with PMP, so the kernel cannot overwrite it;
 *   5. lets S- and U-mode read the counters (mcounteren);
 *   6. parks the timer (mtimecmp far in the future);
 *   7. "returns" into the kernel: mret with mstatus.MPP = S and mepc =
 *      _entry, a0 = hart id and a1 = the device tree, exactly as OpenSBI
 *      enters its payload.
 *
 * From then on the firmware runs only when the kernel traps into it
 * (mtrap.c): SBI calls (msbi.c), the machine timer, and instructions it
 * emulates.  The firmware owns 0x8000_0000 - 0x801f_ffff, as OpenSBI does;
 * the kernel is linked at 0x8020_0000 (teach-m.ld).
 */
#include "mkernel.h"
#include "fdt.h"

struct m_platform m_plat;

extern char _entry[];     /* the kernel's first instruction (guest/kernel/entry.S) */
extern char m_fw_start[]; /* the firmware's first byte (teach-m.ld) */

/* Exceptions the kernel handles itself (§3.1.8).  Not delegated, so they come here:
 *   2  illegal instruction: we emulate `rdtime` (as OpenSBI does) and pass the rest on
 *   9  ecall from S-mode: an SBI call
 *  11  ecall from M-mode: only the self-tests make one
 */
#define MEDELEG_KERNEL                                                                             \
	(1UL << CAUSE_MISALIGNED_FETCH | 1UL << CAUSE_FETCH_ACCESS | 1UL << CAUSE_BREAKPOINT |     \
	 1UL << CAUSE_MISALIGNED_LOAD | 1UL << CAUSE_LOAD_ACCESS | 1UL << CAUSE_MISALIGNED_STORE | \
	 1UL << CAUSE_STORE_ACCESS | 1UL << CAUSE_USER_ECALL | 1UL << CAUSE_FETCH_PAGE_FAULT |     \
	 1UL << CAUSE_LOAD_PAGE_FAULT | 1UL << CAUSE_STORE_PAGE_FAULT)

/* The supervisor's own interrupts: software, timer, external (§3.1.9). */
#define MIDELEG_KERNEL (MIP_SSIP | MIP_STIP | MIP_SEIP)

static void *find_device(const char *compat, uint64_t *size)
{
	uint64_t base;
	int node = fdt_find_compatible(-1, compat);
	if (node < 0 || fdt_reg(node, 0, &base, size) < 0)
		return 0;
	return (void *)base;
}

/* 1. Everything the firmware needs to know about the board. */
static void platform_from_fdt(uint64_t hartid, const void *dtb)
{
	uint64_t size;
	m_plat.hartid = hartid;
	/* fdt.c is the kernel's reader; its copy of the tree lives in the kernel's .bss,
	 * which is fine while the kernel has not started. */
	if (fdt_init(dtb) < 0)
		m_panic("no device tree at %p", dtb); /* and no UART to say it on */
	m_plat.uart = find_device("ns16550a", &size);
	if (!m_plat.uart)
		m_panic("no ns16550a UART in the device tree");
	m_plat.uart_clock = fdt_u32(fdt_find_compatible(-1, "ns16550a"), "clock-frequency", 0);
	m_uart_init();
	m_plat.test = find_device("sifive,test0", &size);
	m_plat.clint = find_device("riscv,clint0", &size);
	if (!m_plat.clint)
		m_plat.clint = find_device("sifive,clint0", &size);
	if (!m_plat.clint)
		m_panic("no CLINT in the device tree");
	m_plat.timebase_hz = fdt_u32(fdt_find_child(fdt_root(), "cpus"), "timebase-frequency", 0);
}

/*
 * 4. Physical memory protection (§3.7).  Entries are checked in order; the
 * first one that covers an address decides what S- and U-mode may do there.
 * M-mode ignores entries that are not locked (L = 0), so the firmware keeps
 * full access.  Entry 0: the firmware's 2 MiB, nothing allowed.  Entry 1:
 * the whole address space (NAPOT with all address bits set), everything
 * allowed.  Without entry 1, S-mode could touch nothing at all.
 */
static void pmp_init(void)
{
	uint64_t base = (uint64_t)m_fw_start, size = 2UL << 20;
	/* NAPOT: base / 4 with the low bits set to (size / 8 - 1) */
	csr_write(pmpaddr0, (base >> 2) | ((size >> 3) - 1));
	csr_write(pmpaddr1, ~0UL);
	csr_write(pmpcfg0, (uint64_t)(PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8 | PMP_NAPOT);
}

void m_main(uint64_t hartid, const void *dtb)
{
	platform_from_fdt(hartid, dtb); /* 1 */
	m_printf("teach-m: firmware in M-mode on hart %lu\n", hartid);
	m_tests_run(); /* 2 */

	csr_write(medeleg, MEDELEG_KERNEL); /* 3 */
	csr_write(mideleg, MIDELEG_KERNEL);
	csr_write(mie, 0); /* MTIE comes on with the first set_timer */
	pmp_init();        /* 4 */
	csr_write(mcounteren, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR); /* 5 */
	m_set_mtimecmp(~0UL);                                              /* 6 */
	m_set_msip(0);

	m_printf("teach-m: entering the kernel in S-mode at %p\n", _entry);
	uint64_t status = csr_read(mstatus); /* 7 */
	status &= ~(MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPRV);
	status |= PRV_S << MSTATUS_MPP_SHIFT;
	csr_write(mstatus, status);
	csr_write(mepc, (uint64_t)_entry);
	register uint64_t a0 asm("a0") = hartid;
	register uint64_t a1 asm("a1") = (uint64_t)dtb;
	asm volatile("mret" ::"r"(a0), "r"(a1));
	__builtin_unreachable();
}
