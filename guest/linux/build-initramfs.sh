#!/bin/bash
# guest/linux/build-initramfs.sh OUT.cpio.gz BUSYBOX_DIR — pack the guests'
# initramfs: guest/linux/initramfs/ (the /init script, /etc/popek/*.sh, ...),
# the static busybox from BUSYBOX_DIR with a symlink per applet, and the
# device nodes the kernel needs before devtmpfs is mounted.
#
# Packed with the kernel's own usr/gen_init_cpio, which takes a list of
# entries (so no root is needed for device nodes), with every owner root and
# every timestamp fixed: the same inputs give the same bytes.
TAG=initramfs
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: $0 OUT.cpio.gz BUSYBOX_DIR"
dest=$1
bbdir=$2
skel=$HERE/initramfs
EPOCH=${SOURCE_DATE_EPOCH:-1}

if [ ! -x "$bbdir/busybox" ] || [ ! -f "$bbdir/busybox.links" ]; then
	die "no busybox in $bbdir"
fi

# gen_init_cpio, built once per kernel source version.
linux_source
gen=$POPEK_CACHE/tools/gen_init_cpio-$(deb_version linux-source-6.1)
if [ ! -x "$gen" ]; then
	mkdir -p "$(dirname "$gen")"
	${HOSTCC:-gcc} -O2 -o "$gen.tmp.$$" "$LINUX_SRC/usr/gen_init_cpio.c"
	mv "$gen.tmp.$$" "$gen"
fi

# gen_init_cpio takes a regular file's mtime from the file itself, so every
# file is first copied to a staging directory and given the fixed timestamp.
mkdir -p "$(dirname "$dest")"
stage=$(mktemp -d "$dest.stage.XXXXXX")
list=$stage/list
trap 'rm -rf "$stage"' EXIT
n=0
add_file() { # PATH-IN-CPIO SOURCE MODE
	n=$((n + 1))
	cp "$2" "$stage/$n"
	touch -d "@$EPOCH" "$stage/$n"
	echo "file $1 $stage/$n $3 0 0"
}

# The entry list: directories first (sorted, so parents precede children).
{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /mnt /root /etc; do
		echo "dir $d 755 0 0"
	done
	echo "dir /tmp 1777 0 0"
	(cd "$skel" && find . -mindepth 1 -type d | sort) | while read -r d; do
		echo "dir ${d#.} 755 0 0"
	done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	add_file /bin/busybox "$bbdir/busybox" 755
	# Applets: /bin/sh -> busybox etc.  /linuxrc is busybox's init; ours is /init.
	grep -v -x -e /linuxrc -e /bin/busybox "$bbdir/busybox.links" | sort -u | while read -r a; do
		echo "slink $a /bin/busybox 777 0 0"
	done
	while read -r f; do
		mode=644
		[ -x "$skel/$f" ] && mode=755
		add_file "${f#.}" "$skel/$f" $mode
	done < <(cd "$skel" && find . -type f | sort)
} | awk '!seen[$1 " " $2]++' >"$list"

"$gen" -t "$EPOCH" "$list" | gzip -9 -n >"$stage/out"
mv "$stage/out" "$dest"
say "$dest ($(stat -c %s "$dest") bytes)"
