"""End-to-end test runner: boots images in QEMU (through the popek launcher
or directly) with a hard timeout and matches their console output.

Cases live in tests/e2e/*.toml, one table of cases per file:

    [[case]]
    name = "popek-boots"                 # unique
    cmd = ["build/bin/popek", "run", "dirs/demo.ini"]   # run from the repo root
    timeout = 60                         # seconds; the whole process group is killed after
    stdin = "text\\n"                    # optional; otherwise stdin is /dev/null
    status = 0                           # optional expected exit status
    expect = ['^popek ', 'harts +1']     # regexes (multiline), all must match, in this order
    reject = ['panic']                   # regexes that must not match anywhere
    needs = ["build/guest/teach.elf"]    # optional files; missing ones fail the case

Each case's full output goes to build/tests/e2e/NAME.log.
"""
import concurrent.futures
import os
import re
import signal
import subprocess
import sys
import time
import tomllib

LOG_DIR = "build/tests/e2e"


def load_cases(pattern=None):
    cases = []
    d = "tests/e2e"
    for f in sorted(os.listdir(d)):
        if not f.endswith(".toml"):
            continue
        with open(os.path.join(d, f), "rb") as fh:
            for c in tomllib.load(fh).get("case", []):
                c["file"] = f
                if pattern is None or re.search(pattern, c["name"]):
                    cases.append(c)
    return cases


def run_case(c):
    """Returns (passed, why, seconds)."""
    name = c["name"]
    for n in c.get("needs", []):
        if not os.path.exists(n):
            return False, f"needs {n}, which was not built", 0.0
    start = time.monotonic()
    log = os.path.join(LOG_DIR, name + ".log")
    stdin = c.get("stdin")
    p = subprocess.Popen(c["cmd"], stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    timed_out = False
    try:
        out, _ = p.communicate(stdin.encode() if stdin is not None else None, timeout=c.get("timeout", 60))
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
    secs = time.monotonic() - start
    text = out.decode(errors="replace").replace("\r\n", "\n")
    with open(log, "w") as fh:
        fh.write(text)
    if timed_out:
        return False, f"timed out after {c.get('timeout', 60)} s (output in {log})", secs
    if "status" in c and p.returncode != c["status"]:
        return False, f"exit status {p.returncode}, expected {c['status']} (output in {log})", secs
    pos = 0
    for rx in c.get("expect", []):
        m = re.compile(rx, re.M).search(text, pos)
        if not m:
            return False, f"no match for /{rx}/ (output in {log})", secs
        pos = m.end()
    for rx in c.get("reject", []):
        m = re.search(rx, text, re.M)
        if m:
            return False, f"found /{rx}/: {m.group(0)!r} (output in {log})", secs
    return True, "", secs


def log_tail(name, lines=40):
    """The end of a failed case's log, indented: CI keeps what the runner prints, not build/."""
    try:
        with open(os.path.join(LOG_DIR, name + ".log"), errors="replace") as fh:
            tail = fh.read().splitlines()[-lines:]
    except OSError:
        return "     (no log)"
    return "\n".join("     " + line[:200] for line in tail) or "     (empty log)"


def run_all(pattern=None, jobs=2):
    os.makedirs(LOG_DIR, exist_ok=True)
    cases = load_cases(pattern)
    names = [c["name"] for c in cases]
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        print(f"e2e: duplicate case names: {', '.join(sorted(dups))}")
        return 0, 1
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futures = {ex.submit(run_case, c): c for c in cases}
        for f in concurrent.futures.as_completed(futures):
            c = futures[f]
            ok, why, secs = f.result()
            if ok:
                passed += 1
                print(f"ok   e2e {c['name']} ({secs:.1f} s)", flush=True)
            else:
                failed += 1
                print(f"FAIL e2e {c['name']}: {why}", flush=True)
                print(log_tail(c["name"]), flush=True)
    return passed, failed


if __name__ == "__main__":
    pattern = sys.argv[1] if len(sys.argv) > 1 else None
    p, f = run_all(pattern)
    print(f"{p} passed, {f} failed")
    sys.exit(1 if f else 0)
