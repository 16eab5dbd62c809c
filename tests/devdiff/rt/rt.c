/*
 * rt.c — the device differential's runtime (tests/devdiff/README.md).  It
 * runs, in M-mode with interrupts off, the register accesses and block
 * requests the generator wrote at DD_OPS_BASE, and prints per program one
 * hash of everything it read (or, verbose, every value): the same on the
 * bare board and under popek when popek's devices are the board's.
 */
#include <stdint.h>

#include "../layout.h"

#define UART_THR  0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5

#define V_MAGIC   0x000
#define V_VERSION 0x004
#define V_DEVID   0x008
#define V_QNUM    0x038
#define V_NOTIFY  0x050
#define V_STATUS  0x070

#define F_NEXT    1
#define F_WRITE   2

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static volatile int trapped;
static uint64_t trap_cause, trap_tval;
static uint64_t disk;      /* the disk's virtio-mmio window, or 0 */
static int legacy;         /* its interface is version 1: the avail ring follows the table */
static uint32_t qnum = 8;  /* the queue size the ops last wrote */
static uint16_t avail_idx; /* ours */
static uint16_t used_seen; /* the device's, as far as we have read it */
static uint64_t hash;
static int verbose;

/* Every trap is an access of ours that faulted: note it and go past the instruction. */
uint64_t rt_trap(uint64_t cause, uint64_t tval, uint64_t epc)
{
	trapped = 1;
	trap_cause = cause;
	trap_tval = tval;
	return epc + ((*(volatile uint16_t *)epc & 3) == 3 ? 4 : 2);
}

static uint64_t rdtime(void)
{
	uint64_t t;
	__asm__ volatile("csrr %0, time" : "=r"(t));
	return t;
}

/* ---- the console: the same UART, put back to 8N1 without interrupts first ---- */

static void uart_w(int r, uint8_t v)
{
	*(volatile uint8_t *)(uintptr_t)(DD_UART + r) = v;
}

static uint8_t uart_r(int r)
{
	return *(volatile uint8_t *)(uintptr_t)(DD_UART + r);
}

static void uart_restore(void)
{
	uart_w(UART_LCR, 0x03);
	uart_w(UART_IER, 0x00);
	uart_w(UART_MCR, 0x00);
	uart_w(UART_FCR, 0x07);
}

