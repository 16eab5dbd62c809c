/*
 * The uplink (hyp/core/uplink.c) over the real switch (hyp/core/lan.c) and
 * a fake NIC whose transmit buffers come and go: frames from outside the
 * machine, of any length the device could report (through the driver's
 * own check, nic_rx_frame_len), with any addresses, interleaved with VMs'
 * sends, busy ports and the NIC's completions.  Properties: every frame a
 * VM or the NIC gets is a whole frame within the limits; nothing from the
 * outside carries the source address of a VM on its LAN into a VM; nothing crosses
 * into the LAN without the uplink; the NIC is never handed a frame it has
 * no buffer for.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bundle.h"
#include "core/lan.h"
#include "core/uplink.h"
#include "drivers/virtio_net.h"
#include "fuzz_reader.h"

#define FROM_OUTSIDE 0xff /* the tag byte (at 14) of a frame from the NIC */
#define NVMS         3    /* vm 0 and 1 on the uplinked LAN, vm 2 on the other */

static struct {
	void (*rx)(const void *frame, uint32_t len);
	void (*tx_room)(void);
	unsigned room;
} nic;

int kprintf(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

int nic_init(const struct machine *m, void (*rx)(const void *frame, uint32_t len),
             void (*tx_room)(void))
{
	(void)m;
	nic.rx = rx;
	nic.tx_room = tx_room;
	return 0;
}

const struct nic_stats *nic_stats(void)
{
	static struct nic_stats none;
	return &none;
}

bool nic_can_send(void)
{
	return nic.room > 0;
}

int nic_send(const void *frame, uint32_t len)
{
	const uint8_t *f = frame;
	REQUIRE(nic.room > 0);
	REQUIRE(len >= LAN_FRAME_MIN && len <= NIC_FRAME_MAX);
	/* out of the machine: only what a VM of the uplinked LAN sent */
	REQUIRE(len <= 14 || f[14] == 0 || f[14] == 1);
	nic.room--;
	return NIC_OK;
}

static struct vm {
	struct lan_port *port;
	uint8_t mac[6];
	bool ready;
} vms[NVMS];

static bool vm_can_take(struct lan_port *p)
{
	return ((struct vm *)p->owner)->ready;
}

static void vm_deliver(struct lan_port *p, const void *frame, uint32_t len)
{
	struct vm *v = p->owner;
	const uint8_t *f = frame;
	REQUIRE(v->ready);
	REQUIRE(len >= LAN_FRAME_MIN && len <= LAN_FRAME_MAX);
	if (len <= 14)
		return;
	if (f[14] == FROM_OUTSIDE) {
		REQUIRE(v != &vms[2]);
		for (int i = 0; i < 2; i++) /* the addresses of the uplinked LAN's VMs */
			REQUIRE(memcmp(f + 6, vms[i].mac, 6) != 0);
	} else {
		REQUIRE(f[14] < NVMS && (f[14] == 2) == (v == &vms[2]));
	}
}

static const struct lan_port_ops vm_ops = {.can_take = vm_can_take, .deliver = vm_deliver};

/* An address: a VM's, broadcast, a multicast, or any. */
static void pick_mac(struct reader *r, uint8_t *mac)
{
	uint8_t k = reader_u8(r);
	if (k % 4 < NVMS) {
		memcpy(mac, vms[k % 4].mac, 6);
	} else if (k & 0x10) {
		memset(mac, 0xff, 6);
	} else {
		for (int i = 0; i < 6; i++)
			mac[i] = reader_u8(r);
	}
}

/* The switch's queues: one block for every input (they are all the same size). */
static void *queues_alloc(uint64_t bytes)
{
	static void *block;
	static uint64_t have;
	if (bytes > have) {
		free(block);
		block = malloc(bytes);
		have = block ? bytes : 0;
	}
	return block;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bundle_header b;
	static uint8_t f[2048];
	struct reader r = {data, size};

	memset(&b, 0, sizeof(b));
	memset(&nic, 0, sizeof(nic));
	b.nlans = 2;
	strcpy(b.lans[0].name, "world");
	b.lans[0].flags = BUNDLE_LAN_UPLINK;
	strcpy(b.lans[1].name, "inside");
	b.nvms = NVMS; /* one interface each: the switch sizes its queues by them */
	for (int i = 0; i < NVMS; i++)
		b.vms[i].nnics = 1;
	lan_init(&b, queues_alloc);
	for (int i = 0; i < NVMS; i++) {
		static const uint8_t base[6] = {0x02, 0, 0, 0, 0, 0};
		memcpy(vms[i].mac, base, 6);
		vms[i].mac[5] = (uint8_t)(i + 1);
		vms[i].ready = true;
		vms[i].port = lan_attach(i < 2 ? 0 : 1, &vm_ops, &vms[i], vms[i].mac);
		REQUIRE(vms[i].port);
	}
	uplink_init(NULL);
	REQUIRE(uplink_up() && nic.rx);

	while (r.size) {
		uint8_t op = reader_u8(&r);
		switch (op % 5) {
		case 0: { /* a frame from outside, of the length the device reported */
			uint32_t written = reader_u16(&r) % 2100,
			         size = 2048 - (reader_u8(&r) & 0x3f);
			int len = nic_rx_frame_len(written, size);
			if (len < 0)
				break;
			memset(f, 0, (size_t)len);
			if (len >= 12) {
				pick_mac(&r, f);
				pick_mac(&r, f + 6);
			}
			if (len > 14)
				f[14] = FROM_OUTSIDE;
			nic.rx(f, (uint32_t)len);
			break;
		}
		case 1: { /* a VM's frame, its source most often its own */
			struct vm *v = &vms[reader_u8(&r) % NVMS];
			uint32_t len = reader_u16(&r) % (LAN_FRAME_MAX + 8);
			if (len < 15)
				break;
			memset(f, 0, len);
			pick_mac(&r, f);
			if (reader_u8(&r) & 1)
				pick_mac(&r, f + 6);
			else
				memcpy(f + 6, v->mac, 6);
			f[14] = (uint8_t)(v - vms);
			lan_send(v->port, f, len);
			break;
		}
		case 2: /* a VM's receive buffers come or go */
			vms[reader_u8(&r) % NVMS].ready ^= 1;
			break;
		case 3: /* the NIC's completions */
			nic.room = reader_u8(&r) % 8;
			if (nic.room)
				nic.tx_room();
			break;
		default:
			lan_poll();
			break;
		}
	}
	return 0;
}
