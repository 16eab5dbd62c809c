/*
 * Virtual 16550A.  Register behaviour follows the National Semiconductor
 * PC16550D data sheet and, where the data sheet leaves room, QEMU 7.2's
 * hw/char/serial.c (the device the same guest meets on the bare virt board).
 */
#include "dev/vuart.h"

#include "lib/string.h"

#define IER_ERBFI  0x01 /* received data available */
#define IER_ETBEI  0x02 /* transmitter holding register empty */
#define IER_ELSI   0x04 /* receiver line status */
#define IER_EDSSI  0x08 /* modem status */

#define IIR_NONE   0x01
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0c
#define IIR_FIFOS  0xc0 /* both bits set while FCR.FE is */

#define FCR_FE     0x01
#define FCR_RFR    0x02 /* clear the receive FIFO */
#define FCR_XFR    0x04 /* clear the transmit FIFO */
#define FCR_KEEP   0xc9 /* FE, DMA mode, receive trigger level */

#define LCR_DLAB   0x80
#define MCR_OUT2   0x08
#define MCR_LOOP   0x10
#define MCR_MASK   0x1f

#define LSR_DR     0x01
#define LSR_OE     0x02
#define LSR_BI     0x10
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define LSR_ERRORS 0x1e /* OE, PE, FE, BI: the receiver line status conditions */

#define MSR_DELTAS 0x0f
#define MSR_CTS    0x10
#define MSR_DSR    0x20
#define MSR_DCD    0x80

/* Receive FIFO trigger levels, indexed by FCR bits 7:6 (data sheet, FCR). */
static const uint8_t vuart_trigger[4] = {1, 4, 8, 14};

static unsigned vuart_capacity(const struct vuart *u)
{
	/* Without FIFOs the 16550 is a 16450: one receiver holding register. */
	return (u->fcr & FCR_FE) ? VUART_FIFO_SIZE : 1;
}

static bool vuart_fifo_push(struct vuart *u, uint8_t c)
{
	if (u->count >= vuart_capacity(u))
		return false;
	u->fifo[(u->head + u->count) % VUART_FIFO_SIZE] = c;
	u->count++;
	return true;
}

static void vuart_fifo_reset(struct vuart *u)
{
	u->head = u->count = 0;
	u->lsr &= ~LSR_BI;
}

/* Interrupt conditions, highest priority first (data sheet, Table IV). */

static bool irq_line_status(const struct vuart *u)
{
	return (u->ier & IER_ELSI) && (u->lsr & LSR_ERRORS);
}

static bool irq_rx_trigger(const struct vuart *u)
{
	if (!(u->ier & IER_ERBFI) || u->count == 0)
		return false;
	return !(u->fcr & FCR_FE) || u->count >= vuart_trigger[u->fcr >> 6];
}

/*
 * Below the trigger level a real 16550 reports a character timeout after four
 * character times without activity.  popek has no notion of line speed, so the
 * timeout is taken to have elapsed already: the guest sees the same IIR value
 * it eventually would, and drains the FIFO the same way.
 */
static bool irq_rx_timeout(const struct vuart *u)
{
	return (u->ier & IER_ERBFI) && u->count != 0;
}

static bool irq_thr_empty(const struct vuart *u)
{
	return (u->ier & IER_ETBEI) && u->thr_ipending;
}

static bool irq_modem_status(const struct vuart *u)
{
	return (u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS);
}

static const struct {
	uint8_t iir;
	bool (*active)(const struct vuart *u);
} vuart_irqs[] = {
    {IIR_RLSI, irq_line_status}, {IIR_RDI, irq_rx_trigger},   {IIR_CTI, irq_rx_timeout},
    {IIR_THRI, irq_thr_empty},   {IIR_MSI, irq_modem_status},
};

/* The identification of the highest-priority pending interrupt, or IIR_NONE. */
static uint8_t vuart_irq_id(const struct vuart *u)
{
	for (size_t i = 0; i < sizeof(vuart_irqs) / sizeof(vuart_irqs[0]); i++) {
		if (vuart_irqs[i].active(u))
			return vuart_irqs[i].iir;
	}
	return IIR_NONE;
}

/*
 * Signal the line to the vPLIC.  QEMU drives the line whatever MCR.OUT2 says
 * (on a PC, OUT2 gates it on the board, not in the chip); so does popek.  The
 * board's PLIC latches a request each time the UART signals (dev/vplic.c), so
 * the register handlers signal exactly where QEMU 7.2's serial.c calls
 * serial_update_irq: THR, IER (when it changes) and FCR writes, RBR reads,
 * IIR reads that acknowledge THRI, LSR and MSR reads that clear something,
 * and a byte arriving.  A driver that claims and completes without reading
 * IIR then sees what it sees on the board: no new request until the UART's
 * state changes.
 */