static void putc_(char c)
{
	while (!(uart_r(UART_LSR) & 0x20))
		;
	uart_w(UART_THR, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void puthex(uint64_t v)
{
	char b[17];
	for (int i = 15; i >= 0; i--, v >>= 4)
		b[i] = "0123456789abcdef"[v & 15];
	b[16] = 0;
	puts_(b);
}

/* ---- what is compared ---- */

/*
 * Verbose, the values are kept and printed when the program ends: printing
 * goes through the UART, whose state the program's own ops are testing.
 */
#define LOG_MAX 4096
static struct {
	uint64_t op, v;
} logged[LOG_MAX];
static uint64_t nlogged;

static void log_value(uint64_t i, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		hash = (hash ^ ((v >> (8 * k)) & 0xff)) * 0x100000001b3ULL;
	if (verbose && nlogged < LOG_MAX) {
		logged[nlogged].op = i;
		logged[nlogged++].v = v;
	}
}

static void print_logged(void)
{
	for (uint64_t k = 0; k < nlogged; k++) {
		puts_("  op ");
		puthex(logged[k].op);
		puts_(" ");
		puthex(logged[k].v);
		puts_("\n");
	}
	nlogged = 0;
}

/* ---- accesses of each width ---- */

static uint64_t load(uint64_t a, unsigned w)
{
	switch (w) {
	case 1:
		return *(volatile uint8_t *)(uintptr_t)a;
	case 2:
		return *(volatile uint16_t *)(uintptr_t)a;
	case 4:
		return *(volatile uint32_t *)(uintptr_t)a;
	default:
		return *(volatile uint64_t *)(uintptr_t)a;
	}
}

static void store(uint64_t a, unsigned w, uint64_t v)
{
	switch (w) {
	case 1:
		*(volatile uint8_t *)(uintptr_t)a = (uint8_t)v;
		break;
	case 2:
		*(volatile uint16_t *)(uintptr_t)a = (uint16_t)v;
		break;
	case 4:
		*(volatile uint32_t *)(uintptr_t)a = (uint32_t)v;
		break;
	default:
		*(volatile uint64_t *)(uintptr_t)a = v;
		break;
	}
}

static void fill(uint64_t a, uint64_t n, uint8_t v)
{
	for (uint64_t i = 0; i < n; i++)
		*(volatile uint8_t *)(uintptr_t)(a + i) = v;
}

/* What the ops wrote to the disk's registers, as the runtime's driver must know it. */
static void virtio_wrote(uint64_t off, uint64_t v)
{
	if (off == V_QNUM && v != 0)
		qnum = (uint32_t)v;
	if (off == V_STATUS && (uint32_t)v == 0) {
		avail_idx = used_seen = 0;
		fill(DD_Q_DESC, 0x2000, 0);
	}
}

/* ---- a block request through the queue the ops set up ---- */

static uint64_t data_hash(uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ *(volatile uint8_t *)(uintptr_t)(DD_REQ_DATA + i)) * 0x100000001b3ULL;
	return h;
}

static void blk(uint64_t i, uint64_t val, unsigned nsect, unsigned parts)
{
	volatile struct vq_desc *d = (volatile struct vq_desc *)DD_Q_DESC;
	/* version 1 (§2.6.2): the avail ring right after the table, the used ring at the next page */
	volatile uint16_t *avail =
	    (volatile uint16_t *)(uintptr_t)(legacy ? DD_Q_DESC + 16ULL * qnum : DD_Q_AVAIL);
	volatile uint16_t *used = (volatile uint16_t *)DD_Q_USED;
	uint32_t type = (uint32_t)(val & 0xff);
	uint64_t sector = (val >> 8) & 0xffffff, len = type == 8 ? 20 : 512ULL * nsect;
	int to_dev = type == 1;

	if (!disk || qnum == 0) {
		log_value(i, 0xd15c);
		return;
	}
	*(volatile uint32_t *)DD_REQ_HDR = type;
	*(volatile uint32_t *)(DD_REQ_HDR + 4) = 0;
	*(volatile uint64_t *)(DD_REQ_HDR + 8) = sector;
	fill(DD_REQ_DATA, 4096, to_dev ? (uint8_t)(val >> 32) : 0xee);
	*(volatile uint8_t *)DD_REQ_STATUS = 0xff;
	unsigned n = 0;
	d[n] = (struct vq_desc){DD_REQ_HDR, 16, F_NEXT, 1};
	n++;
	if (type != 4) {
		uint64_t at = 0;
		for (unsigned p = 0; p < parts; p++) {
			uint64_t piece = p + 1 == parts ? len - at : len / parts;
			d[n] = (struct vq_desc){DD_REQ_DATA + at, (uint32_t)piece,
			                        (uint16_t)(F_NEXT | (to_dev ? 0 : F_WRITE)),
			                        (uint16_t)(n + 1)};
			at += piece;
			n++;
		}
	}
	d[n] = (struct vq_desc){DD_REQ_STATUS, 1, F_WRITE, 0};
	avail[2 + avail_idx % qnum] = 0;
	__asm__ volatile("fence w, w" ::: "memory");
	avail[1] = ++avail_idx;
	__asm__ volatile("fence w, w" ::: "memory");
	store(disk + V_NOTIFY, 4, 0);
	uint64_t end = rdtime() + 30000000; /* 3 s: a loaded host can be slow, a lost answer rare */
	while (used[1] == used_seen && rdtime() < end)
		;
	__asm__ volatile("fence r, r" ::: "memory");
	log_value(i, used[1]);
	if (used[1] == used_seen)
		return;
	volatile uint32_t *elem =
	    (volatile uint32_t *)(uintptr_t)(DD_Q_USED + 4 + 8 * (used_seen % qnum));
	log_value(i, elem[0]);
	log_value(i, elem[1]);
	used_seen = used[1];
	log_value(i, *(volatile uint8_t *)DD_REQ_STATUS);
	if (!to_dev && type != 4)
		log_value(i, data_hash(len));
}

/* ---- the programs ---- */

/* pending; enables of contexts 0 and 1; their thresholds */
static const uint64_t plic_state[] = {0xc001000, 0xc002000, 0xc002080, 0xc200000, 0xc201000};

static void run_op(uint64_t i, const struct dd_op *op)
{
	uint64_t base = op->kind == DD_RDV || op->kind == DD_WRV ? disk : 0;
	uint64_t v = 0;

	if ((op->kind == DD_RDV || op->kind == DD_WRV) && !disk) {
		log_value(i, 0xd15c);
		return;
	}
	trapped = 0;
	switch (op->kind) {
	case DD_RD:
	case DD_RDV:
	case DD_RDQ:
		v = load(base + op->addr, op->width);
		break;
	case DD_WR:
	case DD_WRV:
		store(base + op->addr, op->width, op->val);
		if (op->kind == DD_WRV && !trapped)
			virtio_wrote(op->addr, op->val);
		break;
	case DD_MIP: /* and the PLIC state that decides MEIP and SEIP: reading it changes nothing */
		__asm__ volatile("csrr %0, mip" : "=r"(v));
		log_value(i, v & 0xaaa); /* MEIP SEIP MTIP STIP MSIP SSIP */
		for (unsigned k = 0; k < sizeof(plic_state) / sizeof(plic_state[0]); k++)
			log_value(i, load(plic_state[k], 4));
		return;
	case DD_BLK:
		blk(i, op->val, op->width, (unsigned)op->addr);
		return;
	case DD_WAIT: {
		uint64_t end = rdtime() + 10 * op->addr;
		while (rdtime() < end)
			;
		return;
	}
	default:
		return;
	}
	if (trapped) {
		log_value(i, 0x7ea9000000000000ULL | trap_cause);
		log_value(i, trap_tval);
	} else if (op->kind != DD_RDQ && op->kind != DD_WR && op->kind != DD_WRV) {
		log_value(i, op->val ? v & op->val : v); /* a read's val: the bits compared */
	}
}

static void find_disk(void)
{
	for (uint64_t a = DD_VIRTIO_LO; a <= DD_VIRTIO_HI; a += 0x1000) {
		if (*(volatile uint32_t *)(uintptr_t)(a + V_MAGIC) == 0x74726976 &&
		    *(volatile uint32_t *)(uintptr_t)(a + V_DEVID) == 2) {
			disk = a;
			legacy = *(volatile uint32_t *)(uintptr_t)(a + V_VERSION) == 1;
		}
	}
}

void rt_main(void)
{
	const struct dd_hdr *h = (const struct dd_hdr *)DD_OPS_BASE;
	const uint8_t *p = (const uint8_t *)(h + 1);

	uart_restore();
	if (h->magic != DD_MAGIC) {
		puts_("devdiff: no sequences\n");
		goto out;
	}
	verbose = (int)h->verbose;
	find_disk();
	puts_("devdiff-start\n");
	for (uint64_t k = 0; k < h->nprog; k++) {
		const struct dd_prog *pr = (const struct dd_prog *)p;
		const struct dd_op *ops = (const struct dd_op *)(pr + 1);
		hash = 0xcbf29ce484222325ULL;
		for (uint64_t i = 0; i < pr->nops; i++)
			run_op(i, &ops[i]);
		uart_restore();
		if (verbose) {
			puts_("seed ");
			puthex(pr->seed);
			puts_("\n");
			print_logged();
		}
		puts_("p ");
		puthex(pr->seed);
		puts_(" ");
		puthex(hash);
		puts_("\n");
		p = (const uint8_t *)(ops + pr->nops);
	}
	puts_("devdiff-end\n");
out:
	*(volatile uint32_t *)DD_TEST = 0x5555;
	for (;;)
		;
}
