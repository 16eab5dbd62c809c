/*
 * The virtual 16550A: scripts of guest register accesses and host input, with
 * the register values, output and interrupt line (as a real vPLIC sees it)
 * expected after each step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dev/vplic.h"
#include "dev/vuart.h"

/* Register offsets (reg-shift 0). */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3 };
enum { MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define UART_IRQ 10 /* the virt board's UART0 */
#define PLIC_CTX 1  /* the hart's S-mode context */

enum op {
	END,
	IN,     /* vuart_input(a): b = expected return (0 or -1) */
	FILL,   /* input a bytes 'a', 'b', ...: b = how many are accepted */
	DRAIN,  /* read RBR a times: expect b, b + 1, ... */
	WR,     /* 1-byte write: a = offset, b = value */
	RD,     /* 1-byte read: a = offset, b = expected */
	WRW,    /* write of width c at offset a: value b */
	RDW,    /* read of width c at offset a: expected b */
	BADR,   /* read of width b at offset a refused */
	BADW,   /* write of width b at offset a refused */
	LINE,   /* the UART drives its line high: vuart_line() == a */
	PEND,   /* the vPLIC holds a request for ctx 1: vplic_pending() == a */
	ACCEPT, /* vuart_can_accept() == a */
	OUT,    /* all output so far equals s */
	CLAIM,  /* the PLIC claim register of ctx 1 reads a */
	DONE,   /* complete source a at the PLIC */
};

struct step {
	enum op op;
	uint64_t a, b;
	unsigned c;
	const char *s;
};

static const struct scenario {
	const char *name;
	struct step steps[24];
} scenarios[] = {
    {"reset values",
     {{RD, LSR, 0x60},
      {RD, IIR, 0x01},
      {RD, IER, 0},
      {RD, LCR, 0},
      {RD, MCR, 0x08},
      {RD, MSR, 0xb0},
      {RD, SCR, 0},
      {LINE, 0},
      {ACCEPT, 1},
      {WR, LCR, 0x80},
      {RD, DLL, 12},
      {RD, DLM, 0}}},
    {"DLAB switches offsets 0 and 1 to the divisor latch",
     {{WR, LCR, 0x83},
      {WR, DLL, 0x01},
      {WR, DLM, 0x02},
      {RD, DLL, 0x01},
      {RD, DLM, 0x02},
      {RD, LCR, 0x83},
      {OUT, .s = ""},
      {WR, LCR, 0x03},
      {RD, IER, 0},
      {WR, IER, 0x01},
      {RD, IER, 0x01},
      {WR, LCR, 0x83},
      {RD, DLM, 0x02},
      {RD, IIR, 0x01},
      {WR, LCR, 0x03},
      {WR, THR, 'A'},
      {OUT, .s = "A"},
      {RD, DLL, 0}}},
    {"transmit is instant: THRE and TEMT stay set",
     {{WR, THR, 'h'},
      {RD, LSR, 0x60},
      {WR, THR, 'i'},
      {RD, LSR, 0x60},
      {OUT, .s = "hi"},
      {LINE, 0}}},
    {"receive without FIFOs: one holding register",
     {{ACCEPT, 1},
      {IN, 'a', 0},
      {ACCEPT, 0},
      {IN, 'b', -1},
      {RD, LSR, 0x61},
      {RD, RBR, 'a'},
      {RD, LSR, 0x60},
      {ACCEPT, 1},
      {RD, RBR, 'a'},
      {IN, 'c', 0},
      {RD, RBR, 'c'}}},
    {"receive with FIFOs: 16 bytes, then refused",
     {{WR, FCR, 0x01},
      {RD, IIR, 0xc1},
      {FILL, 20, 16},
      {IN, 'x', -1},
      {ACCEPT, 0},
      {RD, LSR, 0x61},
      {RD, RBR, 'a'},
      {ACCEPT, 1},
      {IN, 'x', 0},
      {DRAIN, 15, 'b'},
      {RD, RBR, 'x'},
      {RD, LSR, 0x60},
      {RD, RBR, 0},
      {ACCEPT, 1}}},
    {"a refused byte holds the input until RBR is read, even across a FIFO reset",
     {{IN, 'a', 0},
      {IN, 'b', -1},
      {WR, FCR, 0x01}, /* FIFOs on: the receiver is emptied, 'a' is gone */
      {RD, LSR, 0x60},
      {ACCEPT, 0},
      {IN, 'b', -1},
      {RD, RBR, 0},
      {ACCEPT, 1},
      {IN, 'b', 0},
      {RD, RBR, 'b'}}},
    {"received data interrupt without FIFOs",
     {{WR, IER, 0x01},
      {LINE, 0},
      {RD, IIR, 0x01},
      {IN, 'x', 0},
      {LINE, 1},
      {RD, IIR, 0x04},
      {RD, IIR, 0x04},
      {RD, RBR, 'x'},
      {RD, IIR, 0x01},
      {LINE, 0}}},
    {"FIFO trigger level 4: timeout below it, data available at it",
     {{WR, FCR, 0x41},
      {WR, IER, 0x01},
      {FILL, 3, 3},
      {RD, IIR, 0xcc},
      {LINE, 1},
      {IN, 'd', 0},
      {RD, IIR, 0xc4},
      {DRAIN, 4, 'a'},
      {RD, IIR, 0xc1},
      {LINE, 0}}},
    {"FIFO trigger level 14",
     {{WR, FCR, 0xc1},
      {WR, IER, 0x01},
      {FILL, 13, 13},
      {RD, IIR, 0xcc},
      {IN, 'n', 0},
      {RD, IIR, 0xc4},
      {DRAIN, 1, 'a'},
      {RD, IIR, 0xcc}}},
    {"THR empty interrupt: on enable, acknowledged by IIR, raised by each THR write",
     {{WR, IER, 0x02},
      {LINE, 1},
      {RD, IIR, 0x02},
      {LINE, 0},
      {RD, IIR, 0x01},
      {WR, THR, 'a'},
      {LINE, 1},
      {RD, IIR, 0x02},
      {LINE, 0},
      {WR, THR, 'b'},
      {LINE, 1},
      {WR, IER, 0x00},
      {LINE, 0},
      {RD, IIR, 0x01},
      {WR, IER, 0x02},
      {RD, IIR, 0x02},
      {OUT, .s = "ab"}}},
    {"received data outranks THR empty, and reading IIR then leaves THRI alone",
     {{WR, IER, 0x03},
      {IN, 'z', 0},
      {RD, IIR, 0x04},
      {RD, IIR, 0x04},
      {RD, RBR, 'z'},
      {RD, IIR, 0x02},
      {RD, IIR, 0x01},
      {LINE, 0}}},
    {"loopback overrun raises receiver line status, cleared by reading LSR",
     {{WR, MCR, 0x10},
      {WR, IER, 0x05},
      {WR, THR, 'a'},
      {RD, LSR, 0x61},
      {RD, IIR, 0x04},
      {WR, THR, 'b'},
      {RD, IIR, 0x06},
      {LINE, 1},
      {RD, LSR, 0x63},
      {RD, LSR, 0x61},
      {RD, IIR, 0x04},
      {RD, RBR, 'b'}, /* without FIFOs the new byte replaces the unread one, as on the board */
      {RD, IIR, 0x01},
      {LINE, 0},
      {RD, RBR, 'b'}, /* and the holding register keeps it */
      {OUT, .s = ""}}},
    {"loopback connects modem outputs to status inputs",
     {{WR, MCR, 0xff},
      {RD, MCR, 0x1f},
      {RD, MSR, 0xf0},
      {WR, MCR, 0x11},
      {RD, MSR, 0x20},
      {WR, MCR, 0x12},
      {RD, MSR, 0x10},
      {WR, MCR, 0x14},
      {RD, MSR, 0x40},
      {WR, MCR, 0x18},
      {RD, MSR, 0x80},
      {WR, MCR, 0x00},
      {RD, MSR, 0xb0}}},
    {"FCR: clearing and toggling FIFOs empties the receiver",
     {{WR, FCR, 0x01},
      {FILL, 3, 3},
      {WR, FCR, 0x03},
      {RD, LSR, 0x60},
      {FILL, 2, 2},
      {WR, FCR, 0x00},
      {RD, IIR, 0x01},
      {RD, LSR, 0x60},
      {IN, 'q', 0},
      {WR, FCR, 0x01},
      {RD, LSR, 0x60},
      {RD, IIR, 0xc1},
      {WR, FCR, 0x05},
      {RD, IIR, 0xc1}}},
    {"LSR and MSR ignore writes; IER keeps 4 bits; SCR stores",
     {{WR, LSR, 0x00},
      {RD, LSR, 0x60},
      {WR, MSR, 0x00},
      {RD, MSR, 0xb0},
      {WR, IER, 0xf0},
      {RD, IER, 0x00},
      {WR, SCR, 0x5a},
      {RD, SCR, 0x5a}}},
    {"wider aligned accesses act on the low byte, as QEMU's serial_mm",
     {{RDW, MCR, 0x08, 4},
      {RDW, LSR, 0x60, 1},
      {RDW, IIR, 0x01, 2},
      {WRW, THR, 0x4142, 8},
      {OUT, .s = "B"},
      {WRW, SCR, 0xffffff77, 1},
      {RDW, SCR, 0x77},
      {WRW, MCR, 0x1ff, 4},
      {RDW, MCR, 0x1f, 4},
      {RDW, RBR, 0, 8}}},
    {"refused: outside the 8 registers, misaligned, odd widths",
     {{BADR, 8, 1},
      {BADR, 0xff, 1},
      {BADW, 8, 1},
      {BADR, 1, 2},
      {BADR, 6, 4},
      {BADR, 4, 8},
      {BADW, 3, 2},
      {BADR, 0, 3},
      {BADW, 0, 16},
      {BADR, 0, 0},
      {OUT, .s = ""}}},
    {"the line through the PLIC: claim, drain, complete", {{WR, IER, 0x01},
                                                           {IN, 'q', 0},
                                                           {PEND, 1},
                                                           {CLAIM, UART_IRQ},
                                                           {PEND, 0},
                                                           {RD, RBR, 'q'},
                                                           {DONE, UART_IRQ},
                                                           {PEND, 0},
                                                           {CLAIM, 0},
                                                           {IN, 'r', 0},
                                                           {PEND, 1},
                                                           {CLAIM, UART_IRQ},
                                                           {DONE, UART_IRQ},
                                                           {PEND, 0}, /* the board's PLIC: nothing new until the UART's state changes */
                                                           {RD, LSR, 0x61},
                                                           {RD, LCR, 0},
                                                           {PEND, 0},
                                                           {WR, IER, 0x05}, /* a change: the UART signals again */
                                                           {PEND, 1},
                                                           {CLAIM, UART_IRQ},
                                                           {RD, RBR, 'r'},
                                                           {DONE, UART_IRQ},
                                                           {PEND, 0}}},
    {"THR empty, IIR never read: one request per THR write, not a storm",
     {{WR, IER, 0x02},
      {PEND, 1},
      {CLAIM, UART_IRQ},
      {DONE, UART_IRQ},
      {PEND, 0},
      {RD, LSR, 0x60},
      {WR, IER, 0x02},
      {PEND, 0},
      {WR, THR, 'x'},
      {PEND, 1},
      {CLAIM, UART_IRQ},
      {DONE, UART_IRQ},
      {PEND, 0},
      {RD, IIR, 0x02},
      {PEND, 0},
      {OUT, .s = "x"}}},
};

struct out_buf {
	char s[64];
	size_t n;
};

static void capture(void *arg, char c)
{
	struct out_buf *o = arg;

	if (o->n + 1 < sizeof(o->s))
		o->s[o->n++] = c;
}

struct bench {
	struct vplic plic;
	struct vuart uart;
	struct out_buf out;
};

static void bench_init(struct bench *b)
{
	memset(b, 0, sizeof(*b));
	vplic_init(&b->plic);
	vplic_ops.write(&b->plic, 4 * UART_IRQ, 4, 1);
	vplic_ops.write(&b->plic, 0x2000 + 0x80 * PLIC_CTX, 4, 1u << UART_IRQ);
	vuart_init(&b->uart, &b->plic, UART_IRQ, capture, &b->out);
}

#define STEP_FAIL(fmt, ...) fail_msg("%s: step %d: " fmt, sc->name, i, __VA_ARGS__)

static void run_step(struct bench *b, const struct scenario *sc, int i)
{
	const struct step *st = &sc->steps[i];
	uint64_t v = 0xbad;
	int ret;

	switch (st->op) {
	case IN:
		ret = vuart_input(&b->uart, (char)st->a);
		if (ret != (int)st->b)
			STEP_FAIL("input %c returned %d", (char)st->a, ret);
		break;
	case FILL:
		ret = 0;
		for (uint64_t k = 0; k < st->a; k++)
			ret += vuart_input(&b->uart, (char)('a' + k)) == 0;
		if (ret != (int)st->b)
			STEP_FAIL("%d of %d bytes accepted", ret, (int)st->a);
		break;
	case DRAIN:
		for (uint64_t k = 0; k < st->a; k++) {
			vuart_ops.read(&b->uart, RBR, 1, &v);
			if (v != st->b + k)
				STEP_FAIL("byte %d is %#llx", (int)k, (unsigned long long)v);
		}
		break;
	case WR:
		if (vuart_ops.write(&b->uart, st->a, 1, st->b) != 0)
			STEP_FAIL("write to %d refused", (int)st->a);
		break;
	case RD:
	case RDW:
		ret = vuart_ops.read(&b->uart, st->a, st->op == RD ? 1 : st->c ? st->c : 1, &v);
		if (ret != 0 || v != st->b)
			STEP_FAIL("read %d gave %d, %#llx; want %#llx", (int)st->a, ret,
			          (unsigned long long)v, (unsigned long long)st->b);
		break;
	case WRW:
		if (vuart_ops.write(&b->uart, st->a, st->c ? st->c : 1, st->b) != 0)
			STEP_FAIL("%u-byte write to %d refused", st->c, (int)st->a);
		break;
	case BADR:
		if (vuart_ops.read(&b->uart, st->a, (unsigned)st->b, &v) != -1)
			STEP_FAIL("%d-byte read at %#x accepted", (int)st->b, (unsigned)st->a);
		break;
	case BADW:
		if (vuart_ops.write(&b->uart, st->a, (unsigned)st->b, 'X') != -1)
			STEP_FAIL("%d-byte write at %#x accepted", (int)st->b, (unsigned)st->a);
		break;
	case LINE:
		if (vuart_line(&b->uart) != (st->a != 0))
			STEP_FAIL("the UART's line is %d", !st->a);
		break;
	case PEND:
		if (vplic_pending(&b->plic, PLIC_CTX) != (st->a != 0))
			STEP_FAIL("PLIC context %d pending is %d", PLIC_CTX, !st->a);
		break;
	case ACCEPT:
		if (vuart_can_accept(&b->uart) != (st->a != 0))
			STEP_FAIL("vuart_can_accept is %d", !st->a);
		break;
	case OUT:
		if (b->out.n != strlen(st->s) || memcmp(b->out.s, st->s, b->out.n) != 0)
			STEP_FAIL("output is \"%.*s\", want \"%s\"", (int)b->out.n, b->out.s,
			          st->s);
		break;
	case CLAIM:
		vplic_ops.read(&b->plic, 0x200004 + 0x1000 * PLIC_CTX, 4, &v);
		if (v != st->a)
			STEP_FAIL("claimed %d", (int)v);
		break;
	case DONE:
		vplic_ops.write(&b->plic, 0x200004 + 0x1000 * PLIC_CTX, 4, st->a);
		break;
	case END:
		break;
	}
}

/* One cmocka test per scenario, named after it. */
static void test_scenario(void **state)
{
	const struct scenario *sc = *state;
	struct bench b;

	bench_init(&b);
	for (int i = 0; i < 24 && sc->steps[i].op != END; i++)
		run_step(&b, sc, i);
}

/* A UART with no PLIC attached and no output callback still works (for early bring-up). */
static void test_detached(void **state)
{
	struct vuart u;
	uint64_t v;

	(void)state;
	vuart_init(&u, NULL, 0, NULL, NULL);
	assert_int_equal(vuart_ops.write(&u, THR, 1, 'x'), 0);
	assert_int_equal(vuart_input(&u, 'y'), 0);
	assert_int_equal(vuart_ops.read(&u, RBR, 1, &v), 0);
	assert_int_equal(v, 'y');
}

int main(void)
{
	enum { NSC = sizeof(scenarios) / sizeof(scenarios[0]) };
	struct CMUnitTest tests[NSC + 1];

	for (size_t i = 0; i < NSC; i++)
		tests[i] = (struct CMUnitTest){.name = scenarios[i].name,
		                               .test_func = test_scenario,
		                               .initial_state = (void *)&scenarios[i]};
	tests[NSC] = (struct CMUnitTest)cmocka_unit_test(test_detached);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
