/* The real PLIC: routes the devices popek drives to popek's S-mode context. */
#ifndef POPEK_DRIVERS_PLIC_H
#define POPEK_DRIVERS_PLIC_H

#include <stdint.h>

/* `regs`: the mapped PLIC; `context`: the boot hart's S-mode context. */
void plic_init(volatile uint8_t *regs, int context);
void plic_enable(uint32_t irq);
/* The highest-priority pending source (0: none); it stays in service until completed. */
uint32_t plic_claim(void);
void plic_complete(uint32_t irq);

#endif
