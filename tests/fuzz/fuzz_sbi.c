/*
 * Every SBI extension popek serves, through the real dispatch (vsbi.c's
 * table and every vsbi_*.c), with the host stand-in of tests/unit/vsbi_host.c
 * for the VM.  Each input is a list of calls with chosen or random extension
 * and function ids, arguments and vCPU state.  After each call:
 *  - a0 is an error the spec lets that extension return (or, for legacy
 *    getchar, a byte or -1), and a1 is 0 with any error, as OpenSBI 1.1 gives;
 *  - the vCPU moved past the ecall and is halted exactly when told to halt;
 *  - the work done is bounded (console bytes, flushes, firmware calls);
 *  - a DBCN transfer is the length the spec allows;
 * and nothing outside the VM's RAM is touched: RAM is a malloc'd buffer of
 * exactly its size, so ASan reports any byte past it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/riscv/riscv.h"
#include "fuzz_reader.h"
#include "vsbi_host.h"

#define RAM      0x80000000UL
#define RAM_SIZE (64UL << 10)

static const uint64_t extensions[] = {
    0x00,
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06,
    0x07,
    0x08,
    0x09,
    0x0f,
    EXT_BASE,
    EXT_TIME,
    EXT_IPI,
    EXT_RFENCE,
    EXT_HSM,
    EXT_SRST,
    EXT_DBCN,
    0x504d55 /* PMU */,
    0x53555350 /* SUSP */,
    0x09000000,
    0x0affffff,
    0xffffffff,
    ~0UL,
};

static const uint64_t values[] = {
    0,
    1,
    2,
    3,
    '\n',
    0x1e,
    ~0UL,
    ~0UL - 1,
    RAM,
    RAM + RAM_SIZE,
    RAM + RAM_SIZE - 1,
    RAM_SIZE,
    RAM_SIZE + 1,
    VSBI_DBCN_MAX,
    VSBI_DBCN_MAX + 1,
    VSBI_RFENCE_MAX_PAGES * 4096UL,
    VSBI_RFENCE_MAX_PAGES * 4096UL + 1,
    1UL << 32,
    (1UL << 32) + 1,
    0x80000000,
    0x90000000,
    0x10000000,
    0xe0000000,
    0x2000000,
    0x200bff8,
    1UL << 63,
};

/* An argument: a value from the table, one near RAM, or any 64 bits. */
static uint64_t arg(struct reader *r)
{
	uint8_t sel = reader_u8(r);
	if (sel < 0x80)
		return values[sel % (sizeof(values) / sizeof(values[0]))];
	if (sel < 0xa0)
		return RAM + reader_u16(r) % RAM_SIZE;
	if (sel < 0xc0)
		return reader_u16(r);
	return reader_u64(r);
}

/* The errors each extension may return (SBI spec v2.0, the extension's section). */
static bool error_allowed(uint64_t ext, uint64_t fid, long e)
{
	switch (ext) {
	case EXT_BASE:
	case EXT_TIME:
		return e == SBI_SUCCESS || e == SBI_ERR_NOT_SUPPORTED;
	case EXT_IPI:
	case EXT_RFENCE:
	case EXT_DBCN:
		return e == SBI_SUCCESS || e == SBI_ERR_NOT_SUPPORTED || e == SBI_ERR_INVALID_PARAM;
	case EXT_HSM:
		return e == SBI_SUCCESS || e == SBI_ERR_NOT_SUPPORTED ||
		       e == SBI_ERR_INVALID_PARAM || e == SBI_ERR_INVALID_ADDRESS ||
		       (fid == 0 && e == SBI_ERR_ALREADY_AVAILABLE);
	case EXT_SRST:
		return e == SBI_SUCCESS || e == SBI_ERR_NOT_SUPPORTED || e == SBI_ERR_INVALID_PARAM;
	case 0x02: /* legacy getchar: the byte, or -1 */
		return e >= -1 && e <= 255;
	default:
		if (ext <= 0x08)
			return e == SBI_SUCCESS;
		return e == SBI_ERR_NOT_SUPPORTED;
	}
}

