import { SCENARIOS } from "../../src/scenarios/index.js"
import { pass } from "../../src/scenarios/steps.js"
import { detectPlatform } from "../../src/platform.js"
import { buildResults } from "../../src/report/json.js"
import { summarizeCell } from "../../src/stats.js"
import { BUN_BACKENDS, type BackendName, type CellFlake, type Cost, type Results, type RunRecord, type RuntimeName } from "../../src/types.js"

/** A passed run as the runner records it (the scenarios' own `pass()`), with made-up times. */
export function record(run: number, over: Partial<RunRecord> = {}): RunRecord {
  return {
    ...pass({ quiescence_ms: 100 + run, exited_ms: 90 + run }),
    run,
    duration_ms: 300,
    flaky: null,
    retries: [],
    ...over,
  }
}

export const leaked = (run: number, role = "grandchild"): RunRecord =>
  record(run, { passed: false, reason: `leaked: ${role}`, detail: `alive: ${1000 + run}`, leaked_pids: [1000 + run], quiescence_ms: null })

/** A run that ended without failing but did not exercise its scenario. */
export const notExercisedRun = (run: number, why = "the write had completed before the abort"): RunRecord =>
  record(run, { passed: false, not_exercised: why })

/** A run that failed first and passed on a retry of register entry `id`. */
export const flaky = (run: number, id = "drain-race"): RunRecord =>
  record(run, {
    passed: false,
    reason: "exit reported before all written bytes arrived",
    flaky: id,
    retries: [{ passed: true, reason: null, detail: null, leaked_pids: [], duration_ms: 200 }],
  })

export const FLAKE: CellFlake = { id: "drain-race", symptom: "exit before the last bytes", suspected_cause: "SIGCHLD before the pipe's readiness", retries: 2 }

export const COST: Cost = {
  rust_loc: 1234,
  ts_loc: 567,
  loc_files: { rust: ["crates/supervisor/src/main.rs"], typescript: ["packages/process/src/supervisor/child.ts"] },
  dependencies: { cargo: 12, npm: 0, npm_package_total: 3, note: "synthetic" },
  binary_bytes: 1_500_000,
  build: { seconds: 42.5, cached: false, note: "synthetic" },
  sidecar_rss_kib: { p50: 3000, max: 4200, samples: 50 },
}

/**
 * Results where every scenario's cells follow the scenario's own expectation
 * ("fail" -> every run leaks), unless `override` says otherwise per cell.
 * With `runtimes` ["node", "bun"], the backends PawWork ships get a Bun cell
 * too; with several Nodes, a cell under each. The comparison backends run
 * under the last Node of the list only, as the matrix runs them.
 */
/**
 * The backends the report tests were written for (before the two Effect backends): their tables and verdict
 * lines stay as they are; tests of the Effect columns pass BACKENDS.
 */
export const FIVE_BACKENDS: readonly BackendName[] = ["baseline", "baseline-detached", "supervisor", "execa", "tree-kill"]

export function syntheticResults(
  runs = 4,
  override: (scenario: string, backend: BackendName, runtime: RuntimeName) => RunRecord[] | "not run" | undefined = () => undefined,
  flake: (scenario: string, backend: BackendName) => CellFlake | null = () => null,
  runtimes: readonly RuntimeName[] = ["node"],
  backends: readonly BackendName[] = FIVE_BACKENDS,
): Results {
  const peerRuntime = runtimes.filter((rt) => rt !== "bun").at(-1)
  const under = (runtime: RuntimeName, b: BackendName) => runtime === peerRuntime || BUN_BACKENDS.includes(b)
  const cells = runtimes.flatMap((runtime) =>
    SCENARIOS.flatMap((f) =>
      backends.filter((b) => under(runtime, b)).map((b) => {
        const o = override(f.name, b, runtime)
        const base = { scenario: f.name, backend: b, runtime, control: !!f.control, expected: f.expected[b] }
        if (o === "not run") return summarizeCell({ ...base, records: [], notRun: { count: runs, reason: "synthetic: not here" } })
        const records = o ?? Array.from({ length: runs }, (_, i) => (f.expected[b] === "fail" ? leaked(i) : record(i)))
        return summarizeCell({ ...base, records, flake: flake(f.name, b) })
      }),
    ),
  )
  return buildResults({
    platform: detectPlatform(),
    startedAt: new Date("2026-05-01T10:00:00Z"),
    finishedAt: new Date("2026-05-01T10:05:00Z"),
    runs,
    load: { start: 0.5, end: 0.7, max: 1.2, samples: 3 },
    backends: [...backends],
    runtimes: runtimes.map((name) => ({
      name,
      version: name === "bun" ? "1.4.4" : name === "node" ? "20.0.0" : `${name.slice(4)}.1.0`,
      backends: backends.filter((b) => under(name, b)),
    })),
    settings: { grace_ms: 400, slack_ms: 1000, hard_timeout_ms: 20000, drain_timeout_ms: 500, timeout_race: "synthetic" },
    scenarios: SCENARIOS,
    cells,
    cost: COST,
  })
}
