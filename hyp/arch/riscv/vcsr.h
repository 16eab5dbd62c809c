/*
 * A guest's virtual CSRs and the rules for reading and writing them (priv
 * spec 1.12 chapters 3 and 4), as one read-modify-write path for all six
 * CSR instruction forms, and the two decisions every trap and interrupt
 * needs: which virtual mode takes it, and which interrupt is taken first.
 * Pure logic, unit tested on the host.
 *
 * A VM booted through SBI (boot = sbi) has no virtual M-mode: its M-level
 * CSRs do not exist, and it behaves as an S-mode payload of a firmware that
 * delegates every trap it can to S (mideleg = SSIP|STIP|SEIP), as OpenSBI
 * does.  A VM booted as firmware (boot = firmware) has all three modes.
 */
#ifndef POPEK_ARCH_RISCV_VCSR_H
#define POPEK_ARCH_RISCV_VCSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/riscv/riscv.h"

/* Virtual privilege of a vCPU, encoded as the hardware encodes privilege. */
enum vmode {
	VMODE_U = 0,
	VMODE_S = 1,
	VMODE_M = 3,
};

#define VPMP_ENTRIES 16 /* as the board's hart has */

/* Debug triggers (Sdtrig) of the board's hart: two, of type 2 (mcontrol) at reset. */
#define VCSR_TRIGGERS     2
#define VCSR_TDATA1_TYPE2 (2UL << 60)

struct vcsr {
	bool has_m; /* virtual M-mode exists (boot = firmware) */

	/* Machine level; sstatus, sie and sip are views of the first three. */
	uint64_t mstatus; /* stored bits only: SXL, UXL and SD are computed on read */
	uint64_t mie;
	uint64_t mip;   /* bits written by software or raised by popek for timers and IPIs */
	bool seip_line; /* the vPLIC's S-context line, ORed into mip.SEIP (§3.1.9) */
	uint64_t medeleg;
	uint64_t mideleg;
	uint64_t mtvec;
	uint64_t mscratch;
	uint64_t mepc;
	uint64_t mcause;
	uint64_t mtval;
	uint64_t mcounteren;
	uint64_t menvcfg;
	/*
	 * mcycle and minstret (index 0 and 2) read the real counter plus
	 * ctr_delta, or ctr_frozen while mcountinhibit stops them.  ctr_now:
	 * the real counts, set by the caller before it passes an access of
	 * mcycle, minstret or mcountinhibit on (vcsr_counters_now).
	 */
	uint64_t mcountinhibit;
	uint64_t ctr_delta[3], ctr_frozen[3], ctr_now[3];
	uint64_t mvendorid, marchid, mimpid; /* the real hart's, read-only */
	uint8_t pmpcfg[VPMP_ENTRIES];
	uint64_t pmpaddr[VPMP_ENTRIES];
	/*
	 * The board computes entry i's range only when pmpcfg i or pmpaddr i is
	 * written (QEMU 7.2 pmp.c pmp_update_rule): a TOR entry keeps the
	 * bottom pmpaddr[i - 1] had then.  Bit i of pmp_tor_stale: pmpaddr[i - 1]
	 * changed since, and pmp_tor_prev[i] is the one the board still uses.
	 */
	uint64_t pmp_tor_prev[VPMP_ENTRIES];
	uint32_t pmp_tor_stale;
	/* Sdtrig as the board has it: VCSR_TRIGGERS match triggers (mcontrol, mcontrol6) */
	uint64_t tselect;
	uint64_t tdata1[VCSR_TRIGGERS], tdata2[VCSR_TRIGGERS];

	/* Supervisor level. */
	uint64_t stvec;
	uint64_t sscratch;
	uint64_t sepc;
	uint64_t scause;
	uint64_t stval;
	uint64_t satp;
	uint64_t scounteren;
	uint64_t senvcfg;
};

