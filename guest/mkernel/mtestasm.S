/*
 * mtestasm.S — pieces of the M-mode self-tests that need exact control of
 * instructions: code the tests run in S- or U-mode through m_run_lower
 * (each ends with a trap back to M-mode), and an S-mode trap handler.
 * No compressed instructions, so every trapping instruction is 4 bytes.
 */
	.option	norvc
	.text

/* S or U: a0 = sstatus, then ecall.  In U-mode the csrr traps instead. */
	.globl	lower_sstatus, lower_sstatus_ecall
lower_sstatus:
	csrr	a0, sstatus
lower_sstatus_ecall:
	ecall
	j	.

/* a0 = the a0 it was given, then ecall. */
	.globl	lower_ecall
lower_ecall:
	ecall
	j	.

/* a0 = *(uint64_t *)a0, then ecall.  lower_load_insn is the load. */
	.globl	lower_load, lower_load_insn
lower_load:
lower_load_insn:
	ld	a0, 0(a0)
	ecall
	j	.

/* *(uint64_t *)a0 = a1, then ecall. */
	.globl	lower_store, lower_store_insn
lower_store:
lower_store_insn:
	sd	a1, 0(a0)
	ecall
	j	.

/* An M-mode CSR read, which S- and U-mode may not do: illegal instruction. */
	.globl	lower_mcsr, lower_mcsr_insn
lower_mcsr:
lower_mcsr_insn:
	csrr	a0, mscratch
	ecall
	j	.

/* rdcycle: allowed in S-mode only when mcounteren.CY = 1. */
	.globl	lower_rdcycle, lower_rdcycle_insn
lower_rdcycle:
lower_rdcycle_insn:
	rdcycle	a0
	ecall
	j	.

/* S-mode: sstatus.SIE = 1 and wait a while for an interrupt, then ecall with a0 = 0. */
	.globl	lower_wait_irq
lower_wait_irq:
	csrsi	sstatus, 2
	li	t0, 100000
1:	addi	t0, t0, -1
	bnez	t0, 1b
	li	a0, 0
	ecall
	j	.

/*
 * stvec for the delegation tests: records scause, sepc, stval and sstatus
 * in m_s_seen (mtests.c), clears sip.SSIP, and ecalls back to M-mode with
 * a0 = S_TRAP_MARK so the test knows the trap went through S-mode.
 */
	.balign	4
	.globl	s_trap_stub
s_trap_stub:
	la	t0, m_s_seen
	csrr	t1, scause
	sd	t1, 0(t0)
	csrr	t1, sepc
	sd	t1, 8(t0)
	csrr	t1, stval
	sd	t1, 16(t0)
	csrr	t1, sstatus
	sd	t1, 24(t0)
	csrci	sip, 2
	li	a0, 0x5e5e
	ecall
	j	.

/*
 * uint64_t mret_to_m(uint64_t status): mstatus = status (MPP = M), mret to
 * the next instruction, and return mstatus as mret left it.  MIE is turned
 * off again at once; mie is 0 while this runs, so no interrupt comes first.
 */
	.globl	mret_to_m
mret_to_m:
	csrw	mstatus, a0
	la	t0, 1f
	csrw	mepc, t0
	mret
1:	csrr	a0, mstatus
	csrci	mstatus, 8
	ret
