/*
 * Virtual LANs: a learning switch per LAN (see lan.h).  Frames are copied
 * once into a port's queue only when the port cannot take them at once;
 * otherwise they go from the sender's buffer straight to the receiver.
 */
#include "core/lan.h"

#include <stddef.h>

#include "core/check.h"
#include "lib/string.h"

/* An address the switch knows: a VM's port's own (fixed), or one the uplink sent from. */
struct lan_mac {
	uint8_t mac[6];
	bool used, fixed;
	int16_t port;
};

static struct lan {
	char name[BUNDLE_NAME_MAX];
	int nports;
	struct lan_mac macs[LAN_MACS];
	unsigned next_victim; /* round-robin replacement of learned (not fixed) addresses */
} lans[LAN_MAX];

static int nlans, uplink_lan = -1;
static struct lan_frame *queues; /* LAN_QUEUE frames for each port still to attach */
static int nqueues;
static struct lan_port ports[LAN_MAX_PORTS];
static int nports;

void lan_init(const struct bundle_header *b, void *(*alloc)(uint64_t bytes))
{
	memset(lans, 0, sizeof(lans));
	nlans = b->nlans < LAN_MAX ? (int)b->nlans : LAN_MAX;
	uplink_lan = -1;
	for (int i = 0; i < nlans; i++) {
		memcpy(lans[i].name, b->lans[i].name, BUNDLE_NAME_MAX);
		lans[i].name[BUNDLE_NAME_MAX - 1] = '\0';
		if ((b->lans[i].flags & BUNDLE_LAN_UPLINK) && uplink_lan < 0)
			uplink_lan = i;
	}
	for (int i = 0; i < LAN_MAX_PORTS; i++)
		ports[i].lan = -1;
	nports = 0;
	nqueues = uplink_lan >= 0;
	for (uint32_t v = 0; v < b->nvms && v < BUNDLE_MAX_VMS; v++)
		nqueues +=
		    (int)(b->vms[v].nnics < BUNDLE_MAX_NICS ? b->vms[v].nnics : BUNDLE_MAX_NICS);
	queues = nqueues ? alloc(sizeof(struct lan_frame) * LAN_QUEUE * (uint64_t)nqueues) : NULL;
	if (!queues)
		nqueues = 0;
}

int lan_uplink(void)
{
	return uplink_lan;
}

const char *lan_name(int lan)
{
	return lan >= 0 && lan < nlans ? lans[lan].name : "";
}

const struct lan_port *lan_port_at(int i)
{
	return i >= 0 && i < nports ? &ports[i] : NULL;
}

static bool mac_multicast(const uint8_t *mac)
{
	return mac[0] & 1; /* the I/G bit; broadcast is a multicast address too */
}

static struct lan_mac *lan_lookup(struct lan *l, const uint8_t *mac)
{
	for (int i = 0; i < LAN_MACS; i++) {
		if (l->macs[i].used && memcmp(l->macs[i].mac, mac, 6) == 0)
			return &l->macs[i];
	}
	return NULL;
}

/* Records that mac is behind port; a fixed address never moves. */
static void lan_learn(struct lan *l, const uint8_t *mac, int port, bool fixed)
{
	struct lan_mac *m = lan_lookup(l, mac);

	if (m) {
		if (!m->fixed)
			m->port = (int16_t)port;
		return;
	}
	for (int i = 0; i < LAN_MACS && !m; i++) {
		if (!l->macs[i].used)
			m = &l->macs[i];
	}
	/* Full: replace learned ones in turn; fixed ones (at most one per VM port) stay. */
	for (int i = 0; i < LAN_MACS && !m; i++) {
		struct lan_mac *v = &l->macs[l->next_victim++ % LAN_MACS];
		if (!v->fixed)
			m = v;
	}
	if (!m)
		return;
	memcpy(m->mac, mac, 6);
	m->used = true;
	m->fixed = fixed;
	m->port = (int16_t)port;
}

