/*
 * The virtual 16550A (hyp/dev/vuart.c) with a real vPLIC behind its line:
 * random register reads and writes (every offset 0..0xff, widths 1..8,
 * either DLAB), host input, FIFO resets and PLIC claims.  After each step:
 *  - an access is accepted exactly when QEMU's serial_mm accepts it;
 *  - the receive FIFO holds what was received and not yet read, in order,
 *    never more than its capacity (16, or 1 without FIFOs);
 *  - LSR.DR says whether it holds anything; THRE and TEMT are always set;
 *  - IIR names an interrupt that is pending, or none, with the FIFO bits
 *    as FCR says;
 *  - the vPLIC holds a request exactly as the board's PLIC would: the UART
 *    signals its line only where QEMU 7.2's serial.c does (THR, changed IER
 *    and FCR writes, RBR reads, IIR reads reporting THRI, LSR and MSR reads
 *    that clear something, input taken), the PLIC latches a request when
 *    the line is high then, and only a claim consumes it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dev/vplic.h"
#include "dev/vuart.h"
#include "fuzz_reader.h"

#define IRQ 10

static struct vplic plic;
static struct vuart uart;
static uint64_t out_bytes;
/* What the receive FIFO must hold, oldest first. */
static uint8_t model[VUART_FIFO_SIZE];
static unsigned model_len;
/* Whether the vPLIC must hold a request from the UART. */
static bool model_request;

static void out(void *arg, char c)
{
	(void)arg;
	(void)c;
	out_bytes++;
}

static bool line_condition(const struct vuart *u)
{
	return ((u->ier & 0x01) && u->count) || ((u->ier & 0x04) && (u->lsr & 0x1e)) ||
	       ((u->ier & 0x02) && u->thr_ipending) || ((u->ier & 0x08) && (u->msr & 0x0f));
}

static void check_state(void)
{
	REQUIRE(uart.count <= ((uart.fcr & 1) ? VUART_FIFO_SIZE : 1u));
	REQUIRE(uart.head < VUART_FIFO_SIZE);
	REQUIRE(uart.ier <= 0x0f && uart.mcr <= 0x1f);
	REQUIRE(uart.count == model_len);
	if (uart.fcr & 1) {
		for (unsigned i = 0; i < model_len; i++)
			REQUIRE(uart.fifo[(uart.head + i) % VUART_FIFO_SIZE] == model[i]);
	} else if (model_len) {
		REQUIRE(uart.rbr == model[0]); /* the holding register */
	}
	REQUIRE(!!(plic.pending & (1u << IRQ)) == model_request);
}

/* The UART signalled its line: the board's PLIC latches a request when it is high. */
static void signalled(void)
{
	model_request = model_request || line_condition(&uart);
}

/*
 * The FIFO took the byte if it grew; it was emptied if it shrank otherwise.  Without FIFOs a
 * looped-back byte replaces the holding register's, read or not (as the board's does).
 */
static void track(unsigned count_before, uint8_t byte, bool looped)
{
	if (looped && !(uart.fcr & 1)) {
		model[0] = byte;
		model_len = 1;
	} else if (uart.count == count_before + 1 && model_len < VUART_FIFO_SIZE) {
		model[model_len++] = byte;
	} else if (uart.count < count_before) {
		model_len = 0;
	}
}

