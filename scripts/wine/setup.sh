# Sourced by scripts/windows-cross.sh and scripts/wine-matrix.sh: everything
# both need to run Windows binaries of this repository under Wine. Installs
# the cross toolchain from Debian's packages when missing, defines `xcargo`
# (cargo for x86_64-pc-windows-gnu with std built from Debian's sources),
# builds the bcryptprimitives.dll stand-in, and prepares the Wine prefix.
# Recipe: shared/windows-on-linux.md. Expects ROOT (the repository root).

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
  echo "$LOG_NAME: [$((now - step_start))s] $1 done (total $((now - START))s)"
  step_start=$now
}

# Debian's rustc-web/cargo-web (a second Rust at /usr/bin, kept apart from
# rustup's by full paths), the std sources for -Zbuild-std, the mingw linker,
# Wine.
wine_toolchain() {
  local need=()
  [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] || need+=(rustc-web cargo-web)
  [ -d /usr/lib/rustlib/src/rust/library/std ] || need+=(rust-web-src)
  command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64)
  command -v wine >/dev/null 2>&1 && command -v wineserver >/dev/null 2>&1 || need+=(wine wine64)
  if [ ${#need[@]} -gt 0 ]; then
    echo "$LOG_NAME: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver64)
  step "toolchain ($(/usr/bin/rustc --version), $(wine --version))"
}

# Cross-build: std is compiled for the target from the Debian sources.
xcargo() {
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo "$@" \
    -Zbuild-std=std,panic_abort --target "$TARGET" --target-dir "$TARGET_DIR" \
    --config "target.$TARGET.linker=\"x86_64-w64-mingw32-gcc\"" \
    --config "target.$TARGET.runner=\"wine\""
}

# The bcryptprimitives.dll stand-in (Rust's std imports ProcessPrng from it
# and Wine 8.0 lacks it, so no Rust .exe would even load), and the prefix
# (created once, several seconds) with the shim in it. The prefix reports
# Windows 10: Node.js refuses older versions, and it is what users run.
wine_prefix() {
  mkdir -p "$SHIM_DIR"
  local shim=$SHIM_DIR/bcryptprimitives.dll
  if [ ! -f "$shim" ] || [ "$ROOT/scripts/wine/bcryptprimitives.c" -nt "$shim" ] || [ "$ROOT/scripts/wine/bcryptprimitives.def" -nt "$shim" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -o "$shim" "$ROOT/scripts/wine/bcryptprimitives.c" "$ROOT/scripts/wine/bcryptprimitives.def" -ladvapi32
  fi
  step "bcryptprimitives.dll shim"
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    mkdir -p "$WINEPREFIX"
    wineboot -i >/dev/null 2>&1 || true
    "$WINESERVER" -w
  fi
  if ! grep -q '"ProductName"="Microsoft Windows 10' "$WINEPREFIX/system.reg"; then
    wine winecfg -v win10 >/dev/null 2>&1 || true
    "$WINESERVER" -w
  fi
  local sys32=$WINEPREFIX/drive_c/windows/system32
  cmp -s "$shim" "$sys32/bcryptprimitives.dll" || cp "$shim" "$sys32/bcryptprimitives.dll"
  step "wine prefix $WINEPREFIX"
}

# A host path as Wine's Z: drive sees it.
winpath() {
  printf 'Z:%s' "$(realpath -m "$1" | tr / '\\')"
}

# Processes of our Windows binaries still in the host's process list.
host_leftovers() {
  ps -eo pid=,args= | grep -F "$1" | grep -v grep || true
}

# The same, for every name given, after up to 3 s: Wine marks a terminated
# process dead before its host process has finished exiting (~100 ms seen
# under load), so a list taken at once can show a process that is going.
host_leftovers_after_grace() {
  local left=""
  for _ in $(seq 30); do
    left=$(for name in "$@"; do host_leftovers "$name"; done)
    [ -z "$left" ] && break
    sleep 0.1
  done
  printf '%s' "$left"
}
