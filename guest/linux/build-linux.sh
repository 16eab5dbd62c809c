#!/bin/bash
# guest/linux/build-linux.sh IMAGE — build Linux 6.1 for the popek guests and
# copy its Image to IMAGE (and beside it its final .config, as linux.config, and
# vmlinux, the ELF with its symbols, for `symbols =` and popek gdb).
#
# Source: Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz).
# Config: tinyconfig + guest/linux/popek.config (merge_config.sh), checked by
# check-config.sh.  Built out of tree in $POPEK_CACHE/linux-<hash>, where the
# hash covers the source package version, the compiler, the fragment and
# RECIPE: a cached Image is copied without running make at all.
TAG=linux
. "$(dirname "$0")/lib.sh"

# Bump when a change to these scripts changes what gets built.
RECIPE=1

[ $# -eq 1 ] || die "usage: $0 IMAGE"
dest=$1

need_debs linux-source-6.1 gcc-riscv64-linux-gnu make bc bison flex libssl-dev libelf-dev
key=$({
	echo "recipe $RECIPE"
	deb_version linux-source-6.1
	"${CROSS_COMPILE}gcc" --version | head -1
	cat "$HERE/popek.config"
} | input_hash)
out=$POPEK_CACHE/linux-$key
mkdir -p "$POPEK_CACHE"
lock_cache "$out"

if [ -f "$out/.popek-done" ]; then
	say "cached: $out/arch/riscv/boot/Image"
else
	linux_source
	say "building Linux $(deb_version linux-source-6.1) in $out (-j$JOBS; full log: $out/build.log)"
	rm -rf "$out"
	mkdir -p "$out"
	log=$out/build.log
	kmake() {
		make --no-print-directory -C "$LINUX_SRC" O="$out" ARCH=riscv \
			CROSS_COMPILE="$CROSS_COMPILE" "$@"
	}

	say "config: tinyconfig + popek.config [$(elapsed)]"
	quiet "$log" kmake tinyconfig
	# -m: merge only; olddefconfig then resolves the dependencies.
	(cd "$out" && quiet "$log" "$LINUX_SRC/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$HERE/popek.config")
	quiet "$log" kmake olddefconfig
	"$HERE/check-config.sh" "$HERE/popek.config" "$out/.config" | sed "s/^/$TAG: /"

	say "compiling (about 5 minutes on 2 idle cores) [$(elapsed)]"
	run_logged "$log" kmake -j"$JOBS" Image
	touch "$out/.popek-done"
	say "built in $(elapsed)"
fi

mkdir -p "$(dirname "$dest")"
cp "$out/.config" "$dest.config.tmp.$$"
mv "$dest.config.tmp.$$" "$(dirname "$dest")/linux.config"
cp "$out/vmlinux" "$dest.vmlinux.tmp.$$"
mv "$dest.vmlinux.tmp.$$" "$(dirname "$dest")/vmlinux"
cp "$out/arch/riscv/boot/Image" "$dest.tmp.$$"
mv "$dest.tmp.$$" "$dest"
say "$dest ($(stat -c %s "$dest") bytes)"
