/* Network interfaces: see netif.h. */
#include "core/netif.h"

#include "core/console.h"
#include "core/guest_layout.h"
#include "core/lan.h"
#include "core/panic.h"
#include "core/vm.h"
#include "dev/vnet.h"

/* Which VM and interface each vnet is, for the reports. */
static struct netif {
	const struct vm *vm;
	unsigned index; /* eth0, eth1, ... */
	const struct vnet *dev;
} netifs[BUNDLE_MAX_VMS * BUNDLE_MAX_NICS];
static int nnetifs;

static void *guest_mem(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_gpa_to_hva(ctx, gpa, len);
}

void netif_create(struct vm *vm, const struct bundle_vm *bv, bool first)
{
	bool legacy = bv->virtio == BUNDLE_VIRTIO_LEGACY;

	/* bundle_check() has verified the disks and interfaces fit the slots, each on a LAN. */
	for (uint32_t i = 0; i < bv->nnics && i < BUNDLE_MAX_NICS; i++) {
		const struct bundle_nic *nic = &bv->nics[i];
		struct vnet *n = &vm->nets[i];
		uint32_t slot = bv->ndisks + i;
		struct lan_port *port = n->port;

		if (first) {
			port = lan_attach(nic->lan, &vnet_port_ops, n, nic->mac);
			if (!port)
				kprintf("popek: vm %s: eth%u cannot join LAN %s (no port left)\n",
				        vm->name, i, lan_name(nic->lan));
			if (nnetifs < BUNDLE_MAX_VMS * BUNDLE_MAX_NICS)
				netifs[nnetifs++] = (struct netif){vm, i, n};
		}
		vnet_init(n, nic->mac, legacy,
		          (struct virtio_mem){guest_mem, vm, vm_dma_wrote, &vm->watch_on},
		          &vm->plic, GUEST_VIRTIO_IRQ(slot), port);
		if (emul_add(&vm->emul, GUEST_VIRTIO_BASE + slot * GUEST_VIRTIO_SIZE,
		             GUEST_VIRTIO_SIZE, &vnet_ops, n) < 0)
			panic("vm %s: virtio slot %u overlaps another device", vm->name, slot);
	}
}

static void print_mac(const uint8_t *m)
{
	kprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void print_port(const struct lan_port *p)
{
	const struct lan_port_stats *s = &p->stats;

	kprintf("tx %lu frames %lu bytes; rx %lu frames %lu bytes; dropped: spoofed %lu, size %lu, "
	        "queue full %lu",
	        s->tx_frames, s->tx_bytes, s->rx_frames, s->rx_bytes, s->drop_spoof, s->drop_size,
	        s->drop_queue);
}

void netif_report(const struct vm *vm)
{
	for (int i = 0; i < nnetifs; i++) {
		const struct netif *f = &netifs[i];
		if (f->vm != vm)
			continue;
		kprintf("popek: vm %s net: eth%u ", vm->name, f->index);
		print_mac(f->dev->port ? f->dev->port->mac : f->dev->mac); /* the directory's */
		if (f->dev->port) {
			kprintf(" on lan %s; ", lan_name(f->dev->port->lan));
			print_port(f->dev->port);
		} else {
			kprintf(" on no LAN;");
		}
		kprintf("; rx buffer too small %lu, none %lu; tx oversize %lu\n",
		        f->dev->stats.rx_small, f->dev->stats.rx_nobuf, f->dev->stats.tx_oversize);
	}
}

void netif_list(void)
{
	bool any = false;

	for (int l = 0; *lan_name(l); l++) {
		any = true;
		kprintf("lan %s%s\n", lan_name(l), l == lan_uplink() ? " (uplink)" : "");
		for (int i = 0; lan_port_at(i); i++) {
			const struct lan_port *p = lan_port_at(i);
			const struct netif *f = NULL;
			if (p->lan != l)
				continue;
			for (int k = 0; k < nnetifs && !f; k++) {
				if (netifs[k].dev->port == p)
					f = &netifs[k];
			}
			if (f) {
				kprintf("  %s eth%u ", f->vm->name, f->index);
				print_mac(p->mac);
			} else {
				kprintf("  uplink");
			}
			kprintf(": ");
			print_port(p);
			kprintf("\n");
		}
	}
	if (!any)
		kprintf("no LANs (a directory names them with [lan NAME])\n");
}
