/*
 * Network interfaces: joins each VM's virtual virtio-net devices
 * (dev/vnet.c) to the virtual LANs (core/lan.c) its directory entry names,
 * at the virtio-mmio slots after its disks, and reports their counters.
 */
#ifndef POPEK_CORE_NETIF_H
#define POPEK_CORE_NETIF_H

#include <stdbool.h>

#include "core/bundle.h"

struct vm;

/*
 * The VM's interfaces, new, at every boot; at the first (`first`) each also
 * joins its LAN, whose port it keeps across restarts.
 */
void netif_create(struct vm *vm, const struct bundle_vm *bv, bool first);

/* The `net:` lines of the VM's report (`stats NAME`, and when it stops). */
void netif_report(const struct vm *vm);

/* The monitor's `net`: every LAN, its ports, their MACs and counters. */
void netif_list(void);

#endif
