#!/bin/sh
# /etc/popek/workload.sh — run=workload: exercise what makes an operating
# system expensive to virtualise, and check every result.
#
#   forkexec   200 fork+exec of /bin/true, plus exit statuses
#   pipeline   seq | sort | grep | awk | wc pipelines, results checked
#   files      write files to the disk (/mnt), remount it so the reads really
#              reach the disk, compare checksums, delete them
#   cpu        awk and shell arithmetic loops with known results
#
# Output, for tests and bench/ (MS = milliseconds of guest wall time):
#   workload: time NAME MS        one per phase, and "total"
#   workload: ok                  last line when everything passed
#   workload: FAIL NAME...        last line otherwise, after the reasons

PATH=/bin:/sbin:/usr/bin:/usr/sbin
failed=""

# Milliseconds since some fixed point: busybox date with nanoseconds when it
# has them, /proc/uptime (10 ms resolution) otherwise.  With no RTC the
# clock starts at 0, so in the first second after boot `date +%s%N` is
# "0NNNNNNNNN", which shell arithmetic would read as octal: the zeros go.
case $(date +%N 2>/dev/null) in
[0-9]*[0-9]) now_ms() {
	t=$(date +%s%N) || return 1
	t=${t#"${t%%[!0]*}"}
	echo $((${t:-0} / 1000000))
} ;;
*) now_ms() {
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000 + ${up#*.} * 10))
} ;;
esac

# phase NAME: run phase_NAME, time it, collect its failure.
phase() {
	t0=$(now_ms)
	if ! "phase_$1"; then
		failed="$failed $1"
	fi
	echo "workload: time $1 $(($(now_ms) - t0))"
}

# check WHAT GOT WANT
check() {
	[ "$2" = "$3" ] && return 0
	echo "workload: $1: got '$2', want '$3'"
	return 1
}

phase_forkexec() {
	n=0
	while [ $n -lt 200 ]; do
		/bin/true || {
			echo "workload: forkexec: /bin/true failed at $n"
			return 1
		}
		n=$((n + 1))
	done
	check "forkexec count" $n 200 || return 1
	/bin/false && {
		echo "workload: forkexec: /bin/false succeeded"
		return 1
	}
	/bin/sh -c 'exit 7'
	check "forkexec exit status" $? 7 || return 1
	check "forkexec subshell" "$(/bin/echo hello)" hello
}

phase_pipeline() {
	ok=0
	check "sort -n | tail" "$(seq 1 10000 | sort -n | tail -n 1)" 10000 || ok=1
	check "sort -rn | tail" "$(seq 1 10000 | sort -rn | tail -n 1)" 1 || ok=1
	check "grep -c" "$(seq 1 10000 | grep -c 7)" 3439 || ok=1
	check "awk sum" "$(seq 1 10000 | awk '{ s += $1 } END { print s }')" 50005000 || ok=1
	check "sed | wc" "$(seq 1 10000 | sed -n '/5$/p' | wc -l)" 1000 || ok=1
	check "five stages" "$(seq 1 5000 | sort -rn | grep 9 | head -n 100 | md5sum | cut -c1-8)" \
		"$(seq 1 5000 | sort -rn | grep 9 | head -n 100 >/tmp/wl.p && md5sum </tmp/wl.p | cut -c1-8)" || ok=1
	rm -f /tmp/wl.p
	return $ok
}

# Files go to the disk when one is mounted read-write on /mnt.
if grep -q '^[^ ]* /mnt [^ ]* rw[, ]' /proc/mounts; then
	fsdir=/mnt/workload.$$
	ondisk=1
else
	fsdir=/tmp/workload.$$
	ondisk=0
fi

phase_files() {
	src=/tmp/wl.src
	rm -rf "$src" "$fsdir"
	mkdir -p "$src" "$fsdir" || return 1
	# 16 files, 8 KiB to 128 KiB of random bytes, written to the disk with
	# cp and dd, checksums kept in tmpfs.
	i=1
	while [ $i -le 16 ]; do
		dd if=/dev/urandom of="$src/f$i" bs=1024 count=$((i * 8)) 2>/dev/null || return 1
		i=$((i + 1))
	done
	(cd "$src" && md5sum f*) >/tmp/wl.sums || return 1
	i=1
	while [ $i -le 16 ]; do
		if [ $((i % 2)) = 0 ]; then
			cp "$src/f$i" "$fsdir/f$i" || return 1
		else
			dd if="$src/f$i" of="$fsdir/f$i" bs=4096 2>/dev/null || return 1
		fi
		i=$((i + 1))
	done
	sync
	if [ $ondisk = 1 ]; then
		# Drop the disk's cached pages: the read-back must come from the disk.
		dev=$(grep ' /mnt ' /proc/mounts | cut -d ' ' -f 1)
		fstype=$(grep ' /mnt ' /proc/mounts | cut -d ' ' -f 3)
		umount /mnt || {
			echo "workload: files: umount /mnt failed"
			return 1
		}
		mount -t "$fstype" "$dev" /mnt || {
			echo "workload: files: remount of $dev failed"
			return 1
		}
	fi
	(cd "$fsdir" && md5sum -c /tmp/wl.sums >/tmp/wl.check 2>&1) || {
		echo "workload: files: checksums differ after read-back:"
		grep -v ': OK$' /tmp/wl.check
		return 1
	}
	cmp "$src/f16" "$fsdir/f16" || return 1
	rm "$fsdir"/f* || return 1
	check "files left" "$(ls "$fsdir" | wc -l)" 0 || return 1
	rmdir "$fsdir" || return 1
	sync
	rm -rf "$src" /tmp/wl.sums /tmp/wl.check
}

phase_cpu() {
	ok=0
	check "awk loop" "$(awk 'BEGIN { s = 0; for (i = 0; i < 100000; i++) s = (s * 31 + i) % 1000003; print s }')" \
		933429 || ok=1
	i=0
	s=0
	while [ $i -lt 10000 ]; do
		s=$(((s * 7 + i) % 65521))
		i=$((i + 1))
	done
	check "shell loop" $s 16053 || ok=1
	return $ok
}

if [ $ondisk = 1 ]; then
	echo "workload: start (files on the disk at $fsdir)"
else
	echo "workload: start (no read-write disk on /mnt: files in $fsdir, on tmpfs)"
fi
start=$(now_ms)
for p in forkexec pipeline files cpu; do
	phase $p
done
echo "workload: time total $(($(now_ms) - start))"

if [ -z "$failed" ]; then
	echo "workload: ok"
else
	echo "workload: FAIL$failed"
	exit 1
fi
