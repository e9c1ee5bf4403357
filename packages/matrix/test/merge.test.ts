import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { cellText, disagreements, findResultFiles, mergedMarkdown, mergeResults, type MergedResults } from "../src/merge.js"
import { repoRoot } from "../src/paths.js"
import type { Results } from "../src/types.js"
import { leaked, record, syntheticResults } from "./helpers/synthetic.js"

const dir = mkdtempSync(join(tmpdir(), "matrix-merge-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

function on(os: string, results: Results, wine = false): Results {
  results.platform = { ...results.platform, os, under_wine: wine, label: `${wine ? "Windows API under Wine" : os} test machine` }
  return results
}

// Linux as designed; macOS where the supervisor leaks the daemon (process groups only); Windows running only tree-deep.
const linux = () => on("linux", syntheticResults(4))
const darwin = () => on("darwin", syntheticResults(4, (f, b) => (f === "daemon-escape" && b === "supervisor" ? [leaked(0, "daemon"), record(1), record(2), record(3)] : undefined)))
const win32 = () => on("win32", syntheticResults(4, (f) => (f === "tree-deep" ? undefined : "not run")))

function three(): MergedResults {
  return mergeResults(
    [
      { file: "w/results.json", results: win32() },
      { file: "l/results.json", results: linux() },
      { file: "d/results.json", results: darwin() },
    ],
    ["linux", "darwin", "win32"],
    new Date("2026-05-02T00:00:00Z"),
  )
}

test("every cell of every platform is kept, with its platform and its own numbers", () => {
  const m = three()
  assert.deepEqual(m.platforms, ["linux", "darwin", "win32"], "the expected order, not the input order")
  assert.deepEqual(m.missing, [])
  const l = linux()
  assert.equal(m.cells.length, 3 * l.cells.length)
  for (const p of m.platforms) assert.equal(m.cells.filter((c) => c.platform === p).length, l.cells.length, p)
  const sup = m.cells.find((c) => c.platform === "darwin" && c.scenario === "daemon-escape" && c.backend === "supervisor")!
  assert.deepEqual([sup.runs, sup.passed, sup.failed, sup.leaked_pids], [4, 3, 1, 1])
  assert.deepEqual(sup.failures, [{ reason: "leaked: daemon", count: 1 }])
  const skipped = m.cells.find((c) => c.platform === "win32" && c.scenario === "tree-wide")!
  assert.deepEqual([skipped.runs, skipped.not_run, skipped.not_run_reason], [0, 4, "synthetic: not here"])
})

test("a scenario x backend whose verdict differs between platforms is called out; not-run cells never count", () => {
  const split = disagreements(three())
  assert.deepEqual(split.map((d) => `${d.scenario} x ${d.backend}`), ["daemon-escape x supervisor"])
  assert.deepEqual(split[0]!.cells.map((c) => c.platform), ["linux", "darwin"], "win32 did not run it")
})

test("REPORT.md has a column per platform, the machines, the disagreement, failures and not-run reasons", () => {
  const md = mergedMarkdown(three())
  assert.ok(md.includes("| scenario | backend | linux | darwin | win32 |"))
  assert.ok(md.includes("- **darwin**: darwin test machine; 4 runs per cell"))
  assert.ok(md.includes("| daemon-escape | supervisor | 4/4 | 3/4 · 1 leaked | not run |"))
  assert.ok(md.includes("- **daemon-escape x supervisor**: linux 4/4, darwin 3/4"))
  assert.ok(md.includes("leaked: daemon (1/4)"))
  assert.match(md, /\*\*win32: synthetic: not here\*\* — \d+ cell\(s\): tree-wide x baseline/)
})

test("a platform without results is listed as missing, not dropped", () => {
  const m = mergeResults([{ file: "l/results.json", results: linux() }], ["linux", "darwin", "win32"])
  assert.deepEqual(m.missing.map((x) => x.platform), ["darwin", "win32"])
  assert.deepEqual(m.platforms, ["linux"])
  assert.ok(mergedMarkdown(m).includes("- **darwin: missing**"))
})

test("Wine is its own platform, and two results of one platform are refused", () => {
  const m = mergeResults([{ file: "a", results: on("win32", syntheticResults(2), true) }, { file: "b", results: win32() }], [])
  assert.deepEqual(m.platforms, ["win32", "wine"].sort())
  assert.throws(() => mergeResults([{ file: "a", results: linux() }, { file: "b", results: linux() }], []), /two results for platform linux: a and b/)
})

test("cell text: passed/runs, flaky with its register id, leaks and bytes; not run", () => {
  const base = three().cells[0]!
  assert.equal(cellText({ ...base, runs: 5, passed: 3, flaky: 1, flake_id: "wine-half-started", leaked_pids: 2, bytes_lost: 10 }), "3/5 · 1 flaky (wine-half-started) · 2 leaked · 10 B lost")
  assert.equal(cellText({ ...base, runs: 0 }), "not run")
  assert.equal(cellText(undefined), "—")
})

function writeResults(path: string, r: Results): void {
  mkdirSync(join(path, ".."), { recursive: true })
  writeFileSync(path, JSON.stringify(r))
}

test("artifact folders: each one's results.json is found, a test run's report/e2e/ below it is not", () => {
  const artifacts = join(dir, "artifacts")
  writeResults(join(artifacts, "report-linux", "results.json"), linux())
  writeResults(join(artifacts, "report-linux", "e2e", "results.json"), linux())
  writeResults(join(artifacts, "report-darwin", "results.json"), darwin())
  assert.deepEqual(findResultFiles([artifacts]), [join(artifacts, "report-darwin", "results.json"), join(artifacts, "report-linux", "results.json")])
  assert.deepEqual(findResultFiles([join(artifacts, "report-linux")]), [join(artifacts, "report-linux", "results.json")])
  assert.throws(() => findResultFiles([join(dir, "nowhere")]), /no such file/)
})

test("scripts/merge-reports.mjs writes both files and fails (after writing) when an expected platform is missing", () => {
  const artifacts = join(dir, "script-artifacts")
  writeResults(join(artifacts, "report-linux", "results.json"), linux())
  writeResults(join(artifacts, "report-win32", "results.json"), win32())
  const script = join(repoRoot(), "scripts", "merge-reports.mjs")
  const out = join(dir, "merged")
  const ok = spawnSync(process.execPath, [script, "--out", out, "--expect", "linux,win32", artifacts], { encoding: "utf8" })
  assert.equal(ok.status, 0, ok.stderr)
  const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as MergedResults
  assert.deepEqual(json.platforms, ["linux", "win32"])
  assert.ok(json.cells.every((c) => typeof c.platform === "string"))
  assert.ok(existsSync(join(out, "REPORT.md")))

  const out2 = join(dir, "merged-missing")
  const missing = spawnSync(process.execPath, [script, "--out", out2, "--expect", "linux,darwin,win32", artifacts], { encoding: "utf8" })
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /missing darwin/)
  assert.ok(readFileSync(join(out2, "REPORT.md"), "utf8").includes("darwin: missing"))
})
