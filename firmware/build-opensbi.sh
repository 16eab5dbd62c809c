#!/bin/bash
# firmware/build-opensbi.sh OUT — build popek's firmware: OpenSBI 1.1 with
# firmware/opensbi-popek.patch, PLATFORM=generic, and copy its fw_dynamic.bin
# to OUT (fw_dynamic.elf beside it, for gdb).  docs/firmware.md.
#
# Source: the OpenSBI 1.1 that QEMU 7.2 bundles (roms/opensbi of Debian's qemu
# source package, fetched once by debian_source in scripts/build-lib.sh): the
# very firmware `-bios default` runs, which Debian builds into qemu-system-data
# with `make -C roms/opensbi CROSS_COMPILE=riscv64-linux-gnu- PLATFORM=generic`
# (debian/rules, build-opensbi).  Debian's own `opensbi` source package is the
# same 1.1, but its tarball is not served to this project's machines.
# Built in $POPEK_CACHE/opensbi-<hash>; the hash covers the .orig tarball
# (name and sha256), this script, the patch and the compiler.
# shellcheck disable=SC2034 # build-lib.sh's progress lines use it
TAG=firmware
# shellcheck source=scripts/build-lib.sh
. "$(dirname "$0")/../scripts/build-lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PATCH=$HERE/opensbi-popek.patch

[ $# -eq 1 ] || die "usage: $0 OUT"
dest=$1

need_debs gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu make xz-utils patch
debian_source qemu
# The .orig tarball and its sha256, as the .dsc lists them.
orig_line=$(sed -n '/^Checksums-Sha256:/,/^[^ ]/p' "$DSC" | grep -E ' [^ ]+\.orig\.tar\.[a-z]+$' | head -1)
[ -n "$orig_line" ] || die "no .orig tarball in $DSC"
orig_sha=$(echo "$orig_line" | awk '{print $1}')
orig=$(dirname "$DSC")/$(echo "$orig_line" | awk '{print $3}')
key=$({
	echo "orig $(basename "$orig") $orig_sha"
	sha256sum <"$0"
	sha256sum <"$PATCH"
	"${CROSS_COMPILE}gcc" --version | head -1
	"${CROSS_COMPILE}ld" --version | head -1
} | input_hash)
out=$POPEK_CACHE/opensbi-$key
lock_cache "$out"

fw=$out/build/platform/generic/firmware
if [ -f "$out/.popek-done" ]; then
	say "cached: $fw/fw_dynamic.bin"
else
	say "building OpenSBI ($(basename "$orig") + opensbi-popek.patch) in $out (full log: $out/build.log)"
	rm -rf "$out"
	mkdir -p "$out"
	log=$out/build.log
	[ "$(sha256sum <"$orig" | cut -d' ' -f1)" = "$orig_sha" ] ||
		die "$orig does not match its .dsc (delete $(dirname "$DSC") to fetch it again)"
	# Debian builds roms/opensbi from the .orig as it is: were one of its
	# patches ever to touch it, this build would no longer be Debian's.
	debtar=$(compgen -G "$(dirname "$DSC")/*.debian.tar.*" | head -1)
	if tar -xOf "$debtar" debian/patches 2>/dev/null | grep -q '^+++ .*roms/opensbi/'; then
		die "$(basename "$debtar") patches roms/opensbi: apply those patches here first"
	fi

	say "unpacking roms/opensbi [$(elapsed)]"
	mkdir -p "$out/tmp"
	quiet "$log" tar -C "$out/tmp" -xJf "$orig" --wildcards '*/roms/opensbi/*'
	mv "$out"/tmp/*/roms/opensbi "$out/src"
	rm -rf "$out/tmp"
	grep -q 'OPENSBI_VERSION_MINOR 1$' "$out/src/include/sbi/sbi_version.h" ||
		die "$(basename "$orig") does not hold OpenSBI 1.1; check opensbi-popek.patch against it"

	say "applying opensbi-popek.patch [$(elapsed)]"
	quiet "$log" patch -d "$out/src" -p1 --forward --batch -i "$PATCH"

	# OpenSBI 1.1's Makefile probes the compiler for the zicsr/zifencei split
	# of binutils 2.38+ (CC_SUPPORT_ZICSR_ZIFENCEI) and picks -march itself:
	# gcc 12 and binutils 2.40 need no extra flags.  BUILD_INFO stays n, so
	# the same inputs give the same bytes.
	say "compiling fw_dynamic (PLATFORM=generic) [$(elapsed)]"
	STEP_EVERY=25 run_logged "$log" make --no-print-directory -C "$out/src" O="$out/build" \
		CROSS_COMPILE="$CROSS_COMPILE" PLATFORM=generic -j"$JOBS"
	[ -f "$fw/fw_dynamic.bin" ] || die "no $fw/fw_dynamic.bin (full log: $log)"
	touch "$out/.popek-done"
	say "built in $(elapsed)"
fi

mkdir -p "$(dirname "$dest")"
cp "$fw/fw_dynamic.elf" "$dest.elf.tmp.$$"
mv "$dest.elf.tmp.$$" "${dest%.bin}.elf"
cp "$fw/fw_dynamic.bin" "$dest.tmp.$$"
mv "$dest.tmp.$$" "$dest"
say "$dest ($(stat -c %s "$dest") bytes)"
