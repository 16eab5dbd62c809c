/* The real keyboard (virtio_input.h). */
#include "drivers/virtio_input.h"

#include "arch/riscv/memlayout.h"
#include "core/console.h"
#include "core/machine.h"
#include "core/mem.h"
#include "drivers/plic.h"
#include "drivers/virtio_mmio.h"

#define EVENTQ 0
#define QSIZE  64

static struct virtio_dev dev;
static struct virtq q;
static struct kbd_event *events; /* one page: QSIZE of them */

static void post(uint16_t i)
{
	q.desc[i] =
	    (struct virtq_desc){va_to_pa(&events[i]), sizeof(events[i]), VIRTQ_DESC_WRITE, 0};
	virtq_publish(&q, i);
}

/* The interrupt: acknowledged; the scheduler's next pass takes the events. */
static void kbd_irq(void *arg)
{
	(void)arg;
	virtio_dev_irq_ack(&dev);
}

int kbd_init(const struct machine *m)
{
	uint64_t features;

	if (virtio_dev_find(&dev, m, VIRTIO_ID_INPUT, "keyboard") < 0)
		return -1;
	if (virtio_dev_negotiate(&dev, 0, &features) < 0 ||
	    virtio_dev_queue_init(&dev, &q, EVENTQ, QSIZE) < 0) {
		kprintf("popek: the keyboard refused popek's features or queue size\n");
		dev.regs = NULL;
		return -1;
	}
	events = pa_to_va(page_alloc());
	if (plic_register(dev.irq, kbd_irq, NULL) < 0)
		kprintf("popek: no interrupt for the keyboard; keys wait for the next slice\n");
	virtio_dev_driver_ok(&dev);
	for (uint16_t i = 0; i < QSIZE; i++) {
		(void)virtq_desc_alloc(&q);
		post(i);
	}
	virtio_dev_notify(&dev, &q);
	kprintf("  keyboard  virtio-input at %lx, irq %u\n", dev.base, dev.irq);
	return 0;
}

bool kbd_next(struct kbd_event *e)
{
	uint32_t id, len;

	if (!dev.regs || !virtq_used_next(&q, &id, &len))
		return false;
	if (id >= QSIZE)
		return false; /* the device is trusted, but never with an index */
	*e = events[id];
	post((uint16_t)id);
	virtio_dev_notify(&dev, &q);
	return true;
}
