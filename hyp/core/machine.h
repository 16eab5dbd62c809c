/*
 * The real machine, as the device tree OpenSBI hands popek describes it.
 * machine_from_dt() is pure (no hardware access) and unit tested on the
 * host against QEMU's own device trees.
 */
#ifndef POPEK_CORE_MACHINE_H
#define POPEK_CORE_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#define MACHINE_MAX_RAM      8
#define MACHINE_MAX_RESERVED 8
#define MACHINE_MAX_VIRTIO   16

struct dt;

struct mem_range {
	uint64_t base;
	uint64_t size;
};

struct machine {
	uint64_t boot_hart;
	uint32_t harts;
	uint64_t timebase_hz;
	char isa[128];   /* riscv,isa of the boot hart */
	char mmu[24];    /* mmu-type of the boot hart, e.g. "riscv,sv57" */
	int paging_bits; /* widest virtual address the MMU supports: 39, 48, 57 (0: none) */

	struct mem_range ram[MACHINE_MAX_RAM];
	int nram;
	struct mem_range reserved[MACHINE_MAX_RESERVED]; /* /reserved-memory, e.g. OpenSBI */
	int nreserved;

	struct {
		int present;
		uint64_t base, size;
		uint32_t irq, reg_shift, clock_hz;
	} uart;
	struct {
		int present;
		uint64_t base, size;
		uint32_t ndev;
		int s_context; /* PLIC context of the boot hart's S-mode external interrupt */
	} plic;
	struct {
		uint64_t base, size;
		uint32_t irq;
	} virtio[MACHINE_MAX_VIRTIO]; /* virtio-mmio slots, by address */
	int nvirtio;

	uint64_t initrd_start, initrd_end; /* 0, 0 when there is none */
	const char *bootargs;              /* points into the tree; "" when absent */
	/* /chosen rng-seed: the board's fresh random bytes for this boot (first 32) */
	uint8_t seed[32];
	uint32_t seed_len; /* 0: the tree had none */
};

/*
 * Fills `m` from the tree.  Returns 0, or -1 with a description of what is
 * missing in `err` (memory, cpus and timebase-frequency are required).
 */
int machine_from_dt(struct machine *m, const struct dt *dt, uint64_t boot_hart, char *err,
                    size_t errlen);

/* True if `word` appears in the bootargs as a whole word ("popek.x=y"). */
int machine_bootarg(const struct machine *m, const char *word);

#endif
