/*
 * VM displays: each VM whose directory entry has `display = WxH` gets a
 * virtio-gpu (dev/vgpu.c) and a virtio-input keyboard (dev/vinput.c) at the
 * two virtio slots after its interfaces.  The GPU's resources live in an
 * arena of popek's memory set aside once per VM (its display budget), kept
 * across restarts.  Screens leave popek through the control channel
 * (`screenshot NAME`), keys come in through it (`key NAME CODE`).
 */
#ifndef POPEK_CORE_DISPLAY_H
#define POPEK_CORE_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bundle.h"

struct vm;

/* The VM's GPU and keyboard, new, at every boot; the arena is taken at the first. */
void display_create(struct vm *vm, const struct bundle_vm *bv, bool first);

/*
 * A key press and release from the operator (Linux key codes), as the board's
 * keyboard sends them; with, when not 0, is held down around it (Shift).
 */
bool display_key(struct vm *vm, uint16_t code, uint16_t with);

/*
 * The pointer at (x, y) of the VM's screen (clamped to it), with buttons
 * (bit 0 left, 1 right, 2 middle) held: one tablet report, as the board's
 * tablet gives a window's pointer (or QMP's input-send-event) that moved
 * there; a button's change is in the same report.
 */
#define DISPLAY_BUTTONS 3
bool display_pointer(struct vm *vm, uint32_t x, uint32_t y, uint32_t buttons);

/*
 * The control channel's `ID screenshot NAME`: "ID frame W H", then the
 * pixels row by row as "ID px RRGGBB[*N] ..." records, then "ID ok"; or
 * "ID err WHY" when the VM has no display or its scanout is off.
 */
void display_screenshot(struct vm *vm, const char *id);

/* The `display:` line of the VM's report. */
void display_report(const struct vm *vm);

#endif
