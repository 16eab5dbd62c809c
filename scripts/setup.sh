#!/bin/sh
# Install, from Debian's packages only, whatever popek's build, tests and demo need.
# Idempotent: when everything is present it does nothing and prints nothing.
set -e

PKGS="make gcc libc6-dev pkg-config qemu-system-misc opensbi gcc-riscv64-linux-gnu \
binutils-riscv64-linux-gnu device-tree-compiler libfdt-dev libinih-dev libcmocka-dev \
gdb-multiarch clang-format python3 cpio xz-utils bc bison flex libssl-dev libelf-dev \
dpkg-dev linux-source-6.1 libc6-dev-riscv64-cross e2fsprogs clang libclang-rt-14-dev patch \
libpng-dev console-setup-linux"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "setup: installing from Debian:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
