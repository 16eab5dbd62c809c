#!/bin/sh
# /etc/popek/uplink-sink.sh — run=uplink-sink: the other side of
# uplink-bench.sh (bench/run's net suite): takes one TCP connection on
# port=PORT (default 5001), reads it to its end, answers the byte count and
# closes, so that the sender's time covers the whole transfer.  (busybox's
# nc goes on reading its own standard input after the peer's end: hence -e.)
port=5001
for arg in $(cat /proc/cmdline); do
	case $arg in
	port=*) port=${arg#port=} ;;
	esac
done
echo "bench-net: listening on $port"
nc -l -p "$port" -e sh -c 'n=$(wc -c); echo $n; echo "bench-net: received $n bytes" >&2'
