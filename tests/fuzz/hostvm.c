/* The host stand-in for popek's machine (hostvm.h). */
#include "hostvm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/riscv/inject.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/mmu.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/trap.h"
#include "core/mem.h"
#include "core/panic.h"

#define MIB        (1UL << 20)
#define RAM_MAX    (8 * MIB)
#define ARENA_SIZE (16 * MIB) /* two shadow pools of 16 cached spaces, a second VM */
#define SHARED_MAX 64
#define LEVELS     4

struct hostvm_stats hostvm_stats;

static uint8_t *ram_area;   /* RAM_MAX, 2 MiB-aligned: VM RAM */
static uint8_t *arena;      /* mem_alloc_range(): shadow pools, second VM's RAM */
static uint64_t arena_used; /* bytes handed out */
static uint64_t *popek_root;
static struct vm vms[2];
static uint8_t shared[SHARED_MAX][4096] __attribute__((aligned(4096)));
static unsigned shared_budget, shared_used;
static uint64_t shared_free;
static uint64_t csrs[8];

static void *map_aligned(uint64_t size)
{
	uint8_t *p =
	    mmap(NULL, size + 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		abort();
	return (void *)(((uint64_t)p + 2 * MIB - 1) & ~(2 * MIB - 1));
}

/* ---- what popek's other files give the code under test ---- */

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("popek panic: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

uint64_t mem_alloc_range(uint64_t size, uint64_t align)
{
	uint64_t at = (arena_used + align - 1) & ~(align - 1);
	if (at + size > ARENA_SIZE)
		return 0;
	arena_used = at + size;
	return va_to_pa(arena + at);
}

uint64_t page_alloc(void)
{
	uint64_t pa = shared_free;
	if (pa) {
		shared_free = *(uint64_t *)pa_to_va(pa);
	} else {
		if (shared_used >= shared_budget)
			panic("mem: out of memory for page tables");
		pa = va_to_pa(shared[shared_used++]);
	}
	hostvm_stats.shared_pages_taken++;
	memset(pa_to_va(pa), 0, 4096);
	return pa;
}

void page_free(uint64_t pa)
{
	*(uint64_t *)pa_to_va(pa) = shared_free;
	shared_free = pa;
}

uint64_t mmu_root(void)
{
	return va_to_pa(popek_root);
}

uint64_t mmu_asid_mask(void)
{
	return 0xffff;
}

bool mmu_asids_enough(uint64_t needed)
{
	return needed - 1 <= 0xffff;
}

/* As trap.c's, without the wedge detector (which needs the console). */
enum trap_action trap_reflect(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	v->stats.reflected++;
	v->note = "reflected";
	vcpu_inject_trap(v, cause, tval);
	return TRAP_RESUME;
}

/* timer = real: the guest reads the hart's time (the host stand-in's "time" CSR). */
uint64_t vcpu_guest_time(const struct vcpu *v)
{
	(void)v;
	return host_csr_read("time");
}

bool hostvm_line_seip;

/* sync_interrupts() of vcpu.c, for the one line a host test raises. */
bool vcpu_ready(struct vcpu *v)
{
	v->csr.seip_line = hostvm_line_seip;
	v->irq_stale = false;
	return true;
}

void vcpu_fp_spill(struct vcpu *v)
{
	(void)v; /* the host VM's FP registers live in v->fp */
}

void vcpu_fp_fill(struct vcpu *v)
{
	(void)v;
}

static unsigned csr_slot(const char *csr)
{
	static const char *const names[] = {"satp",  "sstatus", "sie",    "scounteren",
	                                    "cycle", "time",    "instret"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(csr, names[i]))
			return i;
	}
	return 7;
}

uint64_t host_csr_read(const char *csr)
{
	return csrs[csr_slot(csr)];
}

void host_csr_write(const char *csr, uint64_t v)
{
	csrs[csr_slot(csr)] = v;
}

void mmu_fence_asid(uint64_t asid)
{
	hostvm_stats.fence_asid++;
	hostvm_stats.last_asid = asid;
}

void host_sfence_vma(uint64_t va, uint64_t asid, int all)
{
	if (all) {
		hostvm_stats.fence_all++;
		return;
	}
	hostvm_stats.fence_page++;
	hostvm_stats.last_va = va;
	hostvm_stats.last_asid = asid;
}

/* ---- the fake device: 32 doublewords of registers ---- */

static uint64_t mmio_regs[HOSTVM_MMIO_SIZE / 8];

static int mmio_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	(void)dev;
	if (off + width > HOSTVM_MMIO_SIZE || (off & (width - 1)))
		return -1;
	hostvm_stats.mmio_reads++;
	uint64_t v;
	memcpy(&v, (uint8_t *)mmio_regs + (off & ~7UL), 8);
	*val = width == 8 ? v : (v >> (8 * (off & 7))) & ((1UL << (8 * width)) - 1);
	return 0;
}

