#!/bin/sh
# /etc/popek/net-away.sh — run=net-away: a VM on a LAN of its own in the
# VM-to-VM test (tests/e2e/network.toml).  Pings peer=ADDR (a VM on another
# LAN) for a minute, while the others talk; nothing may come back.
peer=
for arg in $(cat /proc/cmdline); do
	case $arg in
	peer=*) peer=${arg#peer=} ;;
	esac
done
echo "net: ping $peer: $(ping -c 60 -W 2 "$peer" 2>&1 | grep 'packet loss')"
