/* The real keyboard and tablet (virtio_input.h). */
#include "drivers/virtio_input.h"

#include "arch/riscv/memlayout.h"
#include "core/console.h"
#include "core/machine.h"
#include "core/mem.h"
#include "drivers/plic.h"
#include "drivers/virtio_mmio.h"

#define EVENTQ 0
#define QSIZE  64
/* §5.8.4: the configuration space's select and subsel, then size */
#define CFG_SELECT  0
#define CFG_SUBSEL  1
#define CFG_SIZE    2
#define CFG_EV_BITS 0x11
#define EV_ABS      0x03

static struct input {
	struct virtio_dev dev;
	struct virtq q;
	struct kbd_event *events; /* one page: QSIZE of them */
} inputs[INPUT_DEVICES];

static const char *const input_names[INPUT_DEVICES] = {"keyboard", "tablet"};

static void post(struct input *in, uint16_t i)
{
	in->q.desc[i] = (struct virtq_desc){va_to_pa(&in->events[i]), sizeof(in->events[i]),
	                                    VIRTQ_DESC_WRITE, 0};
	virtq_publish(&in->q, i);
}

/* The interrupt: acknowledged; the scheduler's next pass takes the events. */
static void input_irq(void *arg)
{
	struct input *in = arg;

	virtio_dev_irq_ack(&in->dev);
}

/* A tablet reports absolute axes; a keyboard none. */
static enum input_which input_kind(struct virtio_dev *d)
{
	virtio_dev_config8_write(d, CFG_SELECT, CFG_EV_BITS);
	virtio_dev_config8_write(d, CFG_SUBSEL, EV_ABS);
	enum input_which w = virtio_dev_config8(d, CFG_SIZE) ? INPUT_TABLET : INPUT_KEYBOARD;
	virtio_dev_config8_write(d, CFG_SELECT, 0);
	return w;
}

static int input_start(struct input *in, const char *what)
{
	uint64_t features;

	if (virtio_dev_negotiate(&in->dev, 0, &features) < 0 ||
	    virtio_dev_queue_init(&in->dev, &in->q, EVENTQ, QSIZE) < 0) {
		kprintf("popek: the %s refused popek's features or queue size\n", what);
		in->dev.regs = NULL;
		return -1;
	}
	in->events = pa_to_va(page_alloc());
	if (plic_register(in->dev.irq, input_irq, in) < 0)
		kprintf("popek: no interrupt for the %s; its events wait for the next slice\n",
		        what);
	virtio_dev_driver_ok(&in->dev);
	for (uint16_t i = 0; i < QSIZE; i++) {
		(void)virtq_desc_alloc(&in->q);
		post(in, i);
	}
	virtio_dev_notify(&in->dev, &in->q);
	kprintf("  %-9s virtio-input at %lx, irq %u\n", what, in->dev.base, in->dev.irq);
	return 0;
}

unsigned input_init(const struct machine *m)
{
	struct virtio_dev d;
	unsigned found = 0;

	for (int i = 0; (i = virtio_dev_find_from(&d, m, VIRTIO_ID_INPUT, "input", i)) >= 0; i++) {
		enum input_which w = input_kind(&d);
		if (found & 1u << w)
			continue; /* the first of each kind */
		inputs[w].dev = d;
		if (input_start(&inputs[w], input_names[w]) == 0)
			found |= 1u << w;
	}
	return found;
}

bool input_next(enum input_which which, struct kbd_event *e)
{
	struct input *in = &inputs[which];
	uint32_t id, len;

	if (!in->dev.regs || !virtq_used_next(&in->q, &id, &len))
		return false;
	if (id >= QSIZE)
		return false; /* the device is trusted, but never with an index */
	*e = in->events[id];
	post(in, (uint16_t)id);
	virtio_dev_notify(&in->dev, &in->q);
	return true;
}
