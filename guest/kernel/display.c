/*
 * display.c — mode=display: the kernel's screen and keyboard.  It drives the
 * board's virtio-gpu (2D, virtio 1.1 §5.7) and virtio-input keyboard (§5.8)
 * through virtio_dev.c, polled: one framebuffer in RAM as the backing of
 * resource 1, shown on scanout 0.  It draws a test pattern (colour bars, a
 * gradient, a frame) and echoes each key typed as text below it, printing
 * on the console what it did, for tests to wait on:
 *
 *   display: WIDTHxHEIGHT pattern drawn
 *   display: keyboard "NAME", N key bytes HEX    (its EV_KEY bitmap, §5.8.4)
 *   display: key 'c'                    (one line per character echoed)
 *   display: tablet "NAME", abs bits HEX, x 0..MAX, N button bytes HEX
 *   display: pointer X Y buttons B      (at each report of the tablet)
 *
 * The tablet's pointer is drawn as a cross (it moves; what was under it comes
 * back), and each left-button press leaves a square mark where it happened.
 *
 * mode=gpuattack sends the device a hostile command stream (resource id 0,
 * rectangles past the edge, backing outside RAM...) and prints each answer:
 *
 *   gpuattack: NAME answer 0xNNNN
 *   gpuattack: done
 *
 * Both run the same on the bare board and in a VM: the screen is the test.
 */
#include "display.h"
#include "font8x16.h"
#include "printf.h"
#include "riscv.h"
#include "string.h"
#include "timer.h"
#include "virtio_dev.h"

#define GPU_ID      16 /* virtio device IDs (§5) */
#define INPUT_ID    18
#define MAX_W       640
#define MAX_H       480
#define RES_ID      1
#define FMT_BGRX    2 /* VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM: 0x00RRGGBB in a little-endian word */
#define TEXT_TOP    (height / 2) /* text below the pattern, in the lower half */
#define DEADLINE_MS 2000

/* §5.7.6.7 */
#define CMD_GET_DISPLAY_INFO 0x0100
#define CMD_CREATE_2D        0x0101
#define CMD_UNREF            0x0102
#define CMD_SET_SCANOUT      0x0103
#define CMD_FLUSH            0x0104
#define CMD_TRANSFER         0x0105
#define CMD_ATTACH_BACKING   0x0106
#define CMD_DETACH_BACKING   0x0107
#define RESP_OK_NODATA       0x1100

struct gpu_hdr {
	uint32_t type, flags;
	uint64_t fence_id;
	uint32_t ctx_id, padding;
};

struct gpu_rect {
	uint32_t x, y, w, h;
};

static struct virtio_dev gpu, kbd, tablet;
static struct vq gpu_q __attribute__((aligned(4096)));
static struct vq kbd_q __attribute__((aligned(4096)));
static struct vq tablet_q __attribute__((aligned(4096)));
static uint32_t fb[MAX_W * MAX_H] __attribute__((aligned(4096)));
static uint32_t width, height;

/* A command: its bytes, then the answer (up to 408 bytes: display info). */
static struct {
	uint8_t cmd[64 + 16 * 4];
	uint8_t resp[408];
} io __attribute__((aligned(16)));

/*
 * Sends len bytes of io.cmd, waits for the answer (the board's device answers
 * from its own thread, popek's at once).  Returns the response type, 0 when
 * no answer came before the deadline.
 */
static uint32_t gpu_cmd(uint32_t len)
{
	uint64_t deadline = rdtime() + timebase_hz / 1000 * DEADLINE_MS;
	uint32_t used_len, type;

	memset(io.resp, 0, sizeof(io.resp));
	gpu_q.desc[0] = (struct vq_desc){(uint64_t)io.cmd, len, 1, 1};
	gpu_q.desc[1] = (struct vq_desc){(uint64_t)io.resp, sizeof(io.resp), 2, 0};
	vq_offer(&gpu, &gpu_q, 0, 0);
	while (vq_used(&gpu_q, &used_len) < 0)
		if (rdtime() >= deadline)
			return 0;
	memcpy(&type, io.resp, 4);
	return type;
}