#define CSR_SSTATUS       0x100
#define CSR_SIE           0x104
#define CSR_STVEC         0x105
#define CSR_SCOUNTEREN    0x106
#define CSR_SENVCFG       0x10a
#define CSR_SSCRATCH      0x140
#define CSR_SEPC          0x141
#define CSR_SCAUSE        0x142
#define CSR_STVAL         0x143
#define CSR_SIP           0x144
#define CSR_SATP          0x180

#define CSR_MSTATUS       0x300
#define CSR_MISA          0x301
#define CSR_MEDELEG       0x302
#define CSR_MIDELEG       0x303
#define CSR_MIE           0x304
#define CSR_MTVEC         0x305
#define CSR_MCOUNTEREN    0x306
#define CSR_MENVCFG       0x30a
#define CSR_MCOUNTINHIBIT 0x320
#define CSR_TSELECT       0x7a0 /* tdata1-3 follow, then tinfo */
#define CSR_TINFO         0x7a4
#define CSR_MSCRATCH      0x340
#define CSR_MEPC          0x341
#define CSR_MCAUSE        0x342
#define CSR_MTVAL         0x343
#define CSR_MIP           0x344
#define CSR_PMPCFG0       0x3a0
#define CSR_PMPADDR0      0x3b0
#define CSR_MCYCLE        0xb00
#define CSR_MINSTRET      0xb02
#define CSR_CYCLE         0xc00
#define CSR_INSTRET       0xc02
#define CSR_MVENDORID     0xf11
#define CSR_MARCHID       0xf12
#define CSR_MIMPID        0xf13
#define CSR_MHARTID       0xf14
#define CSR_MCONFIGPTR    0xf15

/* mstatus bits beyond sstatus's (priv spec §3.1.6) */
#define MSTATUS_MIE       (1UL << 3)
#define MSTATUS_MPIE      (1UL << 7)
#define MSTATUS_MPP       (3UL << 11)
#define MSTATUS_MPRV      (1UL << 17)
#define MSTATUS_TVM       (1UL << 20)
#define MSTATUS_TW        (1UL << 21)
#define MSTATUS_TSR       (1UL << 22)
#define MSTATUS_MPP_SHIFT 11

/* misa of the board's hart: RV64 IMAFDC with S and U (§3.1.1) */
#define VCSR_MISA ((2UL << 62) | 0x14112dUL)

enum vcsr_op {
	VCSR_RW, /* csrrw, csrrwi */
	VCSR_RS, /* csrrs, csrrsi */
	VCSR_RC, /* csrrc, csrrci */
};

/* What a CSR access did, beyond returning the old value. */
enum vcsr_effect {
	VCSR_ILLEGAL = 1 << 0,    /* the access raises illegal instruction */
	VCSR_SATP = 1 << 1,       /* satp changed: shadow tables are stale */
	VCSR_VIEW = 1 << 2,       /* SUM, MPRV or MPP changed: another shadow view applies */
	VCSR_MXR = 1 << 3,        /* MXR changed: shadow permissions are stale */
	VCSR_INTERRUPTS = 1 << 4, /* an enable, pending or delegation bit changed */
	VCSR_FS = 1 << 5,         /* sstatus.FS changed: the real FS must follow */
	VCSR_COUNTEREN = 1 << 6,  /* scounteren or mcounteren changed */
	VCSR_PMP = 1 << 7,        /* a PMP entry changed: every shadow view is stale */
	VCSR_COUNTER = 1 << 8,    /* a counter (mcycle, cycle...): emulate.c reads the real one */
	VCSR_SLOW = 1 << 9,       /* vcsr_fast(): not one of its accesses, nothing done */
	VCSR_TRIG = 1 << 10,      /* tdata1 or tdata2 written: the triggers' watches follow */
};

/* Guests may select Sv57 (satp MODE 10): the hart has it (mmu_init() says), true on the host. */
extern bool vcsr_sv57;

/* The state a hart of the board is in at reset (§3.4), for a VM with vM. */
void vcsr_reset_m(struct vcsr *c);
/* The state OpenSBI leaves for its S-mode payload entered at `entry`, for a VM without vM. */
void vcsr_reset_sbi(struct vcsr *c, uint64_t entry);

