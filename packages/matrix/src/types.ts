import type { RuntimeName } from "@pawwork/harness"
import type { Containment } from "./containment.js"
import type { Child, Options, ProcessApi } from "@pawwork/process"
import type { Platform } from "./platform.js"

export type BackendName = "baseline" | "baseline-detached" | "supervisor" | "supervisor-effect" | "execa" | "tree-kill" | "effect"

/**
 * Column order of every table and chart: the baselines, the supervisor through its two paths (the Process
 * API, Effect's ChildProcessSpawner layer), then the comparison peers.
 */
export const BACKENDS: readonly BackendName[] = ["baseline", "baseline-detached", "supervisor", "supervisor-effect", "execa", "tree-kill", "effect"]

/** What PawWork runs on today: the yardstick the supervisor's gains are counted against. */
export const BASELINES: readonly BackendName[] = ["baseline", "baseline-detached"]

/** The supervisor on PawWork's two paths: the candidate whose every failure counts against adoption. */
export const CANDIDATES: readonly BackendName[] = ["supervisor", "supervisor-effect"]

/** Comparison backends ("why not just use execa, tree-kill, or Effect's own spawner?"): neither baseline nor candidate. */
export const PEERS: readonly BackendName[] = ["execa", "tree-kill", "effect"]

/** The backends driven through Effect's ChildProcessSpawner service (packages/peers/src/effect/backends.ts). */
export const EFFECT_BACKENDS: readonly BackendName[] = ["supervisor-effect", "effect"]

/**
 * The JavaScript runtime the Process API (its child processes, its event loop) ran under: "node" (the Node
 * running the matrix), a pinned Node ("node22", "node24") or "bun". Tables order them by Node major, then Bun
 * (compareRuntimes).
 */
export type { RuntimeName }

/**
 * What runs under every runtime of a run, Bun included: the engines PawWork can ship, on both of its paths.
 * The comparison peers (execa, tree-kill, Effect's Node spawner) run under one Node each, one their packages
 * declare (engines.ts peerNode): they answer "why not a library?", which the runtime does not change.
 */
export const BUN_BACKENDS: readonly BackendName[] = ["baseline", "baseline-detached", "supervisor", "supervisor-effect"]

/** Runs per cell of a first run (`npm run matrix` without options), which answers in minutes. */
export const DEFAULT_RUNS = 2

/** Runs per cell of the committed reports (`--publish`); the report says when a run had fewer. */
export const PUBLISH_RUNS = 20

/** A runtime of this results file: its version and the backends measured under it. */
export interface RuntimeInfo {
  name: RuntimeName
  version: string
  backends: BackendName[]
}

/** What the design of a backend predicts for a scenario on Linux (the short-mode test holds it to "fail"). */
export type Expectation = "pass" | "fail" | "varies"

/** One run of one scenario on one backend. */
export interface RunRecord {
  run: number
  passed: boolean
  /** Stable failure reason (no pids or numbers), so reasons can be counted across runs. */
  reason: string | null
  /**
   * Why the run did not exercise its scenario (e.g. the write had finished before the abort), else null.
   * Such a run is neither passed nor failed: `passed` is false and it is counted apart, as not exercised.
   */
  not_exercised: string | null
  /** The numbers behind the reason (pids, bytes, ms). */
  detail: string | null
  /** Pids of the tree still alive after the bounded grace period (then killed by the harness). */
  leaked_pids: number[]
  bytes_expected: number | null
  bytes_received: number | null
  /** Cancel (or stop) to the whole tree being gone; null when it never got there within the bound. */
  quiescence_ms: number | null
  /** Cancel to `exited` resolving; null when it did not resolve within the bound or the scenario has no cancel. */
  exited_ms: number | null
  /**
   * Cancel scenarios: true when the backend's outcome says its forceful step killed a member (killedPids) and
   * the tree was gone before the grace had passed, so the graceful step did not get its grace; false when
   * not; null when not known (no cancel, no outcome).
   */
  forced_before_grace?: boolean | null
  duration_ms: number
  /** The register id when this run failed, then passed on a retry the register allows: flaky, not passed. */
  flaky: string | null
  /** The retries of a failed run of a registered cell, in order (empty when none was made). */
  retries: Attempt[]
}