static void put32(uint32_t off, uint32_t v)
{
	memcpy(io.cmd + off, &v, 4);
}

static void put64(uint32_t off, uint64_t v)
{
	memcpy(io.cmd + off, &v, 8);
}

static void hdr(uint32_t type)
{
	memset(io.cmd, 0, sizeof(io.cmd));
	put32(0, type);
}

/* A command whose body is a rectangle and then up to two words. */
static uint32_t rect_cmd(uint32_t type, struct gpu_rect r, uint32_t a, uint32_t b)
{
	hdr(type);
	put32(24, r.x);
	put32(28, r.y);
	put32(32, r.w);
	put32(36, r.h);
	if (type == CMD_TRANSFER) {
		put64(40, (uint64_t)r.y * width * 4 +
		              (uint64_t)r.x * 4); /* offset of the first pixel */
		put32(48, a);
		return gpu_cmd(56);
	}
	put32(40, a);
	put32(44, b);
	return gpu_cmd(48);
}

static uint32_t create(uint32_t id, uint32_t fmt, uint32_t w, uint32_t h)
{
	hdr(CMD_CREATE_2D);
	put32(24, id);
	put32(28, fmt);
	put32(32, w);
	put32(36, h);
	return gpu_cmd(40);
}

static uint32_t attach(uint32_t id, uint64_t addr, uint32_t len)
{
	hdr(CMD_ATTACH_BACKING);
	put32(24, id);
	put32(28, 1);
	put64(32, addr);
	put32(40, len);
	return gpu_cmd(48);
}

/* Finds the GPU, asks its size, and shows fb on scanout 0.  -1: no GPU. */
static int gpu_setup(void)
{
	uint32_t enabled;

	if (virtio_dev_find(&gpu, GPU_ID) < 0 || virtio_dev_queue(&gpu, 0, &gpu_q) < 0)
		return -1;
	virtio_dev_ready(&gpu);
	hdr(CMD_GET_DISPLAY_INFO);
	if (gpu_cmd(24) != 0x1101)
		return -1;
	memcpy(&width, io.resp + 24 + 8, 4);
	memcpy(&height, io.resp + 24 + 12, 4);
	memcpy(&enabled, io.resp + 24 + 16, 4);
	if (!enabled || width == 0 || height == 0)
		return -1;
	if (width > MAX_W)
		width = MAX_W;
	if (height > MAX_H)
		height = MAX_H;
	if (create(RES_ID, FMT_BGRX, width, height) != RESP_OK_NODATA ||
	    attach(RES_ID, (uint64_t)fb, width * height * 4) != RESP_OK_NODATA ||
	    rect_cmd(CMD_SET_SCANOUT, (struct gpu_rect){0, 0, width, height}, 0, RES_ID) !=
	        RESP_OK_NODATA)
		return -1;
	return 0;
}

/* Makes the rectangle of fb the screen's: transfer, then flush. */
static void gpu_show(struct gpu_rect r)
{
	rect_cmd(CMD_TRANSFER, r, RES_ID, 0);
	rect_cmd(CMD_FLUSH, r, RES_ID, 0);
}

/* fb is width pixels a row, as the resource is. */
static void px(uint32_t x, uint32_t y, uint32_t rgb)
{
	if (x < width && y < height)
		fb[y * width + x] = rgb;
}

/* Eight bars, a grey gradient under them, a one-pixel white frame. */
static void pattern(void)
{
	static const uint32_t bars[8] = {0xffffff, 0xffff00, 0x00ffff, 0x00ff00,
	                                 0xff00ff, 0xff0000, 0x0000ff, 0x000000};

	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++) {
			uint32_t c = 0x102040;

			if (y < height / 3)
				c = bars[x * 8 / width];
			else if (y < TEXT_TOP) {
				uint32_t v = x * 255 / (width - 1);
				c = v << 16 | v << 8 | v;
			}
			if (x == 0 || y == 0 || x == width - 1 || y == height - 1)
				c = 0xffffff;
			px(x, y, c);
		}
}

