import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { before, test } from "node:test"
import { runAndReport } from "../src/cli.js"
import { e2eOptions, progressOut } from "./helpers/e2e.js"
import { findScenario } from "../src/scenarios/index.js"
import { repoRoot } from "../src/paths.js"
import { analyze } from "../src/report/analysis.js"
import { readResults } from "../src/report/json.js"
import { bunPath } from "../src/runtime.js"
import { EMPTY_REGISTER } from "../src/flakes.js"
import type { BackendName, Cell, Results, RuntimeName } from "../src/types.js"

/*
 * The matrix under both runtimes, in short: a few scenarios, 2 runs per cell, against the real release
 * binaries and the pinned Bun. The Bun cells must really come from a Bun process, the comparison backend
 * must stay Node-only, and terminate-foreign must hold its expectations under both runtimes.
 */

const RUNS = 2
const root = repoRoot()
const out = join(root, "report", "e2e-runtime")
const SCENARIOS = ["terminate-foreign", "spawn-during-cancel", "negative-control"].map((n) => findScenario(n)!)
const BACKENDS: BackendName[] = ["baseline", "baseline-detached", "supervisor", "execa"]
const SHIPPED: BackendName[] = ["baseline", "baseline-detached", "supervisor"]
let results: Results


before(async () => {
  rmSync(out, { recursive: true, force: true })
  await runAndReport(
    e2eOptions({
      runs: RUNS,
      scenarios: SCENARIOS,
      backends: BACKENDS,
      runtimes: ["node", "bun"],
      out,
      // No retries: a failure here is a failure.
      flakes: EMPTY_REGISTER,
    }),
    progressOut,
  )
  results = readResults(join(out, "results.json"))
}, { timeout: 10 * 60 * 1000 })

const cell = (scenario: string, backend: BackendName, runtime: RuntimeName): Cell => {
  const found = results.cells.filter((c) => c.scenario === scenario && c.backend === backend && c.runtime === runtime)
  assert.equal(found.length, 1, `${scenario} x ${backend} under ${runtime}`)
  return found[0]!
}
const why = (c: Cell) => `${c.passed}/${c.runs} (${c.not_run_reason ?? c.failures.map((f) => f.reason).join("; ")})`

test("the Bun cells come from the pinned Bun, every shipped backend ran under both, the peer under Node only", () => {
  const pinned = spawnSync(bunPath(root), ["--version"], { encoding: "utf8" }).stdout.trim()
  assert.deepEqual(results.runtimes.map((r) => [r.name, r.backends]), [["node", BACKENDS], ["bun", SHIPPED]])
  assert.equal(results.runtimes[1]!.version, pinned, "the worker reported the Bun version it ran under")
  assert.equal(results.runtimes[0]!.version, process.versions.node)
  assert.equal(results.cells.length, SCENARIOS.length * (BACKENDS.length + SHIPPED.length))
  for (const f of SCENARIOS) {
    for (const b of SHIPPED) for (const rt of ["node", "bun"] as const) assert.equal(cell(f.name, b, rt).runs, RUNS, `${f.name} x ${b} under ${rt}: ${why(cell(f.name, b, rt))}`)
    assert.equal(results.cells.filter((c) => c.backend === "execa" && c.runtime === "bun").length, 0)
    assert.equal(cell(f.name, "execa", "node").runs, RUNS)
  }
})

test("terminate-foreign: the baseline's snapshot misses the newcomer under both runtimes", () => {
  for (const rt of ["node", "bun"] as const) {
    const c = cell("terminate-foreign", "baseline", rt)
    assert.equal(c.failed, RUNS, `${rt}: ${why(c)}`)
    // The scenario took place in every run: the newcomer was born and it is what leaked.
    assert.deepEqual(c.failures, [{ reason: "leaked: grandchild", count: RUNS }], rt)
  }
})

// Needs the sidecar's `terminate` request (the supervisor's terminateTree of a pid it did not spawn):
// without it the sidecar answers bad_request and every run fails as "terminateTree rejected".
test("terminate-foreign: the supervisor ends the foreign tree, newcomer included, under both runtimes", () => {
  for (const rt of ["node", "bun"] as const) {
    const c = cell("terminate-foreign", "supervisor", rt)
    assert.equal(c.passed, RUNS, `${rt}: ${why(c)}`)
  }
})

test("spawn-during-cancel passes on the supervisor and the negative control flags its leak, under both runtimes", () => {
  for (const rt of ["node", "bun"] as const) {
    const sup = cell("spawn-during-cancel", "supervisor", rt)
    assert.equal(sup.passed, RUNS, `${rt}: ${why(sup)}`)
    for (const b of SHIPPED) {
      const control = cell("negative-control", b, rt)
      assert.equal(control.passed, RUNS, `${b} under ${rt}: ${why(control)}`)
      assert.ok(control.leaked_pids >= RUNS, `${b} under ${rt}: the planted leftovers are counted`)
    }
  }
})

test("REPORT.md and index.html show both runtimes, and the verdict names exactly the cells the runtime changes", () => {
  const md = readFileSync(join(out, "REPORT.md"), "utf8")
  assert.ok(md.includes("| scenario | baseline (Node) | baseline (Bun) | baseline-detached (Node) | baseline-detached (Bun) | supervisor (Node) | supervisor (Bun) | execa (Node) |"))
  const { runtimeDiffs } = analyze(results)
  const verdict = md.slice(md.indexOf("## Verdict"), md.indexOf("## Results"))
  if (runtimeDiffs.length === 0) assert.match(verdict, /The runtime changes no result/)
  else for (const d of runtimeDiffs) assert.ok(verdict.includes(`${d.backend} × ${d.scenario}: Node`), `${d.backend} x ${d.scenario} named`)
  assert.match(verdict, /The comparison backends \(execa\) were measured under Node only/)
  const html = readFileSync(join(out, "index.html"), "utf8")
  assert.ok(html.includes('data-scenario="terminate-foreign" data-backend="supervisor" data-runtime="bun"'))
})
