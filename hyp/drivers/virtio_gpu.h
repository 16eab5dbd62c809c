/*
 * The real display: the virtio-gpu device QEMU offers (virtio 1.2 §5.7, 2D),
 * driven by polling.  One resource in popek's memory, shown on scanout 0;
 * popek draws into it (core/screen.c) and says which rectangle changed.
 */
#ifndef POPEK_DRIVERS_VIRTIO_GPU_H
#define POPEK_DRIVERS_VIRTIO_GPU_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/*
 * Finds the GPU, asks its size and shows a black frame of it.  0, or -1 when
 * there is none or it refused (said on the console).
 */
int gpu_init(const struct machine *m);
/* The frame: width * height pixels, 0x00RRGGBB, row after row; NULL without a GPU. */
uint32_t *gpu_frame(uint32_t *width, uint32_t *height);
/* The rectangle of the frame changed: transfer it and flush it to the screen. */
void gpu_update(uint32_t x, uint32_t y, uint32_t w, uint32_t h);

#endif
