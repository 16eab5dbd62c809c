/*
 * A host stand-in for what the SBI handlers (hyp/arch/riscv/vsbi*.c) reach
 * outside themselves: one VM with RAM from malloc, its terminal, shadow
 * flushes, fence.i and the calls down to the real firmware, each counted.
 * Shared by the unit test (test_vsbi.c) and the fuzz harness (fuzz_sbi.c).
 */
#ifndef POPEK_TESTS_VSBI_HOST_H
#define POPEK_TESTS_VSBI_HOST_H

#include <stdint.h>

#include "arch/riscv/vsbi.h"
#include "core/vm.h"

/* What the handlers did, counted. */
struct vsbi_host_counts {
	uint64_t out_bytes;  /* bytes the VM's UART sent to its terminal */
	uint64_t in_left;    /* typed bytes not yet in the VM's UART */
	uint64_t in_typed;   /* typed bytes put into the VM's UART */
	uint64_t in_taken;   /* typed bytes the VM has read from its UART */
	uint64_t flushes;    /* shadow_flush() of one page */
	uint64_t flush_alls; /* shadow_flush() of everything */
	uint64_t fence_is;
	uint64_t firmware_calls; /* sbi_call() down to OpenSBI */
	uint64_t messages;       /* kprintf() */
};

struct vsbi_host {
	struct vm vm; /* its vcpu is the caller */
	uint8_t *ram; /* exactly vm.ram_size bytes: ASan sees any byte past it */
	struct vsbi_host_counts n;
};

extern struct vsbi_host vsbi_host;

/* A fresh VM with ram_size bytes of RAM at 0x80000000 (any previous one is freed). */
void vsbi_host_reset(uint64_t ram_size);
/* The VM's vCPU makes SBI call (ext, fid) with a0..a5 = a[0..5]; the result is in x[10], x[11]. */
enum trap_action vsbi_host_ecall(uint64_t ext, uint64_t fid, const uint64_t a[6]);
/* n bytes are typed at the VM's terminal: its UART takes what its FIFO has room for. */
void vsbi_host_type(uint64_t n);

/* SBI extension ids (SBI spec v2.0 §3-§12), as a guest passes them in a7. */
#define EXT_BASE   0x10
#define EXT_TIME   0x54494d45
#define EXT_IPI    0x735049
#define EXT_RFENCE 0x52464e43
#define EXT_HSM    0x48534d
#define EXT_SRST   0x53525354
#define EXT_DBCN   0x4442434e

#endif
