#!/usr/bin/env bash
# Windows backend, built and exercised on Linux: installs the cross toolchain
# from Debian's packages when missing, cross-builds pawwork-supervisor and
# pawwork-fixture for x86_64-pc-windows-gnu (target-windows/), prepares a Wine
# prefix with the bcryptprimitives.dll stand-in (scripts/wine/), runs the
# Windows lifecycle tests (crates/supervisor/tests/windows_lifecycle.rs)
# against the Windows binaries under Wine, then the scenario matrix under Wine
# (scripts/wine-matrix.sh). Results are "Windows API under Wine 8.0", never
# "Windows". Idempotent: a second run rebuilds nothing that is up to date and
# reuses the prefix. Recipe: shared/windows-on-linux.md.
#
# Usage: bash scripts/windows-cross.sh [--build-only | --no-matrix]
# To chase a flaky scenario: PAWWORK_WL_ONLY=name[,name] PAWWORK_WL_REPEAT=N
# Matrix runs per cell: PAWWORK_WINE_MATRIX_RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOG_NAME=windows-cross
# shellcheck source=wine/setup.sh
. scripts/wine/setup.sh

wine_toolchain
xcargo build -q -p pawwork-fixture --bin pawwork-fixture
xcargo build -q -p pawwork-supervisor --bin pawwork-supervisor --test windows_lifecycle
step "cross-build (sidecar, fixture, lifecycle tests)"
wine_prefix

if [ "${1:-}" = "--build-only" ]; then
  exit 0
fi

# The lifecycle tests, under Wine. The host view of leaks goes through files
# in a host directory the tests can reach as Z:.
export PAWWORK_HOST_TMP=$TARGET_DIR/host-tmp
mkdir -p "$PAWWORK_HOST_TMP"
status=0
xcargo test -q -p pawwork-supervisor --test windows_lifecycle || status=$?
step "lifecycle tests under Wine"

# Host cross-check after the run: no fixture copy of any run may be left.
# Then stop this prefix's wineserver so nothing keeps running.
left=$(host_leftovers_after_grace 'pawwork-fixture-')
"$WINESERVER" -k 2>/dev/null || true
if [ -n "$left" ]; then
  echo "windows-cross: host process list still shows fixture processes after the run:"
  echo "$left"
  status=1
fi
rm -rf "$PAWWORK_HOST_TMP"
step "host cross-check and wineserver stop"

if [ "${1:-}" != "--no-matrix" ]; then
  bash scripts/wine-matrix.sh --runs "${PAWWORK_WINE_MATRIX_RUNS:-3}" || status=1
fi
exit $status
