/* RISC-V PLIC spec 1.0.0 §3-§8: priorities, per-context enables, threshold, claim/complete. */
#include "drivers/plic.h"

#define PLIC_PRIORITY(irq)  (4 * (irq))
#define PLIC_ENABLE(ctx)    (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)     (0x200004 + 0x1000 * (ctx))

static volatile uint8_t *plic_regs;
static int plic_ctx;

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

void plic_enable(uint32_t irq)
{
	*reg(PLIC_PRIORITY(irq)) = 1;
	*reg(PLIC_ENABLE(plic_ctx) + 4 * (irq / 32)) |= 1u << (irq % 32);
}

uint32_t plic_claim(void)
{
	return *reg(PLIC_CLAIM(plic_ctx));
}

void plic_complete(uint32_t irq)
{
	*reg(PLIC_CLAIM(plic_ctx)) = irq;
}