/** One retry of a failed run (the run's own fields describe its first attempt). */
export interface Attempt {
  passed: boolean
  reason: string | null
  detail: string | null
  leaked_pids: number[]
  duration_ms: number
}

/** What a scenario's `run` hands back; the runner adds the run number, duration and retries. */
export type ScenarioResult = Omit<RunRecord, "run" | "duration_ms" | "flaky" | "retries">

export interface RunContext {
  backend: BackendName
  api: ProcessApi
  fixtureBin: string
  /** A fresh directory of this run alone. */
  dir: string
  /** The fixture program's report file of this run (also the marker in descendants' environment). */
  reportPath: string
  /** Grace between the graceful and the forceful step of every cancel (ms). */
  graceMs: number
  /** Allowance on top of the grace before a surviving pid counts as leaked (ms). */
  slackMs: number
  run: number
  /** Aborted when the runner's hard timeout fires: a scenario stops waiting and returns. */
  hardStop: AbortSignal
  /** Spawns the fixture program through the backend (adds `--report` and the backend's own options). */
  spawnFixture(args: string[], opts?: Options): Child
  /** The command line `spawnFixture` would use, for `run()`-style calls. */
  fixtureCmd(args: string[]): string[]
  /** The backend's own spawn options (e.g. `detached` for baseline-detached). */
  backendOptions: Options
}

export interface Scenario {
  name: string
  /** The behaviour group the issue lists it under (e.g. "grandchild tree kill"). */
  group: string
  title: string
  /** What the scenario does and what a pass means. */
  description: string
  /** One line per backend: the mechanism that makes it pass or fail (on Unix). */
  mechanism: Record<BackendName, string>
  /** The same on Windows (and under Wine), where it differs from harness.ts WINDOWS_MECHANISM. */
  mechanismWindows?: Partial<Record<BackendName, string>>
  expected: Record<BackendName, Expectation>
  /** A negative control: the cell passes when the leak check flags the leak it plants. */
  control?: boolean
  /** null when it can run here, else the reason it cannot. */
  supported(platform: Platform, backend: BackendName): string | null
  run(ctx: RunContext): Promise<ScenarioResult>
}

export interface Quantiles {
  p50: number
  p95: number
  max: number
  /** Runs that contributed a value. */
  n: number
}

export interface FailureCount {
  reason: string
  count: number
}

export interface Cell {
  scenario: string
  backend: BackendName
  /** The runtime the cell ran under (files written before runtimes existed read as "node"). */
  runtime: RuntimeName
  /** That runtime's exact version, as the process that ran the cell reported it (absent in older files). */
  runtime_version?: string
  control: boolean
  runs: number
  passed: number
  /** Runs that failed every attempt. `passed + failed + flaky + not_exercised = runs`. */
  failed: number
  /** Runs that did not exercise the scenario (never a pass, never a failure), with why. */
  not_exercised: number
  not_exercised_reasons: FailureCount[]
  /** Runs that failed first and passed on a retry allowed by the flakes register. */
  flaky: number
  not_run: number
  not_run_reason: string | null
  leaked_pids: number
  bytes_lost: number
  quiescence_ms: Quantiles | null
  exited_ms: Quantiles | null
  failures: FailureCount[]
  /** First-attempt failure reasons of the flaky runs (the symptom the register promised). */
  flaky_failures: FailureCount[]
  /** The register entry that covers this cell, or null: only such cells are ever retried. */
  flake: CellFlake | null
  expected: Expectation
  /**
   * The result contradicts `expected`: a run failed (or passed only on a retry) where every run should pass,
   * or a run passed where every run should fail. The stated mechanism does not explain such a cell.
   */
  unexpected: boolean
  /** Runs in which the backend's forceful step killed a member before the grace had passed (from its outcome). */
  forced_before_grace: number
  /**
   * The supervisor's cells on Linux: the containment a probe child saw at the start of the cell
   * (containment.ts). Absent for other backends, other platforms and older files.
   */
  containment?: Containment | null
  /** Harness observations about the backend itself (e.g. a shutdown that had to be forced). */
  notes: string[]
  records: RunRecord[]
}

