/* The uplink port.  See uplink.h. */
#include "core/uplink.h"
#include "core/console.h"
#include "core/lan.h"
#include "drivers/virtio_net.h"

#include <stddef.h>

static struct lan_port *port;

/*
 * The switch hands the uplink a frame only when the NIC has a transmit
 * buffer free; otherwise the frame waits in the port's queue until the
 * NIC's completions free one (uplink_tx_room).
 */
static bool uplink_can_take(struct lan_port *p)
{
	(void)p;
	return nic_can_send();
}

static void uplink_deliver(struct lan_port *p, const void *frame, uint32_t len)
{
	(void)p;
	nic_send(frame, len);
}

static const struct lan_port_ops uplink_ops = {
    .can_take = uplink_can_take,
    .deliver = uplink_deliver,
};

/* From the NIC's interrupt: the length is checked there, the rest by the switch. */
static void uplink_rx(const void *frame, uint32_t len)
{
	if (port)
		lan_send(port, frame, len);
}

/* From the NIC's interrupt: what waits for the uplink can go now. */
static void uplink_tx_room(void)
{
	if (port)
		lan_poll();
}

bool uplink_up(void)
{
	return port != NULL;
}

void uplink_report(void)
{
	if (!port)
		return;
	const struct nic_stats *s = nic_stats();
	kprintf("popek: uplink on lan %s: nic rx %lu frames %lu bytes, %lu impossible lengths; "
	        "tx %lu frames %lu bytes, %lu refused busy; %lu interrupts, %lu notifies\n",
	        lan_name(port->lan), s->rx_frames, s->rx_bytes, s->rx_bad, s->tx_frames,
	        s->tx_bytes, s->tx_busy, s->interrupts, s->notifies);
}

void uplink_init(const struct machine *m)
{
	int lan = lan_uplink();
	if (lan < 0)
		return;
	if (nic_init(m, uplink_rx, uplink_tx_room) < 0) {
		kprintf("popek: LAN %s has uplink = on but the machine has no network card; "
		        "it stays inside popek\n",
		        lan_name(lan));
		return;
	}
	port = lan_attach(lan, &uplink_ops, NULL, NULL);
	if (!port)
		kprintf("popek: no port left on LAN %s for the uplink\n", lan_name(lan));
	else
		kprintf("  uplink    LAN %s bridged to the network card\n", lan_name(lan));
}
