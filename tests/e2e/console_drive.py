#!/usr/bin/env python3
"""Drives terminals of a `popek run` for tests/e2e/console.toml, as a user
would: every terminal is a pty, so the launcher and `popek console` put it in
raw mode and must restore it.

  console_drive.py clients    two `popek console` clients on two VMs at once
  console_drive.py operator   the operator's own terminal: focus, Ctrl-A x

Both run tests/e2e/dirs/two-shells.ini (two teaching kernels in shell mode,
alpha and beta) with a private XDG_RUNTIME_DIR, print what they check as
`ok ...` lines, and exit non-zero (`FAIL ...`) at the first thing that is
wrong.  Whatever they started is killed on the way out.
"""
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import termios
import time

POPEK = os.path.abspath("build/bin/popek")
DIRECTORY = "tests/e2e/dirs/two-shells.ini"
CTRL_RB = b"\x1d"  # Ctrl-]
procs = []


def fail(why):
    print(f"FAIL {why}", flush=True)
    sys.exit(1)


def ok(what):
    print(f"ok {what}", flush=True)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def wait_for(what, fn, secs=60):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if fn():
            return
        time.sleep(0.05)
    fail(f"timed out after {secs} s waiting for {what}")


class Pty:
    """A process whose stdin, stdout and stderr are one pty."""

    def __init__(self, argv, env):
        self.master, self.slave = pty.openpty()
        self.saved = termios.tcgetattr(self.slave)
        self.p = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave, stderr=self.slave, env=env)
        procs.append(self.p)
        self.buf = b""

    def pump(self):
        while select.select([self.master], [], [], 0)[0]:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            self.buf += data

    def has(self, s):
        self.pump()
        return s in self.buf

    def type(self, s):
        os.write(self.master, s)

    def wait(self, what, secs=30):
        try:
            st = self.p.wait(secs)
        except subprocess.TimeoutExpired:
            fail(f"{what} did not exit within {secs} s")
        self.pump()
        return st

    def restored(self):
        return termios.tcgetattr(self.slave) == self.saved

    def raw(self):
        return not termios.tcgetattr(self.slave)[3] & termios.ICANON


def setup(name):
    top = os.path.abspath(f"build/tests/e2e/{name}")
    shutil.rmtree(top, ignore_errors=True)
    os.makedirs(top + "/xdg")
    env = dict(os.environ, XDG_RUNTIME_DIR=top + "/xdg")
    return top, top + "/logs", env


def wait_prompts(logs):
    wait_for("both shells' prompts",
             lambda: b"$ " in read(logs + "/alpha.log") and b"$ " in read(logs + "/beta.log"))