export interface CellFlake {
  id: string
  symptom: string
  suspected_cause: string
  /** Retries allowed per failed run. */
  retries: number
}

export interface ScenarioInfo {
  name: string
  group: string
  title: string
  description: string
  control: boolean
  mechanism: Record<BackendName, string>
  /** The mechanism on Windows and under Wine (absent in older files: none stated). */
  mechanism_windows?: Record<BackendName, string>
  expected: Record<BackendName, Expectation>
}

export interface BuildInfo {
  /** Wall time of the release build measured in this run, or null when nothing was measured. */
  seconds: number | null
  /** True when cargo had nothing to rebuild (the time is then a no-op check, not a build). */
  cached: boolean
  note: string
}

export interface Cost {
  rust_loc: number
  ts_loc: number
  loc_files: { rust: string[]; typescript: string[] }
  dependencies: { cargo: number | null; npm: number | null; npm_package_total: number | null; note: string }
  binary_bytes: number | null
  build: BuildInfo
  sidecar_rss_kib: { p50: number; max: number; samples: number } | null
}

export interface Settings {
  grace_ms: number
  slack_ms: number
  hard_timeout_ms: number
  drain_timeout_ms: number
  timeout_race: string
}

/** Load average (1 min) of the machine while the matrix ran: concurrent work inflates every timing. */
export interface Load {
  start: number
  end: number
  max: number
  samples: number
}

/** The user the matrix ran as (`uid` null on Windows). */
export interface RunAs {
  user: string
  uid: number | null
}

export interface Results {
  schema: 1
  platform: Platform
  started_at: string
  finished_at: string
  duration_ms: number
  runs_per_cell: number
  load: Load
  backends: BackendName[]
  /** The runtimes measured, in table order, with the backends each ran (older files: Node alone). */
  runtimes: RuntimeInfo[]
  settings: Settings
  scenarios: ScenarioInfo[]
  cells: Cell[]
  cost: Cost
  /** The known-flakes register the run used (docs/reference/flakes.md). */
  flakes: FlakesUsed
  /** Who ran it (absent in older files). */
  run_as?: RunAs
  /** `git rev-parse HEAD` of the checkout the matrix ran from (null when unknown; absent in older files). */
  commit?: string | null
  /**
   * Per comparison backend, the packages it is made of and the Node each declares in `engines`: the report
   * checks them against the runtimes the backend ran under (engines.ts engineNotes). Absent in older files.
   */
  backend_packages?: Partial<Record<BackendName, PackageEngines[]>>
  /**
   * Older files only (before backend_packages): per backend, what the report says beside its column about how
   * it was measured, as text. Absent or empty: nothing to say.
   */
  backend_notes?: Partial<Record<BackendName, string>>
  /** The bench.json the report's appendix shows, embedded so a re-render needs nothing else (absent: none). */
  bench?: BenchUsed | null
}

/** A package a backend is made of, and what it declares (null: unreadable, or no `engines.node`). */
export interface PackageEngines {
  name: string
  /** null when its package.json could not be read. */
  version: string | null
  /** Its `engines.node` range; null when it declares none (or could not be read). */
  node: string | null
}

export interface BenchUsed {
  /** `--bench-label`: where a bench.json from another commit or machine comes from; null when not given. */
  label: string | null
  /** Why it is not shown (another commit or machine without a label, unreadable), else null. */
  refused: string | null
  /** How it differs from this run (commit, machine); empty when it is this run's own. */
  mismatch: string[]
  /** The bench.json as read (schema pawwork-bench/2), null when refused. */
  data: unknown
}

export interface FlakesUsed {
  /** The register file, relative to the repository root; null when there was none. */
  source: string | null
  /** Every entry of the register, as read (cells name the one that covered them). */
  entries: (CellFlake & { scenario: string; backend: string; platform: string })[]
}
