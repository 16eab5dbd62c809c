#!/bin/sh
# /etc/popek/net-recv.sh — run=net-recv: the receiving side of the VM-to-VM
# test (tests/e2e/network.toml).  Reads one TCP connection on port=PORT
# (default 5000) to its end and prints how many bytes came and their
# SHA-256.  Its stdin is empty so that nc ends once the sender closes.
port=5000
for arg in $(cat /proc/cmdline); do
	case $arg in
	port=*) port=${arg#port=} ;;
	esac
done
echo "net: listening on port $port"
timeout 900 nc -l -p "$port" </dev/null >/tmp/got || echo "net: nc ended with status $?"
echo "net: received $(wc -c </tmp/got) bytes, sha256 $(sha256sum </tmp/got | cut -d' ' -f1)"
