/*
 * Reading the machine description from the device tree (devicetree spec
 * v0.4; the bindings QEMU's virt board uses: riscv/cpus.yaml,
 * sifive,plic-1.0.0.yaml, ns16550a, virtio,mmio).
 */
#include "core/machine.h"
#include "lib/dt.h"
#include "lib/printf.h"
#include "lib/string.h"

#define IRQ_S_EXT 9

static int fail(char *err, size_t errlen, const char *what)
{
	fmt_snprintf(err, errlen, "device tree: %s", what);
	return -1;
}

/* #address-cells and #size-cells that apply to the children of `node`. */
static void cells_of(const struct dt *dt, int node, uint32_t *ac, uint32_t *sc)
{
	*ac = dt_prop_u32(dt, node, "#address-cells", 2);
	*sc = dt_prop_u32(dt, node, "#size-cells", 1);
}

/* The `i`th (address, size) pair of `node`'s reg; 0 on success. */
static int reg_of(const struct dt *dt, int parent, int node, int i, uint64_t *base, uint64_t *size)
{
	uint32_t ac, sc, len;
	cells_of(dt, parent, &ac, &sc);
	const void *reg = dt_prop(dt, node, "reg", &len);
	if (!reg || ac == 0 || ac > 2 || sc > 2 || (uint32_t)(i + 1) * (ac + sc) * 4 > len)
		return -1;
	*base = dt_cells(reg, len, i * (ac + sc), ac);
	*size = sc ? dt_cells(reg, len, i * (ac + sc) + ac, sc) : 0;
	return 0;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	fmt_snprintf(dst, n, "%s", src ? src : "");
}

static int read_cpus(struct machine *m, const struct dt *dt, char *err, size_t errlen)
{
	int cpus = dt_path(dt, "/cpus");
	if (cpus < 0)
		return fail(err, errlen, "no /cpus node");
	uint32_t tb = dt_prop_u32(dt, cpus, "timebase-frequency", 0);
	m->harts = 0;
	for (int c = dt_child(dt, cpus); c >= 0; c = dt_sibling(dt, c)) {
		const char *type = dt_prop_str(dt, c, "device_type");
		const char *status = dt_prop_str(dt, c, "status");
		if (!type || strcmp(type, "cpu") != 0)
			continue;
		if (status && strcmp(status, "okay") != 0 && strcmp(status, "ok") != 0)
			continue;
		m->harts++;
		uint64_t hart, unused;
		if (reg_of(dt, cpus, c, 0, &hart, &unused) < 0 || hart != m->boot_hart)
			continue;
		copy_str(m->isa, sizeof(m->isa), dt_prop_str(dt, c, "riscv,isa"));
		copy_str(m->mmu, sizeof(m->mmu), dt_prop_str(dt, c, "mmu-type"));
		if (!tb)
			tb = dt_prop_u32(dt, c, "timebase-frequency", 0);
	}
	if (m->harts == 0)
		return fail(err, errlen, "no cpu nodes under /cpus");
	if (!tb)
		return fail(err, errlen, "no timebase-frequency");
	m->timebase_hz = tb;
	static const struct {
		const char *type;
		int bits;
	} mmus[] = {{"riscv,sv39", 39}, {"riscv,sv48", 48}, {"riscv,sv57", 57}};
	for (size_t i = 0; i < sizeof(mmus) / sizeof(mmus[0]); i++) {
		if (strcmp(m->mmu, mmus[i].type) == 0)
			m->paging_bits = mmus[i].bits;
	}
	return 0;
}

/* phandle of the boot hart's interrupt controller (its riscv,cpu-intc child). */
static uint32_t boot_intc_phandle(const struct machine *m, const struct dt *dt)
{
	int cpus = dt_path(dt, "/cpus");
	for (int c = dt_child(dt, cpus); c >= 0; c = dt_sibling(dt, c)) {
		uint64_t hart, unused;
		if (reg_of(dt, cpus, c, 0, &hart, &unused) < 0 || hart != m->boot_hart)
			continue;
		for (int ic = dt_child(dt, c); ic >= 0; ic = dt_sibling(dt, ic)) {
			if (dt_compatible(dt, ic, "riscv,cpu-intc"))
				return dt_prop_u32(dt, ic, "phandle", 0);
		}
	}
	return 0;
}

/* The index of <intc IRQ_S_EXT> in the PLIC's interrupts-extended: its S context. */
static int plic_s_context(const struct dt *dt, int plic, uint32_t intc)
{
	uint32_t len;
	const void *ie = dt_prop(dt, plic, "interrupts-extended", &len);
	for (uint32_t i = 0; ie && intc && (i + 1) * 8 <= len; i++) {
		if (dt_cells(ie, len, 2 * i, 1) == intc &&
		    dt_cells(ie, len, 2 * i + 1, 1) == IRQ_S_EXT)
			return (int)i;
	}
	return -1;
}

