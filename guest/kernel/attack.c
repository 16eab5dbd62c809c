/*
 * attack.c — mode=attack: a guest that tries every way it knows out of its
 * virtual machine (issue 5, isolation).
 *
 * Each attempt reaches for something a VM must not have — memory past its
 * RAM, devices the device tree does not give it, M-mode and hypervisor
 * state, the monitor's own address range — or floods the monitor with
 * requests (ecall, wfi, sfence/satp storms).  An attempt is *blocked* when
 * the guest gets exactly what the bare virt board (QEMU 7.2 + OpenSBI 1.1)
 * gives a kernel that tries the same thing: the same trap (scause, sepc,
 * stval), the same SBI error, the same CSR value.  Output, one line per
 * attempt, identical on every run:
 *
 *   blocked NAME: what happened
 *   ESCAPED NAME: what happened
 *   n/a NAME: why                 the machine does have what NAME reaches for
 *   N passed, N failed            passed = blocked; n/a lines are not counted
 *
 * then power off.  An attempt is n/a when the device tree says the machine
 * has the thing it aims at: a device window it lists, an MMU mode its
 * mmu-type names, an extension its riscv,isa names.  In a popek VM only the
 * virtio slots of the VM's own disks can be.  On the bare board (`popek run
 * --bare`) these are (QEMU 7.2 virt):
 *
 *   virtio-slot-0..7   the board always has 8 virtio-mmio slots
 *   host-test-device, host-rtc, host-fw-cfg, host-flash, host-pcie-ecam
 *                      the board has them (and a store to the test device
 *                      would power it off, so only loads are ever tried)
 *   satp-mode-9        its mmu-type is riscv,sv48, and the hart takes Sv48
 *   satp-mode-10       the hart takes Sv57 too, though mmu-type says sv48
 *   csr-stimecmp       its hart has Sstc
 *   dbcn-*             OpenSBI 1.1 has no DBCN (so nothing to attack)
 *
 * Every other attempt gives the same line on both.  The CLINT is attempted
 * on both: the board lists it, but OpenSBI keeps it M-mode only with a PMP
 * entry, so S-mode gets access faults there too.  The UART's window in the
 * device tree is 0x100 bytes, but the chip answers only at the first 8 on
 * both.  The ecall storm leaves out PMU (see sbi_call_is_harmful).
 */
#include "attack.h"
#include "fdt.h"
#include "kalloc.h"
#include "main.h"
#include "memlayout.h"
#include "printf.h"
#include "probe.h"
#include "riscv.h"
#include "sbi.h"
#include "string.h"
#include "timer.h"
#include "trap.h"
#include "vm.h"

enum verdict { BLOCKED, ESCAPED, NOT_APPLICABLE };

static char what[160];

#define VERDICT(v, ...)                                    \
	do {                                               \
		snprintf(what, sizeof(what), __VA_ARGS__); \
		return (v);                                \
	} while (0)

/* Scratch virtual addresses in the kernel's table, one per leaf size. */
#define MEGA_VA    (TEST_VA + MEGAPAGE) /* a level-1 slot of root[0], unused by the kernel */
#define GIGA_VA    0x40000000UL         /* root[1]: between the devices and RAM */
#define GIGAPAGE   (1UL << 30)
#define PA_LIMIT   (1UL << 56)          /* Sv39 PTEs name 56-bit physical addresses */
#define POPEK_VA   0xffffff0080200000UL /* where popek runs, in its own address space */
#define PTE_RWXAD  (PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define CLINT_BASE 0x2000000UL /* where the virt board has it */
#define CLINT_SIZE 0x10000UL
#define UART_BASE  0x10000000UL

/* SBI (spec v2.0): the errors and extensions the attempts use. */
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_LOWEST            -13 /* v3.0 §3.2 lists -1 .. -13 */
#define SBI_EXT_IPI               0x735049
#define SBI_EXT_RFENCE            0x52464e43
#define SBI_EXT_HSM               0x48534d
#define SBI_EXT_PMU               0x504d55
#define SBI_EXT_SUSP              0x53555350

/* ---- small helpers ---- */

static const char *const cause_names[NCAUSES] = {
    [CAUSE_MISALIGNED_FETCH] = "misaligned fetch",
    [CAUSE_FETCH_ACCESS] = "instruction access fault",
    [CAUSE_ILLEGAL_INSN] = "illegal instruction",
    [CAUSE_BREAKPOINT] = "breakpoint",
    [CAUSE_MISALIGNED_LOAD] = "misaligned load",
    [CAUSE_LOAD_ACCESS] = "load access fault",
    [CAUSE_MISALIGNED_STORE] = "misaligned store",
    [CAUSE_STORE_ACCESS] = "store access fault",
    [CAUSE_USER_ECALL] = "ecall from U",
    [CAUSE_SUPERVISOR_ECALL] = "ecall from S",
    [CAUSE_FETCH_PAGE_FAULT] = "instruction page fault",
    [CAUSE_LOAD_PAGE_FAULT] = "load page fault",
    [CAUSE_STORE_PAGE_FAULT] = "store page fault",
};

static const char *cause_name(uint64_t cause)
{
	static char buf[24];
	if (cause < NCAUSES && cause_names[cause])
		return cause_names[cause];
	snprintf(buf, sizeof(buf), "scause %lu", cause);
	return buf;
}

/* xorshift64 with a fixed seed: the same "random" attempts on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15UL;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/*
 * Does the device tree list a device (a "reg" of any node but memory) that
 * S-mode can reach at pa?  Not the CLINT: OpenSBI keeps it M-mode only with
 * a PMP entry, so S-mode gets access faults there on the bare board too.
 */
static int fdt_lists(uint64_t pa)
{
	int depth = 0, memory = fdt_find_child(fdt_root(), "memory");
	if (pa >= CLINT_BASE && pa < CLINT_BASE + CLINT_SIZE)
		return 0;
	for (int off = fdt_root(); off >= 0; off = fdt_next_node(off, &depth)) {
		uint64_t base, size;
		for (int i = 0; off != memory && fdt_reg(off, i, &base, &size) == 0; i++)
			if (size && pa - base < size)
				return 1;
	}
	return 0;
}

/* Is `word` one of the '_'-separated pieces of the hart's riscv,isa string? */
static int isa_lists(const char *word)
{
	size_t n = strlen(word);
	for (const char *p = machine.isa; *p; p++)
		if (p > machine.isa && p[-1] == '_' && strncmp(p, word, n) == 0 &&
		    (p[n] == 0 || p[n] == '_'))
			return 1;
	return 0;
}

static const char *mmu_type(void)
{
	int cpus = fdt_find_child(fdt_root(), "cpus");
	int cpu = cpus >= 0 ? fdt_find_child(cpus, "cpu") : -1;
	const char *t = cpu >= 0 ? fdt_getprop(cpu, "mmu-type", 0) : 0;
	return t ? t : "";
}

/* ---- single accesses ---- */

enum access { LOAD, STORE, FETCH, LOAD32, STORE32 };

