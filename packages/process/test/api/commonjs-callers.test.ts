// PawWork's desktop app has CommonJS modules (Electron's main process code among them): since Node 22.12
// they can `require()` an ES module, so they call this package the way they call any other, by name. Checked
// in a child process of this runtime, from a CommonJS script that resolves the package from the
// repository's node_modules as an installed dependency would (the workspace links it there), entries as
// built by `npm run build`.
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { test } from "node:test"
import { repoRoot } from "../support/binaries.js"

/** Node before 22.12 has no require() of an ES module; the package's `engines` admits no such Node. */
function requireEsmMissing(): string | null {
  if (process.versions.bun) return null
  const [major, minor] = (process.versions.node ?? "0.0").split(".").map(Number)
  return major! > 22 || (major === 22 && minor! >= 12) ? null : `Node ${process.versions.node} cannot require() an ES module (22.12 and later can)`
}

function requireFrom(entry: string): { status: number | null; output: string } {
  const script =
    `const m = require(${JSON.stringify(entry)}); ` +
    `console.log("loaded", Object.keys(m).filter((k) => k !== "__esModule" && k !== "module.exports").sort().join(","))`
  // Bun runs an -e script as CommonJS when it uses require; Node does so by default.
  const r = spawnSync(process.execPath, ["-e", script], { cwd: repoRoot, encoding: "utf8", timeout: 20_000 })
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

test("a CommonJS caller require()s the package and its Effect entry by name and gets what an import gets", { timeout: 60_000 }, async (t) => {
  const missing = requireEsmMissing()
  if (missing) return t.skip(missing)
  const main = requireFrom("@pawwork/process")
  assert.equal(main.status, 0, main.output)
  const imported = Object.keys(await import("@pawwork/process")).sort().join(",")
  assert.equal(main.output.trim(), `loaded ${imported}`)
  assert.match(imported, /(^|,)Process(,|$)/)
  const effect = requireFrom("@pawwork/process/effect")
  assert.equal(effect.status, 0, effect.output)
  assert.equal(effect.output.trim(), `loaded ${Object.keys(await import("@pawwork/process/effect")).sort().join(",")}`)
})
