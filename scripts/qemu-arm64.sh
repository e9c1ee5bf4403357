#!/usr/bin/env bash
# Runs the linux-arm64 platform package's binary (artifacts/npm/, from `npm run pack`) under Debian's
# qemu-user: packaging/test/arm64-qemu.test.mjs. Installs qemu-user-static when missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v qemu-aarch64-static >/dev/null 2>&1; then
  echo "qemu-arm64: installing qemu-user-static"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends qemu-user-static >/dev/null
fi
echo "qemu-arm64: $(qemu-aarch64-static --version | head -1)"
exec node --test --test-concurrency=1 packaging/test/arm64-qemu.test.mjs
