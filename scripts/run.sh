#!/bin/sh
# Usage: scripts/run.sh [extra acceptsim compare options]
# Installs what is missing, builds (debugoptimized, cheap checks) and runs
# the default comparison: eager, lazy, watermark and background acceptance
# on the boot-kbuild scenario (a 4-CPU 16 GiB guest boots to the shell, then
# builds a kernel for a simulated minute), 5 seeds each, on all cores.  Prints the table.  Build directory: build/.
# Output: results/default/ (summary.txt, results.json, metrics/, plots/),
# written into a temporary directory and swapped in whole, so re-running
# replaces it cleanly and an interrupted run leaves the old one intact.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
if [ -d build ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
meson compile -C build >/dev/null

mkdir -p results
tmp=$(mktemp -d results/.default.XXXXXX)
old=""
trap 'rm -rf "$tmp" ${old:+"$old"}' EXIT
trap 'exit 130' INT TERM
out=$(build/acceptsim compare --scenario boot-kbuild \
	--config eager:policy=eager --config lazy:policy=lazy \
	--config watermark:policy=watermark --config background:policy=background \
	--runs 5 --out "$tmp" "$@")
if [ -d results/default ]; then
	old=$(mktemp -d results/.default-old.XXXXXX)
	mv results/default "$old/"
fi
mv "$tmp" results/default
printf '%s\n' "$out" | sed "s|$tmp|results/default|g"
echo
echo "Table: results/default/summary.txt; per-run data: results/default/results.json,"
echo "results/default/metrics/*.csv.  Plots (.png, .svg, with .gp + .dat to restyle):"
ls results/default/plots/*.png 2>/dev/null | sed 's/^/  /' || true
echo "Re-render: build/acceptsim plot results/default"