static void do_read(struct reader *r)
{
	uint8_t o = reader_u8(r);
	uint64_t off = o & 0x80 ? o : o & 7;
	unsigned width = 1u << (reader_u8(r) & 3);
	if (reader_u8(r) & 1)
		width = 3; /* never a valid width */
	bool ok = off < 8 && width != 3 && (off & (width - 1)) == 0;
	bool dlab = uart.lcr & 0x80;
	unsigned count = uart.count;
	bool fe = uart.fcr & 1, cond = line_condition(&uart);
	bool clears = (off == 5 && (uart.lsr & 0x12)) ||
	              (off == 6 && !(uart.mcr & 0x10) && (uart.msr & 0x0f));
	uint64_t val = 0x1234;
	int rc = vuart_ops.read(&uart, off, width, &val);
	REQUIRE((rc == 0) == ok);
	if (!ok)
		return;
	REQUIRE(val <= 0xff);
	if ((off == 0 && !dlab) || (off == 2 && (val & 0x0f) == 2) || clears)
		signalled();
	if (off == 0 && !dlab && count) {
		REQUIRE(val == model[0]);
		memmove(model, model + 1, --model_len);
	}
	if (off == 5) {
		REQUIRE(!!(val & 1) == (count != 0));
		REQUIRE((val & 0x60) == 0x60);
	}
	if (off == 2) {
		REQUIRE((val & 0xc0) == (fe ? 0xc0 : 0));
		uint8_t id = val & 0x0f;
		REQUIRE(id == 1 || id == 0 || id == 2 || id == 4 || id == 6 || id == 0xc);
		REQUIRE((id != 4 && id != 0xc) || count);
		REQUIRE((id == 1) == !cond); /* an IIR read can only lower the line after */
	}
}

static void do_write(struct reader *r)
{
	uint8_t o = reader_u8(r);
	uint64_t off = o & 0x80 ? o : o & 7;
	unsigned width = 1u << (reader_u8(r) & 3);
	uint64_t val = reader_u64(r);
	bool ok = off < 8 && (off & (width - 1)) == 0;
	bool dlab = uart.lcr & 0x80, loop = uart.mcr & 0x10;
	bool ier_changes = ((uart.ier ^ val) & 0x0f) != 0;
	unsigned count = uart.count;
	uint64_t before = out_bytes;
	REQUIRE((vuart_ops.write(&uart, off, width, val) == 0) == ok);
	if (!ok)
		return;
	if ((off == 0 && !dlab) || (off == 1 && !dlab && ier_changes) || off == 2)
		signalled();
	if (off == 0 && !dlab && loop)
		track(count, (uint8_t)val, true);
	else if (off == 2)
		track(count, 0, false);
	REQUIRE(out_bytes - before == (off == 0 && !dlab && !loop));
}

static void do_input(struct reader *r)
{
	uint8_t c = reader_u8(r);
	bool could = vuart_can_accept(&uart);
	unsigned count = uart.count;
	int rc = vuart_input(&uart, (char)c);
	REQUIRE((rc == 0) == could);
	REQUIRE(rc < 0 || uart.count == count + 1);
	if (rc == 0) {
		model[model_len++] = c;
		signalled();
	}
}

/* The guest's PLIC driver: enable and prioritise the UART, claim, complete. */
static void do_plic(struct reader *r)
{
	uint8_t op = reader_u8(r);
	uint64_t v;
	switch (op % 4) {
	case 0:
		REQUIRE(vplic_ops.write(&plic, 4 * IRQ, 4, op >> 2) == 0);
		break;
	case 1:
		REQUIRE(vplic_ops.write(&plic, 0x2080, 4, (op & 4) ? 1u << IRQ : 0) == 0);
		break;
	case 2:
		REQUIRE(vplic_ops.read(&plic, 0x201004, 4, &v) == 0);
		REQUIRE(v == 0 || v == IRQ);
		if (v == IRQ)
			model_request = false;
		break;
	case 3:
		REQUIRE(vplic_ops.write(&plic, 0x201004, 4, IRQ) == 0);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	vplic_init(&plic);
	vuart_init(&uart, &plic, IRQ, out, NULL);
	out_bytes = 0;
	model_len = 0;
	model_request = false; /* reset: IER = 0, nothing to signal */
	if (reader_u8(&r) & 1)
		vuart_firmware_setup(&uart);
	for (int steps = 0; r.size && steps < 256; steps++) {
		switch (reader_u8(&r) % 5) {
		case 0:
			do_read(&r);
			break;
		case 1:
			do_write(&r);
			break;
		case 2:
		case 3:
			do_input(&r);
			break;
		case 4:
			do_plic(&r);
			break;
		}
		check_state();
	}
	return 0;
}
