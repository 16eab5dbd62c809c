# guest/linux/lib.sh — shared by the guest/linux build scripts (sourced, bash).
#
# Everything slow (the kernel, busybox) is built in a cache directory outside
# the repository, named after a hash of its inputs, so that a fresh clone or a
# `make clean` reuses it and only changed inputs cause a rebuild:
#
#   ${POPEK_CACHE:-$HOME/.cache/popek}/
#     src/linux-source-<version>/      the unpacked Debian kernel tarball (read-only use)
#     linux-<hash>/                    kernel build tree (O=), Image, build.log
#     apt/                             private apt lists and cache for `apt-get source`
#     busybox-src/                     the fetched Debian busybox source package
#     busybox-<hash>/                  unpacked, configured and built busybox

set -euo pipefail

# The builds below run their own make: keep the calling make's flags (-n, -j
# with a jobserver, variables) out of them.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

CROSS_COMPILE=${CROSS_COMPILE:-riscv64-linux-gnu-}
POPEK_CACHE=${POPEK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/popek}
JOBS=${JOBS:-$(nproc)}
LINUX_TARBALL=/usr/src/linux-source-6.1.tar.xz
# shellcheck disable=SC2034 # used by the scripts that source this file
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# One line per stage, prefixed with the component being built.
say() { printf '%s: %s\n' "$TAG" "$*"; }
die() {
	printf '%s: error: %s\n' "$TAG" "$*" >&2
	exit 1
}

# Installed version of a Debian package, or nothing.
deb_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

# Make sure Debian packages are installed, the way scripts/setup.sh does:
# only what is missing, with sudo when not root.
need_debs() {
	local p missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing from Debian:$missing"
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing ||
		die "could not install$missing (try: sudo apt-get update, then make again)"
}

# Run a short step (configuration, unpacking) with its output only in LOG;
# on failure show the end of the log.
quiet() {
	local log=$1
	shift
	"$@" >>"$log" 2>&1 || {
		tail -n 40 "$log" >&2
		die "failed: $* (full log: $log)"
	}
}

# sha256 of everything passed on stdin, shortened: the cache key.
input_hash() { sha256sum | cut -c1-16; }

# Elapsed seconds since the script started, for the stage lines.
elapsed() { echo "$((SECONDS))s"; }

# Run a long build command with its full output in LOG.  The terminal gets a
# counter every 100 kbuild-style steps ("  CC  path") and any line that looks
# like an error; on failure, the end of the log.  V=1 shows every line.
run_logged() {
	local log=$1 st=0
	shift
	if [ "${V:-0}" = 1 ]; then
		"$@" 2>&1 | tee -a "$log" || st=$?
	else
		"$@" 2>&1 | tee -a "$log" | awk -v tag="$TAG" '
			/^  [A-Z][A-Z0-9_]* +[^ ]/ {
				if (++n % 100 == 0) { printf "%s:   %d steps (%s %s)\n", tag, n, $1, $2; fflush() }
				next
			}
			/[Ee]rror|\*\*\*/ { print; fflush() }
			END { printf "%s:   %d steps\n", tag, n }' || st=$?
	fi
	if [ $st -ne 0 ]; then
		tail -n 40 "$log" >&2
		die "failed: $* (full log: $log)"
	fi
}

# Hold an exclusive lock on PATH.lock (fd 8) for the rest of the script, so
# that two builds sharing the cache (two makes, two clones) never build into
# the same directory at once: the second waits, then finds the result.
lock_cache() {
	exec 8>"$1.lock"
	flock -n 8 || {
		say "waiting for another build of $1"
		flock 8
	}
}

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
