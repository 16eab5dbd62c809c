/*
 * vm.c — Sv39 page tables (priv spec 1.12 §4.4).
 *
 * The kernel page table maps RAM VA == PA with 2 MiB superpages (level-1
 * leaves), U=0 and G=1 (global: the same in every address space, so ASID
 * switches keep their TLB entries), plus the device windows.  Each process
 * gets its own root: the root entries for RAM are shared with the kernel's;
 * root[0], which covers the first GiB, is a private level-1 table holding the
 * user pages below USER_TOP and copies of the device superpages above it.
 *
 * Every PTE we create already has A (and D if writable) set, so the hardware
 * never needs to update them (§4.4.1 permits either policy); the A/D test
 * builds its own PTEs with A=D=0 to watch what the machine does.
 */
#include "vm.h"
#include "kalloc.h"
#include "memlayout.h"
#include "printf.h"
#include "proc.h"
#include "string.h"

pte_t *kernel_pagetable;
uint64_t asid_mask; /* ASID bits the hardware implements (§4.1.11: WARL) */

extern char kernel_end[];

#define USER_L1_SLOTS (USER_TOP / MEGAPAGE)

/* The PTE for va at `level` (0 = 4 KiB leaf), allocating tables on the way. */
static pte_t *pte_at(pte_t *root, uint64_t va, int level, int alloc)
{
	pte_t *t = root;
	for (int l = 2; l > level; l--) {
		pte_t *e = &t[VPN(va, l)];
		if (*e & PTE_V) {
			if (*e & (PTE_R | PTE_W | PTE_X))
				return 0; /* a superpage is in the way */
			t = (pte_t *)PTE2PA(*e);
		} else {
			if (!alloc || !(t = kzalloc()))
				return 0;
			*e = PA2PTE(t) | PTE_V;
		}
	}
	return &t[VPN(va, level)];
}

pte_t *vm_walk(pte_t *root, uint64_t va, int alloc)
{
	return pte_at(root, va, 0, alloc);
}

int vm_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm)
{
	pte_t *pte = vm_walk(root, va, 1);
	if (!pte)
		return -1;
	*pte = PA2PTE(pa) | perm | PTE_V;
	return 0;
}

static void map_megapages(uint64_t start, uint64_t end, uint64_t perm)
{
	for (uint64_t a = start & ~(MEGAPAGE - 1); a < end; a += MEGAPAGE) {
		pte_t *pte = pte_at(kernel_pagetable, a, 1, 1);
		if (!pte)
			panic("map_megapages");
		*pte = PA2PTE(a) | perm | PTE_A | PTE_D | PTE_G | PTE_V;
	}
}

/* RAM from the kernel's load address on; OpenSBI's 2 MiB below stay unmapped. */
void vm_init(uint64_t ram_end)
{
	kernel_pagetable = kzalloc();
	map_megapages(KERNBASE, (uint64_t)kernel_end, PTE_R | PTE_W | PTE_X);
	map_megapages(((uint64_t)kernel_end + MEGAPAGE - 1) & ~(MEGAPAGE - 1), ram_end,
	              PTE_R | PTE_W);
}

void vm_map_device(uint64_t pa, uint64_t size)
{
	if (pa < USER_TOP)
		panic("device at %p overlaps user space", (void *)pa);
	map_megapages(pa, pa + size, PTE_R | PTE_W);
}

/*
 * Turn on Sv39 and learn how many ASID bits exist by writing all ones to the
 * field and reading back (§4.1.11).
 */
void vm_enable(void)
{
	csr_write(satp, MAKE_SATP(kernel_pagetable, SATP_ASID_MASK));
	sfence_vma_all();
	asid_mask = (csr_read(satp) >> SATP_ASID_SHIFT) & SATP_ASID_MASK;
	vm_switch(kernel_pagetable, 0);
}

/*
 * Without ASIDs every address space shares tag 0, so switching must flush.
 * With them, the TLB keeps each space's entries apart (§4.2.1).
 */
void vm_switch(pte_t *root, uint64_t asid)
{
	csr_write(satp, MAKE_SATP(root, asid & asid_mask));
	if (!asid_mask)
		sfence_vma_all();
}

pte_t *uvm_create(void)
{
	pte_t *root = kzalloc(), *l1 = kzalloc();
	if (!root || !l1) {
		if (root)
			kfree(root);
		if (l1)
			kfree(l1);
		return 0;
	}
	memcpy(root, kernel_pagetable, PGSIZE);
	pte_t *kl1 = (pte_t *)PTE2PA(kernel_pagetable[0]);
	for (int i = USER_L1_SLOTS; i < 512; i++)
		l1[i] = kl1[i];
	root[0] = PA2PTE(l1) | PTE_V;
	return root;
}

