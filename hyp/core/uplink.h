/*
 * The uplink: the LAN with uplink = on bridged to the real NIC
 * (drivers/virtio_net.h), both ways, as one more port of its switch
 * (core/lan.h).  Frames from outside enter the LAN with whatever source
 * MAC they carry (never one a VM's port owns: the switch drops those);
 * frames the switch floods or sends to an address it learned on the
 * uplink leave through the NIC.  Without an uplinked LAN the NIC is not
 * started and nothing leaves the machine.
 */
#ifndef POPEK_CORE_UPLINK_H
#define POPEK_CORE_UPLINK_H

#include <stdbool.h>

struct machine;

/* After lan_init: attaches the uplink port and starts the NIC, if a LAN asks for one. */
void uplink_init(const struct machine *m);
/* Whether the uplink is up: an uplinked LAN and a NIC to bridge it to. */
bool uplink_up(void);
/* The real NIC's counters, one line (popek prints it at power-off), if the uplink is up. */
void uplink_report(void);

#endif
