#!/bin/sh
# Usage: scripts/run.sh [extra acceptsim run options]
# Installs what is missing, builds (debugoptimized, cheap checks) and runs
# the main job on the built-in default scenario.  Build directory: build/.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
if [ -d build ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
meson compile -C build >/dev/null
exec build/acceptsim run --workload random --mem 4G --cpus 4 --seed 1 "$@"
