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
import { resolveRuntime } from "@pawwork/harness"
import { defaultRuntimes } from "../src/cli.js"
import { engineNotes, satisfies } from "../src/engines.js"
import { columns, runtimeName } from "../src/report/columns.js"
import { EMPTY_REGISTER } from "../src/flakes.js"
import type { BackendName, Cell, Results, RuntimeName } from "../src/types.js"

/*
 * The matrix under its default runtimes (on Linux x64 the pinned Node 22 and Node 24, and Bun), in short: a
 * few scenarios, 2 runs per cell, against the real release binaries. Every cell must really come from the
 * runtime it is labelled with (a process of that runtime, which reports its own version), the comparison
 * backends must run under one Node their packages admit (so Effect's spawner gets no note about engines),
 * and terminate-foreign must hold its expectations under every runtime.
 */

const RUNS = 2
const root = repoRoot()
const out = join(root, "report", "e2e-runtime")
const SCENARIOS = ["terminate-foreign", "spawn-during-cancel", "negative-control"].map((n) => findScenario(n)!)
const BACKENDS: BackendName[] = ["baseline", "baseline-detached", "supervisor", "execa", "effect"]
const SHIPPED: BackendName[] = ["baseline", "baseline-detached", "supervisor"]
const PEERS: BackendName[] = ["execa", "effect"]
let results: Results
let RUNTIMES: RuntimeName[]
/** The Node the peers run on: the newest of the run. */
let PEER_NODE: RuntimeName

before(async () => {
  rmSync(out, { recursive: true, force: true })
  RUNTIMES = await defaultRuntimes(root)
  PEER_NODE = RUNTIMES.filter((rt) => rt !== "bun").at(-1)!
  await runAndReport(
    e2eOptions({
      runs: RUNS,
      scenarios: SCENARIOS,
      backends: BACKENDS,
      runtimes: null,
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

test("every cell comes from the runtime it is labelled with; shipped backends ran under each, the peers under one Node", async () => {
  const pinnedBun = spawnSync(bunPath(root), ["--version"], { encoding: "utf8" }).stdout.trim()
  assert.deepEqual(results.runtimes.map((r) => [r.name, r.backends]), RUNTIMES.map((rt) => [rt, rt === PEER_NODE ? BACKENDS : SHIPPED]))
  for (const info of results.runtimes) {
    const want = info.name === "bun" ? pinnedBun : info.name === "node" ? process.versions.node : (await resolveRuntime(root, info.name)) as { version: string }
    assert.equal(info.version, typeof want === "string" ? want : want.version, `${info.name}: the version its worker reported`)
    for (const c of results.cells.filter((x) => x.runtime === info.name)) assert.equal(c.runtime_version, info.version, `${c.scenario} x ${c.backend}`)
  }
  assert.equal(results.cells.length, SCENARIOS.length * (SHIPPED.length * RUNTIMES.length + PEERS.length))
  for (const f of SCENARIOS) {
    for (const b of SHIPPED) for (const rt of RUNTIMES) assert.equal(cell(f.name, b, rt).runs, RUNS, `${f.name} x ${b} under ${rt}: ${why(cell(f.name, b, rt))}`)
    for (const b of PEERS) {
      assert.equal(results.cells.filter((c) => c.backend === b && c.runtime !== PEER_NODE).length, 0, `${b} under ${PEER_NODE} only`)
      assert.equal(cell(f.name, b, PEER_NODE).runs, RUNS)
    }
  }
})

test("Effect's spawner ran on a Node its packages declare, so the report has no note about engines", () => {
  const declared = results.backend_packages?.effect ?? []
  assert.ok(declared.length > 0 && declared.every((p) => p.version !== null && p.node !== null), JSON.stringify(declared))
  const version = results.runtimes.find((r) => r.name === PEER_NODE)!.version
  for (const p of declared) assert.equal(satisfies(version, p.node!), true, `${p.name} declares ${p.node}; ran on ${version}`)
  assert.deepEqual(engineNotes(results), {})
  assert.doesNotMatch(readFileSync(join(out, "REPORT.md"), "utf8"), /Beside the `effect` column/)
})

test("terminate-foreign: the baseline's snapshot misses the newcomer under every runtime", () => {
  for (const rt of RUNTIMES) {
    const c = cell("terminate-foreign", "baseline", rt)
    assert.equal(c.failed, RUNS, `${rt}: ${why(c)}`)
    // The scenario took place in every run: the newcomer was born and it is what leaked.
    assert.deepEqual(c.failures, [{ reason: "leaked: grandchild", count: RUNS }], rt)
  }
})

// Needs the sidecar's `terminate` request (the supervisor's terminateTree of a pid it did not spawn):
// without it the sidecar answers bad_request and every run fails as "terminateTree rejected".
test("terminate-foreign: the supervisor ends the foreign tree, newcomer included, under every runtime", () => {
  for (const rt of RUNTIMES) {
    const c = cell("terminate-foreign", "supervisor", rt)
    assert.equal(c.passed, RUNS, `${rt}: ${why(c)}`)
  }
})

test("spawn-during-cancel passes on the supervisor and the negative control flags its leak, under every runtime", () => {
  for (const rt of RUNTIMES) {
    const sup = cell("spawn-during-cancel", "supervisor", rt)
    assert.equal(sup.passed, RUNS, `${rt}: ${why(sup)}`)
    for (const b of SHIPPED) {
      const control = cell("negative-control", b, rt)
      assert.equal(control.passed, RUNS, `${b} under ${rt}: ${why(control)}`)
      assert.ok(control.leaked_pids >= RUNS, `${b} under ${rt}: the planted leftovers are counted`)
    }
  }
})

test("REPORT.md and index.html show every runtime, and the verdict names exactly the cells the runtime changes", () => {
  const md = readFileSync(join(out, "REPORT.md"), "utf8")
  const head = `| scenario | ${columns(results).map((c) => c.label).join(" | ")} |`
  assert.ok(md.includes(head), head)
  for (const rt of RUNTIMES) assert.ok(head.includes(`supervisor (${runtimeName(results, rt)})`), rt)
  const { runtimeDiffs } = analyze(results)
  const verdict = md.slice(md.indexOf("## Verdict"), md.indexOf("## Results"))
  if (runtimeDiffs.length === 0) assert.match(verdict, /The runtime changes no result/)
  else for (const d of runtimeDiffs) assert.ok(verdict.includes(`${d.backend} × ${d.scenario}: `), `${d.backend} x ${d.scenario} named`)
  assert.match(verdict, new RegExp(`The comparison backends \\(execa, effect\\) were measured under ${runtimeName(results, PEER_NODE)} only`))
  const html = readFileSync(join(out, "index.html"), "utf8")
  for (const rt of RUNTIMES) assert.ok(html.includes(`data-scenario="terminate-foreign" data-backend="supervisor" data-runtime="${rt}"`), rt)
})
