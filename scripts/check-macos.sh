#!/usr/bin/env bash
# Type-checks the Rust crates for macOS (x86_64 and aarch64) on this Linux
# machine, so the Unix backend's cfg discipline is proven by the compiler
# rather than assumed. rustup cannot fetch another target's std here, so
# Debian's Rust (with its std source) builds std for the target: check only,
# no linker needed. Nothing here runs macOS code; see the README's Platforms.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/rustc ] || [ ! -x /usr/bin/cargo ] || [ ! -d /usr/lib/rustlib/src/rust/library ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "check-macos: needs Debian's rustc-web cargo-web rust-web-src (run as root to install them)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src
fi

for target in x86_64-apple-darwin aarch64-apple-darwin; do
  echo "check-macos: cargo check --target $target"
  # -D warnings: dead code on one platform is a cfg mistake worth failing on.
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS="-D warnings" CARGO_TARGET_DIR="$PWD/target-macos" \
    /usr/bin/cargo check -q -Zbuild-std=std,panic_abort --target "$target" \
    -p pawwork-supervisor -p pawwork-fixture
done
echo "check-macos: both macOS targets type-check"
