/*
 * popek's page tables (priv spec 1.12 §4.5, Sv48: four levels of 512
 * entries, leaves allowed at every level).  Mappings use the largest page
 * the alignment allows: 1 GiB, 2 MiB, or 4 KiB.
 */
#include "arch/riscv/mmu.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/vcsr.h"
#include "core/machine.h"
#include "core/mem.h"
#include "core/panic.h"

#define LEVELS          4
#define SATP_MODE_SV57  (10UL << 60)
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK  (0xffffUL << SATP_ASID_SHIFT)

static uint64_t root_pa;
static uint64_t asid_mask; /* the ASID bits this hart implements, as a mask */

static uint64_t *table(uint64_t pa)
{
	return pa_to_va(pa);
}

static unsigned vpn(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & 511;
}

static void map_one(uint64_t root, uint64_t va, uint64_t pa, int level, uint64_t perm)
{
	uint64_t t = root;
	for (int l = LEVELS - 1; l > level; l--) {
		uint64_t *pte = &table(t)[vpn(va, l)];
		if (!(*pte & PTE_V)) {
			*pte = (page_alloc() >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
		} else if (*pte & (PTE_R | PTE_W | PTE_X)) {
			panic("mmu: %lx already mapped by a larger page", va);
		}
		t = (*pte >> PTE_PPN_SHIFT) << PAGE_SHIFT;
	}
	table(t)[vpn(va, level)] =
	    (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | perm | PTE_V | PTE_A | PTE_D;
}

void mmu_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
	uint64_t end = pa + size;
	while (pa < end) {
		int level = 2;
		while (level > 0) {
			uint64_t span = PAGE_SIZE << (9 * level);
			if ((pa | va) % span == 0 && end - pa >= span)
				break;
			level--;
		}
		map_one(root, va, pa, level, perm);
		uint64_t step = PAGE_SIZE << (9 * level);
		pa += step;
		va += step;
	}
}

static void map_device(uint64_t base, uint64_t size)
{
	uint64_t start = base & ~(PAGE_SIZE - 1);
	uint64_t end = (base + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	mmu_map(root_pa, DIRECT_MAP_BASE + start, start, end - start, PTE_R | PTE_W | PTE_G);
}

/*
 * Whether the hart has Sv57, which an Sv57 guest's shadows need: the
 * board's device tree says "riscv,sv48" while its hart takes Sv57, so the
 * hart is asked (§4.1.11: a MODE it lacks leaves satp as it was).  The probe
 * root leads through slot 511 to popek's own root, where the direct map is
 * at slot 510 as before: 0xffffff00_00000000 translates alike in both.
 */
static void probe_sv57(void)
{
	uint64_t probe = page_alloc();
	table(probe)[511] = (root_pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
	csr_write(satp, SATP_MODE_SV57 | probe >> PAGE_SHIFT);
	sfence_vma_all();
	vcsr_sv57 = csr_read(satp) >> 60 == SATP_MODE_SV57 >> 60;
	csr_write(satp, SATP_MODE_SV48 | root_pa >> PAGE_SHIFT);
	sfence_vma_all();
	page_free(probe);
}

void mmu_init(const struct machine *m)
{
	if (m->paging_bits < 48)
		panic("mmu: popek needs Sv48 (the tree says mmu-type \"%s\")", m->mmu);
	root_pa = page_alloc();
	for (int i = 0; i < m->nram; i++)
		mmu_map(root_pa, DIRECT_MAP_BASE + m->ram[i].base, m->ram[i].base, m->ram[i].size,
		        PTE_R | PTE_W | PTE_X | PTE_G);
	if (m->uart.present)
		map_device(m->uart.base, m->uart.size);
	if (m->plic.present)
		map_device(m->plic.base, m->plic.size);
	for (int i = 0; i < m->nvirtio; i++)
		map_device(m->virtio[i].base, m->virtio[i].size);

	sfence_vma_all();
	/* §4.1.11: ASID is WARL; all ones written read back as the bits implemented. */
	csr_write(satp, SATP_MODE_SV48 | SATP_ASID_MASK | root_pa >> PAGE_SHIFT);
	asid_mask = (csr_read(satp) & SATP_ASID_MASK) >> SATP_ASID_SHIFT;
	csr_write(satp, SATP_MODE_SV48 | root_pa >> PAGE_SHIFT);
	sfence_vma_all();
	probe_sv57();
}

void mmu_load_own(void)
{
	csr_write(satp, SATP_MODE_SV48 | root_pa >> PAGE_SHIFT);
	sfence_vma_all();
}

uint64_t mmu_root(void)
{
	return root_pa;
}

uint64_t mmu_asid_mask(void)
{
	return asid_mask;
}

void mmu_fence_asid(uint64_t asid)
{
	__asm__ volatile("sfence.vma x0, %0" ::"r"(asid) : "memory");
}

bool mmu_asids_enough(uint64_t needed)
{
	return needed - 1 <= asid_mask;
}
