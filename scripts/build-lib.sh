# shellcheck shell=bash
# scripts/build-lib.sh — shared by the scripts that build from Debian's
# packages (guest/linux/*.sh, firmware/build-opensbi.sh; sourced, bash).  The
# sourcing script sets TAG (the prefix of its progress lines) first.
#
# Everything slow (the kernel, busybox, the firmware) is built in a cache
# directory outside the repository, named after a hash of its inputs, so that
# a fresh clone or a `make clean` reuses it and only changed inputs cause a
# rebuild:
#
#   ${POPEK_CACHE:-$HOME/.cache/popek}/
#     src/linux-source-<version>/      the unpacked Debian kernel tarball (read-only use)
#     linux-<hash>/                    kernel build tree (O=), Image, build.log
#     apt/                             private apt lists and cache for `apt-get source`
#     PKG-src/                         a fetched Debian source package (debian_source)
#     busybox-<hash>/                  unpacked, configured and built busybox
#     opensbi-<hash>/                  patched and built OpenSBI (firmware/)

set -euo pipefail

# The builds below run their own make: keep the calling make's flags (-n, -j
# with a jobserver, variables) out of them.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

CROSS_COMPILE=${CROSS_COMPILE:-riscv64-linux-gnu-}
POPEK_CACHE=${POPEK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/popek}
JOBS=${JOBS:-$(nproc)}

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
# counter every STEP_EVERY (default 100) kbuild-style steps ("  CC  path", or
# OpenSBI's " CC  path") and any line that looks like an error; on failure, the
# end of the log.  V=1 shows every line.
run_logged() {
	local log=$1 st=0
	shift
	if [ "${V:-0}" = 1 ]; then
		"$@" 2>&1 | tee -a "$log" || st=$?
	else
		"$@" 2>&1 | tee -a "$log" | awk -v tag="$TAG" -v every="${STEP_EVERY:-100}" '
			/^  ?[A-Z][A-Z0-9_-]* +[^ ]/ {
				if (++n % every == 0) { printf "%s:   %d steps (%s %s)\n", tag, n, $1, $2; fflush() }
				next
			}
			/(^|[^a-z])[Ee]rror|\*\*\*/ { print; fflush() }
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

# The Debian mirror this machine already uses (first .../debian URI of the
# system's sources), so that a fetch goes where apt's own traffic goes.
debian_mirror() {
	local f u
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		u=$(sed -n -E -e 's/^[[:space:]]*URIs:[[:space:]]*//p' \
			-e 's/^[[:space:]]*deb(-src)?[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\3/p' "$f" |
			tr ' ' '\n' | grep -E '^(https?|file)://.*/debian/?$' | head -1)
		[ -n "$u" ] && {
			echo "${u%/}"
			return
		}
	done
	echo http://deb.debian.org/debian
}

# debian_source PKG: fetch Debian's source package PKG (the suite is
# POPEK_DEBIAN_SUITE, default bookworm) into $POPEK_CACHE/PKG-src once, with
# `apt-get source --download-only` through a private apt configuration (its own
# sources list, lists and cache under $POPEK_CACHE/apt; the system's apt set-up
# is neither read for sources nor changed); later builds reuse it and never
# touch the network.  Sets DSC to the fetched .dsc.
debian_source() {
	local pkg=$1 suite=${POPEK_DEBIAN_SUITE:-bookworm}
	local srcdir=$POPEK_CACHE/$pkg-src apt=$POPEK_CACHE/apt
	mkdir -p "$POPEK_CACHE"
	exec 7>"$srcdir.lock"
	flock -n 7 || {
		say "waiting for another fetch of $pkg"
		flock 7
	}
	if ! compgen -G "$srcdir/${pkg}_*.dsc" >/dev/null; then
		need_debs apt dpkg-dev
		local mirror=${POPEK_DEBIAN_MIRROR:-$(debian_mirror)}
		say "fetching the Debian source package $pkg ($suite) from $mirror [$(elapsed)]"
		mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
		echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
			>"$apt/sources.list"
		local opts=(-q -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=-
			-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache"
			-o APT::Sandbox::User="$(id -un)")
		local log=$apt/fetch.log
		: >"$log"
		quiet "$log" apt-get "${opts[@]}" update
		local tmp=$srcdir.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp"
		(cd "$tmp" && quiet "$log" apt-get "${opts[@]}" source --download-only "$pkg")
		rm -rf "$srcdir"
		mv "$tmp" "$srcdir"
		say "fetched: $(cd "$srcdir" && echo *) [$(elapsed)]"
	fi
	flock -u 7
	exec 7>&-
	# shellcheck disable=SC2034 # read by the sourcing script
	DSC=$(compgen -G "$srcdir/${pkg}_*.dsc" | head -1)
}