static int mmio_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	(void)dev;
	if (off + width > HOSTVM_MMIO_SIZE || (off & (width - 1)))
		return -1;
	hostvm_stats.mmio_writes++;
	memcpy((uint8_t *)mmio_regs + off, &val, width);
	return 0;
}

static const struct mmio_ops mmio_fake = {mmio_read, mmio_write};

/* ---- VMs ---- */

static void setup_once(void)
{
	if (ram_area)
		return;
	ram_area = map_aligned(RAM_MAX);
	arena = map_aligned(ARENA_SIZE);
	popek_root = aligned_alloc(4096, 4096);
	memset(popek_root, 0, 4096);
	/* popek's direct map, as the boot table has it: one 512 GiB leaf, U = 0 */
	popek_root[DIRECT_MAP_SLOT] = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G;
}

static struct vcpu *make_vm(struct vm *vm, int id, uint8_t *ram, uint64_t size, bool firmware)
{
	memset(vm, 0, sizeof(*vm));
	watch_init(vm); /* as vm_boot(): no watch, no step (a guest's triggers add some) */
	vm->id = id;
	snprintf(vm->name, sizeof(vm->name), "host%d", id);
	vm->ram_gpa = HOSTVM_RAM_GPA;
	vm->ram_size = size;
	vm->ram_hpa = va_to_pa(ram);
	if (emul_add(&vm->emul, HOSTVM_MMIO_BASE, HOSTVM_MMIO_SIZE, &mmio_fake, NULL) < 0)
		abort();
	struct vcpu *v = &vm->vcpu;
	v->vm = vm;
	v->pc = HOSTVM_RAM_GPA;
	v->state = VCPU_RUNNABLE;
	if (firmware) {
		v->mode = VMODE_M;
		vcsr_reset_m(&v->csr);
	} else {
		v->mode = VMODE_S;
		vcsr_reset_sbi(&v->csr, v->pc);
	}
	if (shadow_init(&v->shadow, size, 1 + (unsigned)id * SHADOW_ASIDS) < 0)
		panic("hostvm: no room for the shadow pool");
	return v;
}

struct vcpu *hostvm_create(uint64_t ram, bool firmware, unsigned shared_pages)
{
	setup_once();
	if (ram > RAM_MAX || (ram & (2 * MIB - 1)) || !ram)
		abort();
	/* Zero what the last input touched (the kernel drops the pages); past RAM, no access. */
	madvise(ram_area, RAM_MAX, MADV_DONTNEED);
	if (mprotect(ram_area, RAM_MAX, PROT_NONE) < 0 ||
	    mprotect(ram_area, ram, PROT_READ | PROT_WRITE) < 0)
		abort();
	memset(&hostvm_stats, 0, sizeof(hostvm_stats));
	hostvm_line_seip = false;
	memset(mmio_regs, 0, sizeof(mmio_regs));
	memset(csrs, 0, sizeof(csrs));
	arena_used = 0;
	shared_budget = shared_pages < SHARED_MAX ? shared_pages : SHARED_MAX;
	shared_used = 0;
	shared_free = 0;
	return make_vm(&vms[0], 0, ram_area, ram, firmware);
}

struct vcpu *hostvm_create_second(uint64_t ram)
{
	uint64_t pa = mem_alloc_range(ram, 2 * MIB);
	if (!pa)
		abort();
	memset(pa_to_va(pa), 0, ram);
	return make_vm(&vms[1], 1, pa_to_va(pa), ram, false);
}

void *hostvm_gpa(uint64_t gpa)
{
	void *p = vm_gpa_to_hva(&vms[0], gpa, 1);
	if (!p)
		abort();
	return p;
}

/* ---- the invariants ---- */

#define FAIL(...)                                                  \
	do {                                                       \
		fprintf(stderr, "shadow invariant: " __VA_ARGS__); \
		fputc('\n', stderr);                               \
		abort();                                           \
	} while (0)

static uint64_t *table(uint64_t pa)
{
	return pa_to_va(pa);
}