/* Text below the pattern, 8x16 cells from the console font, wrapping. */
static uint32_t col, row;

static void glyph(char ch)
{
	uint32_t x0 = 8 + col * FONT8X16_WIDTH, y0 = TEXT_TOP + 8 + row * FONT8X16_HEIGHT;
	const uint8_t *g = font8x16['?' - FONT8X16_FIRST];

	if (ch >= FONT8X16_FIRST && ch <= FONT8X16_LAST)
		g = font8x16[ch - FONT8X16_FIRST];
	for (uint32_t y = 0; y < FONT8X16_HEIGHT; y++)
		for (uint32_t x = 0; x < FONT8X16_WIDTH; x++)
			px(x0 + x, y0 + y, (g[y] >> (7 - x)) & 1 ? 0xffff80 : 0x102040);
	gpu_show((struct gpu_rect){x0, y0, FONT8X16_WIDTH, FONT8X16_HEIGHT});
}

static void text_put(char ch)
{
	uint32_t cols = (width - 16) / FONT8X16_WIDTH;
	uint32_t rows = (height - TEXT_TOP - 16) / FONT8X16_HEIGHT;

	if (ch == '\n' || col >= cols) {
		col = 0;
		row = (row + 1) % rows;
	}
	if (ch == '\n')
		return;
	glyph(ch);
	col++;
}

#define EV_KEY     1
#define KEY_LSHIFT 42
#define KEY_RSHIFT 54

/* The keyboard: VQ_SIZE 8-byte event buffers, always offered (§5.8.6). */
struct input_event {
	uint16_t type, code;
	uint32_t value;
};

static struct input_event events[VQ_SIZE], tablet_events[VQ_SIZE];

#define EV_SYN 0
#define EV_ABS 3

/* §5.8.4: select and subsel, then size and the union. */
static void input_select(struct virtio_dev *d, uint8_t select, uint8_t subsel)
{
	virtio_dev_config_w8(d, 0, select);
	virtio_dev_config_w8(d, 1, subsel);
}

/* A tablet has absolute axes (EV_BITS of EV_ABS), a keyboard none. */
static int is_tablet(struct virtio_dev *d)
{
	input_select(d, 0x11, EV_ABS);
	return virtio_dev_config_r8(d, 2) != 0;
}

static int is_keyboard(struct virtio_dev *d)
{
	return !is_tablet(d);
}

/* The device's event queue, VQ_SIZE 8-byte buffers, always offered (§5.8.6). */
static int input_setup(struct virtio_dev *d, struct vq *q, struct input_event *ev,
                       int (*want)(struct virtio_dev *d))
{
	if (virtio_dev_find_if(d, INPUT_ID, want) < 0 || virtio_dev_queue(d, 0, q) < 0)
		return -1;
	for (int i = 0; i < VQ_SIZE; i++)
		q->desc[i] = (struct vq_desc){(uint64_t)&ev[i], sizeof(ev[i]), 2, 0};
	virtio_dev_ready(d);
	for (int i = 0; i < VQ_SIZE; i++)
		vq_offer(d, q, 0, (uint16_t)i);
	return 0;
}

static int kbd_setup(void)
{
	return input_setup(&kbd, &kbd_q, events, is_keyboard);
}

static void kbd_select(uint8_t select, uint8_t subsel)
{
	input_select(&kbd, select, subsel);
}