static const char *const access_names[] = {"load", "store", "fetch", "load", "store"};
static const uint64_t access_fault[] = {
    [LOAD] = CAUSE_LOAD_ACCESS,   [STORE] = CAUSE_STORE_ACCESS,   [FETCH] = CAUSE_FETCH_ACCESS,
    [LOAD32] = CAUSE_LOAD_ACCESS, [STORE32] = CAUSE_STORE_ACCESS,
};
static const uint64_t page_fault[] = {
    [LOAD] = CAUSE_LOAD_PAGE_FAULT,     [STORE] = CAUSE_STORE_PAGE_FAULT,
    [FETCH] = CAUSE_FETCH_PAGE_FAULT,   [LOAD32] = CAUSE_LOAD_PAGE_FAULT,
    [STORE32] = CAUSE_STORE_PAGE_FAULT,
};

/* What one access did: the trap it took (r.hit) or the value it read. */
struct outcome {
	struct trap_record r;
	uint64_t pc, value;
};

static struct outcome touch(uint64_t va, enum access acc, uint64_t value)
{
	struct outcome o = {.pc = va, .value = value};
	trap_expect(&o.r, acc == FETCH ? TRAP_RETURN : TRAP_SKIP);
	switch (acc) {
	case LOAD:
		o.value = probe_load(va, &o.pc);
		break;
	case STORE:
		probe_store(va, value, &o.pc);
		break;
	case LOAD32:
		o.value = probe_load32(va, &o.pc);
		break;
	case STORE32:
		probe_store32(va, (uint32_t)value, &o.pc);
		break;
	case FETCH:
		probe_exec(va);
		break;
	}
	trap_disarm();
	return o;
}

/*
 * The verdict on an access at va that the bare board answers with trap
 * `cause`.  A fetch is tried only once a load there has faulted: a fetch
 * that went through would run whatever is there.
 */
static enum verdict must_fault(uint64_t va, enum access acc, uint64_t cause)
{
	if (acc == FETCH && !touch(va, LOAD, 0).r.hit)
		VERDICT(ESCAPED, "a load there went through, so the fetch was not tried");
	struct outcome o = touch(va, acc, 0);
	if (!o.r.hit)
		VERDICT(ESCAPED, "the %s went through", access_names[acc]);
	if (o.r.cause != cause)
		VERDICT(ESCAPED, "%s, where the bare board gives %s", cause_name(o.r.cause),
		        cause_name(cause));
	if (o.r.epc != o.pc || o.r.tval != va)
		VERDICT(ESCAPED, "%s, but sepc or stval does not name the access",
		        cause_name(cause));
	VERDICT(BLOCKED, "%s", cause_name(cause));
}

/* Runs fn with translation off (satp = Bare, VA = PA; the kernel runs there too). */
static enum verdict with_satp_bare(enum verdict (*fn)(const void *), const void *arg)
{
	uint64_t saved = csr_read(satp);
	csr_write(satp, 0);
	sfence_vma_all();
	enum verdict v = fn(arg);
	csr_write(satp, saved);
	sfence_vma_all();
	return v;
}

/* ---- leaves naming what is not the VM's RAM ---- */

/* Where a leaf points: an address relative to one of these. */
enum base { RAM_START, RAM_END, RAM_END_GIG, ABSOLUTE };

/* What the bare board gives. */
enum expect { PAGE_FAULT, ACCESS_FAULT, DATA /* the VM's own RAM */ };

struct leaf_attack {
	const char *name;
	int level;      /* 0: 4 KiB leaf at TEST_VA; 1: 2 MiB at MEGA_VA; 2: 1 GiB at GIGA_VA */
	enum base base; /* the leaf names base + delta */
	int64_t delta;
	uint64_t rsvd;   /* PTE bits 63..54 to set */
	uint64_t offset; /* of the access inside the page */
	int past_ram;    /* offset counts from the VM's RAM size (a gigapage over RAM) */
	enum access acc;
	enum expect expect;
};

static const struct leaf_attack leaf_attacks[] = {
    /* 4 KiB leaves */
    {"pte-4k-ram-end-load", 0, RAM_END, 0, 0, 8, 0, LOAD, ACCESS_FAULT},
    {"pte-4k-ram-end-store", 0, RAM_END, 0, 0, 8, 0, STORE, ACCESS_FAULT},
    {"pte-4k-ram-end-fetch", 0, RAM_END, 0, 0, 0, 0, FETCH, ACCESS_FAULT},
    {"pte-4k-ram-end-plus-2m-load", 0, RAM_END, 2 << 20, 0, 8, 0, LOAD, ACCESS_FAULT},
    {"pte-4k-ram-end-plus-2m-store", 0, RAM_END, 2 << 20, 0, 8, 0, STORE, ACCESS_FAULT},
    {"pte-4k-pa-4g-load", 0, ABSOLUTE, 1L << 32, 0, 8, 0, LOAD, ACCESS_FAULT},
    {"pte-4k-pa-4g-store", 0, ABSOLUTE, 1L << 32, 0, 8, 0, STORE, ACCESS_FAULT},
    {"pte-4k-pa-0-load", 0, ABSOLUTE, 0, 0, 8, 0, LOAD, ACCESS_FAULT},
    {"pte-4k-pa-0-store", 0, ABSOLUTE, 0, 0, 8, 0, STORE, ACCESS_FAULT},
    {"pte-4k-pa-top-load", 0, ABSOLUTE, PA_LIMIT - PGSIZE, 0, 8, 0, LOAD, ACCESS_FAULT},
    /* reserved PTE bits (no Svnapot, Svpbmt): a page fault, never another page */
    {"pte-4k-reserved-bit-54", 0, RAM_END, -(4L << 20), 1UL << 54, 8, 0, LOAD, PAGE_FAULT},
    {"pte-4k-pbmt-bits", 0, RAM_END, -(4L << 20), 1UL << 61, 8, 0, LOAD, PAGE_FAULT},
    {"pte-4k-napot-bit", 0, RAM_END, -(4L << 20), 1UL << 63, 8, 0, LOAD, PAGE_FAULT},
    /* 2 MiB leaves */
    {"pte-2m-ram-end-load", 1, RAM_END, 0, 0, 0x1008, 0, LOAD, ACCESS_FAULT},
    {"pte-2m-ram-end-store", 1, RAM_END, 0, 0, 0x1ffff8, 0, STORE, ACCESS_FAULT},
    {"pte-2m-ram-end-fetch", 1, RAM_END, 0, 0, 0x1000, 0, FETCH, ACCESS_FAULT},
    {"pte-2m-ram-end-plus-2m-load", 1, RAM_END, 2 << 20, 0, 8, 0, LOAD, ACCESS_FAULT},
    {"pte-2m-pa-4g-store", 1, ABSOLUTE, 1L << 32, 0, 0x10008, 0, STORE, ACCESS_FAULT},
    {"pte-2m-misaligned", 1, RAM_END, -(4L << 20) + PGSIZE, 0, 8, 0, LOAD, PAGE_FAULT},
    /* 1 GiB leaves: one over the VM's RAM spans past its end */
    {"pte-1g-over-ram-last-word", 2, RAM_START, 0, 0, -8UL, 1, LOAD, DATA},
    {"pte-1g-over-ram-past-end-load", 2, RAM_START, 0, 0, 0, 1, LOAD, ACCESS_FAULT},
    {"pte-1g-over-ram-past-end-store", 2, RAM_START, 0, 0, 2 << 20, 1, STORE, ACCESS_FAULT},
    {"pte-1g-over-ram-past-end-fetch", 2, RAM_START, 0, 0, 4 << 20, 1, FETCH, ACCESS_FAULT},
    {"pte-1g-over-ram-top-load", 2, RAM_START, 0, 0, GIGAPAGE - 8, 0, LOAD, ACCESS_FAULT},
    {"pte-1g-above-ram-load", 2, RAM_END_GIG, 0, 0, 8, 0, LOAD, ACCESS_FAULT},
    {"pte-1g-pa-4g-store", 2, ABSOLUTE, 1L << 32, 0, 0x200008, 0, STORE, ACCESS_FAULT},
    {"pte-1g-pa-0-clint-load", 2, ABSOLUTE, 0, 0, 0x200bff8, 0, LOAD, ACCESS_FAULT},
    {"pte-1g-pa-top-load", 2, ABSOLUTE, PA_LIMIT - GIGAPAGE, 0, 8, 0, LOAD, ACCESS_FAULT},
    {"pte-1g-misaligned", 2, RAM_START, 2 << 20, 0, 8, 0, LOAD, PAGE_FAULT},
};

