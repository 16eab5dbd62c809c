#!/usr/bin/env python3
"""Drives `popek run` for tests/e2e/display.toml (docs/display.md).

  display_drive.py equal     the teaching kernel's mode=display on the bare
                             board and under popek: the same keys typed
                             (`popek key`), the two screenshots (`popek
                             screenshot`) equal pixel for pixel
  display_drive.py hostile   mode=gpuattack bare, then beside a displaying
                             VM under popek: the same answers, popek still
                             running, the other VM's screen equal to the bare one
  display_drive.py focus     two VMs with displays under popek: keys typed on
                             the real keyboard, and the real tablet's moves
                             (scaled to its screen), reach only the one with
                             the focus; `popek ctl focus` moves it, and the real
                             screen (`popek screenshot --screen`) shows the
                             focused VM's screen under the status bar
  display_drive.py pointer   the teaching kernel's cross and click marks, moved
                             by `popek pointer` on the board's tablet (QMP)
                             and popek's: the screenshots equal pixel for pixel
  display_drive.py window    dirs/demo.ini as `make run` runs it: it checks,
                             a VM has a display, and `popek run --window`
                             asks QEMU for gtk or sdl where the host has a
                             window system and QEMU the UI, else headless
  display_drive.py linux     Linux's framebuffer console (console=tty0) on the
                             bare board and under popek: its last boot line,
                             drawn in the VGA font, found in each screenshot;
                             a command typed (`popek key`, shifted symbols
                             too) into the shell on tty1 runs and its output
                             reaches the serial console; the screen shows it

Prints what it checks as `ok ...` lines and exits non-zero (`FAIL ...`) at
the first thing that is wrong.  Whatever it started is stopped on the way out.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

POPEK = os.path.abspath("build/bin/popek")
MODE = sys.argv[1] if len(sys.argv) > 1 else "equal"
OUT = "build/tests/e2e/display-" + MODE
TEXT = "hello popek 42"
procs = []


def stop_all():
    for p in procs:  # SIGTERM: the launcher passes it on to QEMU
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    procs.clear()


def fail(why):
    print(f"FAIL {why}", flush=True)
    stop_all()
    sys.exit(1)


def ok(what):
    print(f"ok {what}", flush=True)


def wait_for(what, cond, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.2)
    fail(f"timed out waiting for {what}")


def png_pixels(path):
    """(width, height, RGB rows) of an 8-bit RGB PNG, its filters undone."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            if (depth, color) != (8, 2):
                fail(f"{path}: not 8-bit RGB")
        elif kind == b"IDAT":
            idat += body
    raw, stride, rows, prev = zlib.decompress(idat), w * 3, [], bytearray(w * 3)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - 3] if x >= 3 else 0
            b, c = prev[x], prev[x - 3] if x >= 3 else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows


def start(name, ini, bare):
    """Starts a run with its own runtime folder; (process, env, log folder)."""
    runtime = tempfile.mkdtemp(prefix="popek-display-")
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    logs = f"{OUT}/{name}"
    os.makedirs(logs, exist_ok=True)
    args = [POPEK, "run", "--log-dir", logs] + (["--bare"] if bare else []) + [ini]
    out = open(f"{logs}.out", "wb")
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                         env=env)
    procs.append(p)
    sock = f"{runtime}/popek/{p.pid}/" + ("qemu.mon" if bare else "popek.ctl")
    # A short run (the bare attacker powers off when done) may end before the
    # socket is seen: its log is then complete, which is all its callers need.
    wait_for(f"{name}'s run directory", lambda: os.path.exists(sock) or p.poll() is not None)
    return p, env, logs