static void vuart_update(struct vuart *u)
{
	if (u->plic)
		vplic_set_level(u->plic, u->irq, vuart_irq_id(u) != IIR_NONE);
}

/*
 * A byte arriving at the receiver: from the host, or from THR in loopback.  With FIFOs it
 * joins the FIFO, and an overrun keeps the FIFO's contents (data sheet, LSR bit 1); without,
 * it replaces what the holding register (rbr) held, an overrun if that was unread, as
 * QEMU's serial_receive1 does.  count is then 1 while the holding register is unread.
 */
static void vuart_receive(struct vuart *u, uint8_t c)
{
	if (u->fcr & FCR_FE) {
		if (!vuart_fifo_push(u, c))
			u->lsr |= LSR_OE;
		return;
	}
	if (u->count)
		u->lsr |= LSR_OE;
	u->rbr = c;
	u->count = 1;
}

/* Register reads (DLAB = 0). */

/* With FIFOs, the FIFO's oldest byte or 0; without, the holding register, kept after. */
static uint8_t rbr_read(struct vuart *u)
{
	uint8_t v = u->rbr;

	u->held = false; /* as QEMU's serial asks its terminal for more input */
	if (u->fcr & FCR_FE) {
		v = 0;
		if (u->count != 0) {
			v = u->fifo[u->head];
			u->head = (u->head + 1) % VUART_FIFO_SIZE;
			u->count--;
		}
	} else {
		u->count = 0;
	}
	if (u->count == 0)
		u->lsr &= ~LSR_BI;
	vuart_update(u);
	return v;
}

static uint8_t ier_read(struct vuart *u)
{
	return u->ier;
}

/* Reading IIR acknowledges a THR-empty interrupt when that is the one it reports (data sheet). */
static uint8_t iir_read(struct vuart *u)
{
	uint8_t id = vuart_irq_id(u);

	if (id == IIR_THRI) {
		u->thr_ipending = false;
		vuart_update(u);
	}
	return id | ((u->fcr & FCR_FE) ? IIR_FIFOS : 0);
}

static uint8_t lcr_read(struct vuart *u)
{
	return u->lcr;
}

static uint8_t mcr_read(struct vuart *u)
{
	return u->mcr;
}

/* Reading LSR clears the error bits OE and BI (data sheet, LSR bits 1 and 4). */
static uint8_t lsr_read(struct vuart *u)
{
	uint8_t v = u->lsr | LSR_THRE | LSR_TEMT | (u->count ? LSR_DR : 0);

	if (u->lsr & (LSR_OE | LSR_BI)) {
		u->lsr &= ~(LSR_OE | LSR_BI);
		vuart_update(u);
	}
	return v;
}

/* In loopback the modem control outputs drive the status inputs (data sheet, MCR bit 4). */
static uint8_t msr_read(struct vuart *u)
{
	uint8_t v;

	if (u->mcr & MCR_LOOP)
		return (uint8_t)(((u->mcr & 0x0c) << 4) | ((u->mcr & 0x02) << 3) |
		                 ((u->mcr & 0x01) << 5));
	v = u->msr;
	if (v & MSR_DELTAS) {
		u->msr &= ~MSR_DELTAS;
		vuart_update(u);
	}
	return v;
}

static uint8_t scr_read(struct vuart *u)
{
	return u->scr;
}

/* Register writes (DLAB = 0). */

static void thr_write(struct vuart *u, uint8_t v)
{
	if (u->mcr & MCR_LOOP)
		vuart_receive(u, v);
	else if (u->out)
		u->out(u->arg, (char)v);
	/* Transmission is instant: THR is empty again, which raises THRI. */
	u->thr_ipending = true;
	vuart_update(u);
}

/*
 * Enabling ETBEI while THR is empty raises THRI even if an IIR read had
 * acknowledged it (not in the data sheet; QEMU and Bochs do it, Windows relies on it).
 */
static void ier_write(struct vuart *u, uint8_t v)
{
	uint8_t changed = (u->ier ^ v) & 0x0f;

	u->ier = v & 0x0f;
	if (changed & IER_ETBEI)
		u->thr_ipending = (u->ier & IER_ETBEI) != 0;
	if (changed)
		vuart_update(u);
}

/* Toggling FCR.FE clears both FIFOs (data sheet, FCR bit 0). */
static void fcr_write(struct vuart *u, uint8_t v)
{
	if ((v ^ u->fcr) & FCR_FE)
		v |= FCR_RFR | FCR_XFR;
	if (v & FCR_RFR)
		vuart_fifo_reset(u);
	if (v & FCR_XFR)
		u->thr_ipending = true;
	u->fcr = v & FCR_KEEP;
	vuart_update(u);
}

