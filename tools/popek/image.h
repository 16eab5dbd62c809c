/*
 * Guest kernel images: recognising them and flattening them into the one
 * blob that is copied into the VM's RAM.
 *
 *   ELF64 RISC-V   every PT_LOAD segment, by physical address, flattened into
 *                  one blob spanning [min p_paddr, max p_paddr + p_memsz);
 *                  gaps and bss are zero.  The entry is the lowest load
 *                  address, where the board enters an ELF kernel.
 *   RISC-V Image   the Linux boot image (Documentation/riscv/boot-image-header.rst):
 *                  u64 text_offset at byte 8, u64 image_size at 16, magic
 *                  "RISCV\0\0\0" at 48 and/or magic2 "RSC\x05" at 56.  It lands
 *                  at RAM base + text_offset and is entered at its first byte.
 *
 * Pure: works on bytes already in memory.
 */
#ifndef POPEK_TOOLS_IMAGE_H
#define POPEK_TOOLS_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_SPAN (2ULL << 30) /* no kernel spans more than 2 GiB */

enum image_format {
	IMAGE_ELF,
	IMAGE_RISCV_IMAGE,
	IMAGE_RAW, /* a firmware or payload that is not an ELF: bytes, where the board puts them */
	IMAGE_FIRMWARE, /* image_load_firmware's: firmware and payload in one blob */
};

struct image {
	enum image_format format;
	uint8_t *data; /* the blob (malloc'd) */
	uint64_t size; /* bytes in data */
	uint64_t gpa;  /* guest-physical address of data[0] */
	uint64_t span; /* bytes the kernel occupies from gpa (>= size: an Image's bss) */
	uint64_t entry;
};

/*
 * Recognises the kernel in buf[0..len) and flattens it into *img.  Returns
 * NULL on success, or a short description of what is wrong (nothing to free).
 */
const char *image_load_kernel(const uint8_t *buf, size_t len, struct image *img);
/*
 * The board's firmware fw and its payload k, placed as QEMU 7.2's virt places -bios and
 * -kernel: the firmware (an ELF, or raw bytes) at 0x80000000; the payload an ELF at its
 * addresses, or anything else as raw bytes at the first 2 MiB boundary past the firmware.
 * One blob from 0x80000000 to the payload's end, entered at 0x80000000; *payload_gpa is
 * where the payload went.  NULL, or what is wrong.
 */
const char *image_load_firmware(const uint8_t *fw, size_t fw_len, const uint8_t *k, size_t k_len,
                                struct image *img, uint64_t *payload_gpa);
void image_free(struct image *img);

/* Reads a whole file into a new buffer.  Returns 0, or an errno value. */
int image_read_file(const char *path, uint8_t **buf, size_t *len);

#endif
