/* The board's mask ROM: see vrom.h. */
#include "dev/vrom.h"

#include <stdbool.h>

#include "lib/string.h"

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* QEMU 7.2 riscv_setup_rom_reset_vec and riscv_rom_copy_firmware_info, for RV64. */
void vrom_init(struct vrom *r, uint64_t start, uint64_t fdt, uint64_t next)
{
	static const uint32_t vector[6] = {
	    0x00000297, /* 1: auipc t0, %pcrel_hi(fw_dyn) */
	    0x02828613, /*    addi  a2, t0, %pcrel_lo(1b) */
	    0xf1402573, /*    csrr  a0, mhartid */
	    0x0202b583, /*    ld    a1, 32(t0) */
	    0x0182b283, /*    ld    t0, 24(t0) */
	    0x00028067, /*    jr    t0 */
	};
	/* fw_dynamic_info: magic "OSBI", version 2, next_addr, next_mode S, options, boot_hart */
	const uint64_t info[6] = {0x4942534f, 2, next, 1, 0, 0};

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 6; i++)
		put32(r->bytes + 4 * i, vector[i]);
	put64(r->bytes + 24, start);
	put64(r->bytes + 32, fdt);
	for (int i = 0; i < 6; i++)
		put64(r->bytes + VROM_VECTOR + 8 * i, info[i]);
}

static bool vrom_width_ok(unsigned width)
{
	return width == 1 || width == 2 || width == 4 || width == 8;
}

static int vrom_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	const struct vrom *r = dev;

	if (!vrom_width_ok(width) || off >= VROM_SIZE || width > VROM_SIZE - off)
		return -1;
	*val = 0;
	for (unsigned i = 0; i < width; i++) {
		uint64_t at = off + i;
		if (at < sizeof(r->bytes))
			*val |= (uint64_t)r->bytes[at] << (8 * i);
	}
	return 0;
}

static int vrom_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	(void)dev;
	(void)val;
	if (!vrom_width_ok(width) || off >= VROM_SIZE || width > VROM_SIZE - off)
		return -1;
	return 0;
}

const struct mmio_ops vrom_ops = {vrom_read, vrom_write};