/*
 * Walks table pa of `level` in a tree whose top level is `top` (3: Sv48,
 * 4: Sv57).  Popek's slot 510 lies in the root of an Sv48 tree, and in the
 * upper table below root slot 511 of an Sv57 one (`upper`: that table,
 * made with the tree, not counted among its pages).
 */
static void walk_table(const struct vcpu *v, int view, uint64_t pa, int level, int top,
                       uint64_t upper, uint64_t va, uint64_t *tables, uint64_t *leaves,
                       void (*fn)(void *, int, uint64_t, int, uint64_t), void *ctx)
{
	const struct shadow *s = &v->shadow;
	const struct vm *vm = v->vm;
	uint64_t *t = table(pa);
	for (int i = 0; i < 512; i++) {
		uint64_t pte = t[i];
		bool popek_path = level == top || (level == top - 1 && pa == upper);
		if (popek_path && top == 4 && level == 4 && i == 511) {
			if (pte != ((upper >> 12) << 10 | PTE_V))
				FAIL("view %d: Sv57 root slot 511 is %lx, not its upper table",
				     view, pte);
			walk_table(v, view, upper, 3, top, upper, ~0UL << 48, tables, leaves, fn,
			           ctx);
			continue;
		}
		if (popek_path && level == 3 && i == DIRECT_MAP_SLOT && (top == 3 || pa == upper)) {
			if (pte != popek_root[DIRECT_MAP_SLOT])
				FAIL("view %d: slot 510 is %lx, not popek's", view, pte);
			continue;
		}
		if (!(pte & PTE_V))
			continue;
		uint64_t e_va = va | (uint64_t)i << (12 + 9 * level);
		if (level == top && (i & 256))
			e_va |= ~0UL << (12 + 9 * top + 8); /* sign-extend */
		uint64_t target = (pte >> 10) << 12;
		if (pte & (PTE_R | PTE_W | PTE_X)) {
			uint64_t size = 4096UL << (9 * level);
			if ((pte & (PTE_R | PTE_W)) == PTE_W)
				FAIL("view %d va %lx: W without R", view, e_va);
			if (!(pte & PTE_U))
				FAIL("view %d va %lx: a guest leaf with U = 0", view, e_va);
			if (target < vm->ram_hpa || target + size > vm->ram_hpa + vm->ram_size ||
			    (target & (size - 1)))
				FAIL("view %d va %lx: leaf %lx+%lx outside the VM's RAM", view,
				     e_va, target, size);
			++*leaves;
			if (fn)
				fn(ctx, view, e_va, level, pte);
			continue;
		}
		if (level == 0)
			FAIL("view %d va %lx: V with no R, W or X at level 0 (%lx)", view, e_va,
			     pte);
		if (target < s->pool_base || target >= s->pool_base + s->pool_pages * 4096)
			FAIL("view %d va %lx: table %lx outside the vCPU's pool", view, e_va,
			     target);
		/* a global tree's table, linked: counted with that tree, walked for its leaves */
		uint64_t own = 0, *count = pte & SHADOW_PTE_SHARED ? &own : tables;
		++*count;
		walk_table(v, view, target, level - 1, top, upper, e_va, count, leaves, fn, ctx);
	}
}

static void walk(const struct vcpu *v, int view, const struct shadow_tree *t, uint64_t *tables,
                 uint64_t *leaves, void (*fn)(void *, int, uint64_t, int, uint64_t), void *ctx)
{
	if (t->levels != LEVELS && t->levels != LEVELS + 1)
		FAIL("view %d: a tree of %d levels", view, t->levels);
	if (t->levels == LEVELS + 1 && !t->upper)
		FAIL("view %d: an Sv57 tree without its upper table", view);
	walk_table(v, view, t->root, t->levels - 1, t->levels - 1, t->upper, 0, tables, leaves, fn,
	           ctx);
}

/* The tree of `view` in cached space `space` (ignored for an unpaged view). */
static const struct shadow_tree *root_of(const struct vcpu *v, int space, int view)
{
	if (view >= SHADOW_PAGED_FIRST && view < SHADOW_PAGED_FIRST + SHADOW_PAGED)
		return &v->shadow.space[space].tree[view - SHADOW_PAGED_FIRST];
	return &v->shadow.fixed[view];
}