/* Calls fn on every user leaf below USER_TOP. */
static int for_each_user_leaf(pte_t *root, int (*fn)(uint64_t va, pte_t *pte, void *arg), void *arg)
{
	pte_t *l1 = (pte_t *)PTE2PA(root[0]);
	for (uint64_t i = 0; i < USER_L1_SLOTS; i++) {
		if (!(l1[i] & PTE_V))
			continue;
		pte_t *l0 = (pte_t *)PTE2PA(l1[i]);
		for (uint64_t j = 0; j < 512; j++)
			if ((l0[j] & PTE_V) && fn(i * MEGAPAGE + j * PGSIZE, &l0[j], arg) < 0)
				return -1;
	}
	return 0;
}

static int free_leaf(uint64_t va, pte_t *pte, void *arg)
{
	(void)va, (void)arg;
	kfree((void *)PTE2PA(*pte));
	return 0;
}

void uvm_free(pte_t *root)
{
	for_each_user_leaf(root, free_leaf, 0);
	pte_t *l1 = (pte_t *)PTE2PA(root[0]);
	for (int i = 0; i < (int)USER_L1_SLOTS; i++)
		if (l1[i] & PTE_V)
			kfree((void *)PTE2PA(l1[i]));
	kfree(l1);
	kfree(root);
}

static int copy_leaf(uint64_t va, pte_t *pte, void *to)
{
	void *page = kalloc();
	if (!page)
		return -1;
	memcpy(page, (void *)PTE2PA(*pte), PGSIZE);
	if (vm_map(to, va, (uint64_t)page, *pte & 0xff & ~PTE_V) < 0) {
		kfree(page);
		return -1;
	}
	return 0;
}

int uvm_copy(pte_t *from, pte_t *to)
{
	return for_each_user_leaf(from, copy_leaf, to);
}

/*
 * Demand paging: a fault on an unmapped page of the heap (between the end of
 * the program image and the break) gets a fresh zeroed page.  A PTE going
 * from invalid to valid still needs an sfence.vma: without Svvptc the
 * hardware may have cached the invalid entry (§4.2.1).
 */
int uvm_demand(struct proc *p, uint64_t va)
{
	va = PGROUNDDOWN(va);
	if (va < p->heap_start || va >= p->brk)
		return -1;
	pte_t *pte = vm_walk(p->pagetable, va, 1);
	if (!pte || (*pte & PTE_V))
		return -1;
	void *page = kzalloc();
	if (!page)
		return -1;
	*pte = PA2PTE(page) | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D | PTE_V;
	sfence_vma_addr(va);
	p->faults++;
	return 0;
}

/* Every page of [va, va+n) is a user page with the rights needed, or -1. */
static int user_range_ok(struct proc *p, uint64_t va, size_t n, uint64_t need)
{
	if (va + n < va || va + n > USER_TOP)
		return -1;
	for (uint64_t a = PGROUNDDOWN(va); a < va + n; a += PGSIZE) {
		pte_t *pte = vm_walk(p->pagetable, a, 0);
		if ((!pte || !(*pte & PTE_V)) && uvm_demand(p, a) == 0)
			pte = vm_walk(p->pagetable, a, 0);
		if (!pte || (*pte & (need | PTE_U | PTE_V)) != (need | PTE_U | PTE_V))
			return -1;
	}
	return 0;
}

/*
 * With sstatus.SUM = 1 the kernel may load and store U=1 pages (§4.1.1.2);
 * it stays 0 everywhere else so a stray kernel access to user memory faults.
 */
int copyin(struct proc *p, void *dst, uint64_t src, size_t n)
{
	if (user_range_ok(p, src, n, PTE_R) < 0)
		return -1;
	csr_set(sstatus, SSTATUS_SUM);
	memcpy(dst, (const void *)src, n);
	csr_clear(sstatus, SSTATUS_SUM);
	return 0;
}

int copyout(struct proc *p, uint64_t dst, const void *src, size_t n)
{
	if (user_range_ok(p, dst, n, PTE_W) < 0)
		return -1;
	csr_set(sstatus, SSTATUS_SUM);
	memcpy((void *)dst, src, n);
	csr_clear(sstatus, SSTATUS_SUM);
	return 0;
}
