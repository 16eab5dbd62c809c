/*
 * mkernel.h — the machine-mode firmware of teach-m: what the M-mode files
 * share.  Section numbers refer to the RISC-V privileged spec 1.12 (§3 is
 * machine mode) and the SBI spec v2.0.
 *
 * Everything here is prefixed m_ because it is linked into one image with
 * the S-mode kernel (guest/kernel), which has its own uart_init, panic, ...
 */
#ifndef MKERNEL_H
#define MKERNEL_H

#include <stdint.h>

#include "riscv.h" /* csr_read/csr_write/..., which work for M CSRs too */

/* Privilege levels, as mstatus.MPP encodes them (§1.2) */
#define PRV_U 0UL
#define PRV_S 1UL
#define PRV_M 3UL

/* mstatus (§3.1.6) */
#define MSTATUS_SIE       (1UL << 1)
#define MSTATUS_MIE       (1UL << 3)
#define MSTATUS_SPIE      (1UL << 5)
#define MSTATUS_MPIE      (1UL << 7)
#define MSTATUS_SPP       (1UL << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP       (3UL << MSTATUS_MPP_SHIFT)
#define MSTATUS_FS        (3UL << 13)
#define MSTATUS_MPRV      (1UL << 17)
#define MSTATUS_SUM       (1UL << 18)
#define MSTATUS_MXR       (1UL << 19)
#define MSTATUS_TVM       (1UL << 20)
#define MSTATUS_TW        (1UL << 21)
#define MSTATUS_TSR       (1UL << 22)
#define MSTATUS_UXL       (3UL << 32)
#define MSTATUS_SXL       (3UL << 34)
#define MSTATUS_SD        (1UL << 63)

/* mip / mie: bit n is interrupt cause n (§3.1.9) */
#define IRQ_MSI  3
#define IRQ_MTI  7
#define IRQ_MEI  11
#define MIP_SSIP (1UL << 1)
#define MIP_MSIP (1UL << IRQ_MSI)
#define MIP_STIP (1UL << 5)
#define MIP_MTIP (1UL << IRQ_MTI)
#define MIP_SEIP (1UL << 9)

/* mcause values not in riscv.h */
#define CAUSE_MACHINE_ECALL 11

/* PMP configuration bytes (§3.7.1) */
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_TOR   0x08
#define PMP_NAPOT 0x18

/* The registers of the interrupted code, as m_trapvec saved them: x[n] is register xn. */
struct m_frame {
	uint64_t x[32];
};
#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A6 16
#define REG_A7 17

/* What the device tree told the firmware (mmain.c). */
struct m_platform {
	uint64_t hartid;
	volatile uint8_t *uart;  /* ns16550a */
	uint32_t uart_clock;     /* its clock-frequency, Hz */
	volatile uint8_t *clint; /* riscv,clint0: msip, mtimecmp, mtime */
	volatile uint32_t *test; /* sifive,test0: power off and reset; 0 if absent */
	uint64_t timebase_hz;
};
extern struct m_platform m_plat;

/* mdev.c: the devices the firmware drives itself, all polled */
void m_uart_init(void);
void m_putc(char c);
void m_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t m_mtime(void);
void m_set_mtimecmp(uint64_t t);
void m_set_msip(uint32_t v);
void m_poweroff(void) __attribute__((noreturn));
void m_reset(void) __attribute__((noreturn));
void m_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* mtrap.c: every trap into M-mode */
void m_trap(struct m_frame *f, long slot);
void m_set_timer(uint64_t deadline);

/* msbi.c: the SBI the firmware gives the kernel */
void m_sbi_call(struct m_frame *f);

/*
 * mtests.c: the self-tests.  While one is armed, m_trap hands every trap to
 * m_test_trap first.  Returns 1 when the trap was the test's.
 */
int m_test_trap(struct m_frame *f, long slot);
void m_tests_run(void);

/* mentry.S */
extern char m_trapvec[], m_vectable[], m_lower_back[];
uint64_t m_run_lower(uint64_t mpp, uint64_t pc, uint64_t a0, uint64_t a1);

#endif
