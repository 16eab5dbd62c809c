/*
 * A virtual 16550A UART, as QEMU's serial_mm "ns16550a" on the virt board
 * (reg-shift 0: one byte per register at offsets 0..7; 0x10000000 on virt).
 *
 *   off  read (DLAB=0 / 1)   write (DLAB=0 / 1)
 *   0    RBR / DLL           THR / DLL
 *   1    IER / DLM           IER / DLM
 *   2    IIR                 FCR
 *   3    LCR                 LCR
 *   4    MCR                 MCR
 *   5    LSR                 (ignored)
 *   6    MSR                 (ignored)
 *   7    SCR                 SCR
 *
 * Transmission completes at once through the `out` callback.  Input from the
 * host enters a 16-byte receive FIFO (one holding register while FIFOs are
 * disabled); more is refused until the guest reads RBR, so the host side
 * should ask vuart_can_accept().
 * The interrupt line drives one source of a vPLIC.
 */
#ifndef POPEK_DEV_VUART_H
#define POPEK_DEV_VUART_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emul.h"
#include "dev/vplic.h"

#define VUART_SIZE      0x100
#define VUART_FIFO_SIZE 16

struct vuart {
	uint8_t ier, fcr, lcr, mcr, lsr, msr, scr;
	uint8_t dll, dlm;
	uint8_t rbr;       /* the last byte received, what RBR reads without a FIFO */
	bool thr_ipending; /* the THR-empty interrupt is raised and not yet acknowledged */
	bool held;         /* input was refused: no more until the guest reads RBR */
	uint8_t fifo[VUART_FIFO_SIZE];
	unsigned head, count;
	struct vplic *plic;
	uint32_t irq;
	void (*out)(void *arg, char c);
	void *arg;
};

void vuart_init(struct vuart *u, struct vplic *plic, uint32_t irq, void (*out)(void *, char),
                void *arg);
/* The state OpenSBI leaves the UART in for the kernel it starts (boot = sbi). */
void vuart_firmware_setup(struct vuart *u);
/*
 * Host → guest: queue one received byte.  0, or -1 when the receiver is
 * full.  A refused byte holds the input back until the guest next reads RBR,
 * even if room appears meanwhile (a FIFO reset), as QEMU's terminal does: the
 * host keeps the byte and offers it again.
 */
int vuart_input(struct vuart *u, char c);
bool vuart_can_accept(const struct vuart *u);
/* The level the UART drives its interrupt line to now (what it signals when it signals). */
bool vuart_line(const struct vuart *u);
/* The board's firmware console on this UART (vuart.c): one byte out; one byte in, or -1. */
void vuart_firmware_putc(struct vuart *u, char c);
int vuart_firmware_getc(struct vuart *u);

/* The MMIO model; dev is a struct vuart *. */
extern const struct mmio_ops vuart_ops;

#endif