/*
 * One CSR instruction executed by a guest in virtual mode `mode`:
 * `write` is false for csrrs/csrrc with rs1 = x0 (or uimm = 0), which by
 * the spec do not write; one from a register holding 0 is checked as a
 * write and writes nothing, as the board's.  On success *old holds the
 * value rd receives.
 * Returns a mask of enum vcsr_effect; VCSR_ILLEGAL alone means nothing
 * changed and the guest must get an illegal-instruction trap.  With
 * VCSR_COUNTER the access is allowed but *old is for the caller to fill.
 */
unsigned vcsr_rmw(struct vcsr *c, enum vmode mode, unsigned csr, enum vcsr_op op, uint64_t operand,
                  bool write, uint64_t *old);

unsigned vcsr_rmw_general(struct vcsr *c, enum vmode mode, unsigned csr, enum vcsr_op op,
                          uint64_t operand, bool write, uint64_t *old);

/* The value the guest reads from mstatus (UXL, SXL and SD filled in). */
uint64_t vcsr_mstatus_read(const struct vcsr *c);
/* mip as the guest reads it: the stored bits and the vPLIC's S line.  Inline: the trap path's. */
static inline uint64_t vcsr_mip(const struct vcsr *c)
{
	return c->mip | (c->seip_line ? 1UL << IRQ_S_EXT : 0);
}

/* The mode a trap with this cause (interrupt bit included), taken in `mode`, goes to (§3.1.8). */
enum vmode vcsr_trap_target(const struct vcsr *c, enum vmode mode, uint64_t cause);
/* The interrupt the hart takes now in `mode` (its cause, with the interrupt bit), or 0 (§3.1.9). */
uint64_t vcsr_pending_irq(const struct vcsr *c, enum vmode mode);
/* The privilege loads and stores use: MPP when vM has MPRV set, else the mode itself (§3.1.6.3). */
enum vmode vcsr_data_mode(const struct vcsr *c, enum vmode mode);
/* May `mode` read counter `idx` (0 cycle, 1 time, 2 instret, ...) under m/scounteren (§3.1.11)? */
bool vcsr_counter_allowed(const struct vcsr *c, enum vmode mode, unsigned idx);

/* Counter idx (0 cycle, 2 instret) as the guest sees it, given the real count. */
uint64_t vcsr_counter_read(const struct vcsr *c, unsigned idx, uint64_t real);
/* The real cycle and instret counts, for an access of mcycle, minstret or mcountinhibit. */
static inline void vcsr_counters_now(struct vcsr *c, uint64_t cycle, uint64_t instret)
{
	c->ctr_now[0] = cycle;
	c->ctr_now[2] = instret;
}
static inline bool vcsr_is_counter_control(unsigned csr)
{
	return (csr & ~0x1fu) == 0xb00 || csr == 0x320; /* mcycle..mhpmcounter31, mcountinhibit */
}

/* priv spec §4.1.1: the sstatus bits S-mode may write on this board */
#define SSTATUS_WRITABLE \
	(SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_FS | SSTATUS_SUM | SSTATUS_MXR)
#define MSTATUS_UXL_64 (2UL << 32)
/* §3.1.9: the S-level software, timer and external interrupts */
#define VCSR_S_INTERRUPTS ((1UL << IRQ_S_SOFT) | (1UL << IRQ_S_TIMER) | (1UL << IRQ_S_EXT))
#define MSTATUS_SD        (1UL << 63)

/* The value the guest reads from sstatus (UXL and SD filled in). */
static inline uint64_t vcsr_sstatus_read(const struct vcsr *c)
{
	uint64_t v = (c->mstatus & SSTATUS_WRITABLE) | MSTATUS_UXL_64;
	if ((v & SSTATUS_FS) == SSTATUS_FS)
		v |= MSTATUS_SD;
	return v;
}

