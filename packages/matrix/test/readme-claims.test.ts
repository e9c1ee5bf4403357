import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { test } from "node:test"
import { repoRoot } from "../src/paths.js"

/*
 * The guarantees are only as good as the tests they name: every test, suite or scenario the README's
 * "Guarantees" table or the per-platform table of docs/reference/verification.md cites must exist, so a
 * renamed or deleted test cannot leave a claim standing on nothing. (Whether the test asserts exactly the
 * stated bound is read in review; this catches the claim that points nowhere.)
 */
const root = repoRoot()

/** The text of the section `heading` opens in `file`, up to the next section of the same level. */
function sectionOf(file: string, heading: string): string {
  const text = readFileSync(join(root, file), "utf8")
  const start = text.indexOf(`${heading}\n`)
  assert.ok(start >= 0, `${file} has no "${heading}" section`)
  const end = text.indexOf("\n## ", start + 1)
  return text.slice(start, end < 0 ? undefined : end)
}

const readme = sectionOf("README.md", "## Guarantees")
const perPlatform = sectionOf(join("docs", "reference", "verification.md"), "## Guarantees, per platform, and the test that proves each")
const section = `${readme}\n${perPlatform}`

function sources(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".rs"))
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n")
}

test("both guarantee tables cite tests", () => {
  assert.match(readme, /`[a-z_]+::/)
  assert.match(perPlatform, /`[a-z_]+::/)
})

test("every integration test the guarantees cite exists (`module::name`, or `module::*` for a whole file)", () => {
  const it = join(root, "crates", "supervisor", "tests", "integration")
  const cited = [...section.matchAll(/`([a-z_]+)::([a-z_*]+)`/g)]
  assert.ok(cited.length >= 5, `only ${cited.length} citations found`)
  for (const [, module, name] of cited) {
    const file = join(it, `${module}.rs`)
    assert.ok(existsSync(file), `README cites ${module}::${name}, but ${file} does not exist`)
    if (name !== "*") assert.match(readFileSync(file, "utf8"), new RegExp(`fn ${name}\\(`), `README cites ${module}::${name}`)
  }
})

test("every Windows lifecycle scenario the guarantees cite exists", () => {
  const lifecycle = sources(join(root, "crates", "supervisor", "tests", "windows_lifecycle"))
  const cited = [...section.matchAll(/`windows_lifecycle` ([a-z_]+(?:, [a-z_]+)*)/g)]
    .flatMap((m) => m[1]!.split(", "))
    .filter((name) => name !== "scenarios")
  assert.ok(cited.length >= 5, `only ${cited.length} scenarios cited`)
  for (const name of cited) {
    // A scenario is cited by its function or by the name it reports under.
    assert.ok(lifecycle.includes(`fn ${name}(`) || lifecycle.includes(`"${name}"`), `README cites windows_lifecycle ${name}`)
  }
})

test("every file the guarantees cite exists", () => {
  for (const [, path] of section.matchAll(/`((?:packages|crates)\/[^`]+)`/g)) {
    assert.ok(existsSync(join(root, path!)), `README cites ${path}, which does not exist`)
  }
})

// issue 15, finding 10: an empty test target counted as a passed one. windows_lifecycle runs nothing off
// Windows, so it must stay out of a plain `cargo test` (and npm test names it where it runs).
test("windows_lifecycle is not part of a plain cargo test", () => {
  const r = spawnSync("cargo", ["metadata", "--format-version", "1", "--no-deps", "--offline"], { cwd: root, encoding: "utf8" })
  assert.equal(r.status, 0, `cargo metadata failed: ${r.stderr}`)
  const meta = JSON.parse(r.stdout) as { packages: Array<{ targets: Array<{ name: string; test: boolean }> }> }
  const target = meta.packages.flatMap((p) => p.targets).find((t) => t.name === "windows_lifecycle")
  assert.ok(target, "no windows_lifecycle target")
  assert.equal(target.test, false)
})
