/*
 * Virtual virtio-net (see vnet.h).  Each frame crosses popek once: the
 * sender's chain is gathered into n->frame, and the switch copies it into
 * the receiver's chain (or into the receiving port's queue, when that one
 * has no buffer posted).
 */
#include "dev/vnet.h"

#include <stddef.h>

#include "lib/string.h"

#define VNET_DEVICE_ID 1 /* §5.1.1 */

/*
 * struct virtio_net_hdr (§5.1.6): 10 bytes for a legacy driver, 12 (with
 * num_buffers) once VERSION_1 is negotiated.  With no offload negotiated its
 * fields carry nothing: the device ignores them on transmit and writes
 * zeroes (num_buffers 1, §5.1.6.4) on receive.
 */
#define VNET_HDR_LEGACY     10
#define VNET_HDR_MODERN     12
#define VNET_HDR_NUMBUF_OFF 10

/* struct virtio_net_config (§5.1.4) as far as MAC and STATUS reach. */
#define CFG_MAC    0
#define CFG_STATUS 6
#define CFG_LEN    8

static uint32_t vnet_hdr_len(const struct vnet *n)
{
	return (virtio_mmio_features(&n->t) & VIRTIO_F_VERSION_1) ? VNET_HDR_MODERN
	                                                          : VNET_HDR_LEGACY;
}

/*
 * Walks the chain at head of queue q.  A chain the board's device cannot
 * map (outside the table, a loop, a buffer outside RAM, INDIRECT, readable
 * after writable) is a virtio_error() there: the device breaks (§2.1.2).
 */
static bool vnet_walk(struct vnet *n, uint32_t q, uint16_t head, struct virtio_chain *c)
{
	if (virtio_mmio_walk(&n->t, q, head, n->desc, VNET_QUEUE_MAX, c) != 0 || c->bad_buffer ||
	    c->ordered != c->n) {
		virtio_mmio_break(&n->t);
		return false;
	}
	return true;
}

/*
 * One chain of the transmit queue: the header, then the frame, in its
 * readable buffers cut any way (§2.6.4.1); writable ones are ignored.  No
 * readable byte, or fewer than a header, is an error on the board's device.
 */
static int vnet_tx_take(void *dev, uint16_t head)
{
	struct vnet *n = dev;
	struct virtio_chain c;
	uint64_t total = 0;
	uint32_t hdr = vnet_hdr_len(n), got = 0;

	if (!vnet_walk(n, VNET_TX, head, &c))
		return 0;
	for (uint32_t k = 0; k < c.n && !(c.d[k].flags & VIRTQ_DESC_F_WRITE); k++)
		total += c.d[k].len;
	if (total < hdr) {
		virtio_mmio_break(&n->t);
		return 0;
	}
	if (total - hdr > LAN_FRAME_MAX) {
		n->stats.tx_oversize++;
	} else {
		uint64_t skip = hdr;
		for (uint32_t k = 0; k < c.n && !(c.d[k].flags & VIRTQ_DESC_F_WRITE); k++) {
			uint64_t len = c.d[k].len, off = skip < len ? skip : len;
			skip -= off;
			if (len == off)
				continue;
			/* the walk checked the buffer lies wholly in RAM */
			memcpy(n->frame + got, virtio_mmio_at(&n->t, c.d[k].addr + off, len - off),
			       len - off);
			got += (uint32_t)(len - off);
		}
		if (n->port)
			lan_send(n->port, n->frame, got);
	}
	virtio_mmio_push(&n->t, VNET_TX, head, 0);
	return 0;
}

/* The switch asks: a receive buffer is posted, and the driver is ready (QEMU's can_receive). */
static bool vnet_can_take(struct lan_port *p)
{
	struct vnet *n = p->owner;

	return virtio_mmio_driver_ok(&n->t) && virtio_mmio_pending(&n->t, VNET_RX);
}

/* Copies len bytes of src into the writable buffers of c, from byte `at` of them. */
static void vnet_scatter(struct vnet *n, const struct virtio_chain *c, uint64_t at,
                         const uint8_t *src, uint32_t len)
{
	for (uint32_t k = 0; k < c->n && len; k++) {
		uint64_t blen = c->d[k].len;
		if (!(c->d[k].flags & VIRTQ_DESC_F_WRITE))
			continue;
		if (at >= blen) {
			at -= blen;
			continue;
		}
		uint32_t take = blen - at < len ? (uint32_t)(blen - at) : len;
		memcpy(virtio_mmio_at(&n->t, c->d[k].addr + at, take), src, take);
		src += take;
		len -= take;
		at = 0;
	}
}

/*
 * One frame into the next receive chain: the header, then the frame.  As on
 * the board's device without mergeable buffers, a chain too small for both
 * goes back to the ring untouched and the frame is dropped; a chain with no
 * writable buffer is an error.
 */
