/*
 * Virtual LANs: one learning switch per LAN the boot bundle names
 * (docs/network.md).  A port is anything that sends and takes Ethernet
 * frames: a VM's virtio-net device (dev/vnet.c), or the uplink to the real
 * NIC.  The switch owns no device; it moves frames between ports.
 *
 *   - A frame to a broadcast or multicast address, or to a unicast address
 *     the switch has not learned, goes to every other port of its LAN; one
 *     to a learned address goes to that port alone.  Nothing crosses LANs.
 *   - A port attached with a MAC sends only frames with that source MAC;
 *     others are dropped (counted as spoofed).  The uplink (mac NULL) may
 *     send any source MAC but never one a VM's port owns.
 *   - A frame goes straight to its port when the port can take it, else
 *     into that port's bounded queue, where each sender may hold only its
 *     fair share; beyond it the frame is dropped (counted).  lan_poll()
 *     moves queued frames once ports can take them.
 *
 * One real hart runs everything: no locking.  Pure logic, unit tested.
 */
#ifndef POPEK_CORE_LAN_H
#define POPEK_CORE_LAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bundle.h"

#define LAN_MAX       BUNDLE_MAX_LANS
#define LAN_MAX_PORTS (BUNDLE_MAX_VMS * BUNDLE_MAX_NICS + 1) /* every NIC, and the uplink */
#define LAN_FRAME_MIN 14                                     /* an Ethernet header */
#define LAN_FRAME_MAX 1518 /* 1500 bytes of payload, the header, a VLAN tag; no FCS */
#define LAN_QUEUE     32   /* frames queued for one port */
#define LAN_MACS      64   /* learned addresses per LAN */

struct lan_port;

/* What the switch asks of a port's owner. */
struct lan_port_ops {
	/* Whether the port can take a frame now (a VM: a receive buffer is posted). */
	bool (*can_take)(struct lan_port *p);
	/* Takes one frame; called only after can_take answered true. */
	void (*deliver)(struct lan_port *p, const void *frame, uint32_t len);
};

/* What a port counts (the monitor's `net`, `stats NAME`). */
struct lan_port_stats {
	uint64_t tx_frames, tx_bytes; /* sent into the switch and accepted */
	uint64_t rx_frames, rx_bytes; /* delivered to the port */
	uint64_t drop_spoof;          /* sent with a source MAC not its own */
	uint64_t drop_size;           /* sent shorter than a header or longer than LAN_FRAME_MAX */
	uint64_t drop_queue; /* for this port, dropped: its queue (or the sender's share) full */
};

struct lan_frame {
	uint32_t len;
	int16_t from; /* the sending port's index, for its fair share */
	uint8_t data[LAN_FRAME_MAX];
};

struct lan_port {
	int lan; /* index in the bundle's lans; -1: a free port */
	int index;
	const struct lan_port_ops *ops;
	void *owner; /* the device the port belongs to */
	bool has_mac;
	uint8_t mac[6];
	struct lan_port_stats stats;
	/* frames waiting until the port can take them: a ring of LAN_QUEUE */
	uint32_t q_head, q_len;
	uint16_t q_from[LAN_MAX_PORTS]; /* frames queued here per sender */
	struct lan_frame *q;            /* LAN_QUEUE of them, from lan_init's alloc */
};

/*
 * The LANs of a bundle (checked by bundle_check): forgets every port and
 * every learned address.  Before any lan_attach.  alloc is asked once for
 * the queues of every port the bundle has (each VM's interfaces, and the
 * uplink): LAN_QUEUE frames, ~48 KiB, each; it answers NULL when there is
 * no memory, and then no port attaches.
 */
void lan_init(const struct bundle_header *b, void *(*alloc)(uint64_t bytes));

/*
 * A new port on LAN number `lan`, owned by `owner`; mac: the only source
 * address it may send with, or NULL for the uplink.  NULL when the LAN does
 * not exist, every port is taken, or there is no memory for its queue.
 */
struct lan_port *lan_attach(int lan, const struct lan_port_ops *ops, void *owner,
                            const uint8_t mac[6]);

/* Drops what is queued for the port (its device was reset); it stays attached. */
void lan_port_flush(struct lan_port *p);

/* What lan_send answers. */
enum lan_send_result {
	LAN_SENT = 0,    /* delivered or queued to at least one port, or no port to send to */
	LAN_BAD_SIZE,    /* shorter than LAN_FRAME_MIN or longer than LAN_FRAME_MAX: dropped */
	LAN_SPOOFED,     /* source MAC not the port's own: dropped */
	LAN_QUEUES_FULL, /* every port it was for had no room for it: dropped */
};

/* A frame from port p into its LAN's switch. */
int lan_send(struct lan_port *p, const void *frame, uint32_t len);

/* Moves queued frames to the ports that can take them now (the scheduler). */
void lan_poll(void);

/* The same for one port, in its owner's time (a VM's device: it posted receive buffers). */
void lan_port_poll(struct lan_port *p);

/* The index of the LAN with uplink = on, or -1 (from the bundle). */
int lan_uplink(void);

/* For reports: the LAN's name ("" past the last), and the port at index i or NULL. */
const char *lan_name(int lan);
const struct lan_port *lan_port_at(int i);

#endif