/* The kernel-table entry for a leaf of `level` at its scratch VA, or 0. */
static pte_t *leaf_slot(int level)
{
	if (level == 0)
		return vm_walk(kernel_pagetable, TEST_VA, 1);
	if (level == 2)
		return &kernel_pagetable[VPN(GIGA_VA, 2)];
	pte_t root0 = kernel_pagetable[0];
	if (!(root0 & PTE_V) || (root0 & (PTE_R | PTE_W | PTE_X)))
		return 0;
	return &((pte_t *)PTE2PA(root0))[VPN(MEGA_VA, 1)];
}

static const uint64_t leaf_va[] = {TEST_VA, MEGA_VA, GIGA_VA};

static enum verdict try_leaf(const void *arg)
{
	const struct leaf_attack *a = arg;
	uint64_t ram_size = machine.ram_end - machine.ram_base;
	uint64_t base = 0;
	switch (a->base) {
	case RAM_START:
		base = machine.ram_base;
		break;
	case RAM_END:
		base = machine.ram_end;
		break;
	case RAM_END_GIG:
		base = (machine.ram_end + GIGAPAGE - 1) & ~(GIGAPAGE - 1);
		break;
	case ABSOLUTE:
		break;
	}
	uint64_t pa = base + (uint64_t)a->delta;
	uint64_t offset = a->offset + (a->past_ram ? ram_size : 0);
	if (a->level == 2 && ram_size >= GIGAPAGE && a->base == RAM_START)
		VERDICT(NOT_APPLICABLE, "the VM's RAM fills the whole gigapage");
	if (a->expect != PAGE_FAULT && a->expect != DATA && fdt_lists(pa + offset))
		VERDICT(NOT_APPLICABLE, "the device tree lists a device there");
	pte_t *slot = leaf_slot(a->level);
	if (!slot || *slot)
		VERDICT(ESCAPED, "the scratch slot is in use: attempt not made");
	uint64_t va = leaf_va[a->level] + offset;
	*slot = PA2PTE(pa) | a->rsvd | PTE_RWXAD | PTE_V;
	sfence_vma_all();
	enum verdict v;
	if (a->expect == DATA) {
		uint64_t want =
		    *(volatile uint64_t *)(pa + offset); /* RAM, through the kernel's map */
		struct outcome o = touch(va, LOAD, 0);
		if (o.r.hit)
			snprintf(what, sizeof(what), "%s on the VM's own RAM",
			         cause_name(o.r.cause));
		else if (o.value != want)
			snprintf(what, sizeof(what),
			         "read a value that is not in the VM's RAM there");
		else
			snprintf(what, sizeof(what), "reads the VM's own last doubleword, as bare");
		v = !o.r.hit && o.value == want ? BLOCKED : ESCAPED;
	} else {
		v = must_fault(va, a->acc,
		               a->expect == PAGE_FAULT ? page_fault[a->acc] : access_fault[a->acc]);
	}
	*slot = 0;
	sfence_vma_all();
	return v;
}

/* ---- addresses with no leaf at all: non-canonical, popek's, past RAM with satp Bare ---- */

struct address_attack {
	const char *name;
	int satp_bare;
	uint64_t va; /* 0: the VM's RAM end */
	enum access acc;
	enum expect expect; /* PAGE_FAULT or ACCESS_FAULT */
};

static const struct address_attack address_attacks[] = {
    {"va-noncanonical-bit-38-load", 0, 1UL << 38, LOAD, PAGE_FAULT},
    {"va-noncanonical-bit-63-store", 0, 1UL << 63, STORE, PAGE_FAULT},
    {"va-popek-image-load", 0, POPEK_VA, LOAD, PAGE_FAULT},
    {"va-popek-image-store", 0, POPEK_VA, STORE, PAGE_FAULT},
    {"va-popek-image-fetch", 0, POPEK_VA, FETCH, PAGE_FAULT},
    {"bare-popek-image-load", 1, POPEK_VA, LOAD, ACCESS_FAULT},
    {"bare-popek-image-store", 1, POPEK_VA, STORE, ACCESS_FAULT},
    {"bare-popek-image-fetch", 1, POPEK_VA, FETCH, ACCESS_FAULT},
    {"bare-ram-end-load", 1, 0, LOAD, ACCESS_FAULT},
    {"bare-ram-end-store", 1, 0, STORE, ACCESS_FAULT},
    {"bare-pa-bit-47-load", 1, 1UL << 47, LOAD, ACCESS_FAULT},
    {"bare-pa-4g-store", 1, 1UL << 32, STORE, ACCESS_FAULT},
    {"bare-clint-mtimecmp-store", 1, 0x2004000, STORE, ACCESS_FAULT},
};

static enum verdict try_address_here(const void *arg)
{
	const struct address_attack *a = arg;
	uint64_t va = a->va ? a->va : machine.ram_end;
	return must_fault(va, a->acc,
	                  a->expect == PAGE_FAULT ? page_fault[a->acc] : access_fault[a->acc]);
}

static enum verdict try_address(const void *arg)
{
	const struct address_attack *a = arg;
	return a->satp_bare ? with_satp_bare(try_address_here, a) : try_address_here(a);
}

/* ---- device windows the VM does not have ---- */

struct device_attack {
	const char *name;
	uint64_t pa;
	int loads_only; /* a store there could hurt the bare board: never tried */
	int always;     /* tried even where listed: the DT's UART window is 0x100, the chip's 8 */
};

