/* RISC-V PLIC spec 1.0.0: priorities, per-context enables, threshold, claim/complete. */
#include "drivers/plic.h"

#include <stddef.h>

#define PLIC_PRIORITY(irq)  (4 * (irq))
#define PLIC_ENABLE(ctx)    (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)     (0x200004 + 0x1000 * (ctx))

static volatile uint8_t *plic_regs;
static int plic_ctx;
static struct {
	void (*fn)(void *arg);
	void *arg;
} handlers[PLIC_MAX_IRQ];

static volatile uint32_t *reg(uint64_t off)
{
	return (volatile uint32_t *)(plic_regs + off);
}

void plic_init(volatile uint8_t *regs, int context)
{
	plic_regs = regs;
	plic_ctx = context;
	*reg(PLIC_THRESHOLD(context)) = 0;
}

int plic_register(uint32_t irq, void (*fn)(void *arg), void *arg)
{
	if (!plic_regs || irq == 0 || irq >= PLIC_MAX_IRQ)
		return -1;
	handlers[irq].fn = fn;
	handlers[irq].arg = arg;
	*reg(PLIC_PRIORITY(irq)) = 1;
	*reg(PLIC_ENABLE(plic_ctx) + 4 * (irq / 32)) |= 1u << (irq % 32);
	return 0;
}

void plic_dispatch(void)
{
	if (!plic_regs)
		return;
	for (uint32_t irq; (irq = *reg(PLIC_CLAIM(plic_ctx))) != 0;) {
		if (irq < PLIC_MAX_IRQ && handlers[irq].fn)
			handlers[irq].fn(handlers[irq].arg);
		*reg(PLIC_CLAIM(plic_ctx)) = irq;
	}
}