/* The keyboard's name and key bitmap, as the device describes itself. */
static void kbd_describe(void)
{
	char name[129];
	uint32_t n;

	kbd_select(0x01, 0); /* VIRTIO_INPUT_CFG_ID_NAME */
	n = virtio_dev_config_r8(&kbd, 2);
	for (uint32_t i = 0; i < n && i < 128; i++)
		name[i] = (char)virtio_dev_config_r8(&kbd, 8 + i);
	name[n < 128 ? n : 128] = 0;
	kbd_select(0x11, EV_KEY); /* VIRTIO_INPUT_CFG_EV_BITS */
	n = virtio_dev_config_r8(&kbd, 2);
	kprintf("display: keyboard \"%s\", %u key bytes ", name, n);
	for (uint32_t i = 0; i < n; i++)
		kprintf("%02x", virtio_dev_config_r8(&kbd, 8 + i));
	kprintf("\n");
}

/* Linux input key codes (KEY_*) to characters, unshifted and shifted. */
static const char keymap[2][64] = {
    {0,   0,   '1', '2', '3', '4', '5', '6', '7', '8', '9',  '0', '-', '=',  0,
     0,   'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p',  '[', ']', '\n', 0,
     'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,   '\\', 'z',
     'x', 'c', 'v', 'b', 'n', 'm', ',', '.', '/', 0,   '*',  0,   ' '},
    {0,   0,   '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+',  0,
     0,   'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0,
     'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,   '|',  'Z',
     'X', 'C', 'V', 'B', 'N', 'M', '<', '>', '?', 0,   '*', 0,   ' '},
};

/* The tablet: its name, axes and buttons, as the device describes them. */
static void tablet_describe(void)
{
	char name[129];
	uint32_t n;

	input_select(&tablet, 0x01, 0); /* VIRTIO_INPUT_CFG_ID_NAME */
	n = virtio_dev_config_r8(&tablet, 2);
	for (uint32_t i = 0; i < n && i < 128; i++)
		name[i] = (char)virtio_dev_config_r8(&tablet, 8 + i);
	name[n < 128 ? n : 128] = 0;
	input_select(&tablet, 0x11, EV_ABS);
	uint32_t abs = virtio_dev_config_r8(&tablet, 8);
	input_select(&tablet, 0x12, 0); /* VIRTIO_INPUT_CFG_ABS_INFO, ABS_X: min, max */
	uint32_t min = virtio_dev_config(&tablet, 8), max = virtio_dev_config(&tablet, 12);
	input_select(&tablet, 0x11, EV_KEY);
	n = virtio_dev_config_r8(&tablet, 2);
	kprintf("display: tablet \"%s\", abs bits %02x, x %u..%u, %u button bytes ", name, abs, min,
	        max, n);
	for (uint32_t i = 0; i < n; i++)
		kprintf("%02x", virtio_dev_config_r8(&tablet, 8 + i));
	kprintf("\n");
}

/* The pointer: where it is (pixels), its buttons, and what its cross covers. */
#define CROSS_ARM 6
#define ABS_RANGE 32767 /* the board's tablet: 0..32767 over the screen */
static struct {
	uint32_t x, y, buttons, shown_x, shown_y;
	int shown;
	uint32_t under[2][2 * CROSS_ARM + 1];
} ptr;

/* The cross's pixel i of arm a (0 across, 1 down) at (x, y). */
static uint32_t *cross_px(uint32_t x, uint32_t y, int a, int i)
{
	uint32_t cx = a ? x : x + (uint32_t)i - CROSS_ARM, cy = a ? y + (uint32_t)i - CROSS_ARM : y;

	return cx < width && cy < height ? &fb[cy * width + cx] : 0;
}

/* Draws the cross, saving what it covers; or puts that back, in reverse (the arms cross). */
#define CROSS_PX (2 * (2 * CROSS_ARM + 1))
static void cross(int draw)
{
	for (int k = 0; k < CROSS_PX; k++) {
		int n = draw ? k : CROSS_PX - 1 - k, a = n / (2 * CROSS_ARM + 1),
		    i = n % (2 * CROSS_ARM + 1);
		uint32_t *p = cross_px(ptr.shown_x, ptr.shown_y, a, i);
		if (!p)
			continue;
		if (draw) {
			ptr.under[a][i] = *p;
			*p = 0xff0000;
		} else {
			*p = ptr.under[a][i];
		}
	}
}