struct lan_port *lan_attach(int lan, const struct lan_port_ops *ops, void *owner,
                            const uint8_t mac[6])
{
	struct lan_port *p;

	if (lan < 0 || lan >= nlans || nports == LAN_MAX_PORTS || nports == nqueues)
		return NULL;
	p = &ports[nports];
	memset(p, 0, sizeof(*p));
	p->q = queues + LAN_QUEUE * nports;
	p->lan = lan;
	p->index = nports++;
	p->ops = ops;
	p->owner = owner;
	if (mac) {
		p->has_mac = true;
		memcpy(p->mac, mac, 6);
		lan_learn(&lans[lan], mac, p->index, true);
	}
	lans[lan].nports++;
	return p;
}

/* Gives the port what its queue holds, oldest first, while it can take it. */
static void lan_drain(struct lan_port *p)
{
	while (p->q_len && p->ops->can_take(p)) {
		struct lan_frame *f = &p->q[p->q_head];

		p->ops->deliver(p, f->data, f->len);
		p->stats.rx_frames++;
		p->stats.rx_bytes += f->len;
		p->q_from[f->from]--;
		p->q_head = (p->q_head + 1) % LAN_QUEUE;
		p->q_len--;
	}
}

void lan_port_flush(struct lan_port *p)
{
	p->q_head = p->q_len = 0;
	memset(p->q_from, 0, sizeof(p->q_from));
}

/*
 * A sender's fair share of another port's queue: the queue divided among
 * the other ports of the LAN, so that one sender (a broadcast storm) cannot
 * fill it and starve the rest.
 */
static uint32_t lan_share(const struct lan_port *to)
{
	int senders = lans[to->lan].nports - 1;
	uint32_t share = senders > 1 ? LAN_QUEUE / (uint32_t)senders : LAN_QUEUE;

	return share < 2 ? 2 : share;
}

/* Offers one frame from `from` to port `to`: true when delivered or queued. */
static bool lan_offer(struct lan_port *to, const struct lan_port *from, const void *frame,
                      uint32_t len)
{
	lan_drain(to);
	if (to->q_len == 0 && to->ops->can_take(to)) {
		to->ops->deliver(to, frame, len);
		to->stats.rx_frames++;
		to->stats.rx_bytes += len;
		return true;
	}
	if (to->q_len == LAN_QUEUE || to->q_from[from->index] >= lan_share(to)) {
		to->stats.drop_queue++;
		return false;
	}
	struct lan_frame *f = &to->q[(to->q_head + to->q_len) % LAN_QUEUE];
	memcpy(f->data, frame, len);
	f->len = len;
	f->from = (int16_t)from->index;
	to->q_from[from->index]++;
	to->q_len++;
	return true;
}

int lan_send(struct lan_port *p, const void *frame, uint32_t len)
{
	const uint8_t *dst = frame, *src = dst + 6;
	struct lan *l;
	struct lan_mac *m;
	bool any = false, taken = false;

	CHECK(p && p->lan >= 0 && p->lan < nlans && p == &ports[p->index],
	      "lan: a frame from a port that is not attached");
	l = &lans[p->lan];
	if (len < LAN_FRAME_MIN || len > LAN_FRAME_MAX) {
		p->stats.drop_size++;
		return LAN_BAD_SIZE;
	}
	if (p->has_mac ? memcmp(src, p->mac, 6) != 0
	               : (m = lan_lookup(l, src)) != NULL && m->fixed) {
		p->stats.drop_spoof++;
		return LAN_SPOOFED;
	}
	p->stats.tx_frames++;
	p->stats.tx_bytes += len;
	if (!p->has_mac && !mac_multicast(src))
		lan_learn(l, src, p->index, false);

	m = mac_multicast(dst) ? NULL : lan_lookup(l, dst);
	if (m) {
		/* A frame back to its own port is filtered, as a switch does. */
		if (m->port == p->index)
			return LAN_SENT;
		return lan_offer(&ports[m->port], p, frame, len) ? LAN_SENT : LAN_QUEUES_FULL;
	}
	/* Broadcast, multicast, or unknown: every other port of the LAN. */
	for (int i = 0; i < nports; i++) {
		if (ports[i].lan != p->lan || i == p->index)
			continue;
		any = true;
		taken |= lan_offer(&ports[i], p, frame, len);
	}
	return !any || taken ? LAN_SENT : LAN_QUEUES_FULL;
}

void lan_port_poll(struct lan_port *p)
{
	lan_drain(p);
}

void lan_poll(void)
{
	for (int i = 0; i < nports; i++)
		lan_drain(&ports[i]);
}
