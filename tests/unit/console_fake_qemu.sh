#!/bin/sh
# A stand-in for qemu-system-riscv64 (POPEK_QEMU) in the launcher's console
# tests (tests/e2e/launcher.toml): ignores its arguments and writes a stream
# framed as popek frames its console (tools/popek/console_demux.h) for a
# directory of two VMs, hello and image.  One line read from stdin comes back
# as hello's output ("EOF" when none comes within 2 s: the launcher keeps
# QEMU's stdin open after its own ends, for `popek console` clients).  Exits
# with status 3, which `popek run` must pass on.
rs=$(printf '\036')
printf 'OpenSBI v1.1\r\npopek 0.1: two VMs\r\n'
printf '%s0popek-hello: a tiny guest says hello\nlogin: ' "$rs"
printf '%s1image: boot\n' "$rs"
printf '%s@popek: vm image: a message\r\n' "$rs"
line=$(timeout 2 head -n 1)
[ -n "$line" ] || line=EOF
printf '%s0%s\nrs:%s%s.\n' "$rs" "$line" "$rs" "$rs"
printf '%s@popek: all VMs stopped\r\n' "$rs"
exit 3
