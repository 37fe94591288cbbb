#!/bin/sh
# Usage: scripts/test.sh
# Installs what is missing, builds with the level-2 invariant checks and
# runs the whole CUnit suite; then builds again under AddressSanitizer and
# UndefinedBehaviorSanitizer and runs the suite there too; then the unit
# suite under valgrind, and every fuzzer of fuzz/ for a minute.
# Build directories: build-test/, build-asan/, build-fuzz/.  Exit status:
# the first failing step's.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh

setup() {
	dir=$1; shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	meson compile -C "$dir"
}

setup build-test -Ddebug_checks=2 -Dtests=enabled --werror
meson test -C build-test --print-errorlogs

setup build-asan -Ddebug_checks=2 -Dtests=enabled -Db_sanitize=address,undefined \
	-Db_lundef=false --werror
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C build-asan --print-errorlogs

# The unit suite under valgrind memcheck (uninitialised reads, leaks) in the
# level-2 build; tests/valgrind.supp holds leaks of libraries we do not build.
VALGRIND_OPTS="--suppressions=$PWD/tests/valgrind.supp" \
	meson test -C build-test --setup=valgrind --suite unit --print-errorlogs

# Every libFuzzer harness of fuzz/ for 60 s, two at a time (clang, ASan and
# UBSan, in build-fuzz/); crashes are kept under ${TMPDIR:-/tmp}/acceptsim-fuzz.
scripts/fuzz.sh -j 2 60