static const struct device_attack device_attacks[] = {
    {"clint-msip", 0x2000000, 0, 0},       {"clint-mtimecmp", 0x2004000, 0, 0},
    {"clint-mtime", 0x200bff8, 0, 0},      {"virtio-slot-0", 0x10001000, 0, 0},
    {"virtio-slot-1", 0x10002000, 0, 0},   {"virtio-slot-2", 0x10003000, 0, 0},
    {"virtio-slot-3", 0x10004000, 0, 0},   {"virtio-slot-4", 0x10005000, 0, 0},
    {"virtio-slot-5", 0x10006000, 0, 0},   {"virtio-slot-6", 0x10007000, 0, 0},
    {"virtio-slot-7", 0x10008000, 0, 0},   {"uart-beyond-8-bytes", 0x10000008, 0, 1},
    {"uart-window-end", 0x100000fc, 0, 1}, {"uart-past-window", 0x10000100, 0, 0},
    {"plic-past-window", 0xc600000, 0, 0}, {"host-test-device", 0x100000, 1, 0},
    {"host-rtc", 0x101000, 1, 0},          {"host-fw-cfg", 0x10100000, 1, 0},
    {"host-flash", 0x20000000, 1, 0},      {"host-pcie-ecam", 0x30000000, 1, 0},
};

/* The word at pa through a 4 KiB leaf at TEST_VA: a 32-bit load, then a store of 0. */
static enum verdict try_device(const void *arg)
{
	const struct device_attack *a = arg;
	if (!a->always && fdt_lists(a->pa))
		VERDICT(NOT_APPLICABLE, "the device tree lists a device there");
	pte_t *slot = leaf_slot(0);
	*slot = PA2PTE(a->pa & ~(PGSIZE - 1)) | PTE_R | PTE_W | PTE_A | PTE_D | PTE_V;
	sfence_vma_addr(TEST_VA);
	uint64_t va = TEST_VA + (a->pa & (PGSIZE - 1));
	enum verdict v = must_fault(va, LOAD32, CAUSE_LOAD_ACCESS);
	if (v == BLOCKED && !a->loads_only)
		v = must_fault(va, STORE32, CAUSE_STORE_ACCESS);
	*slot = 0;
	sfence_vma_addr(TEST_VA);
	if (v == BLOCKED)
		snprintf(what, sizeof(what), "%s",
		         a->loads_only ? "load access fault (loads only)"
		                       : "load and store access faults");
	return v;
}

/*
 * PLIC contexts past the VM's own (0: M, 1: S of its one hart): the board's
 * PLIC ignores writes to contexts it does not have and reads them as 0, and
 * so must the VM's, whatever the real PLIC behind it has there.
 */
static enum verdict plic_contexts(const void *arg)
{
	(void)arg;
	int node = fdt_find_compatible(-1, "riscv,plic0");
	uint64_t base, size;
	if (node < 0)
		node = fdt_find_compatible(-1, "sifive,plic-1.0.0");
	if (node < 0 || fdt_reg(node, 0, &base, &size) < 0)
		VERDICT(NOT_APPLICABLE, "no PLIC");
	static const uint32_t ctxs[] = {2, 3, 15, 0x3ff};
	for (unsigned i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		uint64_t regs[] = {0x2000 + 0x80 * ctxs[i], 0x200000 + 0x1000 * ctxs[i],
		                   0x200004 + 0x1000 * ctxs[i]};
		for (unsigned j = 0; j < 3; j++) {
			uint64_t va = base + regs[j]; /* the kernel maps the PLIC VA == PA */
			if (regs[j] >= size)
				continue;
			struct outcome w = touch(va, STORE32, j == 0 ? 0xffffffff : 7);
			struct outcome r = touch(va, LOAD32, 0);
			if (w.r.hit || r.r.hit)
				VERDICT(ESCAPED, "context %u: %s, where the board ignores it",
				        ctxs[i], cause_name(w.r.hit ? w.r.cause : r.r.cause));
			if (r.value != 0)
				VERDICT(ESCAPED, "context %u register 0x%lx kept a value", ctxs[i],
				        regs[j] & 0xfff);
		}
	}
	VERDICT(BLOCKED, "contexts 2, 3, 15, 1023 ignore writes and read 0");
}

/* ---- satp ---- */

static volatile uint64_t witness = 0x77697473;

/* Writes satp, reads it back and checks the kernel still runs; restores it. */
static uint64_t satp_round_trip(uint64_t val, int *ok)
{
	uint64_t saved = csr_read(satp);
	csr_write(satp, val);
	sfence_vma_all();
	uint64_t got = csr_read(satp);
	*ok = witness == 0x77697473;
	csr_write(satp, saved);
	sfence_vma_all();
	return got;
}

/*
 * MODE 9 (Sv48), 10 (Sv57), 15 (custom): the write must have no effect
 * (priv spec §4.1.11) unless the hart implements the mode.  The root used
 * is the kernel's table under one (Sv48) or two (Sv57) extra levels, so a
 * hart that does take the mode keeps running the kernel.  A hart taking a
 * mode beyond Sv39 where the device tree says more than Sv39 is the bare
 * board's business (QEMU 7.2 takes Sv57 though its mmu-type says sv48): n/a.
 */
static enum verdict satp_mode(const void *arg)
{
	uint64_t mode = (uint64_t)arg;
	pte_t *l4 = kzalloc(), *l3 = kzalloc();
	l3[0] = PA2PTE(kernel_pagetable) | PTE_V;
	l4[0] = PA2PTE(l3) | PTE_V;
	uint64_t root = mode == 10  ? (uint64_t)l4
	                : mode == 9 ? (uint64_t)l3
	                            : (uint64_t)kernel_pagetable;
	uint64_t saved = csr_read(satp);
	int alive;
	uint64_t got = satp_round_trip((mode << 60) | (root >> 12), &alive);
	kfree(l4);
	kfree(l3);
	if (got != saved && alive && got >> 60 == mode && strcmp(mmu_type(), "riscv,sv39") != 0)
		VERDICT(NOT_APPLICABLE, "the hart takes MODE %lu (mmu-type %s)", mode, mmu_type());
	if (got != saved)
		VERDICT(ESCAPED, "satp took MODE %lu", got >> 60);
	if (!alive)
		VERDICT(ESCAPED, "the kernel's memory changed");
	VERDICT(BLOCKED, "the write had no effect (priv spec §4.1.11)");
}

/* Sv39 and Bare take every ASID bit and read back exactly as written. */
static enum verdict satp_fields(const void *arg)
{
	int bare = arg != 0, alive;
	uint64_t val = bare ? (SATP_ASID_MASK << SATP_ASID_SHIFT) | 0x12345
	                    : MAKE_SATP(kernel_pagetable, SATP_ASID_MASK);
	uint64_t got = satp_round_trip(val, &alive);
	if (!alive)
		VERDICT(ESCAPED, "the kernel's memory changed under the new satp");
	if (got != val)
		VERDICT(ESCAPED, "read back with ASID 0x%lx, PPN 0x%lx",
		        (got >> SATP_ASID_SHIFT) & SATP_ASID_MASK, got & ((1UL << 44) - 1));
	VERDICT(BLOCKED, "MODE %s with ASID 0xffff reads back as written", bare ? "Bare" : "Sv39");
}