static void add_virtio(struct machine *m, uint64_t base, uint64_t size, uint32_t irq)
{
	if (m->nvirtio == MACHINE_MAX_VIRTIO)
		return;
	int i = m->nvirtio++;
	/* keep the slots sorted by address (QEMU lists them highest first) */
	for (; i > 0 && m->virtio[i - 1].base > base; i--)
		m->virtio[i] = m->virtio[i - 1];
	m->virtio[i].base = base;
	m->virtio[i].size = size;
	m->virtio[i].irq = irq;
}

static void read_device(struct machine *m, const struct dt *dt, int parent, int node)
{
	uint64_t base, size;
	if (reg_of(dt, parent, node, 0, &base, &size) < 0)
		return;
	uint32_t irq = dt_prop_u32(dt, node, "interrupts", 0);
	if (dt_compatible(dt, node, "ns16550a") || dt_compatible(dt, node, "ns16550")) {
		if (m->uart.present)
			return;
		m->uart.present = 1;
		m->uart.base = base;
		m->uart.size = size;
		m->uart.irq = irq;
		m->uart.reg_shift = dt_prop_u32(dt, node, "reg-shift", 0);
		m->uart.clock_hz = dt_prop_u32(dt, node, "clock-frequency", 0);
	} else if (dt_compatible(dt, node, "sifive,plic-1.0.0") ||
	           dt_compatible(dt, node, "riscv,plic0")) {
		m->plic.present = 1;
		m->plic.base = base;
		m->plic.size = size;
		m->plic.ndev = dt_prop_u32(dt, node, "riscv,ndev", 0);
		m->plic.s_context = plic_s_context(dt, node, boot_intc_phandle(m, dt));
	} else if (dt_compatible(dt, node, "virtio,mmio")) {
		add_virtio(m, base, size, irq);
	}
}

static void read_memory(struct machine *m, const struct dt *dt)
{
	int root = dt_root(dt);
	for (int n = dt_child(dt, root); n >= 0; n = dt_sibling(dt, n)) {
		const char *type = dt_prop_str(dt, n, "device_type");
		if (!type || strcmp(type, "memory") != 0)
			continue;
		uint64_t base, size;
		for (int i = 0;
		     m->nram < MACHINE_MAX_RAM && reg_of(dt, root, n, i, &base, &size) == 0; i++) {
			if (size)
				m->ram[m->nram++] = (struct mem_range){base, size};
		}
	}
	int resv = dt_path(dt, "/reserved-memory");
	for (int n = dt_child(dt, resv); resv >= 0 && n >= 0; n = dt_sibling(dt, n)) {
		uint64_t base, size;
		if (m->nreserved < MACHINE_MAX_RESERVED &&
		    reg_of(dt, resv, n, 0, &base, &size) == 0)
			m->reserved[m->nreserved++] = (struct mem_range){base, size};
	}
}

static void read_chosen(struct machine *m, const struct dt *dt)
{
	int chosen = dt_path(dt, "/chosen");
	const char *args = dt_prop_str(dt, chosen, "bootargs");
	m->bootargs = args ? args : "";
	uint32_t ls, le;
	const void *s = dt_prop(dt, chosen, "linux,initrd-start", &ls);
	const void *e = dt_prop(dt, chosen, "linux,initrd-end", &le);
	if (s && e && (ls == 4 || ls == 8) && (le == 4 || le == 8)) {
		m->initrd_start = dt_cells(s, ls, 0, ls / 4);
		m->initrd_end = dt_cells(e, le, 0, le / 4);
	}
	uint32_t lr;
	const uint8_t *seed = dt_prop(dt, chosen, "rng-seed", &lr);
	if (seed) {
		m->seed_len = lr < sizeof(m->seed) ? lr : sizeof(m->seed);
		memcpy(m->seed, seed, m->seed_len);
	}
}

int machine_from_dt(struct machine *m, const struct dt *dt, uint64_t boot_hart, char *err,
                    size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->boot_hart = boot_hart;
	m->plic.s_context = -1;
	if (dt_root(dt) < 0)
		return fail(err, errlen, "no root node");
	if (read_cpus(m, dt, err, errlen) < 0)
		return -1;
	read_memory(m, dt);
	if (m->nram == 0)
		return fail(err, errlen, "no memory node");
	read_chosen(m, dt);

	/* Devices: children of the root and of every simple-bus below it. */
	int root = dt_root(dt);
	for (int n = dt_child(dt, root); n >= 0; n = dt_sibling(dt, n)) {
		if (dt_compatible(dt, n, "simple-bus")) {
			for (int d = dt_child(dt, n); d >= 0; d = dt_sibling(dt, d))
				read_device(m, dt, n, d);
		} else {
			read_device(m, dt, root, n);
		}
	}
	return 0;
}

int machine_bootarg(const struct machine *m, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = m->bootargs; p && *p;) {
		while (*p == ' ')
			p++;
		size_t len = 0;
		while (p[len] && p[len] != ' ')
			len++;
		if (len == n && strncmp(p, word, n) == 0)
			return 1;
		p += len;
	}
	return 0;
}
