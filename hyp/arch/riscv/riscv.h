/*
 * RISC-V privileged architecture definitions popek uses (priv spec 1.12):
 * CSR access, sstatus bits, cause codes, page-table entry bits.
 */
#ifndef POPEK_ARCH_RISCV_RISCV_H
#define POPEK_ARCH_RISCV_RISCV_H

#include <stdint.h>

#ifdef POPEK_HOST
/*
 * Host builds (unit tests, fuzzing) have no hart: the host environment
 * (tests/fuzz/hostvm.c) stands in for the CSRs and the TLB fences.
 */
uint64_t host_csr_read(const char *csr);
void host_csr_write(const char *csr, uint64_t v);
void host_sfence_vma(uint64_t va, uint64_t asid, int all);
#define csr_read(csr)        host_csr_read(#csr)
#define csr_write(csr, val)  host_csr_write(#csr, (uint64_t)(val))
#define csr_set(csr, bits)   host_csr_write(#csr, host_csr_read(#csr) | (uint64_t)(bits))
#define csr_clear(csr, bits) host_csr_write(#csr, host_csr_read(#csr) & ~(uint64_t)(bits))
static inline void sfence_vma_all(void)
{
	host_sfence_vma(0, 0, 1);
}
static inline void sfence_vma_page(uint64_t va, uint64_t asid)
{
	host_sfence_vma(va, asid, 0);
}
static inline void fence_i(void)
{
}
#else
#define csr_read(csr)                                           \
	({                                                      \
		uint64_t __v;                                   \
		__asm__ volatile("csrr %0, " #csr : "=r"(__v)); \
		__v;                                            \
	})
#define csr_write(csr, val)                                                   \
	do {                                                                  \
		uint64_t __v = (uint64_t)(val);                               \
		__asm__ volatile("csrw " #csr ", %0" ::"rK"(__v) : "memory"); \
	} while (0)
#define csr_set(csr, bits)                                                    \
	do {                                                                  \
		uint64_t __v = (uint64_t)(bits);                              \
		__asm__ volatile("csrs " #csr ", %0" ::"rK"(__v) : "memory"); \
	} while (0)
#define csr_clear(csr, bits)                                                  \
	do {                                                                  \
		uint64_t __v = (uint64_t)(bits);                              \
		__asm__ volatile("csrc " #csr ", %0" ::"rK"(__v) : "memory"); \
	} while (0)

static inline void sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma" ::: "memory");
}

/* The TLB entries for one page in one address space (priv spec §4.2.1). */
static inline void sfence_vma_page(uint64_t va, uint64_t asid)
{
	__asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"(asid) : "memory");
}

/* Code popek wrote (watch.c's copies) is what the hart fetches next (unpriv spec §3.2). */
static inline void fence_i(void)
{
	__asm__ volatile("fence.i" ::: "memory");
}
#endif

/* sstatus (priv spec §4.1.1) */
#define SSTATUS_SIE  (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP  (1UL << 8)
#define SSTATUS_FS   (3UL << 13)
#define SSTATUS_SUM  (1UL << 18)
#define SSTATUS_MXR  (1UL << 19)

/* scause (priv spec §4.1.9) */
#define CAUSE_INTERRUPT     (1UL << 63)
#define CAUSE_MISALIGNED_PC 0
#define CAUSE_FETCH_ACCESS  1
#define CAUSE_ILLEGAL_INSN  2
#define CAUSE_BREAKPOINT    3
#define CAUSE_MISALIGNED_LD 4
#define CAUSE_LOAD_ACCESS   5
#define CAUSE_MISALIGNED_ST 6
#define CAUSE_STORE_ACCESS  7
#define CAUSE_ECALL_U       8
#define CAUSE_ECALL_S       9
#define CAUSE_ECALL_M       11
#define CAUSE_FETCH_PAGE    12
#define CAUSE_LOAD_PAGE     13
#define CAUSE_STORE_PAGE    15
#define CAUSE_EXCEPTION_MAX 16
#define IRQ_S_SOFT          1
#define IRQ_M_SOFT          3
#define IRQ_S_TIMER         5
#define IRQ_M_TIMER         7
#define IRQ_S_EXT           9
#define IRQ_M_EXT           11

/* Page-table entries (priv spec §4.3.1, §4.4, §4.5) */
#define PTE_V          (1UL << 0)
#define PTE_R          (1UL << 1)
#define PTE_W          (1UL << 2)
#define PTE_X          (1UL << 3)
#define PTE_U          (1UL << 4)
#define PTE_G          (1UL << 5)
#define PTE_A          (1UL << 6)
#define PTE_D          (1UL << 7)
#define PTE_PPN_SHIFT  10
#define PAGE_SHIFT     12
#define PAGE_SIZE      (1UL << PAGE_SHIFT)

#define SATP_MODE_SV39 (8UL << 60)
#define SATP_MODE_SV48 (9UL << 60)

#endif