/* ---- storms ---- */

/*
 * One physical page behind thousands of virtual ones: every free root slot
 * points at one level-1 table whose entries all point at one level-0 table
 * whose leaves all name the page.  Reading 4096 different 2 MiB regions
 * makes a shadowing monitor build (and run out of, and throw away) its
 * tables over and over; every read must still see the page's current data.
 */
static enum verdict alias_storm(const void *arg)
{
	(void)arg;
	pte_t *l1 = kzalloc(), *l0 = kzalloc();
	uint64_t *data = kzalloc();
	int slots[512], nslots = 0;
	for (int i = 4; i < 512; i++)
		if (!kernel_pagetable[i])
			slots[nslots++] = i;
	for (int i = 0; i < 512; i++) {
		l1[i] = PA2PTE(l0) | PTE_V;
		l0[i] = PA2PTE(data) | PTE_R | PTE_W | PTE_A | PTE_D | PTE_V;
	}
	for (int i = 0; i < nslots; i++)
		kernel_pagetable[slots[i]] = PA2PTE(l1) | PTE_V;
	sfence_vma_all();
	int bad = 0, trapped = 0, n;
	for (n = 0; n < 4096 && !bad && !trapped; n++) {
		if (n % 256 == 0)
			data[0] = 0xa11a5000 + n; /* through the kernel's own map */
		uint64_t r = rng();
		uint64_t va = (uint64_t)slots[r % nslots] << 30 | ((r >> 16) & 511) << 21 |
		              ((r >> 32) & 511) << 12;
		va = (uint64_t)((int64_t)(va << 25) >> 25); /* sign-extend bit 38 */
		struct outcome o = touch(va, LOAD, 0);
		trapped = o.r.hit;
		bad = !trapped && o.value != 0xa11a5000 + n / 256 * 256;
	}
	for (int i = 0; i < nslots; i++)
		kernel_pagetable[slots[i]] = 0;
	sfence_vma_all();
	kfree(l1);
	kfree(l0);
	kfree(data);
	if (trapped)
		VERDICT(ESCAPED, "read %d trapped", n);
	if (bad)
		VERDICT(ESCAPED, "read %d saw another page", n);
	VERDICT(BLOCKED, "4096 reads through aliases in %d GiB slots all saw the one page", nslots);
}

/*
 * Remap, flush, check, thousands of times: 64 scratch pages each pointing
 * at one of 8 tagged pages, remapped at random and flushed by address, by
 * ASID, entirely, or by a satp write with a new ASID and a full flush, with
 * spells of satp Bare between.  A read that sees a page its PTE no longer
 * names after the flush would be a stale translation.
 */
static enum verdict sfence_satp_storm(const void *arg)
{
	(void)arg;
	enum { NPAGES = 8, NVAS = 64, ROUNDS = 3000 };
	uint64_t *pages[NPAGES];
	int map[NVAS];
	uint64_t asid = 0;
	for (int i = 0; i < NPAGES; i++) {
		pages[i] = kzalloc();
		pages[i][0] = 0x7a6000 + i;
	}
	for (int j = 0; j < NVAS; j++) {
		map[j] = j % NPAGES;
		*vm_walk(kernel_pagetable, TEST_VA + j * PGSIZE, 1) =
		    PA2PTE(pages[map[j]]) | PTE_R | PTE_W | PTE_A | PTE_D | PTE_V;
	}
	sfence_vma_all();
	int bad = -1, round, satp_writes = 0;
	for (round = 0; round < ROUNDS && bad < 0; round++) {
		uint64_t r = rng();
		int j = r % NVAS, k = (r >> 8) % NPAGES;
		uint64_t va = TEST_VA + j * PGSIZE;
		*vm_walk(kernel_pagetable, va, 0) =
		    PA2PTE(pages[k]) | PTE_R | PTE_W | PTE_A | PTE_D | PTE_V;
		map[j] = k;
		switch ((r >> 16) % 5) {
		case 0:
			sfence_vma_addr(va);
			break;
		case 1:
			sfence_vma_all();
			break;
		case 2:
			/* entries of other ASIDs may stay stale: each switch below flushes all */
			sfence_vma_asid(asid);
			break;
		case 3:
			asid = (r >> 24) & asid_mask;
			csr_write(satp, MAKE_SATP(kernel_pagetable, asid));
			sfence_vma_all();
			satp_writes++;
			break;
		case 4:
			csr_write(satp, 0);
			sfence_vma_all();
			if (*(volatile uint64_t *)pages[k] != 0x7a6000 + (uint64_t)k)
				bad = j;
			csr_write(satp, MAKE_SATP(kernel_pagetable, asid));
			sfence_vma_all();
			satp_writes += 2;
			break;
		}
		int j2 = (r >> 40) % NVAS;
		struct outcome o1 = touch(va, LOAD, 0), o2 = touch(TEST_VA + j2 * PGSIZE, LOAD, 0);
		if (o1.r.hit || o1.value != 0x7a6000 + (uint64_t)map[j])
			bad = j;
		else if (o2.r.hit || o2.value != 0x7a6000 + (uint64_t)map[j2])
			bad = j2;
	}
	vm_switch(kernel_pagetable, 0);
	sfence_vma_all();
	for (int j = 0; j < NVAS; j++)
		*vm_walk(kernel_pagetable, TEST_VA + j * PGSIZE, 0) = 0;
	sfence_vma_all();
	for (int i = 0; i < NPAGES; i++)
		kfree(pages[i]);
	if (bad >= 0)
		VERDICT(ESCAPED, "round %d: page %d read through a stale or wrong mapping", round,
		        bad);
	VERDICT(BLOCKED, "%d remaps with flushes and satp writes, every read current", ROUNDS);
}

/* An SBI call with all six arguments. */
static struct sbiret sbi_call6(uint64_t eid, uint64_t fid, const uint64_t a[6])
{
	register uint64_t a0 asm("a0") = a[0], a1 asm("a1") = a[1], a2 asm("a2") = a[2];
	register uint64_t a3 asm("a3") = a[3], a4 asm("a4") = a[4], a5 asm("a5") = a[5];
	register uint64_t a6 asm("a6") = fid, a7 asm("a7") = eid;
	asm volatile("ecall"
	             : "+r"(a0), "+r"(a1)
	             : "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a6), "r"(a7)
	             : "memory");
	return (struct sbiret){(long)a0, (long)a1};
}

/*
 * Calls that would stop, suspend or reset this VM, print, read the console,
 * or make the firmware dereference guest pointers (the v0.1 calls) are left
 * out; DBCN gets its own attempts below.  So is PMU, which only the bare
 * board has: OpenSBI 1.1's counter_fw_read with a bad counter index takes
 * an access fault in M-mode and hangs the board.
 */
