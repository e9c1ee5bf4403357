import assert from "node:assert/strict"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { test } from "node:test"
import { binaryPath, repoRoot } from "../src/paths.js"

test("the repository root is the Cargo workspace above this package", () => {
  const root = repoRoot()
  assert.ok(existsSync(join(root, "Cargo.toml")) && existsSync(join(root, "packages", "harness")), root)
})

test("a binary's variable wins over the builds; without it the first built profile is taken", () => {
  const saved = process.env.PAWWORK_FIXTURE_PATH
  try {
    process.env.PAWWORK_FIXTURE_PATH = "/somewhere/pawwork-fixture"
    assert.equal(binaryPath("pawwork-fixture", ["debug", "release"]), "/somewhere/pawwork-fixture")
    delete process.env.PAWWORK_FIXTURE_PATH
    const root = join(repoRoot(), "no-such-checkout")
    assert.equal(binaryPath("pawwork-fixture", ["debug", "release"], root), join(root, "target", "debug", `pawwork-fixture${process.platform === "win32" ? ".exe" : ""}`), "none built: the first profile")
  } finally {
    if (saved === undefined) delete process.env.PAWWORK_FIXTURE_PATH
    else process.env.PAWWORK_FIXTURE_PATH = saved
  }
})
