/* VM displays: see display.h. */
#include "core/display.h"

#include "arch/riscv/memlayout.h"
#include "arch/riscv/riscv.h"
#include "core/console.h"
#include "core/guest_layout.h"
#include "core/mem.h"
#include "core/panic.h"
#include "core/vm.h"
#include "dev/vgpu.h"
#include "dev/vinput.h"

/*
 * The board's keyboard's EV_KEY bitmap (virtio-keyboard-device of QEMU 7.2,
 * read from its configuration space by teach's mode=display): every key it
 * can send, and so every key a VM's keyboard offers.
 */
static const uint8_t board_keys[] = {
    0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xcf, 0x7b, 0xff, 0xff, 0xbe,
    0xfe, 0xff, 0xdf, 0x00, 0xf8, 0x78, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
};

static void *guest_mem(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_gpa_to_hva(ctx, gpa, len);
}

void display_create(struct vm *vm, const struct bundle_vm *bv, bool first)
{
	uint32_t slot = bv->ndisks + bv->nnics;
	struct virtio_mem mem = {guest_mem, vm, vm_dma_wrote, &vm->watch_on};
	bool legacy = bv->virtio == BUNDLE_VIRTIO_LEGACY;

	if (!bv->display_width)
		return;
	if (first) {
		/* bundle_check() has bounded the size: at most a few tens of MiB */
		vm->display_arena_size = vgpu_arena_bytes(bv->display_width, bv->display_height);
		uint64_t pa = mem_alloc_range(vm->display_arena_size, PAGE_SIZE);
		if (!pa)
			panic("vm %s: no memory for its display (%lu KiB)", vm->name,
			      vm->display_arena_size >> 10);
		vm->display_arena = pa_to_va(pa);
	}
	vgpu_init(&vm->gpu, bv->display_width, bv->display_height, mem, vm->display_arena,
	          vm->display_arena_size, legacy, &vm->plic, GUEST_VIRTIO_IRQ(slot));
	vinput_init(&vm->kbd, board_keys, sizeof(board_keys));
	vinput_attach(&vm->kbd, mem, &vm->plic, GUEST_VIRTIO_IRQ(slot + 1));
	vinput_init_tablet(&vm->tablet);
	vm->pointer_buttons = 0;
	vinput_attach(&vm->tablet, mem, &vm->plic, GUEST_VIRTIO_IRQ(slot + 2));
	const struct {
		const struct mmio_ops *ops;
		void *dev;
	} devs[BUNDLE_DISPLAY_SLOTS] = {
	    {&vgpu_ops, &vm->gpu}, {&vinput_ops, &vm->kbd}, {&vinput_ops, &vm->tablet}};
	for (uint32_t i = 0; i < BUNDLE_DISPLAY_SLOTS; i++) {
		if (emul_add(&vm->emul, GUEST_VIRTIO_BASE + (slot + i) * GUEST_VIRTIO_SIZE,
		             GUEST_VIRTIO_SIZE, devs[i].ops, devs[i].dev) < 0)
			panic("vm %s: virtio slot %u overlaps another device", vm->name, slot + i);
	}
}

bool display_key(struct vm *vm, uint16_t code, uint16_t with)
{
	if (!vm->entry->display_width)
		return false;
	/* one report a change, as the board's keyboard sends a chord (sendkey shift-a) */
	if (with)
		vinput_key(&vm->kbd, with, true);
	vinput_key(&vm->kbd, code, true);
	vinput_key(&vm->kbd, code, false);
	if (with)
		vinput_key(&vm->kbd, with, false);
	return true;
}

/* A screen coordinate as the board's tablet reports it (QEMU's qemu_input_scale_axis). */
static uint32_t abs_of(uint32_t px, uint32_t size)
{
	return (uint32_t)((uint64_t)px * VINPUT_ABS_MAX / size);
}

bool display_pointer(struct vm *vm, uint32_t x, uint32_t y, uint32_t buttons)
{
	const uint32_t w = vm->entry->display_width, h = vm->entry->display_height;
	const struct vinput_event syn = {EV_SYN, SYN_REPORT, 0};

	if (!w)
		return false;
	/* the position, then each button that changed, in one report */
	const struct vinput_event ax = {EV_ABS, ABS_X, abs_of(x < w ? x : w - 1, w)},
	                          ay = {EV_ABS, ABS_Y, abs_of(y < h ? y : h - 1, h)};
	vinput_event(&vm->tablet, &ax);
	vinput_event(&vm->tablet, &ay);
	for (uint32_t b = 0; b < DISPLAY_BUTTONS; b++) {
		bool down = buttons >> b & 1;
		if (down == (vm->pointer_buttons >> b & 1))
			continue;
		const struct vinput_event e = {EV_KEY, (uint16_t)(BTN_LEFT + b), down};
		vinput_event(&vm->tablet, &e);
	}
	vinput_event(&vm->tablet, &syn);
	vm->pointer_buttons = buttons;
	return true;
}

#define PX_PER_RECORD 12 /* the launcher takes records of up to 255 bytes */

void display_screenshot(struct vm *vm, const char *id)
{
	uint32_t w, h, n = 0, run = 0, last = 0;
	struct vgpu_view v;

	if (!vm->entry->display_width) {
		console_ctl_printf("%s err vm %s has no display\n", id, vm->name);
		return;
	}
	if (!vgpu_screen_view(&vm->gpu, &v)) {
		console_ctl_printf("%s err vm %s has not set up its screen\n", id, vm->name);
		return;
	}
	w = v.width;
	h = v.height;
	console_ctl_printf("%s frame %u %u\n", id, w, h);
	/* run-length coded, row after row: the records carry the pixels in order */
	for (uint64_t i = 0; i <= (uint64_t)w * h; i++) {
		uint32_t px = ~0u; /* past the last pixel: ends the last run */

		if (i < (uint64_t)w * h) {
			const uint8_t *p = v.px + (i / w) * v.stride + (i % w) * 4;
			px = (uint32_t)p[v.r] << 16 | (uint32_t)p[v.g] << 8 | p[v.b];
		}

		if (run && px == last && i < (uint64_t)w * h) {
			run++;
			continue;
		}
		if (run) {
			if (n == 0)
				console_ctl_printf("%s px", id);
			if (run > 1)
				console_ctl_printf(" %06x*%u", last, run);
			else
				console_ctl_printf(" %06x", last);
			if (++n == PX_PER_RECORD) {
				console_ctl_printf("\n");
				n = 0;
			}
		}
		last = px;
		run = 1;
	}
	if (n)
		console_ctl_printf("\n");
	console_ctl_printf("%s ok\n", id);
}

void display_report(const struct vm *vm)
{
	const struct vgpu_stats *s = &vm->gpu.stats;

	if (!vm->entry->display_width)
		return;
	kprintf("popek: vm %s display: %ux%u; gpu commands %lu (errors %lu), cursor %lu, flushes "
	        "%lu; keys sent %lu, dropped %lu\n",
	        vm->name, vm->gpu.width, vm->gpu.height, s->commands, s->errors, s->cursor,
	        s->flushes, vm->kbd.sent, vm->kbd.dropped);
}
