#!/bin/sh
# Usage: scripts/capture-frag.sh OUTDIR [TRIES]
# As root: saves /proc/buddyinfo, /proc/pagetypeinfo and the debugfs files
# extfrag/unusable_index and extfrag/extfrag_index taken at one moment:
# buddyinfo is read before and after the two debugfs files and the set is
# kept only if both reads agree (retried up to TRIES times, default 200).
# Writes OUTDIR/{buddyinfo,pagetypeinfo,unusable_index,extfrag_index}.
# Mounts debugfs on /sys/kernel/debug if needed.  Exit 1 if never stable.
# 'acceptsim frag --unusable OUTDIR/buddyinfo' must then print
# OUTDIR/unusable_index byte for byte (tests/test-frag-cli.c checks it).
set -eu
[ $# -ge 1 ] || { sed -n '2,10p' "$0"; exit 2; }
out=$1
tries=${2:-200}
dbg=/sys/kernel/debug
[ -d "$dbg/extfrag" ] || mount -t debugfs none "$dbg" 2>/dev/null || true
[ -r "$dbg/extfrag/unusable_index" ] ||
	{ echo "capture-frag: no $dbg/extfrag (needs CONFIG_DEBUG_FS and CONFIG_COMPACTION)" >&2; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ $i -lt "$tries" ]; do
	i=$((i + 1))
	cat /proc/buddyinfo > "$tmp/b1"
	cat "$dbg/extfrag/unusable_index" > "$tmp/u"
	cat "$dbg/extfrag/extfrag_index" > "$tmp/e"
	cat /proc/buddyinfo > "$tmp/b2"
	if cmp -s "$tmp/b1" "$tmp/b2"; then
		cat /proc/pagetypeinfo > "$out/pagetypeinfo"
		mv "$tmp/b1" "$out/buddyinfo"
		mv "$tmp/u" "$out/unusable_index"
		mv "$tmp/e" "$out/extfrag_index"
		echo "capture-frag: $out stable after $i tries" >&2
		exit 0
	fi
done
echo "capture-frag: buddyinfo kept changing ($tries tries)" >&2
exit 1
