# shellcheck shell=bash
# guest/linux/lib.sh — shared by the guest/linux build scripts (sourced, bash):
# the generic helpers of scripts/build-lib.sh (cache, progress output, locking,
# package installs, Debian source fetches) and the kernel tarball's unpacking.

# shellcheck source=scripts/build-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/build-lib.sh"

LINUX_TARBALL=/usr/src/linux-source-6.1.tar.xz
# shellcheck disable=SC2034 # used by the scripts that source this file
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Unpack the kernel tarball once per version into the cache (atomically, so an
# interrupted unpack is never mistaken for a good one).  Sets LINUX_SRC.
linux_source() {
	need_debs linux-source-6.1
	[ -f "$LINUX_TARBALL" ] || die "$LINUX_TARBALL is missing (package linux-source-6.1)"
	local ver
	ver=$(deb_version linux-source-6.1)
	LINUX_SRC=$POPEK_CACHE/src/linux-source-$ver
	mkdir -p "$POPEK_CACHE/src"
	exec 9>"$POPEK_CACHE/src/.lock"
	flock 9
	if [ ! -f "$LINUX_SRC/.popek-unpacked" ]; then
		say "unpacking $LINUX_TARBALL ($ver) into $LINUX_SRC [$(elapsed)]"
		local tmp=$LINUX_SRC.tmp.$$
		rm -rf "$tmp" "$LINUX_SRC"
		mkdir -p "$tmp"
		tar -C "$tmp" -xJf "$LINUX_TARBALL"
		mv "$tmp/linux-source-6.1" "$LINUX_SRC"
		rmdir "$tmp"
		touch "$LINUX_SRC/.popek-unpacked"
	fi
	flock -u 9
	exec 9>&-
}
