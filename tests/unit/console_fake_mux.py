#!/usr/bin/env python3
# A stand-in for qemu-system-riscv64 (POPEK_QEMU) that plays QEMU's serial
# mux for tests/e2e/launcher.toml: its input goes to the serial (popek) until
# a Ctrl-A c moves it to QEMU's monitor, and back at the next Ctrl-A c
# (Ctrl-A Ctrl-A is one Ctrl-A for the current side; Ctrl-A x quits).  When
# the serial has read "done\n" it reports, as popek's own output, what each
# side got, and exits 3.  Its arguments are ignored.
import os
import sys

out = sys.stdout.buffer
out.write(b"\x1e@fake mux: ready\r\n")
out.flush()
got = {"serial": b"", "monitor": b""}
side, escape = "serial", False
while b"done\n" not in got["serial"]:
    data = os.read(0, 4096)
    if not data:
        break
    for b in data:
        if escape:
            escape = False
            if b == ord("c"):
                side = "monitor" if side == "serial" else "serial"
                continue
            if b == ord("x"):
                sys.exit(0)
            if b != 1:
                continue
        elif b == 1:
            escape = True
            continue
        got[side] += bytes([b])
for name in ("monitor", "serial"):
    out.write(b"\x1e@%s got %r\r\n" % (name.encode(), got[name]))
out.flush()
sys.exit(3)
