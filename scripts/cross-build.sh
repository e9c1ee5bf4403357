#!/usr/bin/env bash
# Cross-builds the pawwork-supervisor binary of every platform package
# (packaging/platforms.json) on this Linux machine, into
# target-cross/bin/<key>/. rustup cannot fetch another target's standard
# library here, so Debian's Rust builds std for the target (-Zbuild-std, as in
# shared/windows-on-linux.md), linked by:
#   - zig (the PyPI packages ziglang and cargo-zigbuild, pinned below, in a
#     venv under target-cross/): Linux musl, statically linked, and macOS;
#   - Debian's mingw-w64 (scripts/wine/setup.sh's xcargo): Windows x64.
# Everything is installed by this script when missing (Debian packages via
# apt-get, the two PyPI packages via pip). zig's linker ad-hoc signs the macOS
# arm64 binary (checked below: Apple silicon refuses unsigned arm64 code; x86_64
# code runs unsigned, and zig signs none). The macOS binaries are first run by
# the release workflow's macOS jobs, never here.
#
# Usage: bash scripts/cross-build.sh [KEY...]   (default: every platform)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target-cross
LOG_NAME=cross-build
ZIGLANG_VERSION=0.17.0
CARGO_ZIGBUILD_VERSION=0.24.0

START=$(date +%s)
step_start=$START
step() {
  local now
  now=$(date +%s)
  echo "$LOG_NAME: [$((now - step_start))s] $1 (total $((now - START))s)"
  step_start=$now
}

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
apt_install() {
  echo "$LOG_NAME: installing $*"
  # Another job may hold the dpkg lock for a moment: wait for it rather than fail.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null
}

toolchain() {
  local need=()
  [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] || need+=(rustc-web cargo-web)
  [ -d /usr/lib/rustlib/src/rust/library/std ] || need+=(rust-web-src)
  command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
  if [ "$WANT_MINGW" = 1 ]; then
    command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64)
  fi
  if [ ${#need[@]} -gt 0 ]; then apt_install "${need[@]}"; fi
  local venv=$OUT/zig-venv
  if [ ! -x "$venv/bin/cargo-zigbuild" ] || ! "$venv/bin/python" -m pip show ziglang 2>/dev/null | grep -qx "Version: $ZIGLANG_VERSION"; then
    python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION"
  fi
  ZIG_PATH=$venv/bin
  step "toolchain: $(/usr/bin/rustc --version), ziglang $ZIGLANG_VERSION, cargo-zigbuild $CARGO_ZIGBUILD_VERSION"
}

# cargo-zigbuild runs `cargo` from PATH: Debian's, ahead of rustup's. For musl, rustc would link its own
# "self-contained" C runtime objects, which only rustup's prebuilt std ships: zig brings its own instead.
zig_build() {
  local target=$1 strip=$2 flags=""
  case "$target" in *-musl) flags="-C link-self-contained=no" ;; esac
  PATH="$ZIG_PATH:/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    CARGO_PROFILE_RELEASE_STRIP=$strip RUSTFLAGS="$flags" \
    cargo-zigbuild zigbuild -q --release --locked -p pawwork-supervisor --bin pawwork-supervisor \
    -Zbuild-std=std,panic_abort --target "$target" --target-dir "$OUT/cargo"
}

build_one() {
  local key=$1 target=$2 route=$3 exe=pawwork-supervisor
  case "$key" in win32-*) exe=pawwork-supervisor.exe ;; esac
  case "$route" in
    zig)
      # Debian's Rust has no rust-objcopy, which rustc's own strip uses for Mach-O: strip nothing there.
      case "$key" in darwin-*) zig_build "$target" false ;; *) zig_build "$target" symbols ;; esac
      local built=$OUT/cargo/$target/release/$exe
      ;;
    mingw)
      # scripts/wine/setup.sh's xcargo: the cross-build windows-cross.sh makes, in release.
      # shellcheck source=wine/setup.sh
      (. scripts/wine/setup.sh && xcargo build -q --release --locked -p pawwork-supervisor --bin pawwork-supervisor)
      local built=$ROOT/target-windows/$target/release/$exe
      ;;
    *) echo "$LOG_NAME: unknown route $route for $key" >&2; return 1 ;;
  esac
  mkdir -p "$OUT/bin/$key"
  cp "$built" "$OUT/bin/$key/$exe"
  node scripts/check-binary.mjs "$key" "$OUT/bin/$key/$exe"
  step "$key ($target, $route)"
}

mapfile -t rows < <(node -e '
  const { platforms } = JSON.parse(require("fs").readFileSync("packaging/platforms.json", "utf8"));
  const wanted = process.argv.slice(1);
  const unknown = wanted.filter((k) => !platforms.some((p) => p.key === k));
  if (unknown.length) { console.error(`cross-build: unknown platform ${unknown.join(", ")}`); process.exit(2); }
  for (const p of platforms) if (wanted.length === 0 || wanted.includes(p.key)) console.log(`${p.key} ${p.target} ${p.route}`);
' "$@")

WANT_MINGW=0
case " ${rows[*]} " in *" mingw "*) WANT_MINGW=1 ;; esac
toolchain
for row in "${rows[@]}"; do
  # shellcheck disable=SC2086
  build_one $row
done
echo "$LOG_NAME: ${#rows[@]} binaries in target-cross/bin/ (total $(( $(date +%s) - START ))s)"