uint64_t hostvm_check_shadow(const struct vcpu *v)
{
	uint64_t tables = 0, leaves = 0;
	for (int view = 0; view < VIEW_COUNT; view++) {
		bool paged = view >= SHADOW_PAGED_FIRST && view < SHADOW_PAGED_FIRST + SHADOW_PAGED;
		for (int sp = 0; sp < (paged ? SHADOW_SPACES : 1); sp++) {
			uint64_t before = tables + leaves;
			walk(v, view, root_of(v, sp, view), &tables, &leaves, NULL, NULL);
			const struct shadow_tree *t =
			    paged ? &v->shadow.space[sp].tree[view - SHADOW_PAGED_FIRST]
			          : &v->shadow.fixed[view];
			/* an empty tree need not be fenced when emptied: it must really be empty */
			if (!t->live && tables + leaves != before)
				FAIL("view %d space %d: not live, but holds entries", view, sp);
			if (t->stale != SHADOW_STALE_NONE)
				FAIL("view %d space %d: a fence left due", view, sp);
		}
	}
	for (int p = 0; p < SHADOW_PAGED; p++) {
		uint64_t g = 0, before = tables;
		walk(v, SHADOW_PAGED_FIRST + p, &v->shadow.global[p], &tables, &g, NULL, NULL);
		if (!v->shadow.global[p].live && tables + g != before)
			FAIL("global tree %d: not live, but holds entries", p);
		if (v->shadow.global[p].stale != SHADOW_STALE_NONE)
			FAIL("global tree %d: a fence left due", p);
	}
	if (tables != v->shadow.pages)
		FAIL("%lu table pages in the trees, shadow.pages says %lu", tables,
		     v->shadow.pages);
	/* every tree's list of own table pages closes after npages, and they add up */
	uint64_t owned = 0;
	for (int t = 0; t < VIEW_COUNT + (SHADOW_SPACES + 1) * SHADOW_PAGED; t++) {
		const struct shadow_tree *tr =
		    t < VIEW_COUNT ? &v->shadow.fixed[t]
		    : t < VIEW_COUNT + SHADOW_SPACES * SHADOW_PAGED
		        ? &v->shadow.space[(t - VIEW_COUNT) / SHADOW_PAGED]
		               .tree[(t - VIEW_COUNT) % SHADOW_PAGED]
		        : &v->shadow.global[t - VIEW_COUNT - SHADOW_SPACES * SHADOW_PAGED];
		uint32_t i = tr->own;
		for (uint32_t n = 0; n < tr->npages; n++) {
			if (!i || i > v->shadow.pool_pages)
				FAIL("tree %d: its list of table pages breaks off", t);
			i = v->shadow.link[i - 1].next;
		}
		if (i != tr->own)
			FAIL("tree %d: its list of %u table pages does not close", t, tr->npages);
		owned += tr->npages;
	}
	if (owned != v->shadow.pages)
		FAIL("the trees own %lu table pages, shadow.pages says %lu", owned,
		     v->shadow.pages);
	uint64_t listed = 0;
	for (uint64_t pa = v->shadow.pool_free; pa; pa = *table(pa))
		if (++listed > v->shadow.pool_pages)
			FAIL("the pool's free list loops");
	if (v->shadow.pool_used - listed != tables + SHADOW_ROOTS)
		FAIL("pool: %lu pages taken, %lu free again, %lu in the trees: a leak",
		     v->shadow.pool_used, listed, tables + SHADOW_ROOTS);
	if (v->shadow.pages > v->shadow.page_limit)
		FAIL("%lu table pages, past the limit of %lu", v->shadow.pages,
		     v->shadow.page_limit);
	for (int i = 0; i < SHADOW_SPACES; i++)
		for (int j = 0; j < i; j++)
			if (v->shadow.space[i].key != SHADOW_NO_KEY &&
			    v->shadow.space[i].key == v->shadow.space[j].key)
				FAIL("spaces %d and %d both cache %lx", j, i,
				     v->shadow.space[i].key);
	return leaves;
}

void hostvm_each_leaf(const struct vcpu *v, int view,
                      void (*fn)(void *ctx, int view, uint64_t va, int level, uint64_t pte),
                      void *ctx)
{
	hostvm_each_space_leaf(v, (int)v->shadow.cur, view, fn, ctx);
}

void hostvm_each_space_leaf(const struct vcpu *v, int space, int view,
                            void (*fn)(void *ctx, int view, uint64_t va, int level, uint64_t pte),
                            void *ctx)
{
	uint64_t tables = 0, leaves = 0;
	walk(v, view, root_of(v, space, view), &tables, &leaves, fn, ctx);
}