static int sbi_call_is_harmful(uint64_t eid, uint64_t fid)
{
	return eid <= 0x0f || eid == SBI_EXT_SRST || eid == SBI_EXT_SUSP || eid == SBI_EXT_PMU ||
	       (eid == SBI_EXT_HSM && (fid == 1 || fid == 3)) || (eid == SBI_EXT_DBCN && fid <= 2);
}

static enum verdict ecall_storm(const void *arg)
{
	(void)arg;
	static const uint64_t known[] = {SBI_EXT_BASE,   SBI_EXT_TIME, SBI_EXT_IPI,
	                                 SBI_EXT_RFENCE, SBI_EXT_HSM,  SBI_EXT_DBCN};
	enum { CALLS = 2000 };
	int ok = 0, errors = 0;
	intr_off();
	for (int n = 0; n < CALLS; n++) {
		uint64_t eid, fid, a[6];
		do {
			uint64_t r = rng();
			eid = r & 1   ? rng()
			      : r & 2 ? known[(r >> 8) % (sizeof(known) / sizeof(known[0]))]
			              : rng() & 0xffffffff;
			fid = (r >> 4) & 1 ? (r >> 16) % 8 : rng();
		} while (sbi_call_is_harmful(eid, fid));
		for (int i = 0; i < 6; i++)
			a[i] = rng();
		struct trap_record tr;
		trap_expect(&tr, TRAP_SKIP);
		struct sbiret ret = sbi_call6(eid, fid, a);
		trap_disarm();
		if (tr.hit)
			VERDICT(ESCAPED, "call %d (extension 0x%lx function %lu) trapped: %s", n,
			        eid, fid, cause_name(tr.cause));
		if (ret.error > 0 || ret.error < SBI_ERR_LOWEST)
			VERDICT(ESCAPED,
			        "call %d (extension 0x%lx function %lu) returned error %ld", n, eid,
			        fid, ret.error);
		if (ret.error)
			errors++;
		else
			ok++;
	}
	/* a random set_timer or send_ipi may have left something pending */
	sbi_set_timer(~0UL);
	csr_clear(sip, SIP_SSIP);
	VERDICT(BLOCKED, "%d random calls all returned: %d succeeded, %d SBI errors", CALLS, ok,
	        errors);
}

/*
 * With sstatus.SIE = 0 and only the timer enabled in sie, wfi returns once
 * the timer is pending and no interrupt is taken (priv spec §3.3.3); then
 * wfi with the timer already pending returns at once, many times.
 */
static enum verdict wfi_storm(const void *arg)
{
	(void)arg;
	uint64_t saved_sie = csr_read(sie);
	enum { WAITS = 50, SPINS = 5000 };
	int early = 0, waited = 0;
	intr_off();
	last_irq.hit = 0;
	csr_write(sie, SIP_STIP);
	for (int i = 0; i < WAITS; i++) {
		uint64_t deadline = rdtime() + ms_to_ticks(1);
		sbi_set_timer(deadline);
		while (!(csr_read(sip) & SIP_STIP))
			asm volatile("wfi");
		early += rdtime() < deadline;
		waited++;
	}
	sbi_set_timer(0); /* pending from now on */
	for (int i = 0; i < SPINS && (csr_read(sip) & SIP_STIP); i++)
		asm volatile("wfi");
	int still = !!(csr_read(sip) & SIP_STIP);
	sbi_set_timer(~0UL);
	csr_write(sie, saved_sie);
	int taken = last_irq.hit;
	if (taken)
		VERDICT(ESCAPED, "an interrupt was taken with SIE = 0");
	if (early)
		VERDICT(ESCAPED, "STIP was pending before its deadline %d times", early);
	if (!still)
		VERDICT(ESCAPED, "STIP went away without a new set_timer");
	VERDICT(BLOCKED, "%d timer waits and %d wfi with STIP pending, no interrupt taken", waited,
	        SPINS);
}

/* ---- privileged state: CSRs and instructions S-mode does not have ---- */

/* Room for one generated instruction and a ret, inside the kernel's R|W|X image. */
static uint32_t insn_buf[2] __attribute__((aligned(8)));

/* Runs one instruction (a0 = 0 on entry); 1 and r filled in when it trapped. */
static int run_insn(uint32_t insn, struct trap_record *r)
{
	insn_buf[0] = insn;
	insn_buf[1] = 0x00008067; /* ret */
	asm volatile("fence.i" ::: "memory");
	uint64_t (*fn)(uint64_t) = (uint64_t(*)(uint64_t))(uintptr_t)insn_buf;
	trap_expect(r, TRAP_SKIP);
	fn(0);
	trap_disarm();
	return r->hit;
}

/* Must be an illegal instruction, with the instruction's bits in stval, as on the board. */
static enum verdict must_be_illegal(uint32_t insn, const char *what_insn)
{
	struct trap_record r;
	if (!run_insn(insn, &r))
		VERDICT(ESCAPED, "%s executed", what_insn);
	if (r.cause != CAUSE_ILLEGAL_INSN)
		VERDICT(ESCAPED, "%s: %s", what_insn, cause_name(r.cause));
	if (r.epc != (uint64_t)insn_buf || r.tval != insn)
		VERDICT(ESCAPED, "%s: illegal instruction with sepc/stval off", what_insn);
	return BLOCKED;
}

#define CSRRS(rd, csr, rs1) (((uint32_t)(csr) << 20) | (rs1) << 15 | 2 << 12 | (rd) << 7 | 0x73)
#define REG_A0              10

struct csr_attack {
	const char *name;
	uint16_t csr;
};

static const struct csr_attack csr_attacks[] = {
    {"csr-mstatus", 0x300},    {"csr-misa", 0x301},    {"csr-medeleg", 0x302},
    {"csr-mideleg", 0x303},    {"csr-mie", 0x304},     {"csr-mtvec", 0x305},
    {"csr-mcounteren", 0x306}, {"csr-menvcfg", 0x30a}, {"csr-mscratch", 0x340},
    {"csr-mepc", 0x341},       {"csr-mcause", 0x342},  {"csr-mtval", 0x343},
    {"csr-mip", 0x344},        {"csr-pmpcfg0", 0x3a0}, {"csr-pmpaddr0", 0x3b0},
    {"csr-mseccfg", 0x747},    {"csr-mcycle", 0xb00},  {"csr-minstret", 0xb02},
    {"csr-mhartid", 0xf14},    {"csr-tselect", 0x7a0}, {"csr-dcsr", 0x7b0},
    {"csr-hstatus", 0x600},    {"csr-hedeleg", 0x602}, {"csr-hideleg", 0x603},
    {"csr-hgatp", 0x680},      {"csr-htval", 0x643},   {"csr-vsstatus", 0x200},
    {"csr-vstvec", 0x205},     {"csr-vsatp", 0x280},   {"csr-stimecmp", 0x14d},
};