static void pointer_show(uint32_t x, uint32_t y)
{
	uint32_t x0 = x > CROSS_ARM ? x - CROSS_ARM : 0, y0 = y > CROSS_ARM ? y - CROSS_ARM : 0;
	uint32_t x1 = x + CROSS_ARM + 1 < width ? x + CROSS_ARM + 1 : width;
	uint32_t y1 = y + CROSS_ARM + 1 < height ? y + CROSS_ARM + 1 : height;

	gpu_show((struct gpu_rect){x0, y0, x1 - x0, y1 - y0});
}

/*
 * A report's end: the cross moves to the pointer, and a left press leaves a
 * 5x5 mark under it.  The screen, as the board's pixel back from its
 * x * 32767 / width: the inverse, rounded up.
 */
static void pointer_report(uint32_t pressed)
{
	uint32_t old_x = ptr.shown_x, old_y = ptr.shown_y;
	int was = ptr.shown;

	if (ptr.shown)
		cross(0);
	if (pressed & 1)
		for (uint32_t dy = 0; dy < 5; dy++)
			for (uint32_t dx = 0; dx < 5; dx++)
				px(ptr.x + dx - 2, ptr.y + dy - 2, 0x00ff00);
	ptr.shown_x = ptr.x;
	ptr.shown_y = ptr.y;
	ptr.shown = 1;
	cross(1);
	if (was)
		pointer_show(old_x, old_y);
	pointer_show(ptr.x, ptr.y);
	kprintf("display: pointer %u %u buttons %u\n", ptr.x, ptr.y, ptr.buttons);
}

static void tablet_event(const struct input_event *e)
{
	static uint32_t pressed;

	if (e->type == EV_ABS && e->code < 2) {
		uint32_t size = e->code ? height : width;
		uint32_t p = (uint32_t)(((uint64_t)e->value * size + ABS_RANGE - 1) / ABS_RANGE);
		p = p < size ? p : size - 1;
		if (e->code)
			ptr.y = p;
		else
			ptr.x = p;
	} else if (e->type == EV_KEY && e->code >= 0x110 && e->code < 0x113) {
		uint32_t bit = 1u << (e->code - 0x110);
		if (e->value) {
			pressed |= bit & ~ptr.buttons;
			ptr.buttons |= bit;
		} else {
			ptr.buttons &= ~bit;
		}
	} else if (e->type == EV_SYN) {
		pointer_report(pressed);
		pressed = 0;
	}
}

/* The tablet's events, all that came. */
static void tablet_poll(void)
{
	uint32_t len;
	int id;

	if (!tablet.regs)
		return;
	while ((id = vq_used(&tablet_q, &len)) >= 0 && id < VQ_SIZE) {
		struct input_event e = tablet_events[id];
		vq_offer(&tablet, &tablet_q, 0, (uint16_t)id);
		tablet_event(&e);
	}
}

/* Echoes keys, and follows the pointer, for ever. */
static void kbd_loop(void)
{
	int shift = 0;

	for (;;) {
		uint32_t len;
		int id;
		struct input_event e;

		tablet_poll();
		id = vq_used(&kbd_q, &len);
		if (id < 0 || id >= VQ_SIZE)
			continue;
		e = events[id];
		vq_offer(&kbd, &kbd_q, 0, (uint16_t)id);
		if (e.type != EV_KEY)
			continue;
		if (e.code == KEY_LSHIFT || e.code == KEY_RSHIFT) {
			shift = e.value != 0;
			continue;
		}
		if (e.value == 0 || e.code >= sizeof(keymap[0]) || !keymap[shift][e.code])
			continue;
		char ch = keymap[shift][e.code];
		text_put(ch);
		if (ch == '\n')
			kprintf("display: key '\\n'\n");
		else
			kprintf("display: key '%c'\n", ch);
	}
}

