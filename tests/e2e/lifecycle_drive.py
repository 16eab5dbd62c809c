#!/usr/bin/env python3
"""Drives a `popek run` for tests/e2e/lifecycle.toml (docs/operating.md).

  lifecycle_drive.py ops     tests/e2e/dirs/lifecycle-ops.ini through its
                             control socket: `popek ctl` (list, pause, resume,
                             ipl, reset, stop, events) and raw requests
                             (malformed JSON, unknown commands and VMs)
  lifecycle_drive.py linux   tests/e2e/dirs/lifecycle-linux.ini: Linux writes
                             a file on its minidisk, runs `reboot`, and
                             reads the file from its new shell, while a
                             teaching kernel runs its self-tests

Prints
what it checks as `ok ...` lines and exits non-zero (`FAIL ...`) at the
first thing that is wrong.  Whatever it started is killed on the way out.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

POPEK = os.path.abspath("build/bin/popek")
OUT = "build/tests/e2e/lifecycle-" + (sys.argv[1] if len(sys.argv) > 1 else "ops")
procs = []


def fail(why):
    print(f"FAIL {why}", flush=True)
    for p in procs:  # SIGTERM: the launcher passes it on to QEMU
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    sys.exit(1)


def ok(what):
    print(f"ok {what}", flush=True)


def log(name):
    try:
        with open(f"{OUT}/{name}.log", "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def wait_for(what, cond, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.2)
    fail(f"timed out waiting for {what}")


def ctl(*args, want=0):
    r = subprocess.run([POPEK, "ctl", "--run", str(run.pid), *args], capture_output=True,
                       text=True, env=env, timeout=60)
    if r.returncode != want:
        fail(f"popek ctl {' '.join(args)}: exit {r.returncode}, want {want}: {r.stdout}{r.stderr}")
    return r.stdout + r.stderr


def state(name):
    rows = json.loads(ctl("--json", "list"))["vms"]
    return next(v for v in rows if v["name"] == name)


def raw(line):
    """One raw request line on the control socket; its answer, parsed."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(line)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data)


MODE = sys.argv[1] if len(sys.argv) > 1 else "ops"
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
runtime = tempfile.mkdtemp(prefix="popek-lifecycle-")
env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
if MODE == "linux":
    os.makedirs("build/tmp", exist_ok=True)
    subprocess.run(["rm", "-f", "build/tmp/lifecycle-linux.img"])
    subprocess.run([POPEK, "disk", "create", "tests/e2e/dirs/lifecycle-linux.ini"], check=True,
                   stdout=subprocess.DEVNULL)
out = open(f"{OUT}.out", "wb")
run = subprocess.Popen([POPEK, "run", "--log-dir", OUT, f"tests/e2e/dirs/lifecycle-{MODE}.ini"],
                       stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env)
procs.append(run)
sock = f"{runtime}/popek/{run.pid}/popek.ctl"
wait_for("the control socket", lambda: os.path.exists(sock))
events = subprocess.Popen([POPEK, "ctl", "--run", str(run.pid), "--json", "events"],
                          stdout=subprocess.PIPE, text=True, env=env)
