#!/bin/sh
# Usage: scripts/bench.sh [--quick] [--runs N] [--trace FILE] [--build DIR]
# Measures acceptsim against baselines timed in the same run and prints one
# table: each row a figure, the baseline it is set against and their ratio.
#   --quick       smaller inputs (a few minutes; the default is ~10, most of
#                 it the whole v9-extfrag scenario)
#   --runs N      timed runs per command, median reported (default 3)
#   --trace FILE  the kmem trace.dat for the trace rows (default: the largest
#                 sample under traces/samples; a kbuild capture is better)
#   --build DIR   build directory (default build-bench; set up if missing as
#                 debugoptimized, debug_checks=1, which the figures assume)
# Timing: wall time around each command (date +%s%N) and its peak RSS from
# /usr/bin/time -v, median of N runs after one untimed warm-up; the model
# and jemalloc throughput is the programs' own timing of their replay loop
# (acceptsim baseline --repeat N); the trace.dat rows against trace-cmd
# report use CPU time (user + sys from GNU time), which a loaded machine
# does not stretch.  Temporary files go to a mktemp -d
# directory, removed at exit.  Needs GNU time and trace-cmd (scripts/deps.sh).
set -eu
cd "$(dirname "$0")/.."

quick=0
runs=3
trace=""
build=build-bench
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--runs) runs=$2; shift ;;
	--trace) trace=$2; shift ;;
	--build) build=$2; shift ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*|0) echo "bench: --runs must be a positive integer" >&2; exit 2 ;; esac
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (/usr/bin/time; scripts/deps.sh)" >&2; exit 2; }
command -v trace-cmd >/dev/null || { echo "bench: needs trace-cmd (scripts/deps.sh)" >&2; exit 2; }

if [ ! -d "$build" ]; then
	meson setup "$build" --buildtype=debugoptimized -Ddebug_checks=1 >/dev/null
