/*
 * plic.c — the platform-level interrupt controller (RISC-V PLIC spec 1.0).
 *
 * Registers: priority of source i at 4*i; enable bits of context c at
 * 0x2000 + 0x80*c; threshold of context c at 0x200000 + 0x1000*c and its
 * claim/complete register 4 bytes after.  A context is one hart's M- or
 * S-mode external interrupt input; the device tree's "interrupts-extended"
 * lists them in order as (cpu interrupt controller, cause) pairs, so our
 * context is the pair naming our hart's controller with cause 9 (SEI).
 */
#include "plic.h"
#include "fdt.h"
#include "printf.h"
#include "riscv.h"
#include "vm.h"

#define PLIC_MAX_IRQ 128

static volatile uint32_t *plic;
static uint32_t ctx;
static void (*handlers[PLIC_MAX_IRQ])(void);

#define PRIORITY(irq)  (plic[(irq)])
#define ENABLE(c, irq) (plic[(0x2000 + 0x80 * (c)) / 4 + (irq) / 32])
#define THRESHOLD(c)   (plic[(0x200000 + 0x1000 * (c)) / 4])
#define CLAIM(c)       (plic[(0x200004 + 0x1000 * (c)) / 4])

/* The phandle of the interrupt controller inside cpu@hartid. */
static uint32_t hart_intc(uint64_t hartid)
{
	int cpus = fdt_find_child(fdt_root(), "cpus");
	for (int depth = 1, off = cpus; cpus >= 0 && (off = fdt_next_node(off, &depth)) >= 0;) {
		if (depth <= 1)
			break;
		if (depth == 2 && fdt_u32(off, "reg", ~0U) == hartid) {
			int intc = fdt_find_child(off, "interrupt-controller");
			return intc >= 0 ? fdt_u32(intc, "phandle", 0) : 0;
		}
	}
	return 0;
}

int plic_init(uint64_t hartid)
{
	uint64_t base, size;
	int len, node = fdt_find_compatible(-1, "riscv,plic0");
	if (node < 0)
		node = fdt_find_compatible(-1, "sifive,plic-1.0.0");
	if (node < 0 || fdt_reg(node, 0, &base, &size) < 0)
		return -1;
	const uint8_t *ie = fdt_getprop(node, "interrupts-extended", &len);
	uint32_t intc = hart_intc(hartid);
	ctx = ~0U;
	for (int i = 0; ie && i * 8 + 8 <= len; i++)
		if (fdt_be32(ie + 8 * i) == intc && fdt_be32(ie + 8 * i + 4) == IRQ_SEI) {
			ctx = i;
			break;
		}
	if (ctx == ~0U)
		return -1;
	vm_map_device(base, size);
	plic = (volatile uint32_t *)base;
	THRESHOLD(ctx) = 0;
	return 0;
}

void plic_enable(uint32_t irq, void (*handler)(void))
{
	if (!plic || irq == 0 || irq >= PLIC_MAX_IRQ)
		return;
	handlers[irq] = handler;
	PRIORITY(irq) = 1;
	ENABLE(ctx, irq) |= 1U << (irq % 32);
}

void plic_disable(uint32_t irq)
{
	if (plic && irq != 0 && irq < PLIC_MAX_IRQ)
		ENABLE(ctx, irq) &= ~(1U << (irq % 32));
}

/* Claim, handle, complete — until nothing is pending for us. */
void plic_intr(void)
{
	uint32_t irq;
	while (plic && (irq = CLAIM(ctx)) != 0) {
		if (irq < PLIC_MAX_IRQ && handlers[irq])
			handlers[irq]();
		CLAIM(ctx) = irq;
	}
}