/*
 * vcsr_rmw() is vcsr_fast(), the hottest accesses only (VCSR_SLOW and
 * nothing done for any other), then vcsr_rmw_general() for the rest.
 * tests/fuzz/fuzz_vcsr.c checks that the two paths agree wherever the fast
 * one answers.  Inline: emulate.c's fast lane (emulate_fast) calls it too.
 */
/*
 * What a trap handler does most (Linux's and the teaching kernel's entry and
 * exit): sscratch, sepc, scause and stval, consecutive in struct vcsr as
 * their numbers are (0x140..0x143); sstatus when only SPP, SPIE, SIE and SUM
 * change (reads, the write before sret, interrupts off and on, SUM around a
 * user copy); sie; from vS
 * or vM.
 * Each is an S-level CSR that exists in every VM, that TVM does not trap
 * and that is neither a counter nor read-only: the general path's checks all
 * pass, so only its WARL rule is left (sepc: bit 0 reads zero, §4.1.7).
 */
_Static_assert(offsetof(struct vcsr, sepc) == offsetof(struct vcsr, sscratch) + 8 &&
                   offsetof(struct vcsr, scause) == offsetof(struct vcsr, sscratch) + 16 &&
                   offsetof(struct vcsr, stval) == offsetof(struct vcsr, sscratch) + 24,
               "sscratch, sepc, scause, stval are consecutive");

static inline unsigned vcsr_fast(struct vcsr *c, enum vmode mode, unsigned csr, enum vcsr_op op,
                                 uint64_t operand, bool write, uint64_t *old)
{
	if (mode == VMODE_U)
		return VCSR_SLOW;
	/* sstatus first: Linux's local interrupt toggles are most of its traps */
	if (csr == CSR_SSTATUS) {
		uint64_t val = vcsr_sstatus_read(c), next = c->mstatus;
		if (write) {
			uint64_t w = op == VCSR_RW   ? operand
			             : op == VCSR_RS ? val | operand
			                             : val & ~operand;
			next = (next & ~SSTATUS_WRITABLE) | (w & SSTATUS_WRITABLE);
		}
		/*
		 * SPP, SPIE, SIE, SUM and FS only (interrupts off and on, Linux's
		 * user copies, its trap entry turning FP off and its return on):
		 * set_status() reports VCSR_INTERRUPTS, VCSR_VIEW, VCSR_FS or nothing
		 */
		uint64_t diff = next ^ c->mstatus;
		unsigned fs = 0; /* FS apart: the toggles of SIE and SUM test nothing more */
		if (diff & ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE | SSTATUS_SUM)) {
			if (diff &
			    ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE | SSTATUS_SUM | SSTATUS_FS))
				return VCSR_SLOW;
			fs = VCSR_FS;
		}
		c->mstatus = next;
		*old = val;
		return (diff & SSTATUS_SIE ? VCSR_INTERRUPTS : 0) |
		       (diff & SSTATUS_SUM ? VCSR_VIEW : 0) | fs;
	}
	if ((csr & ~3U) == CSR_SSCRATCH) {
		uint64_t *f = &c->sscratch + (csr & 3);
		uint64_t val = *f;
		*old = val;
		if (write) {
			uint64_t next = op == VCSR_RW   ? operand
			                : op == VCSR_RS ? val | operand
			                                : val & ~operand;
			*f = csr == CSR_SEPC ? next & ~1UL : next;
		}
		return 0;
	}
	if (csr == CSR_SIE) { /* §4.1.3: only the interrupts mideleg gives S */
		uint64_t val = c->mie & c->mideleg;
		*old = val;
		if (!write || (op != VCSR_RW && !operand)) /* vcsr_rmw_general: no write */
			return 0;
		uint64_t w = op == VCSR_RW   ? operand
		             : op == VCSR_RS ? val | operand
		                             : val & ~operand;
		uint64_t mask = c->mideleg & VCSR_S_INTERRUPTS;
		c->mie = (c->mie & ~mask) | (w & mask);
		return VCSR_INTERRUPTS;
	}
	return VCSR_SLOW;
}

#endif
