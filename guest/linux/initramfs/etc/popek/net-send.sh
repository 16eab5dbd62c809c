#!/bin/sh
# /etc/popek/net-send.sh — run=net-send: the sending side of the VM-to-VM
# test (tests/e2e/network.toml).  With peer=ADDR (on its LAN), away=ADDR (a
# VM on another LAN) and port=PORT (default 5000): waits until the peer
# answers, pings it 20 times, pings away 3 times (nothing may come back),
# then sends 16 MiB of random bytes to PORT with nc and prints their SHA-256.
peer= away= port=5000
for arg in $(cat /proc/cmdline); do
	case $arg in
	peer=*) peer=${arg#peer=} ;;
	away=*) away=${arg#away=} ;;
	port=*) port=${arg#port=} ;;
	esac
done
up=
for i in $(seq 120); do
	ping -c 1 -W 1 "$peer" >/dev/null 2>&1 && up=1 && break
done
[ -n "$up" ] || {
	echo "net: FAIL $peer does not answer"
	exit 1
}
echo "net: ping $peer: $(ping -c 20 "$peer" | grep 'packet loss')"
[ -n "$away" ] && echo "net: ping $away: $(ping -c 3 -W 3 "$away" 2>&1 | grep 'packet loss')"
dd if=/dev/urandom of=/tmp/data bs=65536 count=256 2>/dev/null
echo "net: sending $(wc -c </tmp/data) bytes, sha256 $(sha256sum </tmp/data | cut -d' ' -f1)"
# the peer's listener may start after its pings are answered: a few tries
for i in $(seq 30); do
	if timeout 900 nc "$peer" "$port" </tmp/data; then
		# nc ends with bytes still in the socket: the connection must
		# drain (its data and FIN acknowledged) before this VM powers off.
		hex=$(printf ':%04X' "$port")
		for j in $(seq 600); do
			# remote port, then a state with bytes or a FIN still to go: 01 ESTABLISHED,
			# 04 FIN_WAIT1, 08 CLOSE_WAIT, 09 LAST_ACK (the peer closed first), 0B CLOSING
			# (nc's socket may be an IPv6 one, with a mapped address)
			cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex 0[1489B] " || break
			sleep 1
		done
		cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex 0[1489B] " &&
			echo "net: FAIL the connection to $peer:$port did not drain"
		echo "net: sent"
		exit 0
	fi
	sleep 1
done
echo "net: FAIL nc to $peer:$port"
exit 1
