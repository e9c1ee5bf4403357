// `effect` is an optional peer: only the `./effect` subpath may load it. Checked by loading the compiled
// entries in a child process (this runtime: Node or Bun) from a copy whose node_modules holds every
// installed package but `effect` and `@effect/*`: the main entry must load there, and the Effect entry must
// fail to, naming `effect` (the control, showing that a load of `effect` would be caught).
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { after, test } from "node:test"
import { fileURLToPath } from "node:url"
import { repoRoot } from "../support/binaries.js"

const compiledSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src")
const dir = mkdtempSync(path.join(os.tmpdir(), "pawwork-effect-entry-"))
after(() => rmSync(dir, { recursive: true, force: true }))

function withoutEffect(): string {
  cpSync(compiledSrc, path.join(dir, "src"), { recursive: true })
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }))
  const modules = path.join(dir, "node_modules")
  mkdirSync(modules)
  // Symlinks resolve to the real packages, whose own dependencies then resolve from the real tree.
  for (const name of readdirSync(path.join(repoRoot, "node_modules"))) {
    if (name === "effect" || name === "@effect" || name.startsWith(".")) continue
    symlinkSync(path.join(repoRoot, "node_modules", name), path.join(modules, name))
  }
  return dir
}

function load(entry: string): { status: number | null; output: string } {
  const script = `import(${JSON.stringify(entry)}).then((m) => console.log("loaded", Object.keys(m).sort().join(",")), (e) => { console.log("failed", String(e && e.message)); process.exit(3) })`
  const r = spawnSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8", timeout: 20_000 })
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

test("the main entry loads without `effect` installed; the ./effect entry needs it", { timeout: 60_000 }, () => {
  const root = withoutEffect()
  const main = load(path.join(root, "src", "index.js"))
  assert.equal(main.status, 0, main.output)
  assert.match(main.output, /^loaded .*Process/m)
  const effect = load(path.join(root, "src", "effect", "index.js"))
  assert.equal(effect.status, 3, effect.output)
  assert.match(effect.output, /Cannot find (package|module) ['"]effect['"]/)
})
