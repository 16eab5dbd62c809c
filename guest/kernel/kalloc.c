/*
 * kalloc.c — physical page allocator: a free list of 4 KiB pages threaded
 * through the pages themselves, covering RAM from the end of the kernel image
 * to the end of memory the device tree reports.
 */
#include "kalloc.h"
#include "riscv.h"
#include "string.h"
#include "printf.h"

struct run {
	struct run *next;
};

static struct run *freelist;
static uint64_t nfree;
static uint64_t ram_lo, ram_hi;

void kalloc_init(uint64_t start, uint64_t end)
{
	ram_lo = PGROUNDUP(start);
	ram_hi = PGROUNDDOWN(end);
	for (uint64_t pa = ram_hi; pa > ram_lo; pa -= PGSIZE)
		kfree((void *)(pa - PGSIZE));
}

void kfree(void *page)
{
	uint64_t pa = (uint64_t)page;
	if (pa % PGSIZE || pa < ram_lo || pa >= ram_hi)
		panic("kfree %p", page);
	struct run *r = page;
	r->next = freelist;
	freelist = r;
	nfree++;
}

void *kalloc(void)
{
	struct run *r = freelist;
	if (r) {
		freelist = r->next;
		nfree--;
	}
	return r;
}

void *kzalloc(void)
{
	void *p = kalloc();
	if (p)
		memset(p, 0, PGSIZE);
	return p;
}

uint64_t kalloc_free_pages(void)
{
	return nfree;
}