/* Reading it (csrrs a0, csr, zero) and writing it (csrrs zero, csr, a0 with a0 = 0). */
static enum verdict try_csr(const void *arg)
{
	const struct csr_attack *a = arg;
	if (a->csr == 0x14d && isa_lists("sstc"))
		VERDICT(NOT_APPLICABLE, "riscv,isa lists Sstc");
	if (must_be_illegal(CSRRS(REG_A0, a->csr, 0), "the read") != BLOCKED ||
	    must_be_illegal(CSRRS(0, a->csr, REG_A0), "the write") != BLOCKED)
		return ESCAPED;
	VERDICT(BLOCKED, "read and write: illegal instruction");
}

struct insn_attack {
	const char *name;
	uint32_t insn;
};

static const struct insn_attack insn_attacks[] = {
    {"insn-mret", 0x30200073},        {"insn-dret", 0x7b200073},  {"insn-hfence-vvma", 0x22000073},
    {"insn-hfence-gvma", 0x62000073}, {"insn-hlv-d", 0x6c004573}, {"insn-hsv-d", 0x6ea04073},
    {"insn-sinval-vma", 0x16000073},
};

static enum verdict try_insn(const void *arg)
{
	const struct insn_attack *a = arg;
	if (must_be_illegal(a->insn, "it") != BLOCKED)
		return ESCAPED;
	VERDICT(BLOCKED, "illegal instruction");
}

/* STIP and SEIP are read-only in sip (priv spec §4.1.3): set, they must not read as set. */
static enum verdict sip_write(const void *arg)
{
	(void)arg;
	sbi_set_timer(~0UL);
	uint64_t saved = csr_read(sie);
	csr_write(sie, 0);
	uint64_t before = csr_read(sip);
	csr_set(sip, SIP_STIP | SIP_SEIP);
	uint64_t after = csr_read(sip);
	csr_clear(sip, SIP_STIP | SIP_SEIP);
	csr_write(sie, saved);
	if ((after & ~before) & (SIP_STIP | SIP_SEIP))
		VERDICT(ESCAPED, "sip.%s stuck", after & SIP_STIP ? "STIP" : "SEIP");
	VERDICT(BLOCKED, "STIP and SEIP stay clear");
}

/* M-mode bits of mstatus are not in sstatus (§4.1.1): setting them must change nothing. */
static enum verdict sstatus_m_bits(const void *arg)
{
	(void)arg;
	const uint64_t m_bits = (1UL << 3) | (1UL << 7) | (3UL << 11) | (1UL << 17) | (7UL << 20) |
	                        (3UL << 34) | (1UL << 38) | (1UL << 39);
	uint64_t saved = csr_read(sstatus);
	csr_set(sstatus, m_bits); /* MIE MPIE MPP MPRV TVM TW TSR SXL GVA MPV */
	uint64_t after = csr_read(sstatus);
	csr_write(sstatus, saved);
	if (after & m_bits)
		VERDICT(ESCAPED, "sstatus shows M-mode bits 0x%lx", after & m_bits);
	if (csr_read(sstatus) != saved)
		VERDICT(ESCAPED, "sstatus changed");
	VERDICT(BLOCKED, "MIE, MPIE, MPP, MPRV, TVM, TW, TSR, SXL, GVA, MPV stay invisible");
}

/* The real clock and counters are readable from S on the board too: allowed, not an escape. */
static enum verdict counters(const void *arg)
{
	(void)arg;
	uint64_t t0 = rdtime(), c0 = rdcycle(), i0 = rdinstret();
	for (volatile int i = 0; i < 1000; i++)
		;
	if (rdtime() <= t0 || rdcycle() <= c0 || rdinstret() <= i0)
		VERDICT(ESCAPED, "a counter did not advance");
	VERDICT(BLOCKED, "time, cycle, instret readable and advancing, as on the bare board");
}

/* ---- SBI calls aimed outside the VM ---- */

/* Where a DBCN buffer (a1) is; NO_BUF: a1 is taken from the table as it is. */
enum buf { NO_BUF, BUF_RAM_END, BUF_ACROSS_RAM_END, BUF_UART, BUF_IN_RAM };

struct sbi_attack {
	const char *name;
	uint64_t eid, fid;
	enum buf buf;
	uint64_t a[3]; /* a0..a2: for DBCN length, buffer, base_hi */
	long error;    /* what the board returns */
};

static const struct sbi_attack sbi_attacks[] = {
    {"dbcn-write-past-ram-end", SBI_EXT_DBCN, 0, BUF_RAM_END, {16, 0, 0}, SBI_ERR_INVALID_PARAM},
    {"dbcn-write-across-ram-end",
     SBI_EXT_DBCN,
     0,
     BUF_ACROSS_RAM_END,
     {16, 0, 0},
     SBI_ERR_INVALID_PARAM},
    {"dbcn-write-device-window", SBI_EXT_DBCN, 0, BUF_UART, {8, 0, 0}, SBI_ERR_INVALID_PARAM},
    {"dbcn-write-base-hi", SBI_EXT_DBCN, 0, BUF_IN_RAM, {8, 0, 1}, SBI_ERR_INVALID_PARAM},
    {"dbcn-write-huge-length",
     SBI_EXT_DBCN,
     0,
     BUF_IN_RAM,
     {1UL << 62, 0, 0},
     SBI_ERR_INVALID_PARAM},
    {"dbcn-read-past-ram-end", SBI_EXT_DBCN, 1, BUF_RAM_END, {16, 0, 0}, SBI_ERR_INVALID_PARAM},
    {"hsm-start-hart-1", SBI_EXT_HSM, 0, NO_BUF, {1, 0x80200000, 0}, SBI_ERR_INVALID_PARAM},
    {"hsm-start-self", SBI_EXT_HSM, 0, NO_BUF, {0, 0x80200000, 0}, SBI_ERR_ALREADY_AVAILABLE},
    {"hsm-status-hart-1", SBI_EXT_HSM, 2, NO_BUF, {1, 0, 0}, SBI_ERR_INVALID_PARAM},
    {"ipi-hart-1", SBI_EXT_IPI, 0, NO_BUF, {1, 1, 0}, SBI_ERR_INVALID_PARAM},
    {"rfence-hart-1", SBI_EXT_RFENCE, 1, NO_BUF, {1, 1, 0}, SBI_ERR_INVALID_PARAM},
    /* OpenSBI 1.1 on one hart: at base 0, bits of harts it lacks are ignored */
    {"ipi-hart-1-at-base-0", SBI_EXT_IPI, 0, NO_BUF, {2, 0, 0}, SBI_SUCCESS},
    {"ipi-empty-mask-at-base-1", SBI_EXT_IPI, 0, NO_BUF, {0, 1, 0}, SBI_ERR_INVALID_PARAM},
    {"rfence-empty-mask-at-base-1", SBI_EXT_RFENCE, 1, NO_BUF, {0, 1, 0}, SBI_ERR_INVALID_PARAM},
    /* hart ids are 32 bits there: hart 1 << 32 is hart 0 */
    {"hsm-status-hart-2^32", SBI_EXT_HSM, 2, NO_BUF, {1UL << 32, 0, 0}, SBI_SUCCESS},
    {"hsm-start-hart-2^32",
     SBI_EXT_HSM,
     0,
     NO_BUF,
     {1UL << 32, 0x80200000, 0},
     SBI_ERR_ALREADY_AVAILABLE},
    {"hsm-suspend-reserved-type", SBI_EXT_HSM, 3, NO_BUF, {1, 0, 0}, SBI_ERR_INVALID_PARAM},
    {"hsm-suspend-platform-type",
     SBI_EXT_HSM,
     3,
     NO_BUF,
     {0x10000000, 0, 0},
     SBI_ERR_NOT_SUPPORTED},
    /* a reset that is not one must not stop the VM: the whole register counts */
    {"srst-type-2^32", SBI_EXT_SRST, 0, NO_BUF, {1UL << 32, 0, 0}, SBI_ERR_INVALID_PARAM},
    {"srst-vendor-reason", SBI_EXT_SRST, 0, NO_BUF, {0, 0xf0000000, 0}, SBI_ERR_INVALID_PARAM},
};

