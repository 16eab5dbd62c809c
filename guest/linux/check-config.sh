#!/bin/sh
# guest/linux/check-config.sh FRAGMENT CONFIG — fail unless every option the
# fragment sets is set the same way in the final CONFIG.
#
# Kconfig drops a requested option without complaint when one of its
# dependencies is off; this turns that into a build error naming the option.
# Lines `CONFIG_X=VALUE` must appear verbatim; `# CONFIG_X is not set` means
# CONFIG_X must not be set at all.
set -eu
[ $# -eq 2 ] || {
	echo "usage: $0 FRAGMENT CONFIG" >&2
	exit 2
}
frag=$1
config=$2

bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		if ! grep -qxF "$line" "$config"; then
			got=$(grep -E "^(# )?${line%%=*}[= ]" "$config" || echo "absent (no such option here)")
			echo "$frag: wanted $line, got: $got" >&2
			bad=1
		fi
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=" "$config"; then
			echo "$frag: wanted $opt off, got: $(grep "^$opt=" "$config")" >&2
			bad=1
		fi
		;;
	esac
done <"$frag"

if [ $bad -ne 0 ]; then
	echo "$frag: options above did not survive Kconfig (unmet dependencies?); fix the fragment" >&2
	exit 1
fi
echo "$(basename "$frag"): all $(grep -cE '^CONFIG_|^# CONFIG_.* is not set' "$frag") options as requested"