fi
meson compile -C "$build" >/dev/null
bin=$build/acceptsim
if [ -z "$trace" ]; then
	trace=$(ls -S traces/samples/*/trace.dat | head -n 1)
fi
[ -r "$trace" ] || { echo "bench: cannot read trace '$trace'" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/acceptsim-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
log=$tmp/log

# Sizes: full / quick.
if [ $quick = 1 ]; then
	stream_ops=300000; scale_ops=500000; row_timeout=120
else
	stream_ops=2000000; scale_ops=1000000; row_timeout=300
fi

############ measuring ############

# median < numbers, one a line
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Run "$@" (stdout to /dev/null) once untimed, then $runs times; set
# $wall (s), $cpu (user + system s) and $rss (KiB), medians.  Fails the
# row, not the script.  nowarm=1 skips the untimed run, n=K times K.
measure() {
	: > "$tmp/walls"; : > "$tmp/rsss"; : > "$tmp/cpus"
	if [ "${nowarm:-0}" = 0 ]; then
		timeout "$row_timeout" "$@" > /dev/null 2>> "$log" || return 1
	fi
	i=0
	while [ $i -lt "${nruns:-$runs}" ]; do
		start=$(date +%s%N)
		timeout "$row_timeout" /usr/bin/time -v -o "$tmp/time" "$@" > /dev/null 2>> "$log" ||
			return 1
		end=$(date +%s%N)
		echo "$start $end" | awk '{ printf "%.4f\n", ($2 - $1) / 1e9 }' >> "$tmp/walls"
		sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time" >> "$tmp/rsss"
		awk -F ': ' '/User time|System time/ { s += $2 } END { print s }' "$tmp/time" \
			>> "$tmp/cpus"
		i=$((i + 1))
	done
	wall=$(median < "$tmp/walls")
	rss=$(median < "$tmp/rsss")
	cpu=$(median < "$tmp/cpus")
}

# awk arithmetic: calc 'expression' (printf %.4g of it)
calc() {
	awk "BEGIN { v = $1; printf \"%.4g\n\", v }"
}

############ the table ############

rows=$tmp/rows
: > "$rows"
# row FIGURE VALUE UNIT BASELINE BASE_VALUE RATIO NOTE
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$rows"
}
skip() {
	row "$1" - - - - - "$2"
	echo "bench: $1: $2" >&2
}

# A member of "acceptsim baseline --json": the Nth "KEY" : value, in order.
json_nth() {
	grep -o "\"$2\" : [^,]*" "$1" | sed -n "${3}p" | sed 's/.*: //; s/"//g'
}

# model vs jemalloc on one stream: baseline --json "$@"
row_baseline() {
	name=$1; shift
	if ! timeout "$((row_timeout * 2))" "$bin" baseline --json --repeat "$runs" "$@" \
			> "$tmp/baseline.json" 2>> "$log"; then
		skip "$name" "acceptsim baseline $* failed (see below)"
		tail -n 3 "$log" >&2
		return
	fi
	je=$(json_nth "$tmp/baseline.json" ops_per_s 1)
	model=$(json_nth "$tmp/baseline.json" ops_per_s 2)
	jever=$(json_nth "$tmp/baseline.json" version 1 | cut -d- -f1)
	reqs=$(json_nth "$tmp/baseline.json" requests 1)
	row "$name" "$(calc "$model / 1e6")" "M req/s" "jemalloc $jever" \
		"$(calc "$je / 1e6")" "$(calc "$model / $je")" \
		"$reqs requests, replay loop only, median of $runs"
}

echo "bench: $(nproc) cores; trace $trace; runs $runs; logs of failures below" >&2

# 1. The model's allocator against jemalloc on the same stream: decay 0
#    (jemalloc purges every freed page at once, the baseline's setting) and
#    decay -1 (it never purges: its fastest).
if "$bin" list workloads | grep -q '^kbuild '; then
	stream="kbuild-small"
	set -- --scenario kbuild-small
else
	stream="random"
	set -- --workload random --mem 1G --cpus 2 --wl "ops=$stream_ops"
	skip "model vs jemalloc, kbuild-small" "kbuild workload not in 'acceptsim list workloads' yet"
fi
row_baseline "model vs jemalloc, $stream" "$@"
row_baseline "  same, jemalloc never purging" "$@" --je-decay-ms -1
row_baseline "model vs jemalloc, trace" --trace "$trace" --cpus 2

# 2. Reading kmem traces against trace-cmd report on the same trace.dat.
"$bin" trace stats "$trace" > "$tmp/stats.txt"
events=$(awk '/^events:/ { on = 1; next } on && /^ +mm_/ { n += $2 } on && /^$/ { on = 0 }
	END { print n + 0 }' "$tmp/stats.txt")
# warm-up, and the text for row 3 (the readers refuse trace-cmd's
# "CPU:N [M EVENTS DROPPED]" lines, so they are left out)
trace-cmd report "$trace" 2>> "$log" | grep -v 'EVENTS DROPPED' > "$tmp/report.txt" || true
# Rates and ratios from CPU time (user + sys): other work on the machine
# stretches wall time, not the work a command does.  Wall ratios in the note.
if measure trace-cmd report "$trace"; then
	tc_wall=$wall
	tc_cpu=$cpu
	tc_rate=$(calc "$events / $tc_cpu / 1e6")
else
	tc_wall=""
	skip "trace-cmd report" "failed"
fi
if [ -n "$tc_wall" ] && measure "$bin" trace stats "$trace"; then
	row "trace stats (trace.dat)" "$(calc "$events / $cpu / 1e6")" "M events/s" \
		"trace-cmd report" "$tc_rate" "$(calc "$tc_cpu / $cpu")" \
		"$events events; CPU time, whole process, median of $runs; wall ratio $(calc "$tc_wall / $wall")"
fi
if [ -n "$tc_wall" ] && measure "$bin" replay "$trace" --cpus 2; then
	row "replay, request mode" "$(calc "$events / $cpu / 1e6")" "M events/s" \
		"trace-cmd report" "$tc_rate" "$(calc "$tc_cpu / $cpu")" \
		"read + model; CPU time, whole process; wall ratio $(calc "$tc_wall / $wall")"
fi
# From the state saved next to the trace (scripts/capture-trace.sh's before/).
state=$(dirname "$trace")/before
if [ -n "$tc_wall" ] && [ -r "$state/zoneinfo" ] && [ -r "$state/pagetypeinfo" ] &&
   measure "$bin" replay "$trace" --cpus 2 --mode pfn --zoneinfo "$state/zoneinfo" \
	--pagetypeinfo "$state/pagetypeinfo"; then
	row "replay, pfn mode from snapshot" "$(calc "$events / $cpu / 1e6")" "M events/s" \
		"trace-cmd report" "$tc_rate" "$(calc "$tc_cpu / $cpu")" \
		"--zoneinfo/--pagetypeinfo of before/; CPU time; wall ratio $(calc "$tc_wall / $wall")"
fi

# 3. Text traces: trace-cmd report's text, against reading it with wc -l.
mb=$(calc "$(wc -c < "$tmp/report.txt") / 1e6")
if measure wc -l "$tmp/report.txt"; then
	wc_rate=$(calc "$mb / $wall")
	if measure "$bin" trace stats "$tmp/report.txt"; then
		row "text trace stats" "$(calc "$mb / $wall")" "MB/s" "wc -l" "$wc_rate" \
			"$(calc "$mb / $wall / $wc_rate")" "${mb} MB of trace-cmd report text, whole process"
	fi
fi

# 4. The v9 study: 30 minutes of kernel builds in the real guest.  Full:
#    the whole scenario, once (it takes minutes).  Quick: its first 180
#    simulated seconds against 180 real ones.  (Scaling a slice up would
#    mislead: the cost per request grows as the guest's memory fills.)
if "$bin" list workloads | grep -q '^kbuild '; then
	if [ $quick = 1 ]; then
		v9s=180; set -- --wl duration=180; v9to=$row_timeout
	else
		v9s=1800; set --; v9to=1500
	fi
	if row_timeout=$v9to nowarm=1 nruns=1 measure "$bin" run --scenario v9-extfrag "$@"; then
		row "v9-extfrag run, ${v9s} s" "$wall" "s" "real study" "$v9s" "$(calc "$v9s / $wall")" \
			"one run; CPU $cpu s, peak RSS $(calc "$rss / 1024") MiB"
	else
		skip "v9-extfrag run, ${v9s} s" "did not finish in ${v9to} s"
	fi
else
	skip "v9-extfrag run" "kbuild workload not in 'acceptsim list workloads' yet"
fi

# 5. Memory: peak RSS per simulated page, against the model's own metadata.
"$bin" bench memory --mem 64G > "$tmp/benchmem.txt" 2>> "$log"
meta=$(sed -n 's/.*MiB, \([0-9.]*\) bytes per simulated.*/\1/p' "$tmp/benchmem.txt")
pages64=$((64 * 262144))
pages1t=$((1024 * 262144))
if measure "$bin" run --workload boot --mem 64G --policy watermark --cpus 8; then
	per64=$(calc "$rss * 1024 / $pages64")
	row "peak RSS, boot 64 GiB" "$per64" "B/page" "bench memory 64G" "$meta" \
		"$(calc "$per64 / $meta")" "$(calc "$rss / 1024") MiB; baseline: model arrays only"
fi
if measure "$bin" run --workload boot --mem 1T --policy watermark --cpus 8; then
	per1t=$(calc "$rss * 1024 / $pages1t")
	row "peak RSS, boot 1 TiB" "$per1t" "B/page" "boot 64 GiB" "${per64:-nan}" \
		"$(calc "$per1t / ${per64:-0}")" "$(calc "$rss / 1048576") GiB (goal <= 4)"
fi
if measure "$bin" run --workload random --wl ops=1000000 --mem 1T --policy watermark --cpus 8; then
	per=$(calc "$rss * 1024 / $pages1t")
	row "peak RSS, 1 TiB boot+1M random" "$per" "B/page" "boot 1 TiB" "${per1t:-nan}" \
		"$(calc "$per / ${per1t:-0}")" "$(calc "$rss / 1048576") GiB, $(calc "$wall") s"
fi

# 6. Scaling: wall time against events, 1x 10x 100x of a random workload
#    in a 1 GiB guest, half full (from 1x on its slots no longer grow with
#    ops, and it stays clear of reclaim and OOM).
s1=""
for k in 1 10 100; do
	n=$((scale_ops * k))
	if ! measure "$bin" run --workload random --mem 1G --wl "ops=$n,fill=0.5"; then
		skip "wall, ${k}x events" "run with ops=$n failed or took over ${row_timeout} s"
		s1=""
		break
	fi
	eval "s$k=\$wall c$k=\$cpu"
	if [ $k = 1 ]; then
		row "wall, ${k}x events" "$wall" "s" - - - "$n events ($(calc "$n / $wall / 1e6") M/s)"
	else
		row "wall, ${k}x events" "$wall" "s" "1x events" "$s1" "$(calc "$wall / $s1")" \
			"$n events; linear: ratio $k"
	fi
done
if [ -n "$s1" ]; then
	# marginal cost per event, 10x->100x against 1x->10x: 1.0 is linear
	lin=$(calc "(($s100 - $s10) / 90) / (($s10 - $s1) / 9)")
	lincpu=$(calc "(($c100 - $c10) / 90) / (($c10 - $c1) / 9)")
	verdict=$(awk "BEGIN { print ($lin >= 0.8 && $lin <= 1.2) ? \"linear within 20%\" : \"NOT linear within 20%\" }")
	row "marginal ns/event, 10x-100x" "$(calc "($s100 - $s10) / ($scale_ops * 90) * 1e9")" "ns" \
		"1x-10x" "$(calc "($s10 - $s1) / ($scale_ops * 9) * 1e9")" "$lin" \
		"$verdict (CPU time: $lincpu)"
fi

# 7. In process: order-0 pairs through the per-CPU lists against the buddy alone.
"$bin" bench model --mem 1G --seconds "$([ $quick = 1 ] && echo 0.5 || echo 2)" \
	> "$tmp/benchmodel.txt" 2>> "$log"
pcp=$(sed -n 's/ *per-CPU lists, batches of 32 *\([0-9.]*\) M.*/\1/p' "$tmp/benchmodel.txt")
buddy=$(sed -n 's/ *buddy only (no PCP), batches of 32 *\([0-9.]*\) M.*/\1/p' "$tmp/benchmodel.txt")
row "bench model, PCP on" "$pcp" "M pairs/s" "buddy only" "$buddy" "$(calc "$pcp / $buddy")" \
	"order-0 alloc+free, batches of 32"

############ print ############

echo "acceptsim bench: $(date -u +%Y-%m-%dT%H:%MZ), nproc $(nproc)," \
	"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(uname -sr)," \
	"$("$bin" --version), $([ $quick = 1 ] && echo quick || echo full), median of $runs runs"
echo "trace: $trace ($(calc "$(wc -c < "$trace") / 1e6") MB, $events kmem events)"
echo
awk -F '\t' '
	BEGIN { printf "%-31s %10s %-10s %-19s %10s %8s  %s\n", "figure", "value", "unit", "baseline", "baseline", "ratio", "note" }
	{ printf "%-31s %10s %-10s %-19s %10s %8s  %s\n", $1, $2, $3, $4, $5, $6, $7 }' "$rows"
echo
echo "ratio: value / baseline for rates (>1: acceptsim is faster) and sizes; for the v9 row"
echo "the real study's time / the run's; for the scaling rows t(kx)/t(1x), and the"
echo "last row is the marginal cost per event 10x->100x over 1x->10x (1.00 = linear)."
if [ -s "$log" ] && grep -qi 'error\|fail' "$log"; then
	echo
	echo "errors while measuring:"
	grep -i 'error\|fail' "$log" | head -n 20
fi
