#!/usr/bin/env python3
"""Drives gdb sessions against VMs of a popek run (tests/e2e/gdb.toml,
docs/debugging.md).  Each scenario prints one `ok ...` line per thing it
checked and exits non-zero at the first `FAIL ...`.

  teach    gdb-multiarch -batch on the teaching kernel (dirs/gdb-teach.ini):
           a breakpoint reached by a system call, backtrace, an argument
           register, next, stepi from a program's ecall into the kernel's trap
           vector, a watchpoint on a kernel variable, monitor catch and pm,
           continue to the end; VM test1's log equals a run without debugger
  codesum  the kernel checksums its code with a breakpoint planted in it
           (dirs/gdb-codesum.ini): the sum equals the undebugged VM's
  dmacode  the kernel rewrites a function by a virtio-blk read into its code
           page with a breakpoint planted on that page (dirs/gdb-dmacode.ini): it runs
           the new code, as the undebugged VM, and the breakpoint still stops it
  ctrlc    the remote protocol by hand (dirs/gdb-spin.ini): attach to a kernel
           spinning with interrupts off, Ctrl-C stops it at once, popek ctl
           list shows it in the debugger, detach lets it finish; VM test1's
           log equals a run without debugger
  late     `popek ctl gdb spin` switches the stub of a running VM on
           (dirs/gdb-late.ini); a debugger attaches, stops it, detaches
  linux    gdb-multiarch -batch on Linux (dirs/gdb-linux.ini) with vmlinux's
           symbols: a breakpoint reached by the shell's write, backtrace,
           argument registers, stepi, a watchpoint on jiffies_64, continue to
           the end, while VM test1 runs its self-tests again (ipl) beside it;
           its log equals two runs without debugger
"""
import atexit
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

POPEK = "build/bin/popek"
IMAGE = os.environ.get("POPEK_IMAGE", "build/check/popek.bin")


# the files of the runs that tell why a scenario failed: their temporary
# directory goes with the driver, so fail() shows their ends first
EVIDENCE = []


def fail(why):
    for path in EVIDENCE:
        tail = read(path).decode(errors="replace").splitlines()[-8:]
        print(f"-- end of {os.path.basename(os.path.dirname(path))}/{os.path.basename(path)}:")
        print("\n".join("   " + line for line in tail))
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


RUNS = []
# a SIGTERM (the runner's, timeout's) ends the driver through its exit handlers
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


