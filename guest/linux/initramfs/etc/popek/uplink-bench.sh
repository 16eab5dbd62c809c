#!/bin/sh
# /etc/popek/uplink-bench.sh — run=uplink-bench: the measuring side of
# bench/run's net suite.  With peer=ADDR (and port=PORT, default 5001;
# mib=N, default 16) on the command line: waits until the peer answers a
# ping, prints the median round trip of 20 pings, then sends N MiB of zeros to
# ADDR:PORT with nc and prints the time until the peer answered the bytes it
# got (uplink-sink.sh, or bench/run's sink on the host).  Lines start with
# "bench-net:".
peer= port=5001 mib=16
for arg in $(cat /proc/cmdline); do
	case $arg in
	peer=*) peer=${arg#peer=} ;;
	port=*) port=${arg#port=} ;;
	mib=*) mib=${arg#mib=} ;;
	esac
done
up=
for i in $(seq 60); do
	ping -c 1 -W 1 "$peer" >/dev/null 2>&1 && up=1 && break
done
[ -n "$up" ] || {
	echo "bench-net: $peer does not answer"
	exit 1
}
# the median of 20 round trips ("... seq=3 ttl=64 time=0.733 ms"): one slow
# ping (a host hiccup) moves the average, not the median
rtts=$(ping -c 20 -i 0.2 "$peer" | sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' | sort -n)
set -- $rtts
[ $# -gt 0 ] && echo "bench-net: rtt ms median $(echo "$rtts" | sed -n "$(($# / 2 + 1))p") min $1 n $#"
# the peer's listener may start after its pings are answered: a few tries
# nanoseconds of the clock without leading zeros (in the first second after
# boot, with no RTC, `date +%s%N` starts with 0: shell arithmetic reads octal)
now_ns() {
	t=$(date +%s%N)
	t=${t#"${t%%[!0]*}"}
	echo "${t:-0}"
}
for i in $(seq 30); do
	t0=$(now_ns)
	got=$(dd if=/dev/zero bs=65536 count=$((mib * 16)) 2>/dev/null | nc "$peer" "$port")
	t1=$(now_ns)
	if [ -n "$got" ]; then
		echo "bench-net: tcp $mib MiB in $(((t1 - t0) / 1000000)) ms, the peer got $got bytes"
		exit 0
	fi
	sleep 1
done
echo "bench-net: nc to $peer:$port failed"
exit 1
