#!/bin/sh
# Usage: scripts/test.sh
# Installs what is missing, builds with the level-2 invariant checks and
# runs the whole CUnit suite; then builds again under AddressSanitizer and
# UndefinedBehaviorSanitizer and runs the suite there too.
# Build directories: build-test/, build-asan/.  Exit status: meson test's.
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