@atexit.register
def stop_runs():
    """No QEMU outlives the driver, whatever ended it."""
    for p in RUNS:
        if p.poll() is None:
            p.terminate()  # popek run passes SIGTERM on to QEMU; SIGKILL would orphan it
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Run:
    """popek run FILE in the background, with its own run directory and logs."""

    def __init__(self, ini, tmp, name):
        self.logs = os.path.join(tmp, name)
        os.makedirs(self.logs, exist_ok=True)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=os.path.join(tmp, "xdg"), POPEK_IMAGE=IMAGE)
        os.makedirs(self.env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
        self.out = open(os.path.join(self.logs, "run.out"), "wb")
        EVIDENCE.append(os.path.join(self.logs, "run.out"))
        self.p = subprocess.Popen([POPEK, "run", "--log-dir", self.logs, ini],
                                  stdin=subprocess.DEVNULL, stdout=self.out,
                                  stderr=subprocess.STDOUT, env=self.env)
        RUNS.append(self.p)

    def rundir(self):
        return os.path.join(self.env["XDG_RUNTIME_DIR"], "popek", str(self.p.pid))

    def wait_gdb(self, vm, secs=60):
        path = os.path.join(self.rundir(), vm + ".gdb")
        end = time.time() + secs
        while time.time() < end:
            lines = read(path).decode().splitlines()
            if lines and lines[0].isdigit():
                return int(lines[0])
            if self.p.poll() is not None:
                break
            time.sleep(0.2)
        fail(f"no debugger port for vm {vm} in {path}")

    def log(self, vm):
        return read(os.path.join(self.logs, vm + ".log"))

    def wait(self, secs=240):
        try:
            st = self.p.wait(timeout=secs)
        except subprocess.TimeoutExpired:
            fail(f"the run did not end in {secs} s; its output: {self.logs}/run.out")
        self.out.close()
        return st

    def gdb(self, vm, script, secs=180):
        path = os.path.join(self.logs, vm + ".gdb-script")
        with open(path, "w") as f:
            f.write(script)
        try:
            r = subprocess.run([POPEK, "gdb", vm, "--", "-nx", "-batch", "-x", path],
                               env=self.env, capture_output=True, text=True, timeout=secs)
        except subprocess.TimeoutExpired:
            fail(f"gdb did not finish in {secs} s")
        with open(os.path.join(self.logs, vm + ".gdb-out"), "w") as f:
            f.write(r.stdout + r.stderr)
        EVIDENCE.append(os.path.join(self.logs, vm + ".log"))
        return r.stdout + r.stderr


def expect(text, patterns, what):
    pos = 0
    for pat in patterns:
        m = re.compile(pat, re.M).search(text, pos)
        if not m:
            print(text)
            fail(f"{what}: no match for {pat!r} (in order)")
        pos = m.end()
    return text


def reference(tmp, ini, vm):
    """VM vm's log from a run of ini without any debugger."""
    r = Run(ini, tmp, "ref")
    if r.wait() != 0:
        fail(f"the reference run of {ini} failed")
    return r.log(vm)


def same_as_reference(log, ref, what):
    if not ref or log != ref:
        fail(f"{what}: its log differs from the run without a debugger")
    ok(f"{what}: {len(log)} bytes of output, identical to the run without a debugger")


TEACH_SCRIPT = r"""
set pagination off
set confirm off
info registers pc priv
break sys_write
continue
bt
info registers a0
print p->tf.regs[17]
next
delete
tbreak *tf->epc
continue
info registers priv
set $n = 0
while $priv == 0 && $n < 5000
  stepi
  set $n = $n + 1
end
info registers priv
print/x $pc
print/x $stvec
print $pc == $stvec
watch ticks
continue
delete
monitor catch 8
continue
print/x $scause
monitor catch none
monitor pm 0x80200000 8
x/2xw 0x80200000
continue
"""


def teach():
    with tempfile.TemporaryDirectory(prefix="popek-gdb-", dir=os.environ.get("GDB_DRIVE_TMP")) as tmp:
        ref = reference(tmp, "tests/e2e/dirs/multi-alone-test1.ini", "test1")
        r = Run("tests/e2e/dirs/gdb-teach.ini", tmp, "run")
        r.wait_gdb("dbg")
        out = r.gdb("dbg", TEACH_SCRIPT)
        expect(out, [r"^pc\s+0x80200000\s", r"^priv\s+0x1\s"], "attach")
        ok("attached before the first instruction: pc 0x80200000 in vS (priv 1)")
        expect(out, [r"^Breakpoint 1, sys_write \(p=0x[0-9a-f]+ <procs\+\d+>, tf=",
                     r"^#1 .* in syscall_dispatch ", r"^#2 .* in user_trap ",
                     r"^a0\s+0x[0-9a-f]+\s", r"^\$1 = 5\b"], "breakpoint")
        ok("break sys_write: hit by a program's write, backtrace syscall_dispatch, user_trap; "
           "a0 = p, a7 = SYS_write (5)")
        expect(out, [r"^\d+\s+.*(ARG|copy|while|for|if)", r"^Temporary breakpoint 2 at 0x",
                     r"^priv\s+0x0\s", r"^priv\s+0x1\s",
                     r"^\$\d+ = 0x([0-9a-f]+)\n\$\d+ = 0x\1\n\$\d+ = 1$"], "stepi")
        ok("next; a breakpoint where the program's write returns (vU); stepi, one instruction "
           "at a time, enters the kernel at stvec in vS")
        expect(out, [r"^Hardware watchpoint 3: ticks", r"^Old value = \d+", r"^New value = \d+"],
               "watch")
        ok("watch ticks: hit when the timer tick changes it (old and new value)")
        expect(out, [r"^Program received signal SIGTRAP", r"^trap_vector \(\)", r"^\$\d+ = 0x8$",
                     r"^0x80200000 <_entry>:\s+0x([0-9a-f]{8})\s+0x([0-9a-f]{8})$",
                     r"\[Inferior 1 \(Remote target\) exited normally\]"], "catch, x, end")
        # monitor output comes on gdb's other stream: anywhere
        expect(out, [r"^caught: 8$"], "monitor catch")
        expect(out, [r"^caught: none$"], "monitor catch none")
        pm = re.search(r"^80200000:((?: [0-9a-f]{2}){8})$", out, re.M)
        x = re.search(r"^0x80200000 <_entry>:\s+0x([0-9a-f]{8})\s+0x([0-9a-f]{8})$", out, re.M)
        if not pm or not x:
            fail("monitor pm or x output missing")
        b = pm.group(1).split()
        words = ("".join(reversed(b[:4])), "".join(reversed(b[4:])))
        if words != x.groups():
            fail(f"monitor pm {words} and x {x.groups()} differ")
        ok("monitor catch 8 stops at the kernel's trap vector with scause 8; monitor pm "
           "reads guest-physical memory as x reads it through the tables; continue runs "
           "to the end")
        st = r.wait()
        if st != 0:
            fail(f"run status {st}")
        dbg, test1 = r.log("dbg"), r.log("test1")
        if b"passed, 0 failed" not in dbg:
            fail("the debugged VM's self-tests did not all pass")
        ok("the debugged VM's self-tests all passed")
        same_as_reference(test1, ref, "vm test1 beside the debugged VM")


def codesum():
    script = r"""
set pagination off
break codesum_done
continue
print/x sum
x/2xh codesum_done
continue
"""
    with tempfile.TemporaryDirectory(prefix="popek-gdb-") as tmp:
        r = Run("tests/e2e/dirs/gdb-codesum.ini", tmp, "run")
        r.wait_gdb("dbg")
        out = r.gdb("dbg", script)
        expect(out, [r"^Breakpoint 1, codesum_done \(sum=", r"^\$1 = 0x[0-9a-f]+",
                     r"\[Inferior 1 \(Remote target\) exited normally\]"], "session")
        if r.wait() != 0:
            fail("run status")
        pat = re.compile(rb"codesum: \d+ bytes of code, sum ([0-9a-f]+)\r?\ncodesum: again ([0-9a-f]+)")
        d, f = pat.search(r.log("dbg")), pat.search(r.log("ref"))
        if not d or not f:
            fail("no sums in the logs")
        if d.groups() != f.groups() or d.group(1) != d.group(2):
            fail(f"sums differ: debugged {d.groups()}, undebugged {f.groups()}")
        if f"$1 = 0x{d.group(1).decode()}" not in out:
            fail("gdb's sum argument is not the sum the kernel printed")
        ok(f"the kernel's checksum of its code with a breakpoint planted in it: "
           f"{d.group(1).decode()}, the same as without (and after)")


def dmacode():
    script = r"""
set pagination off
break *dmacode_mark
continue
x/1xw dmacode_fn
continue
x/1xw dmacode_fn
continue
"""
    ini = "tests/e2e/dirs/gdb-dmacode.ini"
    os.makedirs("build/tmp", exist_ok=True)
    if os.path.exists("build/tmp/gdb-dmacode-disk.img"):
        os.remove("build/tmp/gdb-dmacode-disk.img")
    if subprocess.run([POPEK, "disk", "create", ini], capture_output=True).returncode != 0:
        fail("popek disk create")
    with tempfile.TemporaryDirectory(prefix="popek-gdb-") as tmp:
        r = Run(ini, tmp, "run")
        r.wait_gdb("dbg")
        out = r.gdb("dbg", script)
        expect(out, [r"^Breakpoint 1, 0x[0-9a-f]+ in dmacode_mark \(\)", r":\s+0x00100513$",
                     r"^Breakpoint 1, 0x[0-9a-f]+ in dmacode_mark \(\)", r":\s+0x00200513$",
                     r"\[Inferior 1 \(Remote target\) exited normally\]"], "session")
        ok("break dmacode_mark: hit before and again after the disk rewrote its page; "
           "gdb reads the code the disk wrote")
        if r.wait() != 0:
            fail("run status")
        pat = re.compile(rb"dmacode: before (\d+)\r?\ndmacode: write 0, read 0, code reads "
                         rb"([0-9a-f]+)\r?\ndmacode: after (\d+)")
        d, f = pat.search(r.log("dbg")), pat.search(r.log("ref"))
        if not d or not f:
            fail("no dmacode lines in the logs")
        if d.groups() != f.groups() or d.group(3) != b"2":
            fail(f"debugged {d.groups()}, undebugged {f.groups()}")
        ok("the debugged kernel runs the code the disk wrote into its breakpointed page, as "
           f"the undebugged one: before {d.group(1).decode()}, after {d.group(3).decode()}")


class Rsp:
    """The GDB remote protocol, by hand."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def send(self, data):
        cs = sum(data.encode()) & 0xff
        self.s.sendall(b"$" + data.encode() + b"#%02x" % cs)

    def reply(self, secs=30):
        self.s.settimeout(secs)
        while True:
            m = re.search(rb"\$([^#]*)#([0-9a-f]{2})", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                self.s.sendall(b"+")
                return m.group(1).decode()
            chunk = self.s.recv(4096)
            if not chunk:
                fail("the stub closed the connection")
            self.buf += chunk

    def ask(self, data):
        self.send(data)
        return self.reply()

    def pc(self):
        v = self.ask("p20")
        return int.from_bytes(bytes.fromhex(v), "little")


def symbols(elf, names):
    out = subprocess.run(["riscv64-linux-gnu-nm", "-S", elf], capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[3] in names:
            syms[f[3]] = (int(f[0], 16), int(f[1], 16))
    return syms


def ctl_state(r, vm):
    out = subprocess.run([POPEK, "ctl", "--run", r.rundir(), "list"], env=r.env,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.split()[:1] == [vm]:
            return line.split()[1]
    return "?"


def ctrlc():
    spin = symbols("build/guest/teach.elf", ["spin_run"])["spin_run"]
    with tempfile.TemporaryDirectory(prefix="popek-gdb-") as tmp:
        ref = reference(tmp, "tests/e2e/dirs/multi-alone-test1.ini", "test1")
        r = Run("tests/e2e/dirs/gdb-spin.ini", tmp, "run")
        port = r.wait_gdb("spin")
        time.sleep(3)  # into its loop
        g = Rsp(port)
        if "PacketSize" not in g.ask("qSupported:swbreak+;hwbreak+"):
            fail("qSupported")
        if not g.ask("?").startswith("T02"):
            fail("? after attaching")
        pc = g.pc()
        if not spin[0] <= pc < spin[0] + spin[1]:
            fail(f"attached at pc {pc:x}, not in spin_run")
        st = ctl_state(r, "spin")
        if st != "debugger":
            fail(f"popek ctl list says {st}")
        ok(f"attaching stopped the spinning kernel at pc {pc:x} in spin_run; "
           "popek ctl list shows it in the debugger")
        for i in range(3):
            g.send("c")
            time.sleep(1)
            t = time.time()
            g.s.sendall(b"\x03")
            rep = g.reply(secs=5)
            took = time.time() - t
            if not rep.startswith("T02"):
                fail(f"Ctrl-C: {rep}")
            pc = g.pc()
            if not spin[0] <= pc < spin[0] + spin[1]:
                fail(f"Ctrl-C stopped it at pc {pc:x}, not in spin_run")
            ok(f"Ctrl-C {i + 1}: stopped in {took * 1000:.0f} ms at pc {pc:x} in spin_run")
        before = g.pc()
        if not g.ask("s").startswith("T05"):
            fail("s: no stop reply")
        after = g.pc()
        if after == before or not spin[0] <= after < spin[0] + spin[1]:
            fail(f"s: pc {before:x} -> {after:x}")
        ok(f"s: one instruction, pc {before:x} -> {after:x}")
        regs = g.ask("g")
        if len(regs) != 33 * 16:
            fail(f"g: {len(regs)} hex digits")
        if g.ask("p1041") != "0100000000000000":  # priv
            fail("priv is not vS")
        mem = g.ask(f"m{spin[0]:x},8")
        if len(mem) != 16:
            fail(f"m: {mem}")
        ok("g: x0-x31 and pc; p priv = vS; m reads the code at spin_run through its tables")
        if g.ask("D") != "OK":
            fail("detach")
        g.s.close()
        st = r.wait()
        if st != 0:
            fail(f"run status {st}")
        if not re.search(rb"spin: \d+ iterations in 25000 ms", r.log("spin")):
            fail("the spinning kernel did not finish after the detach")
        ok("detached: the spinning kernel finished its loop")
        same_as_reference(r.log("test1"), ref, "vm test1 beside the stopped VM")


def late():
    spin = symbols("build/guest/teach.elf", ["spin_run"])["spin_run"]
    with tempfile.TemporaryDirectory(prefix="popek-gdb-") as tmp:
        r = Run("tests/e2e/dirs/gdb-late.ini", tmp, "run")
        end = time.time() + 60
        while not os.path.exists(os.path.join(r.rundir(), "popek.ctl")):
            if time.time() > end or r.p.poll() is not None:
                fail("no control socket")
            time.sleep(0.2)
        time.sleep(2)  # into its loop
        if os.path.exists(os.path.join(r.rundir(), "spin.gdb")):
            fail("a port for spin before gdb spin")
        c = subprocess.run([POPEK, "ctl", "--run", r.rundir(), "gdb", "spin"], env=r.env,
                           capture_output=True, text=True)
        if c.returncode != 0:
            fail(f"popek ctl gdb spin: {c.stderr.strip()}")
        port = r.wait_gdb("spin", secs=10)
        ok("popek ctl gdb spin: the stub of the running VM is on, the launcher listens")
        g = Rsp(port)
        if "PacketSize" not in g.ask("qSupported:swbreak+;hwbreak+"):
            fail("qSupported")
        if not g.ask("?").startswith("T02"):
            fail("? after attaching")
        pc = g.pc()
        if not spin[0] <= pc < spin[0] + spin[1]:
            fail(f"attached at pc {pc:x}, not in spin_run")
        if ctl_state(r, "spin") != "debugger":
            fail("popek ctl list does not show it in the debugger")
        ok(f"attached: stopped at pc {pc:x} in spin_run, in the debugger")
        if g.ask("D") != "OK":
            fail("detach")
        g.s.close()
        if r.wait() != 0:
            fail("run status")
        if not re.search(rb"spin: \d+ iterations in 15000 ms", r.log("spin")):
            fail("the spinning kernel did not finish after the detach")
        ok("detached: the kernel finished its loop")


LINUX_SCRIPT = r"""
set pagination off
set style enabled off
set width 0
set confirm off
info registers priv
break tty_write
continue
bt 2
info registers a0 a1
stepi
info registers pc
delete
watch *(unsigned long *)&jiffies_64
continue
delete
continue
"""


def pty_lines(fd):
    """Lines from a pty until its other side closes, '\\r\\n' made '\\n'."""
    buf = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf += chunk.replace(b"\r\n", b"\n")
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line.decode(errors="replace") + "\n"
    if buf:
        yield buf.decode(errors="replace")


def type_into(r, vm, text):
    """Types text into VM vm's terminal, as `popek console` does."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(r.rundir(), vm + ".sock"))
    s.sendall(text.encode())
    s.close()


def linux():
    with tempfile.TemporaryDirectory(prefix="popek-gdb-", dir=os.environ.get("GDB_DRIVE_TMP")) as tmp:
        ref = reference(tmp, "tests/e2e/dirs/multi-alone-test1.ini", "test1")
        r = Run("tests/e2e/dirs/gdb-linux.ini", tmp, "run")
        r.wait_gdb("linux")
        end = time.time() + 400
        while b"starting a shell" not in r.log("linux"):
            if time.time() > end or r.p.poll() is not None:
                fail("Linux did not reach its shell")
            time.sleep(0.5)
        time.sleep(2)
        script = os.path.join(r.logs, "linux.gdb-script")
        with open(script, "w") as f:
            f.write(LINUX_SCRIPT)
        # on a pty: gdb writes each line as it comes, which the typing below follows
        master, slave = pty.openpty()
        g = subprocess.Popen([POPEK, "gdb", "linux", "--", "-nx", "-batch", "-x", script],
                             env=r.env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
        RUNS.append(g)
        os.close(slave)
        out = ""
        typed_exit = False
        t0 = time.time()
        for line in pty_lines(master):
            out += line
            if "Breakpoint 1 at" in line:
                # test1 ran its self-tests while Linux booted: again, now, beside the debugger
                ipl = subprocess.run([POPEK, "ctl", "--run", r.rundir(), "ipl", "test1"],
                                     env=r.env, capture_output=True, text=True)
                if ipl.returncode != 0:
                    fail(f"popek ctl ipl test1: {ipl.stderr.strip()}")
                type_into(r, "linux", "echo gdb-was-here\n")
            if line.startswith("Hardware watchpoint 2:") and not typed_exit:
                # an idle Linux stops its tick (NO_HZ): sleep 1 wakes it a second later
                type_into(r, "linux", "sleep 1; exit\n")
                typed_exit = True
            if time.time() - t0 > 400:
                fail("gdb did not finish")
        g.wait()
        with open(os.path.join(r.logs, "linux.gdb-out"), "w") as f:
            f.write(out)
        expect(out, [r"^priv\s+0x1\s", r"^Breakpoint 1, 0x[0-9a-f]+ in tty_write \(\)",
                     r"^#1 .* in vfs_write \(\)", r"^a0\s+0xff[0-9a-f]{14}\s",
                     r"^a1\s+0xff[0-9a-f]{14}\s"], "breakpoint")
        ok("attached to the running Linux in vS; break tty_write: hit by the shell's write "
           "system call, backtrace vfs_write, a0 and a1 the kernel's iocb and iov_iter")
        # stepi: the next instruction, or the trap handler when an interrupt was pending then
        expect(out, [r"^pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <(tty_write\+\d+|handle_exception)>",
                     r"^Hardware watchpoint 2: \*\(unsigned long \*\)&jiffies_64",
                     r"^Old value = \d+", r"^New value = \d+",
                     r"\[Inferior 1 \(Remote target\) exited normally\]"], "watch")
        where = re.search(r"^pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <([a-z_]+)", out, re.M).group(1)
        ok(f"stepi: one instruction, to {where}; a watchpoint on jiffies_64 hit by the tick; "
           "continue to the end")
        st = r.wait(secs=600)
        if st != 0:
            fail(f"run status {st}")
        log = r.log("linux").decode(errors="replace")
        expect(log, [r"gdb-was-here", r"powering off"], "linux")
        ok("Linux ran its shell to the end and powered off")
        # twice: while Linux booted, and again (ipl) while the debugger stopped and ran it
        same_as_reference(r.log("test1"), ref * 2, "vm test1 (two runs) beside the debugged Linux")


if __name__ == "__main__":
    scenarios = {"teach": teach, "codesum": codesum, "ctrlc": ctrlc, "linux": linux,
                 "dmacode": dmacode, "late": late}
    if len(sys.argv) != 2 or sys.argv[1] not in scenarios:
        fail(f"usage: {sys.argv[0]} {'|'.join(scenarios)}")
    scenarios[sys.argv[1]]()