static void one_call(struct reader *r)
{
	struct vcpu *v = &vsbi_host.vm.vcpu;
	uint8_t sel = reader_u8(r);
	uint64_t ext = sel < 0xe0 ? extensions[sel % (sizeof(extensions) / sizeof(extensions[0]))]
	                          : reader_u64(r);
	uint8_t f = reader_u8(r);
	uint64_t fid = f < 0xf0 ? f % 8 : reader_u64(r);
	uint64_t a[6];
	for (int i = 0; i < 6; i++)
		a[i] = arg(r);
	/* vCPU state: pending interrupts, typed input, a1 before the call. */
	uint8_t st = reader_u8(r);
	v->csr.mip = st & 1 ? 1UL << IRQ_S_SOFT : 0;
	v->csr.mip |= st & 2 ? 1UL << IRQ_S_TIMER : 0;
	vsbi_host_type(st & 4 ? reader_u16(r) : 0);
	v->state = VCPU_RUNNABLE;
	uint64_t pc = v->pc = RAM + 4 * reader_u8(r);

	struct vsbi_host_counts before = vsbi_host.n;
	enum trap_action next = vsbi_host_ecall(ext, fid, a);
	long e = (long)v->x[10];
	uint64_t value = v->x[11];

	REQUIRE(v->pc == pc + 4);
	REQUIRE(error_allowed(ext, fid, e));
	if (ext > 0x08 && e != SBI_SUCCESS)
		REQUIRE(value == 0);
	if (ext <= 0x08)
		REQUIRE(value == a[1]); /* legacy calls leave a1 */
	REQUIRE((next == TRAP_HALT) == (v->state == VCPU_HALTED));
	REQUIRE(next != TRAP_HALT || ext == EXT_SRST || ext == EXT_HSM || ext == 0x08);
	REQUIRE(next != TRAP_YIELD || (ext == EXT_HSM && fid == 3));

	/* Bounded work: what one call may cost, whatever its arguments. */
	uint64_t out = vsbi_host.n.out_bytes - before.out_bytes;
	uint64_t in = vsbi_host.n.in_taken - before.in_taken;
	REQUIRE(out <= 2 * VSBI_DBCN_MAX);
	REQUIRE(in <= VSBI_DBCN_MAX);
	REQUIRE(vsbi_host.n.flushes - before.flushes <= VSBI_RFENCE_MAX_PAGES + 1);
	REQUIRE(vsbi_host.n.flush_alls - before.flush_alls <= 1);
	REQUIRE(vsbi_host.n.firmware_calls - before.firmware_calls <= 1);
	REQUIRE(vsbi_host.n.messages - before.messages <= 1);

	if (ext == EXT_DBCN && fid <= 1) {
		uint64_t n = a[0], want = n < VSBI_DBCN_MAX ? n : VSBI_DBCN_MAX;
		bool inside = a[2] == 0 && a[1] >= RAM && a[1] - RAM <= RAM_SIZE &&
		              n <= RAM_SIZE - (a[1] - RAM);
		REQUIRE(e == (inside || n == 0 ? SBI_SUCCESS : SBI_ERR_INVALID_PARAM));
		if (e == SBI_SUCCESS && fid == 0)
			REQUIRE(value == want && out >= want);
		if (e == SBI_SUCCESS && fid == 1)
			REQUIRE(value == in && in <= want);
		if (e != SBI_SUCCESS)
			REQUIRE(out == 0 && in == 0);
	}
	if (ext == EXT_SRST && next == TRAP_HALT)
		REQUIRE(a[0] <= 2 && a[1] <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	vsbi_host_reset(RAM_SIZE);
	for (int calls = 0; r.size && calls < 64; calls++)
		one_call(&r);
	return 0;
}
