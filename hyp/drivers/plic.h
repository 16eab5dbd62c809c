/*
 * The real PLIC: routes the devices popek drives (the UART, the disk) to
 * popek's S-mode context, and dispatches their interrupts to the drivers
 * that registered for them.
 */
#ifndef POPEK_DRIVERS_PLIC_H
#define POPEK_DRIVERS_PLIC_H

#include <stdint.h>

#define PLIC_MAX_IRQ 128

/* `regs`: the mapped PLIC; `context`: the boot hart's S-mode context. */
void plic_init(volatile uint8_t *regs, int context);
/* Enables source irq and calls fn(arg) whenever it interrupts.  0, or -1 if impossible. */
int plic_register(uint32_t irq, void (*fn)(void *arg), void *arg);
/* Claims and serves every pending source (a real external interrupt). */
void plic_dispatch(void);

#endif