static void vnet_deliver(struct lan_port *p, const void *frame, uint32_t len)
{
	struct vnet *n = p->owner;
	uint8_t hdr[VNET_HDR_MODERN] = {0};
	uint32_t hlen = vnet_hdr_len(n);
	struct virtio_chain c;
	uint64_t room = 0;
	uint16_t head;
	bool writable = false;

	if (virtio_mmio_pop(&n->t, VNET_RX, &head) != 1) {
		n->stats.rx_nobuf++;
		return;
	}
	if (!vnet_walk(n, VNET_RX, head, &c))
		return;
	for (uint32_t k = 0; k < c.n; k++) {
		if (c.d[k].flags & VIRTQ_DESC_F_WRITE) {
			writable = true;
			room += c.d[k].len;
		}
	}
	if (!writable) {
		virtio_mmio_break(&n->t);
		return;
	}
	if (room < hlen + len) {
		virtio_mmio_unpop(&n->t, VNET_RX);
		n->stats.rx_small++;
		return;
	}
	if (hlen == VNET_HDR_MODERN)
		hdr[VNET_HDR_NUMBUF_OFF] = 1;
	vnet_scatter(n, &c, 0, hdr, hlen);
	vnet_scatter(n, &c, hlen, frame, len);
	virtio_mmio_push(&n->t, VNET_RX, head, hlen + len);
}

const struct lan_port_ops vnet_port_ops = {
    .can_take = vnet_can_take,
    .deliver = vnet_deliver,
};

/*
 * Receive buffers posted: frames waiting for them come now.  Frames to
 * send: all the ring holds, in this VM's own time.
 */
static void vnet_notify(void *dev, uint32_t q)
{
	struct vnet *n = dev;

	if (q == VNET_RX) {
		if (n->port)
			lan_port_poll(n->port);
	} else {
		virtio_mmio_process(&n->t, VNET_TX, vnet_tx_take);
	}
}

/* Frames queued for the old driver are not the new one's (a real NIC drops them too). */
static void vnet_reset(void *dev)
{
	struct vnet *n = dev;

	if (n->port)
		lan_port_flush(n->port);
}

/* MAC and link status; ANY_LAYOUT too on the legacy interface, as the board's device has it. */
static uint64_t vnet_features(void *dev)
{
	(void)dev;
	return VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_F_ANY_LAYOUT;
}

static void vnet_config(void *dev, uint8_t *cfg)
{
	const struct vnet *n = dev;

	memset(cfg, 0, CFG_LEN);
	memcpy(cfg + CFG_MAC, n->mac, 6);
	cfg[CFG_STATUS] = VIRTIO_NET_S_LINK_UP; /* little-endian 16 bits */
}

/*
 * The MAC in the configuration space is writable by a driver that did not
 * negotiate VERSION_1 (§5.1.4.2, legacy: the only way to set it without a
 * control queue), as on the board's device.  What the device reports
 * changes; the switch still takes frames only from the directory's MAC.
 */
static void vnet_config_write(void *dev, uint32_t off, unsigned width, uint32_t val)
{
	struct vnet *n = dev;

	if (virtio_mmio_features(&n->t) & VIRTIO_F_VERSION_1)
		return;
	for (unsigned i = 0; i < width; i++) {
		uint32_t at = off + i - CFG_MAC; /* CFG_MAC is 0: the MAC starts the space */
		if (at < 6)
			n->mac[at] = (uint8_t)(val >> (8 * i));
	}
}

static const struct virtio_mmio_model vnet_model = {
    .device_id = VNET_DEVICE_ID,
    .nqueues = 2,
    .queue_max = VNET_QUEUE_MAX,
    .config_len = CFG_LEN,
    .features = vnet_features,
    .config = vnet_config,
    .config_write = vnet_config_write,
    .notify = vnet_notify,
    .reset = vnet_reset,
};

static int vnet_read(void *dev, uint64_t off, unsigned width, uint64_t *val)
{
	struct vnet *n = dev;

	return virtio_mmio_ops.read(&n->t, off, width, val);
}

static int vnet_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
	struct vnet *n = dev;

	return virtio_mmio_ops.write(&n->t, off, width, val);
}

const struct mmio_ops vnet_ops = {
    .read = vnet_read,
    .write = vnet_write,
};

void vnet_init(struct vnet *n, const uint8_t mac[6], bool legacy, struct virtio_mem mem,
               struct vplic *plic, uint32_t irq, struct lan_port *port)
{
	memset(n, 0, offsetof(struct vnet, desc));
	memcpy(n->mac, mac, 6);
	n->port = port;
	if (port)
		lan_port_flush(port);
	virtio_mmio_init(&n->t, &vnet_model, n, legacy, mem, plic, irq);
}
