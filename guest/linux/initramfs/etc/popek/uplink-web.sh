#!/bin/sh
# /etc/popek/uplink-web.sh — run=uplink-web: the guest's side of the uplink
# test (tests/e2e/uplink_drive.py).  Serves a page with busybox httpd on
# port 80, for the host to fetch through a forward; fetches the page at
# url=URL (the host's server, 10.0.2.2 through QEMU's user networking)
# and prints it; then serves on until the test asks for /cgi-bin/stop.
url=
for arg in $(cat /proc/cmdline); do
	case $arg in
	url=*) url=${arg#url=} ;;
	esac
done
mkdir -p /www/cgi-bin
echo "uplink: the page of guest $(hostname)" >/www/index.html
# GET /cgi-bin/stop ends the script, and with it the VM
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nstopping\\n"\n: >/tmp/stop\n' >/www/cgi-bin/stop
chmod +x /www/cgi-bin/stop
httpd -p 80 -h /www && echo "uplink: httpd listening on port 80"
# the lease's route may still be settling: a few tries
for i in 1 2 3 4 5; do
	if page=$(wget -q -T 10 -O - "$url"); then
		echo "uplink: fetched $page"
		break
	fi
	echo "uplink: wget $url failed (try $i)"
	sleep 2
done
while [ ! -e /tmp/stop ]; do sleep 1; done
echo "uplink: stopping"
