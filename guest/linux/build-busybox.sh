#!/bin/bash
# guest/linux/build-busybox.sh DIR — build a static RV64 busybox and put it,
# with its list of applet links (busybox.links), in DIR.
#
# Source: Debian's busybox source package for bookworm, fetched once by
# debian_source (scripts/build-lib.sh) and unpacked with dpkg-source.
# Config: busybox's defconfig with the overrides in guest/linux/busybox.config.  Built in $POPEK_CACHE/busybox-<hash>.
TAG=busybox
. "$(dirname "$0")/lib.sh"

# Bump when a change to these scripts changes what gets built.
RECIPE=1

[ $# -eq 1 ] || die "usage: $0 DIR"
dest=$1

need_debs gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
debian_source busybox
dsc=$DSC
key=$({
	echo "recipe $RECIPE"
	cat "$dsc"
	"${CROSS_COMPILE}gcc" --version | head -1
	deb_version libc6-dev-riscv64-cross
	cat "$HERE/busybox.config"
} | input_hash)
out=$POPEK_CACHE/busybox-$key
lock_cache "$out"

if [ -f "$out/.popek-done" ]; then
	say "cached: $out/busybox"
else
	say "building $(basename "$dsc" .dsc) in $out (full log: $out/build.log)"
	rm -rf "$out"
	mkdir -p "$out"
	log=$out/build.log
	say "unpacking with dpkg-source (Debian's patches applied) [$(elapsed)]"
	# Checksums are checked against the .dsc; its signature only if the keyring
	# is installed (apt has already checked the archive's signed indices).
	quiet "$log" dpkg-source -x "$dsc" "$out/src"
	rm -f "$out"/*.orig.tar.* # dpkg-source leaves a link to the upstream tarball
	bmake() { make --no-print-directory -C "$out/src" ARCH=riscv CROSS_COMPILE="$CROSS_COMPILE" "$@"; }

	say "config: defconfig + busybox.config [$(elapsed)]"
	quiet "$log" bmake defconfig
	# Apply each override: drop the option's line, append the wanted one.
	grep -E '^CONFIG_|^# CONFIG_.* is not set' "$HERE/busybox.config" | while IFS= read -r line; do
		opt=${line#\# }
		opt=${opt%%[= ]*}
		sed -i -E "/^(# )?${opt}[= ]/d" "$out/src/.config"
		echo "$line" >>"$out/src/.config"
	done
	# Options the overrides newly expose take their defaults.
	{ yes '' || true; } | quiet "$log" bmake oldconfig
	"$HERE/check-config.sh" "$HERE/busybox.config" "$out/src/.config" | sed "s/^/$TAG: /"

	say "compiling [$(elapsed)]"
	run_logged "$log" bmake -j"$JOBS" busybox busybox.links
	case $("${CROSS_COMPILE}readelf" -l "$out/src/busybox") in
	*INTERP*) die "$out/src/busybox is dynamically linked; CONFIG_STATIC did not take" ;;
	esac
	cp "$out/src/busybox" "$out/src/busybox.links" "$out/"
	touch "$out/.popek-done"
	say "built in $(elapsed)"
fi

mkdir -p "$dest"
cp "$out/busybox" "$dest/busybox.tmp.$$"
cp "$out/busybox.links" "$dest/busybox.links.tmp.$$"
mv "$dest/busybox.links.tmp.$$" "$dest/busybox.links"
mv "$dest/busybox.tmp.$$" "$dest/busybox"
say "$dest/busybox ($(stat -c %s "$dest/busybox") bytes, $(wc -l <"$dest/busybox.links") applets)"