def log(logs, vm):
    try:
        with open(f"{logs}/{vm}.log", "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def popek(p, env, *args):
    r = subprocess.run([POPEK, args[0], "--run", str(p.pid), *args[1:]], capture_output=True,
                       text=True, env=env, timeout=120)
    if r.returncode != 0:
        fail(f"popek {' '.join(args)}: exit {r.returncode}: {r.stdout}{r.stderr}")
    return r.stdout


def type_and_shoot(name, ini, bare, vm="teach"):
    """The display kernel's pattern with TEXT typed on it: the screenshot's pixels."""
    p, env, logs = start(name, ini, bare)
    wait_for(f"{vm}'s keyboard ({name})", lambda: "display: keyboard ready" in log(logs, vm))
    # One key at a time, each echoed before the next: a keyboard whose driver
    # has not yet given its buffers back drops what comes (the board's does too).
    for i, c in enumerate(TEXT):
        popek(p, env, "key", vm, c)
        wait_for(f"{vm} to echo {c!r} ({name})",
                 lambda: log(logs, vm).count("display: key '") > i, timeout=60)
    got = "".join(line.split("'")[1] for line in log(logs, vm).splitlines()
                  if "display: key '" in line)
    if got != TEXT:
        fail(f"{name}: {vm} echoed {got!r}, not {TEXT!r}")
    png = f"{OUT}/{name}.png"
    popek(p, env, "screenshot", vm, png)
    ok(f"{name}: {vm} echoed {TEXT!r}; screenshot {png}")
    return p, env, logs, png_pixels(png)


def same_screen(a, b, what):
    if a[:2] != b[:2]:
        fail(f"{what}: {a[0]}x{a[1]} against {b[0]}x{b[1]}")
    for y, (ra, rb) in enumerate(zip(a[2], b[2])):
        if ra != rb:
            x = next(i for i in range(len(ra)) if ra[i] != rb[i]) // 3
            fail(f"{what}: first difference at ({x}, {y})")
    ok(f"{what}: {a[0]}x{a[1]} equal pixel for pixel")


shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
if MODE == "equal":
    _, _, _, bare = type_and_shoot("bare", "tests/e2e/dirs/display-teach.ini", True)
    stop_all()
    p, env, logs, under = type_and_shoot("popek", "tests/e2e/dirs/display-teach.ini", False)
    same_screen(bare, under, "teach's screen, bare and under popek")
    if bare[2][100][3 * 10:3 * 11] != b"\xff\xff\xff" or bare[2][100][3 * 90:3 * 91] != b"\xff\xff\x00":
        fail("the pattern's first two bars are not white and yellow")
    ok("the pattern's bars are where they belong")
    stop_all()
elif MODE == "hostile":
    def answers(text):
        return [l.split("| ")[-1] for l in text.splitlines() if "gpuattack:" in l]

    p, env, logs = start("attack-bare", "tests/e2e/dirs/display-attack.ini", True)
    wait_for("the bare attack", lambda: "gpuattack: done" in log(logs, "attack"))
    board = answers(log(logs, "attack"))
    stop_all()
    _, _, _, alone = type_and_shoot("alone-bare", "tests/e2e/dirs/display-teach.ini", True)
    stop_all()
    p, env, logs, beside = type_and_shoot("beside", "tests/e2e/dirs/display-hostile.ini", False)
    wait_for("the attack under popek", lambda: "gpuattack: done" in log(logs, "attack"))
    mine = answers(log(logs, "attack"))
    if mine != board:
        fail("popek answered the hostile stream otherwise: " +
             "; ".join(f"{a} / board: {b}" for a, b in zip(mine, board) if a != b))
    ok(f"attack: {len(mine) - 1} hostile commands answered as the board answers them")
    if p.poll() is not None:
        fail("popek stopped")
    if "attack" not in popek(p, env, "ctl", "list"):
        fail("popek ctl list does not show the attacker")
    ok("popek runs on; ctl list answers")
    # the attacker's own screen is its pattern, whatever it sent after it
    popek(p, env, "screenshot", "attack", f"{OUT}/attack.png")
    same_screen(alone, beside, "teach's screen beside the attacker, and alone on the board")
    stop_all()
elif MODE == "focus":
    BAR = 16  # popek's status bar (hyp/core/screen.c)

    def keys_of(logs, vm):
        return "".join(l.split("'")[1] for l in log(logs, vm).splitlines() if "display: key '" in l)

    def real_screen_shows(real, vm_shot, what):
        w, h, rows = vm_shot
        for y in range(real[1] - BAR):
            want = rows[y] if y < h else b""
            got = real[2][y + BAR]
            if got[:len(want)] != want or got[len(want):] != b"\0" * (len(got) - len(want)):
                fail(f"{what}: the real screen's row {y} is not the VM's")
        ok(f"{what}: the real screen shows its {w}x{h} screen under the status bar")

    p, env, logs = start("focus", "tests/e2e/dirs/display-focus.ini", False)
    for vm in ("one", "two"):
        wait_for(f"{vm}'s keyboard", lambda: "display: keyboard ready" in log(logs, vm))
    popek(p, env, "key", "--real", "abc")
    wait_for("one to echo abc", lambda: keys_of(logs, "one") == "abc", timeout=60)
    time.sleep(1)
    if keys_of(logs, "two"):
        fail(f"two got keys it had not the focus for: {keys_of(logs, 'two')!r}")
    ok("the real keyboard's abc reached one, which has the focus, and not two")

    def pointer_of(logs, vm):
        return [l.split("display: pointer ")[1].strip() for l in log(logs, vm).splitlines()
                if "display: pointer " in l]

    # the real tablet at (50, 66) of the real screen: (50, 50) of one's, under the bar
    popek(p, env, "pointer", "--real", "50", "66")
    wait_for("one to follow the real pointer", lambda: pointer_of(logs, "one"), timeout=60)
    time.sleep(1)
    if pointer_of(logs, "one") != ["50 50 buttons 0"] or pointer_of(logs, "two"):
        fail(f"the real pointer went to one {pointer_of(logs, 'one')}, two {pointer_of(logs, 'two')}")
    ok("the real tablet's (50, 66) reached one as (50, 50), under the status bar, and not two")
    popek(p, env, "screenshot", "--screen", f"{OUT}/real-one.png")
    popek(p, env, "screenshot", "one", f"{OUT}/one.png")
    real_one = png_pixels(f"{OUT}/real-one.png")
    real_screen_shows(real_one, png_pixels(f"{OUT}/one.png"), "focus on one")
    popek(p, env, "ctl", "focus", "two")
    popek(p, env, "key", "--real", "xy")
    wait_for("two to echo xy", lambda: keys_of(logs, "two") == "xy", timeout=60)
    time.sleep(1)
    if keys_of(logs, "one") != "abc":
        fail(f"one got keys after the focus moved: {keys_of(logs, 'one')!r}")
    ok("after focus two, the real keyboard's xy reached two and not one")
    # past two's 320x200 screen, a click: clamped to its corner; then in the status bar: row 0
    popek(p, env, "pointer", "--real", "400", "300", "left")
    popek(p, env, "pointer", "--real", "10", "5")
    want = ["319 199 buttons 1", "319 199 buttons 0", "10 0 buttons 0"]
    wait_for("two to follow the real pointer", lambda: len(pointer_of(logs, "two")) >= 3, timeout=60)
    time.sleep(1)
    if pointer_of(logs, "two") != want or pointer_of(logs, "one") != ["50 50 buttons 0"]:
        fail(f"the real pointer went to two {pointer_of(logs, 'two')}, one {pointer_of(logs, 'one')}")
    ok("the real tablet reached two, clamped to its 320x200 screen, the status bar its row 0")
    time.sleep(0.5)
    popek(p, env, "screenshot", "--screen", f"{OUT}/real-two.png")
    popek(p, env, "screenshot", "two", f"{OUT}/two.png")
    real_two = png_pixels(f"{OUT}/real-two.png")
    if real_two[2] == real_one[2]:
        fail("the real screen did not change with the focus")
    real_screen_shows(real_two, png_pixels(f"{OUT}/two.png"), "focus on two")
    stop_all()
elif MODE == "linux":
    import re

    glyphs = {}  # a cell's 16 rows of lit bits: the character the VGA font draws so
    rows_of = [m.group(1) for m in re.finditer(r"\{(0x[^}]*)\}, /\* ", open("build/gen/font8x16.h").read())]
    for i, g in enumerate(rows_of):  # ' ' to '~', in order
        glyphs.setdefault(tuple(int(x, 16) for x in g.split(",")), chr(0x20 + i))
    # Linux's own VGA font (lib/fonts/font_8x16.c) draws these five otherwise
    for ch, g in (("'", "0030303060"), ("`", "0030180c"), ("f", "00001c3632307830303030780000"),
                  ("v", "0000000000c6c6c6c6c66c38"), ("~", "0076dc")):
        glyphs.setdefault(tuple(bytes.fromhex(g.ljust(32, "0"))), ch)
    LINE = "Run /init as init process"
    # typed on the display's shell (tty1): every shifted symbol, upper case,
    # and a sum the shell works out, written to the serial console
    TYPED = 'echo "Shifted !@#%^&*_+{}|:<>?~ $((6*7))" >/dev/ttyS0'
    MARKER = "Shifted !@#%^&*_+{}|:<>?~ 42"
    PROMPT = "(none):/# "

    def screen_text(shot):
        """The screen as text lines, cell by cell (lit: not black); '?' where no glyph fits."""
        w, h, rows = shot
        lines = []
        for y0 in range(0, h - 15, 16):
            cells = []
            for x0 in range(0, w - 7, 8):
                bits = tuple(sum(1 << (7 - b) for b in range(8)
                                 if rows[y0 + r][3 * (x0 + b):3 * (x0 + b) + 3] != b"\0\0\0")
                             for r in range(16))
                cells.append(glyphs.get(bits, "?"))
            lines.append("".join(cells))
        return lines

    def shoot(p, env, png):
        popek(p, env, "screenshot", "linux", png)
        shot = png_pixels(png)
        return shot, screen_text(shot)

    for name, bare in (("linux-bare", True), ("linux-popek", False)):
        p, env, logs = start(name, "tests/e2e/dirs/display-linux.ini", bare)
        wait_for(f"Linux's shell ({name})", lambda: "(none):/#" in log(logs, "linux"), timeout=300)
        wait_for(f"Linux's shell on tty1 ({name})",
                 lambda: "popek-init: a shell on tty1" in log(logs, "linux"), timeout=60)
        png = f"{OUT}/{name}.png"
        end = time.time() + 60  # the tty1 shell's prompt, drawn
        while True:
            before, text = shoot(p, env, png)
            if any(l.startswith(PROMPT) for l in text) or time.time() > end:
                break
            time.sleep(1)
        row = next((i for i, l in enumerate(text) if l.startswith(LINE)), None)
        if row is None:
            fail(f"{name}: '{LINE}' is not on Linux's screen ({png}):\n" + "\n".join(text))
        ok(f"{name}: Linux's console shows '{LINE}' (text row {row})")
        if not any(l.startswith(PROMPT) for l in text):
            fail(f"{name}: no shell prompt on Linux's screen ({png}):\n" + "\n".join(text))
        popek(p, env, "key", "linux", TYPED + "\\n")
        wait_for(f"the typed command's output on the serial console ({name})",
                 lambda: MARKER in log(logs, "linux"), timeout=60)
        ok(f"{name}: the command typed on tty1 ran: '{MARKER}' on ttyS0")
        time.sleep(1)
        after, text = shoot(p, env, f"{OUT}/{name}-typed.png")
        if after[2] == before[2]:
            fail(f"{name}: the screen did not change as the command was typed")
        if not any(l.startswith(PROMPT + TYPED) for l in text):
            fail(f"{name}: the typed command is not on Linux's screen:\n" + "\n".join(text))
        ok(f"{name}: the screen changed and shows the typed command after the prompt")
        stop_all()
elif MODE == "pointer":
    # the same clicks and moves on the board's tablet (QMP) and popek's, the
    # teaching kernel drawing a cross where the pointer is and a mark per click
    MOVES = [("100", "50", "left"), ("300", "200", None)]
    WANT = ["display: pointer 100 50 buttons 1", "display: pointer 100 50 buttons 0",
            "display: pointer 300 200 buttons 0"]
    shots, tablets = {}, {}
    for name, bare in (("pointer-bare", True), ("pointer-popek", False)):
        p, env, logs = start(name, "tests/e2e/dirs/display-teach.ini", bare)
        wait_for(f"teach's keyboard ({name})", lambda: "display: keyboard ready" in log(logs, "teach"))
        tablets[name] = next((l.split("| ")[-1] for l in log(logs, "teach").splitlines()
                              if "display: tablet" in l), None)
        if not tablets[name]:
            fail(f"{name}: teach found no tablet")
        for x, y, button in MOVES:
            popek(p, env, "pointer", "teach", x, y, *([button] if button else []))
        wait_for(f"teach to follow the pointer ({name})",
                 lambda: WANT[-1] in log(logs, "teach"), timeout=60)
        got = [l.split("| ")[-1].strip() for l in log(logs, "teach").splitlines()
               if "display: pointer" in l]
        if got != WANT:
            fail(f"{name}: teach's pointer went {got}, not {WANT}")
        ok(f"{name}: teach's tablet reported the click at (100, 50) and the move to (300, 200)")
        png = f"{OUT}/{name}.png"
        popek(p, env, "screenshot", "teach", png)
        shots[name] = png_pixels(png)
        stop_all()
    if tablets["pointer-bare"] != tablets["pointer-popek"]:
        fail(f"the tablets differ: board {tablets['pointer-bare']!r}, popek {tablets['pointer-popek']!r}")
    ok(f"the tablet as the board's: {tablets['pointer-popek']}")
    same_screen(shots["pointer-bare"], shots["pointer-popek"],
                "teach's screen with the pointer, bare and under popek")
    rows = shots["pointer-popek"][2]
    if rows[200][3 * 300:3 * 301] != b"\xff\0\0" or rows[50][3 * 100:3 * 101] != b"\0\xff\0":
        fail("no cross at (300, 200) or no click mark at (100, 50)")
    ok("the cross is at (300, 200), the click's mark at (100, 50)")
elif MODE == "window":
    # dirs/demo.ini as `make run` runs it (popek run --window), its paths made
    # absolute and its disk made here; QEMU's UIs faked by a script answering
    # `-display help` as a QEMU with them would
    demo = f"{OUT}/demo.ini"
    build = os.path.abspath("build")
    with open("dirs/demo.ini") as f:
        text = f.read().replace("../build/demo-disk.img", os.path.abspath(f"{OUT}/disk.img"))
    with open(demo, "w") as f:
        f.write(text.replace("../build/", build + "/"))
    for args in (["disk", "create", demo], ["check", demo]):
        r = subprocess.run([POPEK, *args], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"popek {' '.join(args)}: {r.stdout}{r.stderr}")
    if "display = " not in text:
        fail("no VM of dirs/demo.ini has a display")
    ok("dirs/demo.ini checks, a VM with a display: " + r.stdout.strip().split(": ok: ", 1)[1])
    if "popek run --window dirs/demo.ini" not in open("Makefile").read():
        fail("make run does not ask for a window")

    def dry_run(env_extra, uis):
        fake = f"{OUT}/fake-qemu"
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n[ \"$1 $2\" = \"-display help\" ] || exit 1\n"
                    "echo 'Available display backend types:'\necho none\n" +
                    "".join(f"echo {u}\n" for u in uis))
        os.chmod(fake, 0o755)
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env.update(env_extra, POPEK_QEMU=fake)
        r = subprocess.run([POPEK, "run", "--dry-run", "--window", demo], capture_output=True,
                           text=True, env=env)
        if r.returncode != 0:
            fail(f"popek run --dry-run --window: {r.stdout}{r.stderr}")
        return r.stdout, r.stderr

    for env_extra, uis, want, why in (
            ({}, ["gtk", "sdl"], "-nographic", "no window system"),
            ({"DISPLAY": ":0"}, [], "-nographic", "QEMU has neither"),
            ({"DISPLAY": ":0"}, ["sdl", "gtk"], "-display gtk", None),
            ({"WAYLAND_DISPLAY": "wayland-0"}, ["sdl"], "-display sdl", None)):
        out, err = dry_run(env_extra, uis)
        if f" {want} " not in out or (want != "-nographic") == ("-nographic" in out):
            fail(f"with {env_extra or 'no window system'} and {uis}: not {want}: {out}")
        if why and f"no window, headless: {why}" not in err:
            fail(f"with {env_extra or 'no window system'} and {uis}: no reason given: {err}")
        ok(f"make run with {' '.join(f'{k}={v}' for k, v in env_extra.items()) or 'no window system'}"
           f" and QEMU's UIs {uis or 'none'}: {want}")
else:
    fail(f"unknown mode {MODE}")
