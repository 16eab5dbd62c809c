#!/usr/bin/env python3
"""Drives a `popek run` with an uplinked LAN for tests/e2e/uplink.toml
(docs/network.md, "The uplink").

  uplink_drive.py popek        a Linux VM on the uplinked LAN, ip=dhcp
  uplink_drive.py bare         the same VM alone on QEMU (`popek run --bare`):
                               the guest's side of the test on the board's NIC
  uplink_drive.py port-in-use  a forward whose host port is taken: one clear
                               line, nothing started

In the first two the host serves a page on its loopback (the guest's
10.0.2.2); the guest (run=uplink-web, guest/linux/initramfs/etc/popek/
uplink-web.sh) fetches it with wget and prints it, and serves its own page
with busybox httpd, which this script fetches through the directory's
forward; then asks the guest to stop (GET /cgi-bin/stop), and the run ends
with popek's report.  Prints what it checks as `ok ...` lines and exits non-zero
(`FAIL ...`) at the first thing that is wrong.  Whatever it started is
stopped on the way out.
"""
import http.server
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

POPEK = os.path.abspath("build/bin/popek")
MODE = sys.argv[1] if len(sys.argv) > 1 else "popek"
OUT = "build/tests/e2e/uplink-" + MODE
procs = []


def fail(why):
    print(f"FAIL {why}", flush=True)
    stop()
    sys.exit(1)


def stop():
    for p in procs:  # SIGTERM: the launcher passes it on to QEMU
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def ok(what):
    print(f"ok {what}", flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        if procs and procs[0].poll() is not None:
            fail(f"popek run exited ({procs[0].returncode}) while waiting for {what}")
        time.sleep(0.5)
    fail(f"timed out waiting for {what}")


def write_dir(path, forward, bootargs):
    root = os.path.abspath(".")
    with open(path, "w") as f:
        f.write(f"""; written by tests/e2e/uplink_drive.py
[machine]
memory = 512M

[lan world]
uplink = on
forward = tcp {forward} 10.0.2.15:80

[vm up]
memory = 256M
kernel = {root}/build/guest/linux/Image
initrd = {root}/build/guest/linux/initramfs.cpio.gz
bootargs = {bootargs}
net = world
""")


def port_in_use():
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen(1)
    port = held.getsockname()[1]
    os.makedirs("build/tmp", exist_ok=True)
    ini = "build/tmp/uplink-port-in-use.ini"
    write_dir(ini, port, "console=ttyS0")
    r = subprocess.run([POPEK, "run", ini], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    want = f"{ini}:7: host tcp port {port} is already in use; forward from another port"
    if r.returncode != 1 or r.stderr.strip() != want or "OpenSBI" in r.stdout:
        fail(f"exit {r.returncode}, stderr {r.stderr!r}, stdout {r.stdout[:200]!r}")
    ok("a forward's host port in use: one line naming FILE:LINE, exit 1, nothing started")


def web():
    token = secrets.token_hex(8)

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"host-page-{token}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    forward = free_port()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    ini = f"{OUT}.ini"
    write_dir(ini, forward,
              "console=ttyS0 hostname=up ip=dhcp run=uplink-web "
              f"url=http://10.0.2.2:{server.server_address[1]}/page")
    out = open(f"{OUT}.out", "wb")
    args = [POPEK, "run", "--log-dir", OUT] + (["--bare"] if MODE == "bare" else []) + [ini]
    procs.append(subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT))

    def log():
        try:
            with open(f"{OUT}/up.log", "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    wait_for("the lease", lambda: "popek-init: eth0 " in log(), timeout=900)
    line = next(l for l in log().splitlines() if "popek-init: eth0 " in l)
    if "10.0.2.15/24" not in line:
        fail(f"eth0 did not get 10.0.2.15/24 from QEMU's DHCP: {line.strip()}")
    ok("DHCP through the uplink: " + line.split("popek-init: ")[1].strip())
    wait_for("the guest's fetch", lambda: "uplink: fetched " in log(), timeout=300)
    if f"uplink: fetched host-page-{token}" not in log():
        fail("the guest fetched something else: " +
             next(l for l in log().splitlines() if "uplink: fetched" in l))
    ok("the guest fetched the host's page from 10.0.2.2 with wget")
    wait_for("the guest's httpd", lambda: "uplink: httpd listening" in log(), timeout=60)
    body, end = None, time.time() + 120
    while body is None and time.time() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{forward}/", timeout=20) as r:
                body = r.read().decode()
        except OSError:
            time.sleep(1)
    if body != "uplink: the page of guest up\n":
        fail(f"through the forward: {body!r}")
    ok(f"the host fetched the guest's httpd page through forward tcp {forward} -> 10.0.2.15:80")
    with urllib.request.urlopen(f"http://127.0.0.1:{forward}/cgi-bin/stop", timeout=20) as r:
        if r.read().decode() != "stopping\n":
            fail("/cgi-bin/stop did not answer")
    try:
        status = procs[0].wait(timeout=300)
    except subprocess.TimeoutExpired:
        fail("the run did not end after the guest stopped")
    server.shutdown()
    if status != 0:
        fail(f"popek run exited {status}")
    ok("the guest powered off; the run ended")
    if MODE == "popek":
        with open(f"{OUT}.out", "rb") as f:
            text = f.read().decode(errors="replace")
        for want in ("  nic       virtio-net at ", "  uplink    LAN world bridged"):
            if want not in text:
                fail(f"popek's banner has no {want.strip()!r}")
        ok("popek's banner: the real NIC and the bridged LAN")
        m = re.search(r"^popek: uplink on lan world: nic rx (\d+) frames \d+ bytes, "
                      r"(\d+) impossible lengths; tx (\d+) frames", text, re.M)
        if not m or int(m.group(1)) == 0 or int(m.group(2)) != 0 or int(m.group(3)) == 0:
            fail("popek's uplink line: " + (m.group(0) if m else "none"))
        ok(m.group(0))
        if "panic" in text or "CHECK" in text:
            fail(f"popek panicked or an invariant check failed (in {OUT}.out)")


port_in_use() if MODE == "port-in-use" else web()