void display_run(void)
{
	if (gpu_setup() < 0) {
		kprintf("display: no virtio-gpu\n");
		return;
	}
	pattern();
	gpu_show((struct gpu_rect){0, 0, width, height});
	kprintf("display: %ux%u pattern drawn\n", width, height);
	if (kbd_setup() < 0) {
		kprintf("display: no virtio keyboard\n");
		return;
	}
	kbd_describe();
	if (input_setup(&tablet, &tablet_q, tablet_events, is_tablet) < 0)
		kprintf("display: no virtio tablet\n");
	else
		tablet_describe();
	kprintf("display: keyboard ready\n");
	kbd_loop();
}

/* mode=gpuattack: each command the device must refuse, and what it answered. */
void gpuattack_run(void)
{
	static const struct {
		const char *name;
		uint32_t id, fmt, w, h;
	} creates[] = {
	    {"create-id0", 0, FMT_BGRX, 16, 16},
	    {"create-format", 7, 5, 16, 16},
	    {"create-huge", 7, FMT_BGRX, 0xffffffff, 0xffffffff},
	};
	static const struct {
		const char *name;
		uint32_t type;
		struct gpu_rect r;
		uint32_t a, b;
	} rects[] = {
	    {"scanout-small", CMD_SET_SCANOUT, {0, 0, 15, 15}, 0, RES_ID},
	    {"scanout-id", CMD_SET_SCANOUT, {0, 0, 16, 16}, 5, RES_ID},
	    {"scanout-wrap", CMD_SET_SCANOUT, {0xfffffff0, 0, 0x20, 16}, 0, RES_ID},
	    {"flush-past", CMD_FLUSH, {1, 1, MAX_W, MAX_H}, RES_ID, 0},
	    {"flush-nores", CMD_FLUSH, {0, 0, 1, 1}, 99, 0},
	    {"transfer-wrap", CMD_TRANSFER, {0xffffffff, 0, 2, 1}, RES_ID, 0},
	    {"transfer-nores", CMD_TRANSFER, {0, 0, 1, 1}, 99, 0},
	};

	if (gpu_setup() < 0) {
		kprintf("gpuattack: no virtio-gpu\n");
		return;
	}
	pattern();
	gpu_show((struct gpu_rect){0, 0, width, height});
	for (unsigned i = 0; i < sizeof(creates) / sizeof(creates[0]); i++)
		kprintf("gpuattack: %s answer 0x%x\n", creates[i].name,
		        create(creates[i].id, creates[i].fmt, creates[i].w, creates[i].h));
	for (unsigned i = 0; i < sizeof(rects) / sizeof(rects[0]); i++)
		kprintf("gpuattack: %s answer 0x%x\n", rects[i].name,
		        rect_cmd(rects[i].type, rects[i].r, rects[i].a, rects[i].b));
	create(7, FMT_BGRX, 16, 16);
	kprintf("gpuattack: attach-outside answer 0x%x\n", attach(7, 0x200000000ull, 8192));
	kprintf("gpuattack: attach-wrap answer 0x%x\n", attach(7, ~0ull - 8, 8192));
	kprintf("gpuattack: attach-empty answer 0x%x\n", attach(7, (uint64_t)fb, 0));
	kprintf("gpuattack: attach-twice answer 0x%x\n", attach(RES_ID, (uint64_t)fb, 4096));
	hdr(CMD_DETACH_BACKING);
	put32(24, 7);
	kprintf("gpuattack: detach-none answer 0x%x\n", gpu_cmd(32));
	hdr(0x0999);
	kprintf("gpuattack: unknown answer 0x%x\n", gpu_cmd(24));
	hdr(CMD_ATTACH_BACKING);
	put32(24, 7);
	put32(28, 100000);
	kprintf("gpuattack: attach-many answer 0x%x\n", gpu_cmd(32));
	hdr(CMD_UNREF);
	put32(24, 7);
	kprintf("gpuattack: unref answer 0x%x\n", gpu_cmd(32));
	kprintf("gpuattack: done\n");
}