static void lcr_write(struct vuart *u, uint8_t v)
{
	u->lcr = v;
}

static void mcr_write(struct vuart *u, uint8_t v)
{
	u->mcr = v & MCR_MASK;
}

static void scr_write(struct vuart *u, uint8_t v)
{
	u->scr = v;
}

static void ro_write(struct vuart *u, uint8_t v)
{
	(void)u;
	(void)v;
}

static uint8_t (*const vuart_read_regs[8])(struct vuart *u) = {
    rbr_read, ier_read, iir_read, lcr_read, mcr_read, lsr_read, msr_read, scr_read,
};

static void (*const vuart_write_regs[8])(struct vuart *u, uint8_t v) = {
    thr_write, ier_write, fcr_write, lcr_write, mcr_write, ro_write, ro_write, scr_write,
};

/*
 * QEMU 7.2's serial_mm_ops on virt say .valid.max_access_size = 8 and the
 * region is 8 bytes: any naturally aligned access of 1..8 bytes at offsets
 * 0..7 is accepted and acts on the register at that offset with the low byte
 * (reads return it zero-extended).  Linux and simple kernels use single bytes.
 * Offsets 8..0xff are unassigned on the board: an access fault.
 */
static bool vuart_access_ok(uint64_t off, unsigned width)
{
	return (width == 1 || width == 2 || width == 4 || width == 8) && off < 8 &&
	       (off & (width - 1)) == 0;
}

static int vuart_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct vuart *u = dev;

	if (!vuart_access_ok(off, width))
		return -1;
	if ((u->lcr & LCR_DLAB) && off < 2)
		*val = off == 0 ? u->dll : u->dlm;
	else
		*val = vuart_read_regs[off](u);
	return 0;
}

static int vuart_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vuart *u = dev;
	uint8_t v = (uint8_t)val;

	if (!vuart_access_ok(off, width))
		return -1;
	if ((u->lcr & LCR_DLAB) && off == 0)
		u->dll = v;
	else if ((u->lcr & LCR_DLAB) && off == 1)
		u->dlm = v;
	else
		vuart_write_regs[off](u, v);
	return 0;
}

const struct mmio_ops vuart_ops = {
    .read = vuart_read,
    .write = vuart_write,
};

/* Reset values as QEMU's serial_reset: 9600 8N1 (divisor 12), OUT2 set, DCD/DSR/CTS asserted. */
void vuart_init(struct vuart *u, struct vplic *plic, uint32_t irq, void (*out)(void *, char),
                void *arg)
{
	memset(u, 0, sizeof(*u));
	u->mcr = MCR_OUT2;
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->dll = 12;
	u->plic = plic;
	u->irq = irq;
	u->out = out;
	u->arg = arg;
	vuart_update(u);
}

/*
 * On the bare board a kernel started by OpenSBI finds the UART as OpenSBI's
 * uart8250 driver leaves it: divisor for 115200 baud from the 3.6864 MHz
 * clock, 8N1, FIFOs on, modem control and scratch cleared.  A VM's kernel
 * must find it the same way: enabling FIFOs that are already on clears
 * nothing, switching them on from off drops received bytes.
 */
void vuart_firmware_setup(struct vuart *u)
{
	u->dll = 2;
	u->dlm = 0;
	u->lcr = 0x03;
	u->fcr = FCR_FE;
	u->mcr = 0;
	u->scr = 0;
	vuart_update(u);
}

/*
 * On the board the firmware's console (OpenSBI 1.1's uart8250 driver) drives this same UART
 * through its registers: out, wait for LSR.THRE and write THR; in, read LSR and, when DR is
 * set, RBR.  popek's SBI console does exactly that, so the guest finds its UART as it would
 * on the board afterwards (the same requests signalled, the same bytes consumed) and reads
 * typed bytes in order, those already in the FIFO first.
 */
void vuart_firmware_putc(struct vuart *u, char c)
{
	uint64_t lsr;

	vuart_read(u, 5, 1, &lsr); /* THRE: always, transmission is instant */
	vuart_write(u, 0, 1, (uint8_t)c);
}

int vuart_firmware_getc(struct vuart *u)
{
	uint64_t v;

	vuart_read(u, 5, 1, &v);
	if (!(v & LSR_DR))
		return -1;
	vuart_read(u, 0, 1, &v);
	return (int)v;
}

bool vuart_line(const struct vuart *u)
{
	return vuart_irq_id(u) != IIR_NONE;
}

bool vuart_can_accept(const struct vuart *u)
{
	return !u->held && u->count < vuart_capacity(u);
}

int vuart_input(struct vuart *u, char c)
{
	if (!vuart_can_accept(u)) {
		u->held = true;
		return -1;
	}
	vuart_receive(u, (uint8_t)c);
	vuart_update(u);
	return 0;
}