procs.append(events)
def ops():
    wait_for("ticker lines of tick", lambda: "ticker: 3" in log("tick"))

    # ipl: once has powered off by now; ipl starts it from its directory entry
    wait_for("once to stop", lambda: state("once")["state"] == "stopped")
    ok("list: once stopped, tick %s in %s" % (state("tick")["state"], state("tick")["mode"]))
    if "has not stopped" not in ctl("ipl", "tick", want=1):
        fail("ipl of a running VM was not refused")
    ok("ipl tick refused: it has not stopped")
    ctl("ipl", "once")
    wait_for("once to run again", lambda: log("once").count("ticker: 3") == 2)
    ok("ipl once: it ran again from the start (ticker: 1..3 twice)")
    seeds = re.findall(r"ticker: rng-seed ([0-9a-f]{16})", log("once") + log("tick"))
    if len(seeds) != 3 or len(set(seeds)) != 3:
        fail(f"rng-seeds of once's two boots and tick's: {seeds}, not three different")
    ok("rng-seed: once's two boots and tick's boot each had their own")

    # pause stops tick's progress; resume continues it
    ctl("pause", "tick")
    if "is paused already" not in ctl("pause", "tick", want=1):
        fail("a second pause was not refused")
    time.sleep(0.5)
    before = log("tick")
    time.sleep(3)
    if log("tick") != before:
        fail("tick made progress while paused")
    if state("tick")["state"] != "paused":
        fail("list does not say tick is paused")
    ok("pause tick: no progress in 3 s, list says paused")
    ctl("resume", "tick")
    wait_for("tick to go on", lambda: len(log("tick")) > len(before), timeout=30)
    ok("resume tick: it goes on")

    # reset restarts it from its directory entry
    ctl("reset", "tick")
    wait_for("tick's restart", lambda: state("tick")["restarts"] == 1)
    wait_for("tick's new first lines", lambda: log("tick").count("ticker: 1\r\n") == 2)
    ok("reset tick: it started again (restarts 1)")

    # malformed and hostile requests: an error object each, nothing changes
    bad = [
        (b'{"cmd":\n', "malformed JSON"),
        (b'not json at all\n', "not an object"),
        (b'{"cmd":"pause","vm":"tick","cmd":"stop"}\n', "a duplicate key"),
        (b'{"cmd":"format-disk"}\n', "an unknown command"),
        (b'{"cmd":"pause","vm":"nosuchvm"}\n', "an unknown VM"),
        (b'{"cmd":"pause","vm":"../../x"}\n', "a name no VM can have"),
        (b'{"cmd":"pause"}\n', "a verb without a VM"),
        (b'{"cmd":"list","vm":{"a":1}}\n', "a nested object"),
        (b'{"cmd":"' + b"A" * 5000 + b'"}\n', "an overlong line"),
        (b'{"cmd":"pause","vm":"tick\\u0000"}\n', "a NUL escape"),
    ]
    for line, what in bad:
        a = raw(line)
        if a.get("ok") is not False or not a.get("error"):
            fail(f"{what}: answer {a}")
        ok(f"error object for {what}: {a['error']}")
    a = raw(b'{"cmd":"list","id":42}\n')
    if a.get("ok") is not True or a.get("id") != 42 or len(a["vms"]) != 2:
        fail(f"list after the bad requests: {a}")
    if state("tick")["state"] not in ("running", "waiting"):
        fail("tick changed state after the bad requests")
    ok("the run carries on: list answers, id echoed, tick still running")

    # stop: once has stopped again, so it is refused; stopping tick, the last, ends the run
    if "no vm named" not in ctl("stop", "nosuchvm", want=1):
        fail("stop of an unknown VM was not refused")
    if "is stopped" not in ctl("stop", "once", want=1):
        fail("stop of a stopped VM was not refused")
    ctl("stop", "tick")
    ok("stop: an unknown and a stopped VM refused; tick stopped")
    run.wait(timeout=60)
    ok("popek powered off after the last VM stopped")
    evs = [json.loads(l) for l in events.communicate(timeout=30)[0].splitlines() if l.strip()]
    seen = [(e["vm"], e["event"]) for e in evs if "event" in e]
    # each VM's events in its own order; the two VMs' interleave as their timing falls
    for vm, want in (("once", ["stopped", "started", "stopped"]),
                     ("tick", ["paused", "resumed", "rebooted", "stopped"])):
        own = [e for v, e in seen if v == vm]
        it = iter(own)
        if not all(w in it for w in want):
            fail(f"events of {vm}: {own}, not {want} in this order (all: {seen})")
        ok(f"events of {vm}: {' '.join(own)}")
    ok("events: " + " ".join(f"{v}:{e}" for v, e in seen))


def linux():
    shell = "starting a shell"
    wait_for("Linux's first shell", lambda: shell in log("linux"), timeout=900)
    time.sleep(2)  # the shell's prompt
    con = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    con.connect(f"{runtime}/popek/{run.pid}/linux.sock")
    con.sendall(b"echo kept-across-reboot > /mnt/mark; sync; reboot\n")
    wait_for("Linux's second shell", lambda: log("linux").count(shell) == 2, timeout=900)
    ok("linux: reboot brought it back to its shell")
    time.sleep(2)
    con.sendall(b"cat /mnt/mark\n")
    wait_for("the file", lambda: "kept-across-reboot" in log("linux").split(shell)[-1])
    ok("linux: after the reboot it still sees its minidisk's file")
    wait_for("test's self-tests", lambda: " passed, " in log("test"), timeout=900)
    if ", 0 failed" not in log("test"):
        fail("test: " + log("test").splitlines()[-1])
    ok("test: " + [l for l in log("test").splitlines() if " passed, " in l][-1].strip())
    con.sendall(b"exit\n")
    run.wait(timeout=300)
    ok("popek powered off after the last VM stopped")
    evs = [json.loads(l) for l in events.communicate(timeout=30)[0].splitlines() if l.strip()]
    seen = [(e["vm"], e["event"]) for e in evs if "event" in e]
    if ("linux", "rebooted") not in seen:
        fail(f"no event rebooted of linux in {seen}")
    ok("events: " + " ".join(f"{v}:{e}" for v, e in seen))


ops() if MODE == "ops" else linux()
shutil.rmtree(runtime, ignore_errors=True)