static enum verdict try_sbi(const void *arg)
{
	const struct sbi_attack *a = arg;
	static char buf[16];
	uint64_t args[6] = {a->a[0], a->a[1], a->a[2], 0, 0, 0};
	if (a->eid == SBI_EXT_DBCN && !sbi_probe(SBI_EXT_DBCN))
		VERDICT(NOT_APPLICABLE, "no DBCN extension");
	switch (a->buf) {
	case NO_BUF:
		break;
	case BUF_RAM_END:
		args[1] = machine.ram_end;
		break;
	case BUF_ACROSS_RAM_END:
		args[1] = machine.ram_end - 8;
		break;
	case BUF_UART:
		args[1] = UART_BASE;
		break;
	case BUF_IN_RAM:
		args[1] = (uint64_t)buf;
		break;
	}
	struct trap_record tr;
	trap_expect(&tr, TRAP_SKIP);
	struct sbiret r = sbi_call6(a->eid, a->fid, args);
	trap_disarm();
	csr_clear(sip, SIP_SSIP);
	if (tr.hit)
		VERDICT(ESCAPED, "the call trapped: %s", cause_name(tr.cause));
	if (r.error != a->error)
		VERDICT(ESCAPED, "SBI error %ld, where the board gives %ld", r.error, a->error);
	VERDICT(BLOCKED, "SBI error %ld", r.error);
}

/*
 * DBCN console_write and console_read of all of the VM's RAM, in one call
 * each.  popek serves an SBI call with interrupts off and every other VM
 * waiting, so the call must do a bounded part and say how much (§12.1,
 * §12.2: partial transfers): it must come back within WITHIN_MS, well under
 * a quantum of the VMs beside it, having moved no more than was asked.
 * The first page of RAM (below the kernel, unused by it) holds 32-byte
 * lines meanwhile, so what reaches the terminal is readable.
 */
#define DBCN_ROW  "dbcn all-RAM write, 32-byte row\n"
#define WITHIN_MS 100

struct dbcn_all {
	uint64_t fid; /* 0: write, 1: read */
	uint64_t n;
	struct sbiret r;
	uint64_t ticks;
};

static char ram_page_saved[PGSIZE];

static enum verdict dbcn_all_ram_bare(const void *arg)
{
	struct dbcn_all *d = (struct dbcn_all *)arg;
	char *page = (char *)machine.ram_base; /* satp is Bare: VA = PA */
	memmove(ram_page_saved, page, PGSIZE);
	for (unsigned i = 0; i < PGSIZE; i++)
		page[i] = DBCN_ROW[i % (sizeof(DBCN_ROW) - 1)];
	uint64_t a[6] = {d->n, machine.ram_base, 0, 0, 0, 0};
	uint64_t t0 = rdtime();
	d->r = sbi_call6(SBI_EXT_DBCN, d->fid, a);
	d->ticks = rdtime() - t0;
	memmove(page, ram_page_saved, PGSIZE);
	return BLOCKED;
}

static enum verdict dbcn_all_ram(const void *arg)
{
	struct dbcn_all d = {.fid = (uint64_t)arg, .n = machine.ram_end - machine.ram_base};
	if (!sbi_probe(SBI_EXT_DBCN))
		VERDICT(NOT_APPLICABLE, "no DBCN extension");
	with_satp_bare(dbcn_all_ram_bare, &d);
	if (d.fid == 0 && d.r.value % (sizeof(DBCN_ROW) - 1))
		kprintf("\n");
	if (d.r.error)
		VERDICT(ESCAPED, "SBI error %ld for a buffer that is all RAM", d.r.error);
	if ((uint64_t)d.r.value > d.n || (d.fid == 0 && d.r.value == 0))
		VERDICT(ESCAPED, "moved %ld bytes of %lu", d.r.value, d.n);
	if (d.ticks > ms_to_ticks(WITHIN_MS))
		VERDICT(ESCAPED, "one call took %lu ms", ticks_to_ns(d.ticks) / 1000000);
	VERDICT(BLOCKED, "%s %ld of %lu bytes in one call, back within %d ms",
	        d.fid ? "read" : "wrote", d.r.value, d.n, WITHIN_MS);
}

/* ---- running them ---- */

#define EACH(table, fn)                                                 \
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) \
	attack_one(table[i].name, fn, &table[i])

static int passed, failed;

static void attack_one(const char *name, enum verdict (*fn)(const void *), const void *arg)
{
	what[0] = 0;
	enum verdict v = fn(arg);
	static const char *const labels[] = {"blocked", "ESCAPED", "n/a"};
	kprintf("%s %s: %s\n", labels[v], name, what);
	passed += v == BLOCKED;
	failed += v == ESCAPED;
}

void attack_run(void)
{
	timer_stop();
	intr_off();
	EACH(leaf_attacks, try_leaf);
	EACH(address_attacks, try_address);
	EACH(device_attacks, try_device);
	attack_one("plic-contexts-past-1", plic_contexts, 0);
	attack_one("satp-mode-9", satp_mode, (const void *)9UL);
	attack_one("satp-mode-10", satp_mode, (const void *)10UL);
	attack_one("satp-mode-15", satp_mode, (const void *)15UL);
	attack_one("satp-sv39-all-asid-bits", satp_fields, 0);
	attack_one("satp-bare-stray-fields", satp_fields, (const void *)1UL);
	attack_one("shadow-alias-storm", alias_storm, 0);
	attack_one("sfence-satp-storm", sfence_satp_storm, 0);
	attack_one("ecall-storm", ecall_storm, 0);
	attack_one("wfi-storm", wfi_storm, 0);
	EACH(csr_attacks, try_csr);
	EACH(insn_attacks, try_insn);
	attack_one("sip-stip-seip", sip_write, 0);
	attack_one("sstatus-m-bits", sstatus_m_bits, 0);
	attack_one("counters", counters, 0);
	EACH(sbi_attacks, try_sbi);
	attack_one("dbcn-write-all-ram", dbcn_all_ram, (const void *)0UL);
	attack_one("dbcn-read-all-ram", dbcn_all_ram, (const void *)1UL);
	kprintf("%d passed, %d failed\n", passed, failed);
}