def clients():
    top, logs, env = setup("console-clients")
    out = open(top + "/run.out", "wb")
    # stdin a pipe, as from a script: not a terminal, no raw mode
    run = subprocess.Popen([POPEK, "run", "--log-dir", logs, DIRECTORY], stdin=subprocess.PIPE,
                           stdout=out, stderr=subprocess.STDOUT, env=env)
    procs.append(run)
    rundir = f"{top}/xdg/popek/{run.pid}"
    wait_for("the run directory", lambda: os.path.exists(rundir + "/beta.sock"), 10)
    if os.readlink(f"{top}/xdg/popek/current") != str(run.pid):
        fail("current does not name the run")
    ok(f"run directory {rundir}: {' '.join(sorted(os.listdir(rundir)))}")
    wait_prompts(logs)

    bad = subprocess.run([POPEK, "console", "gamma"], env=env, capture_output=True, text=True)
    if bad.returncode != 1 or "no VM 'gamma' (its VMs:" not in bad.stderr:
        fail(f"popek console gamma: status {bad.returncode}, {bad.stderr!r}")
    ok("no such VM: " + bad.stderr.strip())

    a = Pty([POPEK, "console", "--run", str(run.pid), "alpha"], env)
    b = Pty([POPEK, "console", "beta"], env)
    wait_for("the consoles to attach",
             lambda: a.has(b"attached to VM alpha") and b.has(b"attached to VM beta"), 10)
    if not (a.raw() and b.raw()):
        fail("a console's terminal is not in raw mode")
    # the backlog: what each VM wrote before the console attached
    wait_for("the backlog", lambda: a.has(b"teach shell:") and b.has(b"teach shell:"), 10)
    ok("both consoles attached, raw, with their VM's backlog")

    run.stdin.close()  # the end of the run's input ends neither the run nor the consoles
    a.type(b"hello\r")
    b.type(b"crash 0\r")
    wait_for("alpha's hello on its console", lambda: a.has(b"hello from user space"), 30)
    wait_for("beta's crash on its console", lambda: b.has(b"killed: scause 13"), 30)
    wait_for("both prompts again", lambda: a.has(b"exited 0]\r") and a.buf.endswith(b"$ ")
             and b.has(b"exited -1]\r") and b.buf.endswith(b"$ "))
    time.sleep(0.3)
    a.pump()
    b.pump()
    # (the shell's greeting names every program: look for what was typed and done)
    if b"$ crash" in a.buf or b"killed" in a.buf:
        fail(f"alpha's console shows beta's session: {a.buf!r}")
    if b"$ hello" in b.buf or b"from user space" in b.buf:
        fail(f"beta's console shows alpha's session: {b.buf!r}")
    alpha, beta = read(logs + "/alpha.log"), read(logs + "/beta.log")
    if b"hello from user space" not in alpha or b"$ crash" in alpha or b"killed" in alpha:
        fail(f"alpha.log: {alpha!r}")
    if b"killed: scause 13" not in beta or b"$ hello" in beta or b"from user space" in beta:
        fail(f"beta.log: {beta!r}")
    if not alpha.endswith(a.buf[a.buf.index(b"teach: booted"):].replace(b"\r\r\n", b"\r\n")):
        fail("alpha's console did not show exactly alpha.log")
    ok("each console and each log saw its own VM's session only")

    b.type(CTRL_RB + b"q")
    if b.wait("popek console beta after Ctrl-] q") != 0 or b"detached from VM beta" not in b.buf:
        fail(f"detach: status {b.p.returncode}, {b.buf[-200:]!r}")
    if not b.restored():
        fail("beta's console left its terminal changed")
    if run.poll() is not None:
        fail("detaching stopped the run")
    ok("Ctrl-] q detached, terminal restored, the run goes on")

    b2 = Pty([POPEK, "console", "beta"], env)  # attach again: the backlog has the crash
    wait_for("beta's backlog", lambda: b2.has(b"killed: scause 13"), 10)
    b2.type(b"exit\r")
    a.type(b"exit\r")
    try:
        st = run.wait(30)
    except subprocess.TimeoutExpired:
        fail("the run did not end after both shells exited")
    for c, name in ((a, "alpha"), (b2, "beta")):
        if c.wait(f"popek console {name} after the run") != 0 or b"run of VM" not in c.buf:
            fail(f"console {name} at the end of the run: {c.buf[-200:]!r}")
        if not c.restored():
            fail(f"console {name} left its terminal changed")
    ok(f"both shells exited; run status {st}; the consoles saw the end and restored their terminals")
    if st != 0:
        fail(f"run exit status {st}")
    if os.path.exists(rundir) or os.path.lexists(f"{top}/xdg/popek/current"):
        fail("the run directory is still there")
    ok("run directory removed")
    text = read(top + "/run.out").decode(errors="replace")
    if "beta | pid 2 (crash) killed" not in text or "alpha | hello from user space" not in text:
        fail("the operator console does not show both sessions tagged")
    ok("the operator console shows both sessions, tagged")

    gone = subprocess.run([POPEK, "console", "beta"], env=env, capture_output=True, text=True)
    if gone.returncode != 1 or "no popek run" not in gone.stderr:
        fail(f"popek console with no run: status {gone.returncode}, {gone.stderr!r}")
    ok("no run: " + gone.stderr.strip())


def operator():
    top, logs, env = setup("console-operator")
    run = Pty([POPEK, "run", "--log-dir", logs, DIRECTORY], env)
    wait_prompts(logs)
    if not run.raw():
        fail("the operator's terminal is not in raw mode")
    b = Pty([POPEK, "console", "beta"], env)
    wait_for("the console to attach", lambda: b.has(b"teach shell:"), 10)
    run.type(b"hello\r")  # the focus starts on alpha
    wait_for("alpha's hello", lambda: b"hello from user space" in read(logs + "/alpha.log"), 30)
    run.type(CTRL_RB)
    wait_for("the focus on beta", lambda: run.has(b"typing goes to vm beta"), 10)
    run.type(b"crash 0\r")
    wait_for("beta's crash, on beta's console", lambda: b.has(b"killed: scause 13"), 30)
    run.type(CTRL_RB + b"vms\r")
    wait_for("the monitor's list", lambda: run.has(b"popek> vms") and run.has(b" traps"), 10)
    alpha, beta = read(logs + "/alpha.log"), read(logs + "/beta.log")
    if b"$ crash" in alpha or b"vms" in alpha or b"$ hello" in beta or b"vms" in beta:
        fail(f"input went astray: alpha.log {alpha!r}, beta.log {beta!r}")
    ok("typing follows the focus: alpha, Ctrl-] beta (seen on beta's console), Ctrl-] the monitor")
    run.type(b"\x01x")  # Ctrl-A x
    st = run.wait("popek run after Ctrl-A x")
    if not run.restored():
        fail("popek run left its terminal in raw mode")
    ok(f"Ctrl-A x quit (status {st}) and the terminal is restored")
    if b.wait("popek console beta after the run") != 0 or not b.restored():
        fail("the console did not end cleanly with the run")
    ok("the console ended with the run")


if __name__ == "__main__":
    try:
        {"clients": clients, "operator": operator}[sys.argv[1]]()
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
