#!/bin/bash
# Usage: scripts/fuzz.sh [-j JOBS] [-o OUTDIR] SECONDS [HARNESS...]
# Builds the libFuzzer harnesses of fuzz/ with clang, ASan and UBSan in
# build-fuzz/ (meson -Dfuzzing=enabled) and runs each for SECONDS, JOBS at a
# time (default 1), all of them unless HARNESS names (e.g. calib trace-dat)
# are given.  Seed corpora are made afresh from the committed samples
# (tests/data, traces/samples, workloads/scenarios, the probe fixtures).
# Outputs, outside the source tree, in OUTDIR (default $FUZZ_OUT, else
# ${TMPDIR:-/tmp}/acceptsim-fuzz): corpus/NAME/ (kept between runs),
# crashes/NAME/ (crash-*, leak-*, timeout-*, oom-* inputs), logs/NAME.log,
# and summary.txt (executions per harness).
# Exit status: 0 if no fuzzer found a crash, leak, timeout or out-of-memory;
# 1 if one did; 2 for a usage or build error.
# Reproduce a finding: build-fuzz/fuzz/fuzz-NAME OUTDIR/crashes/NAME/crash-...
set -eu
cd "$(dirname "$0")/.."
src=$PWD

jobs=1
out=${FUZZ_OUT:-${TMPDIR:-/tmp}/acceptsim-fuzz}
while getopts j:o: opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	o) out=$OPTARG ;;
	*) sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
	sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
secs=$1
shift
case $out in
"$src"|"$src"/*) echo "fuzz.sh: OUTDIR must be outside the source tree" >&2; exit 2 ;;
esac

all=""
for f in fuzz/fuzz-*.c; do
	f=${f#fuzz/fuzz-}
	[ "$f" = common.c ] || all="$all ${f%.c}"
done
names=${*:-$all}

# The coverage instrumentation needs the sanitizer runtime in every
# executable: the jemalloc helper is never sanitized, so it is left out.
build=build-fuzz
if [ -f $build/meson-info/meson-info.json ]; then
	meson setup --reconfigure $build -Dfuzzing=enabled -Djemalloc=disabled >/dev/null || exit 2
else
	CC=clang meson setup $build -Dfuzzing=enabled -Djemalloc=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false -Dtests=disabled >/dev/null || exit 2
fi
meson compile -C $build >/dev/null || { meson compile -C $build; exit 2; }
for n in $names; do
	if ! [ -x $build/fuzz/fuzz-$n ]; then
		echo "fuzz.sh: no harness '$n' (have: $(echo $all))" >&2
		exit 2
	fi
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
seeds=$out/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$out/logs"

# the first @lines lines of a (compressed) text file, to keep seeds small
head_of() { # FILE LINES
	case $1 in
	*.gz) gzip -dc "$1" ;;
	*.zst) if command -v zstdcat >/dev/null; then zstdcat -q "$1"; fi ;;
	*) cat "$1" ;;
	esac | head -n "$2" || true
}

# seed NAME FILE...: copy into the seed directory of NAME
seed() {
	local n=$1 f
	shift
	mkdir -p "$seeds/$n"
	for f in "$@"; do
		[ -f "$f" ] && cp "$f" "$seeds/$n/$(echo "${f#$src/}" | tr / _)"
	done
	return 0
}

make_seeds() { # NAME
	local n=$1 d=$seeds/$1 f i
	mkdir -p "$d"
	case $n in
	trace-ftrace)
		seed $n tests/data/traces/ftrace-*.txt tests/data/traces/warn-*.txt \
			tests/data/traces/bad-*.txt
		for f in traces/samples/*/trace.txt.gz; do
			head_of "$f" 300 > "$d/$(echo "$f" | tr / _).txt"
		done ;;
	trace-tracecmd)
		seed $n tests/data/traces/tracecmd*.txt
		for f in traces/samples/*/report.txt.zst; do
			head_of "$f" 300 > "$d/$(echo "$f" | tr / _).txt"
		done ;;
	trace-perf)
		seed $n tests/data/traces/perf*.txt ;;
	trace-native)
		seed $n tests/data/traces/*.acstrace
		i=0
		for f in tests/data/traces/ftrace-5col.txt tests/data/traces/tracecmd-R.txt \
			 tests/data/traces/perf.txt tests/data/traces/ftrace-tsc.txt \
			 tests/data/traces/ftrace-pipe-lost.txt; do
			i=$((i + 1))
			$build/acceptsim trace convert "$f" "$d/converted-$i.acstrace" \
				>/dev/null 2>&1 || true
		done ;;
	trace-dat)
		seed $n tests/data/traces/*.dat traces/samples/*/trace.dat
		if command -v zstdcat >/dev/null; then
			zstdcat -q tests/data/traces/kmem-6.18-v6.dat.zst > "$d/kmem-6.18-v6.dat"
		fi
		cp tests/data/traces/kmem-6.18-v6.dat.zst "$d/" ;;
	trace-compressed)
		# mode byte 0: the file as is; 2 and 4: gzip and zstd of the rest
		for f in tests/data/traces/*.gz tests/data/traces/*.zst tests/data/traces/*.xz \
			 traces/samples/dd/*.gz traces/samples/dd/*.zst; do
			{ printf '\000'; head -c 4000 "$f"; } > "$d/raw-$(echo "$f" | tr / _)"
		done
		for f in tests/data/traces/ftrace-5col.txt tests/data/traces/tracecmd.txt \
			 tests/data/traces/perf.txt; do
			{ printf '\002\200'; cat "$f"; } > "$d/gzip-${f##*/}"
			{ printf '\004\100'; cat "$f"; } > "$d/zstd-${f##*/}"
		done ;;
	buddyinfo)
		seed $n tests/data/frag/*/buddyinfo traces/samples/*/*/buddyinfo ;;
	pagetypeinfo)
		seed $n tests/data/frag/*/pagetypeinfo traces/samples/*/*/pagetypeinfo
		for f in tests/data/frag/*/; do
			{ cat "$f/pagetypeinfo"; printf '\000'; cat "$f/buddyinfo"; } \
				> "$d/both-$(basename "$f")"
		done ;;
	scenario)
		seed $n workloads/scenarios/*.ini tests/data/scenarios/*.ini ;;
	calib)
		for f in tests/data/probe/*/; do
			[ -d "$f/proc" ] || continue
			$build/acceptsim-probe --root "$f" --no-bench --quiet \
				> "$d/probe-$(basename "$f")" 2>/dev/null || true
		done
		# the examples of docs/probe-format.md
		awk -v d="$d" '/^```/ { if (out) { close(out); out = "" } else n++; next }
			/^# accept-cost calibration/ && !out { out = d "/doc-" n }
			out { print > out }' docs/probe-format.md ;;
	results)
		# a small study's results.json, its --emit-jobs plan and one run
		$build/acceptsim compare --workload random --wl ops=1000 --mem 128M \
			--config a:policy=watermark --config b:policy=lazy --runs 2 \
			--plot-format none --out "$d/study" >/dev/null 2>&1 || true
		$build/acceptsim compare --workload random --wl ops=1000 --mem 128M \
			--config a:policy=watermark --sweep cpus=1,2 --runs 2 \
			--emit-jobs "$d/jobs.txt" --out "$d/plan" >/dev/null 2>&1 || true
		$build/acceptsim run --mem 128M --wl ops=500 --json --tag a \
			> "$d/run.json" 2>/dev/null || true
		[ -f "$d/study/results.json" ] && mv "$d/study/results.json" "$d/results.json"
		[ -f "$d/plan/runs/plan.json" ] && mv "$d/plan/runs/plan.json" "$d/plan.json"
		rm -rf "$d/study" "$d/plan" "$d/jobs.txt" ;;
	esac
}

