#ifndef PLIC_H
#define PLIC_H

#include <stdint.h>

int plic_init(uint64_t hartid);
void plic_enable(uint32_t irq, void (*handler)(void));
void plic_intr(void);
/* Clears the source's enable bit for our context (its handler stays). */
void plic_disable(uint32_t irq);

#endif
