/*
 * riscv.h — the few pieces of the RISC-V privileged architecture the kernel
 * touches directly: CSR access, sstatus/sip/sie bits, Sv39 page-table entries.
 * Section numbers refer to the privileged spec 1.12.
 */
#ifndef RISCV_H
#define RISCV_H

#include <stdint.h>

#define csr_read(csr)                                                 \
	({                                                            \
		unsigned long __v;                                    \
		asm volatile("csrr %0, " #csr : "=r"(__v)::"memory"); \
		__v;                                                  \
	})
#define csr_write(csr, val)                                               \
	do {                                                              \
		asm volatile("csrw " #csr ", %0" ::"rK"(val) : "memory"); \
	} while (0)
#define csr_set(csr, bits)                                                 \
	do {                                                               \
		asm volatile("csrs " #csr ", %0" ::"rK"(bits) : "memory"); \
	} while (0)
#define csr_clear(csr, bits)                                               \
	do {                                                               \
		asm volatile("csrc " #csr ", %0" ::"rK"(bits) : "memory"); \
	} while (0)
#define csr_swap(csr, val)                                                    \
	({                                                                    \
		unsigned long __v = (val);                                    \
		asm volatile("csrrw %0, " #csr ", %0" : "+r"(__v)::"memory"); \
		__v;                                                          \
	})

/* sstatus (§4.1.1) */
#define SSTATUS_SIE  (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP  (1UL << 8)
#define SSTATUS_FS   (3UL << 13)
#define SSTATUS_SUM  (1UL << 18)
#define SSTATUS_MXR  (1UL << 19)

/* sip / sie bit numbers are the interrupt cause numbers (§4.1.3) */
#define IRQ_SSI  1
#define IRQ_STI  5
#define IRQ_SEI  9
#define SIP_SSIP (1UL << IRQ_SSI)
#define SIP_STIP (1UL << IRQ_STI)
#define SIP_SEIP (1UL << IRQ_SEI)

/* scause (§4.1.9): top bit set for interrupts */
#define CAUSE_IRQ_FLAG         (1UL << 63)
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL_INSN     2
#define CAUSE_BREAKPOINT       3
#define CAUSE_MISALIGNED_LOAD  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_USER_ECALL       8
#define CAUSE_SUPERVISOR_ECALL 9
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT  13
#define CAUSE_STORE_PAGE_FAULT 15
#define NCAUSES                16

/* scounteren (§4.1.5): which counters U-mode may read */
#define COUNTEREN_CY (1UL << 0)
#define COUNTEREN_TM (1UL << 1)
#define COUNTEREN_IR (1UL << 2)

/* satp (§4.1.11) */
#define SATP_MODE_SV39  (8UL << 60)
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK  0xffffUL
#define MAKE_SATP(root, asid) \
	(SATP_MODE_SV39 | ((uint64_t)(asid) << SATP_ASID_SHIFT) | ((uint64_t)(root) >> 12))

/* Sv39 PTE (§4.4.1) */
#define PTE_V          (1UL << 0)
#define PTE_R          (1UL << 1)
#define PTE_W          (1UL << 2)
#define PTE_X          (1UL << 3)
#define PTE_U          (1UL << 4)
#define PTE_G          (1UL << 5)
#define PTE_A          (1UL << 6)
#define PTE_D          (1UL << 7)

#define PGSIZE         4096UL
#define MEGAPAGE       (2UL << 20)
#define PGROUNDUP(a)   (((a) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) ((a) & ~(PGSIZE - 1))
#define PA2PTE(pa)     (((uint64_t)(pa) >> 12) << 10)
#define PTE2PA(pte)    (((pte) >> 10) << 12)
#define VPN(va, level) (((uint64_t)(va) >> (12 + 9 * (level))) & 0x1ff)

typedef uint64_t pte_t;

static inline void sfence_vma_all(void)
{
	asm volatile("sfence.vma zero, zero" ::: "memory");
}

static inline void sfence_vma_addr(uint64_t va)
{
	asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}

static inline void sfence_vma_asid(uint64_t asid)
{
	asm volatile("sfence.vma zero, %0" ::"r"(asid) : "memory");
}

static inline void intr_on(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

static inline void intr_off(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline uint64_t rdtime(void)
{
	uint64_t v;
	asm volatile("rdtime %0" : "=r"(v));
	return v;
}

static inline uint64_t rdcycle(void)
{
	uint64_t v;
	asm volatile("rdcycle %0" : "=r"(v));
	return v;
}

static inline uint64_t rdinstret(void)
{
	uint64_t v;
	asm volatile("rdinstret %0" : "=r"(v));
	return v;
}

#endif
