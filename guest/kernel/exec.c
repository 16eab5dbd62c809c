/*
 * exec.c — load an embedded user program (a static RV64 ELF) into a fresh
 * address space: each PT_LOAD segment onto U=1 pages with the rights its
 * flags give, an empty heap after the image, and a stack below USER_TOP.
 */
#include "exec.h"
#include "kalloc.h"
#include "memlayout.h"
#include "proc.h"
#include "string.h"
#include "vm.h"

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD  1
#define PF_X     1
#define PF_W     2
#define PF_R     4
#define EM_RISCV 243

const struct prog *prog_find(const char *name)
{
	for (const struct prog *pr = user_progs; pr->name; pr++)
		if (strcmp(pr->name, name) == 0)
			return pr;
	return 0;
}

/* The page at va, mapped with at least `perm`; allocated zeroed if absent. */
static uint8_t *user_page(struct proc *p, uint64_t va, uint64_t perm)
{
	pte_t *pte = vm_walk(p->pagetable, va, 1);
	if (!pte)
		return 0;
	if (!(*pte & PTE_V)) {
		void *page = kzalloc();
		if (!page)
			return 0;
		*pte = PA2PTE(page) | PTE_V;
	}
	*pte |= perm | PTE_U | PTE_A;
	return (uint8_t *)PTE2PA(*pte);
}

static int load_segment(struct proc *p, const uint8_t *img, const struct elf64_phdr *ph)
{
	uint64_t perm = (ph->flags & PF_R ? PTE_R : 0) | (ph->flags & PF_W ? PTE_W | PTE_D : 0) |
	                (ph->flags & PF_X ? PTE_X : 0);
	if (ph->vaddr < USER_BASE || ph->vaddr + ph->memsz > USTACK_BASE || ph->filesz > ph->memsz)
		return -1;
	for (uint64_t va = PGROUNDDOWN(ph->vaddr); va < ph->vaddr + ph->memsz; va += PGSIZE) {
		uint8_t *page = user_page(p, va, perm);
		if (!page)
			return -1;
		/* the part of [vaddr, vaddr+filesz) that falls on this page */
		uint64_t lo = va > ph->vaddr ? va : ph->vaddr;
		uint64_t hi =
		    va + PGSIZE < ph->vaddr + ph->filesz ? va + PGSIZE : ph->vaddr + ph->filesz;
		if (lo < hi)
			memcpy(page + (lo - va), img + ph->offset + (lo - ph->vaddr), hi - lo);
	}
	uint64_t end = PGROUNDUP(ph->vaddr + ph->memsz);
	if (end > p->heap_start)
		p->heap_start = p->brk = end;
	return 0;
}

int exec_load(struct proc *p, const char *name)
{
	const struct prog *pr = prog_find(name);
	if (!pr)
		return -1;
	const uint8_t *img = pr->start;
	const struct elf64_ehdr *eh = (const void *)img;
	if (memcmp(eh->ident, "\177ELF\2\1", 6) != 0 || eh->machine != EM_RISCV)
		return -1;
	for (int i = 0; i < eh->phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, img + eh->phoff + i * eh->phentsize, sizeof(ph));
		if (ph.type == PT_LOAD && load_segment(p, img, &ph) < 0)
			return -1;
	}
	for (uint64_t va = USTACK_BASE; va < USER_TOP; va += PGSIZE)
		if (!user_page(p, va, PTE_R | PTE_W | PTE_D))
			return -1;
	p->tf.epc = eh->entry;
	p->tf.regs[REG_SP] = USER_TOP;
	return 0;
}
