/*
 * The real NIC: the virtio-net device QEMU offers (virtio 1.1 §5.1, mmio
 * version 2), which popek drives by interrupt through the real PLIC to
 * bridge one LAN to the outside (core/uplink.c).  No offloads are
 * negotiated: every frame is a whole Ethernet frame, without its FCS,
 * behind the 12-byte virtio_net_hdr.  Received frames are handed to the
 * function nic_init was given, from the NIC's interrupt; sent frames are
 * copied into popek's own buffers.
 */
#ifndef POPEK_DRIVERS_VIRTIO_NET_H
#define POPEK_DRIVERS_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

struct machine;

/* The largest frame either way: 1500 bytes of payload, the header, a VLAN tag. */
#define NIC_FRAME_MAX 1518

/* nic_send's answers. */
#define NIC_OK   0
#define NIC_BUSY (-1) /* every transmit buffer is in flight: try after a completion */
#define NIC_FAIL (-2) /* never: no NIC, or a frame longer than NIC_FRAME_MAX */

/*
 * Finds the NIC among the machine's virtio-mmio slots and starts it.  From
 * its interrupt, rx(frame, len) then gets every frame it receives, len
 * checked to be at most NIC_FRAME_MAX, and tx_room() is called when sent
 * buffers came back (a sender refused NIC_BUSY may try again).  0, or -1
 * if there is none.
 */
int nic_init(const struct machine *m, void (*rx)(const void *frame, uint32_t len),
             void (*tx_room)(void));
bool nic_present(void);
/* The MAC address the device reports (for the banner and reports). */
const uint8_t *nic_mac(void);
/* Whether nic_send would take a frame now. */
bool nic_can_send(void);
/* Copies one frame into a transmit buffer and tells the device: NIC_OK, NIC_BUSY or NIC_FAIL. */
int nic_send(const void *frame, uint32_t len);
/*
 * Takes back transmit buffers the device has finished with (also done by
 * the NIC's interrupt): the switch calls it before giving up on the NIC.
 */
void nic_reclaim(void);

/* The real NIC's side of the uplink (popek's `net` report). */
struct nic_stats {
	uint64_t interrupts;
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_bad; /* used-ring entries with an impossible length: dropped */
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_busy; /* sends refused for want of a buffer */
	uint64_t notifies;
};
const struct nic_stats *nic_stats(void);

/* §5.1.6: the header before every frame, without offloads (num_buffers included in 1.0). */
#define NIC_HDR_LEN 12

/*
 * The frame in a receive buffer of `size` bytes the device says it wrote
 * `written` bytes into (the used-ring length, header included): its
 * length, or -1 when that cannot be a frame popek passes on (no room for
 * the header, more than the buffer, or past NIC_FRAME_MAX).  The device
 * is trusted like the disk, but these bytes came from outside the machine
 * and go on to guests.  Unit tested.
 */
static inline int nic_rx_frame_len(uint32_t written, uint32_t size)
{
	if (written < NIC_HDR_LEN || written > size || written - NIC_HDR_LEN > NIC_FRAME_MAX)
		return -1;
	return (int)(written - NIC_HDR_LEN);
}

#endif
