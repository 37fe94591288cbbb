#!/bin/sh
# Usage: scripts/capture-trace.sh [-o DIR] [-b KB] [-x] [-t] [-S] [-z] -- COMMAND [ARG...]
# As root on a real machine (or VM): records the kernel's page-allocator
# events (kmem/mm_page_*, mm_setup_per_zone_wmarks; with -x also kswapd and
# compaction) in a private tracing instance while COMMAND runs, and writes
# into DIR (default ./capture-YYYYmmdd-HHMMSS):
#   trace.dat         trace-cmd extract -B <instance>; with -S instead a
#                     trace.dat built from the raw per-CPU buffers by
#                     'trace-cmd restore' with an EMPTY kernel symbol table
#                     (safe to share); if neither works, only trace.txt
#   trace.txt         with -t (or as the fallback): the instance's text
#   before/ after/    buddyinfo pagetypeinfo zoneinfo vmstat, right before
#                     tracing starts and right after it stops
#   info.txt          kernel, command, exit status, per-CPU ring-buffer stats
#                     (overrun = events lost)
# -b KB: per-CPU ring buffer (default 65536); -z: zstd-compress trace.dat
# (file version 7) and gzip trace.txt.  The instance is removed on exit,
# also on errors and Ctrl-C; the top-level tracing instance is not touched.
# Exit status: COMMAND's, or 2 for a usage or setup error.
set -u

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

out=""
buf_kb=65536
extra=0
text=0
sanitize=0
compress=0
while getopts "o:b:xtSzh" opt; do
	case $opt in
	o) out=$OPTARG ;;
	b) buf_kb=$OPTARG ;;
	x) extra=1 ;;
	t) text=1 ;;
	S) sanitize=1 ;;
	z) compress=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || usage
[ "$(id -u)" -eq 0 ] || { echo "capture-trace: must run as root" >&2; exit 2; }

tracefs=/sys/kernel/tracing
if [ ! -d "$tracefs/instances" ]; then
	mount -t tracefs nodev "$tracefs" 2>/dev/null ||
		{ echo "capture-trace: cannot mount tracefs on $tracefs" >&2; exit 2; }
fi
[ -n "$out" ] || out="capture-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out/before" "$out/after" || exit 2
name="acceptsim-$$"
inst="$tracefs/instances/$name"

cleanup() {
	if [ -d "$inst" ]; then
		echo 0 > "$inst/tracing_on" 2>/dev/null
		for e in "$inst"/events/*/enable; do echo 0 > "$e" 2>/dev/null; done
		rmdir "$inst" 2>/dev/null ||
			echo "capture-trace: could not remove $inst" >&2
	fi
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

snapshot() {
	for f in buddyinfo pagetypeinfo zoneinfo vmstat; do
		cat "/proc/$f" > "$1/$f" 2>/dev/null
	done
}

mkdir "$inst" || { echo "capture-trace: cannot create $inst" >&2; exit 2; }
echo 0 > "$inst/tracing_on"
echo "$buf_kb" > "$inst/buffer_size_kb" ||
	{ echo "capture-trace: cannot set buffer_size_kb=$buf_kb" >&2; exit 2; }
events="kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_free_batched
kmem/mm_page_alloc_extfrag kmem/mm_page_alloc_zone_locked kmem/mm_page_pcpu_drain
kmem/mm_setup_per_zone_wmarks"
[ $extra -eq 1 ] && events="$events vmscan/mm_vmscan_kswapd_wake
vmscan/mm_vmscan_kswapd_sleep vmscan/mm_vmscan_wakeup_kswapd compaction"
for e in $events; do
	if [ -e "$inst/events/$e/enable" ]; then
		echo 1 > "$inst/events/$e/enable"
	else
		echo "capture-trace: no event $e on this kernel, skipped" >&2
	fi
done

snapshot "$out/before"
echo 1 > "$inst/tracing_on"
"$@"
status=$?
echo 0 > "$inst/tracing_on"
snapshot "$out/after"

{
	echo "kernel: $(uname -r) $(uname -m)"
	echo "command: $*"
	echo "exit status: $status"
	echo "trace_clock: $(cat "$inst/trace_clock")"
	echo "buffer_size_kb: $buf_kb"
	for s in "$inst"/per_cpu/cpu*/stats; do
		cpu=$(basename "$(dirname "$s")")
		echo "$cpu: $(tr '\n' ' ' < "$s")"
	done
} > "$out/info.txt"

if [ $text -eq 1 ]; then
	cat "$inst/trace" > "$out/trace.txt"	# does not consume the buffer
fi

have_dat=0
if [ $sanitize -eq 1 ]; then
	# Raw per-CPU pages, then trace-cmd restore with an empty kallsyms:
	# no kernel addresses in the file.  Read-only towards tracing.
	tmp=$(mktemp -d)
	: > "$tmp/kallsyms"
	cpus=""
	for d in "$inst"/per_cpu/cpu*; do
		c=$(basename "$d")
		dd if="$d/trace_pipe_raw" of="$tmp/$c" bs=4096 iflag=nonblock 2>/dev/null
		cpus="$cpus $tmp/$c"	# empty ones too: the position is the CPU number
	done
	if trace-cmd restore -c -k "$tmp/kallsyms" -o "$tmp/head.dat" >/dev/null 2>&1 &&
	   [ -n "$cpus" ] &&
	   # shellcheck disable=SC2086
	   trace-cmd restore -i "$tmp/head.dat" -o "$out/trace.dat" $cpus >/dev/null 2>&1; then
		have_dat=1
	fi
else
	if trace-cmd extract -B "$name" -o "$out/trace.dat" >/dev/null 2>&1; then
		have_dat=1
	fi
fi
if [ $have_dat -eq 0 ]; then
	echo "capture-trace: no trace.dat (trace-cmd failed); saving text instead" >&2
	rm -f "$out/trace.dat"
	[ -s "$out/trace.txt" ] || cat "$inst/trace" > "$out/trace.txt"
fi
if [ $compress -eq 1 ]; then
	if [ $have_dat -eq 1 ] &&
	   trace-cmd convert --file-version 7 --compression zstd -i "$out/trace.dat" \
		-o "$out/trace.dat.tmp" >/dev/null 2>&1; then
		mv "$out/trace.dat.tmp" "$out/trace.dat"
	fi
	[ -f "$out/trace.txt" ] && gzip -9f "$out/trace.txt"
fi
echo "capture-trace: wrote $out (command exit status $status)" >&2
exit $status
