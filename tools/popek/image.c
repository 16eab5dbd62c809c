/*
 * Guest kernel images.  See image.h.
 */
#include "image.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_layout.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ELF and Image fields are read in place");

#define RISCV_IMAGE_MAGIC  "RISCV\0\0\0"
#define RISCV_IMAGE_MAGIC2 "RSC\x05"
#define RISCV_IMAGE_HDR    64

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static const char *load_elf(const uint8_t *buf, size_t len, struct image *img)
{
	Elf64_Ehdr eh;

	if (len < sizeof(eh))
		return "ELF file too short";
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return "ELF file is not 64-bit";
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return "ELF file is not little-endian";
	if (eh.e_machine != EM_RISCV)
		return "ELF file is not for RISC-V";
	if (eh.e_type != ET_EXEC)
		return "ELF file is not an executable (ET_EXEC)";
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
		return "ELF program headers missing or outside the file";

	/* First pass: the span, and every segment inside the file. */
	uint64_t lo = UINT64_MAX, hi = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len ||
		    ph.p_filesz > len - ph.p_offset)
			return "ELF segment outside the file";
		if (ph.p_paddr + ph.p_memsz < ph.p_paddr)
			return "ELF segment wraps around the address space";
		if (ph.p_paddr < lo)
			lo = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > hi)
			hi = ph.p_paddr + ph.p_memsz;
	}
	if (lo == UINT64_MAX)
		return "ELF file has no loadable segment";
	if (hi - lo > IMAGE_MAX_SPAN)
		return "ELF segments span more than 2G (is one linked outside RAM?)";

	uint8_t *data = calloc(1, hi - lo);
	if (!data)
		return "out of memory";

	/* Second pass: copy. */
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		memcpy(data + (ph.p_paddr - lo), buf + ph.p_offset, ph.p_filesz);
	}

	/*
	 * The board enters an ELF kernel at its lowest load address, not at e_entry (QEMU 7.2
	 * riscv_load_kernel), as firmware enters a raw image at its load address: a kernel may
	 * keep its SBI entry there and another entry in e_entry.  popek does the same.
	 */
	img->format = IMAGE_ELF;
	img->data = data;
	img->size = hi - lo;
	img->gpa = lo;
	img->span = hi - lo;
	img->entry = lo;
	return NULL;
}

static const char *load_riscv_image(const uint8_t *buf, size_t len, struct image *img)
{
	uint64_t text_offset = get_u64(buf + 8);
	uint64_t image_size = get_u64(buf + 16);

	if (text_offset >= IMAGE_MAX_SPAN || image_size > IMAGE_MAX_SPAN || len > IMAGE_MAX_SPAN)
		return "RISC-V Image header has an impossible text_offset or image_size";
	img->data = malloc(len);
	if (!img->data)
		return "out of memory";
	memcpy(img->data, buf, len);
	img->format = IMAGE_RISCV_IMAGE;
	img->size = len;
	img->gpa = GUEST_RAM_BASE + text_offset;
	img->span = image_size > len ? image_size : len;
	img->entry = img->gpa;
	return NULL;
}

/* A file that is not an ELF, as the board loads it: raw bytes at gpa. */
static const char *load_raw(const uint8_t *buf, size_t len, uint64_t gpa, struct image *img)
{
	if (len == 0 || len > IMAGE_MAX_SPAN)
		return "empty, or larger than 2G";
	img->data = malloc(len);
	if (!img->data)
		return "out of memory";
	memcpy(img->data, buf, len);
	img->format = IMAGE_RAW;
	img->size = img->span = len;
	img->gpa = img->entry = gpa;
	return NULL;
}

static bool is_elf(const uint8_t *buf, size_t len)
{
	return len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

const char *image_load_kernel(const uint8_t *buf, size_t len, struct image *img)
{
	memset(img, 0, sizeof(*img));
	if (is_elf(buf, len))
		return load_elf(buf, len, img);
	if (len >= RISCV_IMAGE_HDR && (memcmp(buf + 48, RISCV_IMAGE_MAGIC, 8) == 0 ||
	                               memcmp(buf + 56, RISCV_IMAGE_MAGIC2, 4) == 0))
		return load_riscv_image(buf, len, img);
	return "neither a RISC-V ELF64 executable nor a RISC-V Image";
}

const char *image_load_firmware(const uint8_t *fw, size_t fw_len, const uint8_t *k, size_t k_len,
                                struct image *img, uint64_t *payload_gpa)
{
	struct image f = {0}, p = {0};
	const char *why;

	memset(img, 0, sizeof(*img));
	why = is_elf(fw, fw_len) ? load_elf(fw, fw_len, &f)
	                         : load_raw(fw, fw_len, GUEST_RAM_BASE, &f);
	if (why)
		return why;
	if (f.gpa != GUEST_RAM_BASE) {
		image_free(&f);
		return "the firmware does not load at 0x80000000, where the board starts";
	}
	/* QEMU 7.2 riscv_calc_kernel_start_addr: the first 2 MiB boundary past the firmware */
	uint64_t start = (f.gpa + f.span + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	why = is_elf(k, k_len) ? load_elf(k, k_len, &p) : load_raw(k, k_len, start, &p);
	if (why) {
		image_free(&f);
		return why;
	}
	if (p.gpa < f.gpa + f.span || p.gpa + p.span - f.gpa > IMAGE_MAX_SPAN) {
		image_free(&f);
		image_free(&p);
		return "the kernel overlaps the firmware or lies more than 2G above it";
	}
	img->data = calloc(1, p.gpa + p.span - f.gpa);
	if (img->data) {
		memcpy(img->data, f.data, f.size);
		memcpy(img->data + (p.gpa - f.gpa), p.data, p.size);
		img->format = IMAGE_FIRMWARE;
		img->gpa = img->entry = f.gpa;
		img->size = img->span = p.gpa + p.span - f.gpa;
		*payload_gpa = p.gpa;
	}
	image_free(&f);
	image_free(&p);
	return img->data ? NULL : "out of memory";
}

void image_free(struct image *img)
{
	free(img->data);
	memset(img, 0, sizeof(*img));
}

int image_read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0;

	if (!f)
		return errno;
	for (;;) {
		if (size == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			uint8_t *n = realloc(data, cap);
			if (!n) {
				free(data);
				fclose(f);
				return ENOMEM;
			}
			data = n;
		}
		size_t got = fread(data + size, 1, cap - size, f);
		size += got;
		if (got == 0)
			break;
	}
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	if (err) {
		free(data);
		return err;
	}
	*buf = data;
	*len = size;
	return 0;
}
