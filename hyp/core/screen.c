/* The real screen and keyboard: see screen.h. */
#include "core/screen.h"

#include "arch/riscv/vcpu.h"
#include "core/console.h"
#include "core/machine.h"
#include "core/vm.h"
#include "dev/vgpu.h"
#include "dev/vinput.h"
#include "drivers/virtio_gpu.h"
#include "drivers/virtio_input.h"
#include "font8x16.h"
#include "lib/printf.h"
#include "lib/string.h"

#define BAR_H      FONT8X16_HEIGHT /* the status bar: one line of text */
#define BAR_BG     0x203040
#define BAR_FG     0xffffff
#define REDRAW_DIV 50 /* the screen follows a VM's flushes at most 50 times a second */

/* Linux key codes (input-event-codes.h) of the focus chord. */
#define KEY_LEFTCTRL  29
#define KEY_LEFTALT   56
#define KEY_F1        59
#define KEY_F8        66
#define KEY_RIGHTCTRL 97
#define KEY_RIGHTALT  100

static struct vm *vms;
static int nvms, focus = -1;
static uint64_t hz, last_draw;
static bool ready;
/* what the screen shows now */
static int shown_focus = -1;
static uint64_t shown_gen;
static const char *shown_state;
static bool ctrl[2], alt[2];
static int swallow = -1; /* the F key of a chord: its release is not the VM's either */

static bool has_display(const struct vm *vm)
{
	return vm->entry->display_width != 0;
}

void screen_init(struct vm *v, int n, const struct machine *m)
{
	vms = v;
	nvms = n;
	hz = m->timebase_hz;
	for (int i = 0; i < n && focus < 0; i++)
		if (has_display(&v[i]))
			focus = i;
	if (focus < 0)
		return;
	if (gpu_init(m) < 0) {
		kprintf("popek: no real display; VM screens only through popek screenshot\n");
		return;
	}
	unsigned found = input_init(m);
	if (!(found & 1u << INPUT_KEYBOARD))
		kprintf("popek: no real keyboard; keys only through popek key\n");
	if (!(found & 1u << INPUT_TABLET))
		kprintf("popek: no real tablet; the pointer only through popek pointer\n");
	ready = true;
}

static void text(uint32_t *frame, uint32_t fw, uint32_t x0, const char *s)
{
	for (; *s && x0 + FONT8X16_WIDTH <= fw; s++, x0 += FONT8X16_WIDTH) {
		char c = *s >= FONT8X16_FIRST && *s <= FONT8X16_LAST ? *s : '?';
		const uint8_t *g = font8x16[c - FONT8X16_FIRST];
		for (uint32_t y = 0; y < FONT8X16_HEIGHT; y++)
			for (uint32_t x = 0; x < FONT8X16_WIDTH; x++)
				frame[y * fw + x0 + x] = (g[y] >> (7 - x)) & 1 ? BAR_FG : BAR_BG;
	}
}

/* The status bar: which VM this is and what it is doing. */
static void draw_bar(uint32_t *frame, uint32_t fw)
{
	const struct vm *vm = &vms[focus];
	char line[160];

	for (uint32_t i = 0; i < fw * BAR_H; i++)
		frame[i] = BAR_BG;
	fmt_snprintf(line, sizeof(line), " popek | %s: %s | Ctrl+Alt+F1..F8 or focus NAME",
	             vm->name, vm_state_name(vm));
	text(frame, fw, 0, line);
	gpu_update(0, 0, fw, BAR_H);
}

/* The focused VM's screen under the bar, converted to the real frame's 0x00RRGGBB. */
static void draw_vm(uint32_t *frame, uint32_t fw, uint32_t fh)
{
	struct vgpu_view v;
	bool on = vgpu_screen_view(&vms[focus].gpu, &v);

	for (uint32_t y = 0; y + BAR_H < fh; y++) {
		uint32_t *row = frame + (uint64_t)(y + BAR_H) * fw;
		uint32_t x = 0;
		if (on && y < v.height) {
			const uint8_t *p = v.px + y * v.stride;
			for (; x < fw && x < v.width; x++, p += 4)
				row[x] = (uint32_t)p[v.r] << 16 | (uint32_t)p[v.g] << 8 | p[v.b];
		}
		for (; x < fw; x++)
			row[x] = 0;
	}
	gpu_update(0, BAR_H, fw, fh - BAR_H);
}

