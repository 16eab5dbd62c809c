/*
 * Driver for the real virtio-net device (virtio 1.1 §5.1) on the shared
 * virtio-mmio transport (virtio_mmio.h).  Queue 0 receives, queue 1
 * transmits; every buffer is one descriptor of NIC_BUF bytes, buffer i
 * always behind descriptor i, so a used entry names its buffer.
 */
#include "drivers/virtio_net.h"
#include "arch/riscv/memlayout.h"
#include "core/console.h"
#include "core/machine.h"
#include "core/mem.h"
#include "drivers/plic.h"
#include "drivers/virtio_mmio.h"
#include "lib/string.h"

#include <stddef.h>

#define F_NET_MAC 5 /* §5.1.3: the device has a MAC in its configuration */

#define RXQ       0
#define TXQ       1
#define NIC_QUEUE 64
#define NIC_BUF   2048 /* two to a page; holds the header and the largest frame */

static struct virtio_dev dev;
static struct virtq rxq, txq;
static uint8_t *rx_buf[NIC_QUEUE], *tx_buf[NIC_QUEUE];
static void (*rx_fn)(const void *frame, uint32_t len);
static void (*tx_room_fn)(void);
static uint8_t mac[6];
static struct nic_stats stats;

_Static_assert(NIC_HDR_LEN + NIC_FRAME_MAX <= NIC_BUF, "a buffer holds the largest frame");

bool nic_present(void)
{
	return dev.regs != NULL;
}

const uint8_t *nic_mac(void)
{
	return mac;
}

const struct nic_stats *nic_stats(void)
{
	return &stats;
}

static void notify(struct virtq *q)
{
	if (virtio_dev_notify(&dev, q))
		stats.notifies++;
}

void nic_reclaim(void)
{
	uint32_t id, len;
	while (virtq_used_next(&txq, &id, &len)) {
		if (id < NIC_QUEUE) /* else not a buffer popek made available */
			virtq_chain_free(&txq, (uint16_t)id);
	}
}

bool nic_can_send(void)
{
	if (dev.regs && txq.nfree == 0)
		nic_reclaim();
	return dev.regs && txq.nfree > 0;
}

int nic_send(const void *frame, uint32_t len)
{
	if (!dev.regs || len > NIC_FRAME_MAX)
		return NIC_FAIL;
	if (!nic_can_send()) {
		stats.tx_busy++;
		return NIC_BUSY;
	}
	uint16_t d = virtq_desc_alloc(&txq);
	memset(tx_buf[d], 0, NIC_HDR_LEN); /* no offloads asked for (§5.1.6.2) */
	memcpy(tx_buf[d] + NIC_HDR_LEN, frame, len);
	txq.desc[d] = (struct virtq_desc){va_to_pa(tx_buf[d]), NIC_HDR_LEN + len, 0, 0};
	virtq_publish(&txq, d);
	notify(&txq);
	stats.tx_frames++;
	stats.tx_bytes += len;
	return NIC_OK;
}

/* Buffer i back to the device, to be written again. */
static void rx_post(uint16_t i)
{
	rxq.desc[i] = (struct virtq_desc){va_to_pa(rx_buf[i]), NIC_BUF, VIRTQ_DESC_WRITE, 0};
	virtq_publish(&rxq, i);
}

/*
 * Acknowledge first, so a frame landing while the rings are walked raises
 * the line again; then sent buffers back to the free list, received frames
 * to the uplink, and their buffers back to the device with one notify.
 */
static void nic_irq(void *arg)
{
	(void)arg;
	stats.interrupts++;
	virtio_dev_irq_ack(&dev);
	uint16_t was_free = txq.nfree;
	nic_reclaim();
	uint32_t id, written;
	while (virtq_used_next(&rxq, &id, &written)) {
		if (id >= NIC_QUEUE) /* not a buffer popek made available */
			continue;
		int len = nic_rx_frame_len(written, NIC_BUF);
		if (len < 0) {
			stats.rx_bad++;
		} else {
			stats.rx_frames++;
			stats.rx_bytes += (uint32_t)len;
			rx_fn(rx_buf[id] + NIC_HDR_LEN, (uint32_t)len);
		}
		rx_post((uint16_t)id);
	}
	notify(&rxq);
	if (txq.nfree > was_free)
		tx_room_fn();
}

static uint8_t *buf_alloc(unsigned i)
{
	static uint8_t *page;
	if (i % (4096 / NIC_BUF) == 0)
		page = pa_to_va(page_alloc());
	return page + (i % (4096 / NIC_BUF)) * NIC_BUF;
}

int nic_init(const struct machine *m, void (*rx)(const void *frame, uint32_t len),
             void (*tx_room)(void))
{
	uint64_t features;
	if (virtio_dev_find(&dev, m, VIRTIO_ID_NET, "network card") < 0)
		return -1;
	if (virtio_dev_negotiate(&dev, 1ull << F_NET_MAC, &features) < 0 ||
	    virtio_dev_queue_init(&dev, &rxq, RXQ, NIC_QUEUE) < 0 ||
	    virtio_dev_queue_init(&dev, &txq, TXQ, NIC_QUEUE) < 0) {
		kprintf("popek: the network card refused popek's features or queue size\n");
		dev.regs = NULL;
		return -1;
	}
	rx_fn = rx;
	tx_room_fn = tx_room;
	for (unsigned i = 0; i < NIC_QUEUE; i++)
		rx_buf[i] = buf_alloc(i);
	for (unsigned i = 0; i < NIC_QUEUE; i++)
		tx_buf[i] = buf_alloc(i);
	if (features & (1ull << F_NET_MAC)) {
		for (unsigned i = 0; i < 6; i++)
			mac[i] = virtio_dev_config8(&dev, i);
	}
	if (plic_register(dev.irq, nic_irq, NULL) < 0)
		kprintf("popek: no interrupt for the network card; nothing would come in\n");
	virtio_dev_driver_ok(&dev);
	/* receive buffers once the device is live; it looks at them on the notify */
	for (uint16_t i = 0; i < NIC_QUEUE; i++)
		rx_post(i);
	notify(&rxq);
	kprintf("  nic       virtio-net at %lx, irq %u, mac %02x:%02x:%02x:%02x:%02x:%02x\n",
	        dev.base, dev.irq, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return 0;
}
