#!/bin/sh
# /etc/popek/uplink-sink.sh — run=uplink-sink: the other side of
# uplink-bench.sh (bench/run's net suite): reads one TCP connection on
# port=PORT (default 5001) to its end, prints the bytes it got, and exits.
port=5001
for arg in $(cat /proc/cmdline); do
	case $arg in
	port=*) port=${arg#port=} ;;
	esac
done
echo "bench-net: listening on $port"
echo "bench-net: received $(nc -l -p "$port" | wc -c) bytes"