/* The keyboard's events: a focus chord, or the focused VM's. */
static void keys(void)
{
	struct kbd_event e;

	while (input_next(INPUT_KEYBOARD, &e)) {
		bool down = e.value != 0;
		if (e.type == EV_KEY) {
			if (e.code == KEY_LEFTCTRL || e.code == KEY_RIGHTCTRL)
				ctrl[e.code == KEY_RIGHTCTRL] = down;
			if (e.code == KEY_LEFTALT || e.code == KEY_RIGHTALT)
				alt[e.code == KEY_RIGHTALT] = down;
			if (down && e.code >= KEY_F1 && e.code <= KEY_F8 && (ctrl[0] || ctrl[1]) &&
			    (alt[0] || alt[1])) {
				int want = e.code - KEY_F1;
				for (int i = 0; i < nvms; i++)
					if (has_display(&vms[i]) && want-- == 0)
						focus = i;
				swallow = e.code;
				continue;
			}
			if (!down && e.code == swallow) {
				swallow = -1;
				continue;
			}
		}
		const struct vinput_event ve = {e.type, e.code, e.value};
		vinput_event(&vms[focus].kbd, &ve);
	}
}

/*
 * A real tablet axis value (0..VINPUT_ABS_MAX over `real` pixels) as the
 * focused VM's tablet reports the pixel under it, `off` pixels in (the status
 * bar's height, for y), on a screen of `size` pixels: the real pixel first
 * (the inverse of the board's x * 32767 / size, rounded up, so a pixel comes
 * back whole), clamped to the VM's screen, then scaled as the board scales.
 */
static uint32_t pointer_axis(uint32_t abs, uint32_t real, uint32_t off, uint32_t size)
{
	uint64_t px = ((uint64_t)abs * real + VINPUT_ABS_MAX - 1) / VINPUT_ABS_MAX;

	px = px < off ? 0 : px - off;
	if (px >= size)
		px = size - 1;
	return (uint32_t)(px * VINPUT_ABS_MAX / size);
}

/* The tablet's events: the focused VM's, its axes scaled to the VM's screen under the bar. */
static void pointer(uint32_t fw, uint32_t fh)
{
	struct kbd_event e;

	while (input_next(INPUT_TABLET, &e)) {
		const struct bundle_vm *bv = vms[focus].entry;
		struct vinput_event ve = {e.type, e.code, e.value};
		if (e.type == EV_ABS && e.code == ABS_X)
			ve.value = pointer_axis(e.value, fw, 0, bv->display_width);
		else if (e.type == EV_ABS && e.code == ABS_Y)
			ve.value = pointer_axis(e.value, fh, BAR_H, bv->display_height);
		vinput_event(&vms[focus].tablet, &ve);
	}
}

void screen_poll(void)
{
	uint32_t fw, fh, *frame;

	if (!ready)
		return;
	keys();
	frame = gpu_frame(&fw, &fh);
	if (!frame)
		return;
	pointer(fw, fh);
	uint64_t now = vcpu_now();
	bool moved = focus != shown_focus;
	if (!moved && now - last_draw < hz / REDRAW_DIV)
		return;
	if (moved || vm_state_name(&vms[focus]) != shown_state) {
		shown_state = vm_state_name(&vms[focus]);
		draw_bar(frame, fw);
	}
	if (moved || vms[focus].gpu.flush_gen != shown_gen) {
		shown_gen = vms[focus].gpu.flush_gen;
		draw_vm(frame, fw, fh);
	}
	shown_focus = focus;
	last_draw = now;
}

int screen_focus(const char *name)
{
	for (int i = 0; i < nvms; i++) {
		if (strcmp(vms[i].name, name) != 0)
			continue;
		if (!has_display(&vms[i]))
			return -2;
		if (!ready)
			return -3;
		focus = i;
		return 0;
	}
	return -1;
}

const char *screen_focus_why(int r)
{
	return r == -1 ? "no such vm" : r == -2 ? "has no display" : "there is no real screen";
}
