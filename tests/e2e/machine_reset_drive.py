#!/usr/bin/env python3
"""Resets the whole machine under a `popek run` (tests/e2e/lifecycle.toml).

Runs tests/e2e/dirs/lifecycle-machine-reset.ini; once the teaching kernel
says it waits for a reset of the machine, sends `system_reset` to QEMU's
monitor (the run's qemu.mon socket).  QEMU reloads the firmware, popek and
the bundle but keeps RAM as it was, so popek must zero the VM's RAM on this
second boot although QEMU mapped it zero at the first.  It does so twice:
with popek's flat image ($POPEK_IMAGE, default build/popek.bin) and with the
ELF beside it, whose bss QEMU's loader zeroes again at the reset.  Prints
each run's output and `machine-reset: IMAGE: exit STATUS`; whatever it
started is killed on the way out.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

POPEK = os.path.abspath("build/bin/popek")
DIR = "tests/e2e/dirs/lifecycle-machine-reset.ini"
OUT = "build/tests/e2e/lifecycle-machine-reset"


def run_once(image):
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    os.makedirs("build/tmp", exist_ok=True)
    subprocess.run(["rm", "-f", "build/tmp/lifecycle-machine-reset.img"], check=True)
    subprocess.run([POPEK, "disk", "create", DIR], check=True, stdout=subprocess.DEVNULL)
    runtime = tempfile.mkdtemp(prefix="popek-reset-")
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime, POPEK_IMAGE=image)
    with open(f"{OUT}.out", "wb") as out:
        run = subprocess.Popen([POPEK, "run", "--log-dir", OUT, DIR], stdin=subprocess.DEVNULL,
                               stdout=out, stderr=subprocess.STDOUT, env=env)

    def output():
        with open(f"{OUT}.out", "rb") as f:
            return f.read().decode(errors="replace")

    status = 1
    try:
        end = time.time() + 120
        while "reboot: waiting for a reset of the machine" not in output():
            if time.time() > end or run.poll() is not None:
                raise RuntimeError("the kernel never waited for the reset")
            time.sleep(0.2)
        mon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        mon.connect(f"{runtime}/popek/{run.pid}/qemu.mon")
        mon.sendall(b"system_reset\n")
        status = run.wait(timeout=120)
    except subprocess.TimeoutExpired:
        print("FAIL the run did not end after the reset")
    except (OSError, RuntimeError) as e:
        print(f"FAIL {e}")
    finally:
        if run.poll() is None:
            run.terminate()  # the launcher passes it on to QEMU
            try:
                run.wait(timeout=10)
            except subprocess.TimeoutExpired:
                run.kill()
        shutil.rmtree(runtime, ignore_errors=True)
    sys.stdout.write(output())
    print(f"machine-reset: {os.path.basename(image)}: exit {status}", flush=True)
    return status


image = os.environ.get("POPEK_IMAGE") or "build/popek.bin"
elf = image[:-4] + ".elf" if image.endswith(".bin") else image
sys.exit(max(run_once(os.path.abspath(image)), run_once(os.path.abspath(elf))))
