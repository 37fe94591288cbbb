#!/bin/sh
# Usage: scripts/deps.sh
# Installs the Debian 12 packages acceptsim needs to build, test and plot,
# if any is missing.  As root it runs apt-get; otherwise it prints the
# command to run and fails.
set -eu

PKGS="meson ninja-build pkg-config gcc clang libc6-dev libglib2.0-dev
libjson-glib-dev libcunit1-dev libgsl-dev libtracecmd-dev libtraceevent-dev
libtracefs-dev libzstd-dev zlib1g-dev libjemalloc-dev gnuplot-nox trace-cmd
parallel valgrind libclang-rt-14-dev fonts-dejavu-core time"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; run: sudo apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
