/*
 * A virtual virtio-net device (virtio 1.1 §5.1) on the shared virtio-mmio
 * transport (dev/virtio_mmio.h), modern or legacy as the VM's disks: a
 * receive queue and a transmit queue, no control queue, no offloads, no
 * mergeable buffers; its MAC in the configuration space.  It is a port of a
 * virtual LAN (core/lan.h): frames the guest sends go to the switch, and
 * frames for it arrive through the port's deliver.
 *
 * Pure logic: guest memory through the transport, bounds checked.  A
 * hostile ring gets what the board's device gives it (QEMU 7.2's
 * virtio-net): a malformed chain breaks the device (DEVICE_NEEDS_RESET), a
 * receive buffer too small for a frame stays in the ring and the frame is
 * dropped.
 */
#ifndef POPEK_DEV_VNET_H
#define POPEK_DEV_VNET_H

#include <stdbool.h>
#include <stdint.h>

#include "core/emul.h"
#include "core/lan.h"
#include "dev/virtio_mmio.h"

#define VNET_QUEUE_MAX 256 /* QueueNumMax of both queues, the board's */
#define VNET_RX        0   /* receiveq1 (§5.1.2) */
#define VNET_TX        1   /* transmitq1 */

/* What the device counts beyond its port's counters. */
struct vnet_stats {
	uint64_t rx_small;    /* frames dropped: the receive buffer could not hold them */
	uint64_t rx_nobuf;    /* frames dropped: no receive buffer after all */
	uint64_t tx_oversize; /* frames the guest sent longer than a LAN carries */
};

struct vnet {
	struct virtio_mmio t; /* the transport: registers, queues, counters */
	uint8_t mac[6];
	struct lan_port *port; /* NULL: on no LAN (frames sent go nowhere) */
	struct vnet_stats stats;
	struct virtio_desc desc[VNET_QUEUE_MAX]; /* a walked chain */
	uint8_t frame[LAN_FRAME_MAX];            /* a frame being sent, gathered */
};

void vnet_init(struct vnet *n, const uint8_t mac[6], bool legacy, struct virtio_mem mem,
               struct vplic *plic, uint32_t irq, struct lan_port *port);

extern const struct mmio_ops vnet_ops;          /* dev = struct vnet * */
extern const struct lan_port_ops vnet_port_ops; /* the port's owner = struct vnet * */

/* virtio 1.1 §5.1.3 */
#define VIRTIO_NET_F_MAC     (1ull << 5)
#define VIRTIO_NET_F_STATUS  (1ull << 16)
#define VIRTIO_NET_S_LINK_UP 1

#endif
