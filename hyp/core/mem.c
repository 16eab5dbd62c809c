#include "core/mem.h"
#include "core/machine.h"
#include "core/panic.h"
#include "core/pmem.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/riscv.h"
#include "lib/string.h"

extern char __popek_start[], __popek_end[];

static struct pmem phys;
static uint64_t free_pages; /* freed page tables, linked through their first word */

/*
 * QEMU maps the board's RAM zero-filled when it starts; a reset of the
 * machine (the QEMU monitor's system_reset) reloads the firmware, popek and
 * the bundle but leaves the rest of RAM as the last run left it.  popek
 * sets a mark at every boot in the page after its image, which it keeps for
 * itself: neither popek.bin nor popek.elf covers that page (an ELF's bss,
 * which QEMU's loader zeroes again at a reset, ends before it), so a boot
 * that finds the mark set is not the first since RAM was mapped.
 */
#define BOOT_MARK 0x6b72616d2d6b6570ULL /* "pek-mark" */
static bool ram_fresh;

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

void mem_init(const struct machine *m, uint64_t dtb_pa, uint64_t dtb_size)
{
	uint64_t *mark = (uint64_t *)__popek_end; /* page-aligned: hyp.ld */
	ram_fresh = *mark != BOOT_MARK;
	*mark = BOOT_MARK;
	pmem_reset(&phys);
	for (int i = 0; i < m->nram; i++) {
		if (pmem_add(&phys, m->ram[i].base, m->ram[i].size) < 0)
			panic("mem: too many RAM ranges");
	}
	uint64_t popek_pa = va_to_pa(__popek_start);
	int bad = pmem_reserve(&phys, popek_pa,
	                       round_up(__popek_end - __popek_start, PAGE_SIZE) + PAGE_SIZE);
	bad |= pmem_reserve(&phys, dtb_pa & ~(PAGE_SIZE - 1),
	                    round_up(dtb_size + PAGE_SIZE, PAGE_SIZE));
	for (int i = 0; i < m->nreserved; i++)
		bad |= pmem_reserve(&phys, m->reserved[i].base, m->reserved[i].size);
	if (m->initrd_end > m->initrd_start)
		bad |= pmem_reserve(&phys, m->initrd_start & ~(PAGE_SIZE - 1),
		                    round_up(m->initrd_end, PAGE_SIZE) -
		                        (m->initrd_start & ~(PAGE_SIZE - 1)));
	/* Everything below popek belongs to the firmware, whether or not the tree says so. */
	bad |= pmem_reserve(&phys, 0, popek_pa);
	if (bad)
		panic("mem: too many reserved ranges");
}

uint64_t page_alloc(void)
{
	uint64_t pa = free_pages;
	if (pa) {
		free_pages = *(uint64_t *)pa_to_va(pa);
	} else {
		pa = pmem_alloc(&phys, PAGE_SIZE, PAGE_SIZE);
		if (!pa)
			panic("mem: out of memory for page tables");
	}
	memset(pa_to_va(pa), 0, PAGE_SIZE);
	return pa;
}

void page_free(uint64_t pa)
{
	*(uint64_t *)pa_to_va(pa) = free_pages;
	free_pages = pa;
}

uint64_t mem_alloc_range(uint64_t size, uint64_t align)
{
	return pmem_alloc(&phys, size, align);
}

bool mem_fresh(void)
{
	return ram_fresh;
}

uint64_t mem_free_bytes(void)
{
	return pmem_free_bytes(&phys);
}
