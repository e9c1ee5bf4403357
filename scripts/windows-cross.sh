#!/usr/bin/env bash
# Windows backend, built and exercised on Linux: installs the cross toolchain
# from Debian's packages when missing, cross-builds pawwork-supervisor and
# pawwork-fixture for x86_64-pc-windows-gnu (target-windows/), prepares a Wine
# prefix with the bcryptprimitives.dll stand-in (scripts/wine/), and runs the
# Windows lifecycle tests (crates/supervisor/tests/windows_lifecycle.rs)
# against the Windows binaries under Wine. Results are "Windows API under
# Wine 8.0", never "Windows". Idempotent: a second run rebuilds nothing that
# is up to date and reuses the prefix. Recipe: shared/windows-on-linux.md.
#
# Usage: bash scripts/windows-cross.sh [--build-only]
# To chase a flaky scenario: PAWWORK_WL_ONLY=name[,name] PAWWORK_WL_REPEAT=N
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=x86_64-pc-windows-gnu
TARGET_DIR=$ROOT/target-windows
SHIM_DIR=$TARGET_DIR/wine-shim
export WINEPREFIX=${PAWWORK_WINEPREFIX:-$TARGET_DIR/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
# Wine must not try to pop up dialogs or install Mono/Gecko in CI.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-"mscoree,mshtml="}
export DISPLAY=

START=$(date +%s)
step_start=$START
step() {
  local now
  now=$(date +%s)
  echo "windows-cross: [$((now - step_start))s] $1 done (total $((now - START))s)"
  step_start=$now
}

# 1. Toolchain: Debian's rustc-web/cargo-web (a second Rust at /usr/bin, kept
#    apart from rustup's by full paths), the std sources for -Zbuild-std, the
#    mingw linker, Wine.
need=()
[ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] || need+=(rustc-web cargo-web)
[ -d /usr/lib/rustlib/src/rust/library/std ] || need+=(rust-web-src)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64)
command -v wine >/dev/null 2>&1 && command -v wineserver >/dev/null 2>&1 || need+=(wine wine64)
if [ ${#need[@]} -gt 0 ]; then
  echo "windows-cross: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver64)
step "toolchain ($(/usr/bin/rustc --version), $(wine --version))"

# 2. Cross-build: std is compiled for the target from the Debian sources.
xcargo() {
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo "$@" \
    -Zbuild-std=std,panic_abort --target "$TARGET" --target-dir "$TARGET_DIR" \
    --config "target.$TARGET.linker=\"x86_64-w64-mingw32-gcc\"" \
    --config "target.$TARGET.runner=\"wine\""
}
xcargo build -q -p pawwork-fixture --bin pawwork-fixture
xcargo build -q -p pawwork-supervisor --bin pawwork-supervisor --test windows_lifecycle
step "cross-build (sidecar, fixture, lifecycle tests)"

# 3. The bcryptprimitives.dll stand-in: Rust's std imports ProcessPrng from
#    it and Wine 8.0 lacks it, so no Rust .exe would even load.
mkdir -p "$SHIM_DIR"
SHIM=$SHIM_DIR/bcryptprimitives.dll
if [ ! -f "$SHIM" ] || [ scripts/wine/bcryptprimitives.c -nt "$SHIM" ] || [ scripts/wine/bcryptprimitives.def -nt "$SHIM" ]; then
  x86_64-w64-mingw32-gcc -O2 -shared -o "$SHIM" scripts/wine/bcryptprimitives.c scripts/wine/bcryptprimitives.def -ladvapi32
fi
step "bcryptprimitives.dll shim"

# 4. The Wine prefix (created once, several seconds), with the shim in it.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  mkdir -p "$WINEPREFIX"
  wineboot -i >/dev/null 2>&1 || true
  "$WINESERVER" -w
fi
SYS32=$WINEPREFIX/drive_c/windows/system32
cmp -s "$SHIM" "$SYS32/bcryptprimitives.dll" || cp "$SHIM" "$SYS32/bcryptprimitives.dll"
step "wine prefix $WINEPREFIX"

if [ "${1:-}" = "--build-only" ]; then
  exit 0
fi

# 5. The lifecycle tests, under Wine. The host view of leaks goes through
#    files in a host directory the tests can reach as Z:.
export PAWWORK_HOST_TMP=$TARGET_DIR/host-tmp
mkdir -p "$PAWWORK_HOST_TMP"
status=0
xcargo test -q -p pawwork-supervisor --test windows_lifecycle || status=$?
step "lifecycle tests under Wine"

# 6. Host cross-check after the run: no fixture copy of any run may be left.
#    Then stop this prefix's wineserver so nothing keeps running.
sleep 0.5
left=$(ps -eo pid=,args= | grep -F 'pawwork-fixture-' | grep -v grep || true)
"$WINESERVER" -k 2>/dev/null || true
if [ -n "$left" ]; then
  echo "windows-cross: host process list still shows fixture processes after the run:"
  echo "$left"
  status=1
fi
rm -rf "$PAWWORK_HOST_TMP"
step "host cross-check and wineserver stop"
exit $status