options() { # NAME: libFuzzer options besides the common ones
	case $1 in
	trace-dat) echo "-max_len=600000" ;;
	trace-compressed) echo "-max_len=4096" ;;
	trace-native) echo "-max_len=16384" ;;
	trace-*) echo "-max_len=16384 -dict=$src/fuzz/trace-text.dict" ;;
	buddyinfo|pagetypeinfo) echo "-max_len=8192 -dict=$src/fuzz/procfs.dict" ;;
	scenario) echo "-max_len=4096 -dict=$src/fuzz/scenario.dict" ;;
	calib) echo "-max_len=8192 -dict=$src/fuzz/calib.dict" ;;
	results) echo "-max_len=65536 -dict=$src/fuzz/results.dict" ;;
	esac
}

asan_options() { # NAME
	echo -n detect_leaks=1:abort_on_error=1
	case $1 in
	# libtracecmd parses ~2000 event formats per file, in small mallocs: a
	# smaller quarantine makes the harness ~3x faster.  It checks malloc()
	# for NULL, so a size it reads from a corrupt byte-swapped header gets
	# NULL, as from glibc, instead of an ASan abort; our code allocates
	# with g_malloc(), which still aborts on NULL, so nothing is hidden.
	trace-dat) echo -n :quarantine_size_mb=32:allocator_may_return_null=1 ;;
	*) echo -n :allocator_may_return_null=0 ;;
	esac
}

run_one() { # NAME
	local n=$1 log=$out/logs/$1.log scratch rc
	mkdir -p "$out/corpus/$n" "$out/crashes/$n"
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/acceptsim-fuzz-scratch.XXXXXX")
	[ -d /dev/shm ] && [ -w /dev/shm ] && scratch=$(mktemp -d /dev/shm/acceptsim-fuzz.XXXXXX)
	rc=0
	touch "$out/logs/$n.start"
	# shellcheck disable=SC2046
	TMPDIR=$scratch \
	ASAN_OPTIONS=$(asan_options "$n") \
	LSAN_OPTIONS=suppressions=$src/fuzz/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
		$build/fuzz/fuzz-$n $(options "$n") \
		-max_total_time="$secs" -timeout=10 -rss_limit_mb=2560 -malloc_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/crashes/$n/" \
		"$out/corpus/$n" "$seeds/$n" > "$log" 2>&1 || rc=$?
	rm -rf "$scratch"
	echo "$rc" > "$out/logs/$n.rc"
}

for n in $names; do
	make_seeds "$n"
done
echo "fuzz.sh: $(echo $names | wc -w) harnesses, $secs s each, $jobs at a time; output in $out" >&2

running=0
for n in $names; do
	( run_one "$n" ) 2>/dev/null &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait || true

status=0
{
	printf '%-18s %12s %8s %8s  %s\n' harness executions exec/s corpus result
	for n in $names; do
		log=$out/logs/$n.log
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
		corpus=$(find "$out/corpus/$n" -type f | wc -l)
		rc=$(cat "$out/logs/$n.rc")
		found=$(find "$out/crashes/$n" -type f -newer "$out/logs/$n.start" \
			\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
			head -1)
		if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
			result="FAILED (exit $rc) ${found:-see $log}"
			status=1
		else
			result=ok
		fi
		printf '%-18s %12s %8s %8s  %s\n' "$n" "${execs:-?}" "${speed:-?}" "$corpus" "$result"
	done
} | tee "$out/summary.txt"
grep -q FAILED "$out/summary.txt" && status=1
exit $status
