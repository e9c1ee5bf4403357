import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { isAbsolute, join, relative } from "node:path"
import { EMPTY_REGISTER, type FlakeRegister } from "../flakes.js"
import type { Platform } from "../platform.js"
import { WINDOWS_MECHANISM } from "../scenarios/steps.js"
import { contradicts } from "../stats.js"
import type { BackendName, Cell, Cost, Scenario, ScenarioInfo, FlakesUsed, Load, Results, RuntimeInfo, RuntimeName, Settings } from "../types.js"

export function scenarioInfo(f: Scenario): ScenarioInfo {
  return {
    name: f.name,
    group: f.group,
    title: f.title,
    description: f.description,
    control: f.control ?? false,
    mechanism: f.mechanism,
    mechanism_windows: { ...WINDOWS_MECHANISM, ...f.mechanismWindows },
    expected: f.expected,
  }
}

export function buildResults(args: {
  platform: Platform
  startedAt: Date
  finishedAt: Date
  runs: number
  load: Load
  backends: readonly BackendName[]
  /** Default: Node alone, with every backend (a run without `--runtime`'s Bun part). */
  runtimes?: RuntimeInfo[]
  settings: Settings
  scenarios: readonly Scenario[]
  cells: Cell[]
  cost: Cost
  flakes?: FlakeRegister
  root?: string
}): Results {
  return {
    schema: 1,
    platform: args.platform,
    started_at: args.startedAt.toISOString(),
    finished_at: args.finishedAt.toISOString(),
    duration_ms: args.finishedAt.getTime() - args.startedAt.getTime(),
    runs_per_cell: args.runs,
    load: args.load,
    backends: [...args.backends],
    runtimes: args.runtimes ?? [{ name: "node", version: args.platform.node.replace(/^v/, ""), backends: [...args.backends] }],
    settings: args.settings,
    scenarios: args.scenarios.map(scenarioInfo),
    cells: args.cells,
    cost: args.cost,
    flakes: flakesUsed(args.flakes ?? EMPTY_REGISTER, args.root),
  }
}

function flakesUsed(register: FlakeRegister, root: string | undefined): FlakesUsed {
  return {
    source: register.source === null ? null : root && isAbsolute(register.source) ? relative(root, register.source) : register.source,
    entries: register.entries.map((e) => ({
      id: e.id,
      scenario: e.scenario,
      backend: e.backend,
      platform: e.platform,
      symptom: e.symptom,
      suspected_cause: e.suspected_cause,
      retries: e.retries,
    })),
  }
}

export function writeJson(dir: string, results: Results): string {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, "results.json")
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`)
  return path
}

/** Reads a results.json; files written before the flakes register read as "no register, nothing flaky". */
/** The keys of a results.json written before the matrix's cases were called scenarios. */
interface FixtureKeys {
  fixtures?: ScenarioInfo[]
  cells: (Cell & { fixture?: string })[]
  flakes?: { entries: (FlakesUsed["entries"][number] & { fixture?: string })[] }
}

export function readResults(path: string): Results {
  const r = JSON.parse(readFileSync(path, "utf8")) as Results
  renameFixtureKeys(r as Results & FixtureKeys)
  r.flakes ??= { source: null, entries: [] }
  // Files written before runtimes were measured ran everything under Node.
  r.runtimes ??= [{ name: "node", version: r.platform.node.replace(/^v/, ""), backends: [...r.backends] }]
  for (const c of r.cells) {
    c.runtime ??= "node"
    c.flaky ??= 0
    c.flaky_failures ??= []
    c.flake ??= null
    // Files written before "not exercised" existed counted every run as passed or failed.
    // Files written before expectations were checked on every run: the same check, from the same records.
    c.unexpected ??= contradicts(c.expected, c.records)
    c.forced_before_grace ??= 0
    c.not_exercised ??= 0
    c.not_exercised_reasons ??= []
    for (const rec of c.records) {
      rec.not_exercised ??= null
      rec.flaky ??= null
      rec.retries ??= []
    }
  }
  return r
}

/**
 * Files written before the matrix's cases were called scenarios said `fixtures` and `fixture` (per cell and
 * per flake entry): read as `scenarios` and `scenario`, so an old file renders as it did.
 */
function renameFixtureKeys(r: Results & FixtureKeys): void {
  if (r.fixtures) {
    r.scenarios ??= r.fixtures
    delete r.fixtures
  }
  for (const o of [...r.cells, ...(r.flakes?.entries ?? [])]) {
    if (o.fixture === undefined) continue
    o.scenario ??= o.fixture
    delete o.fixture
  }
}

export function cellOf(results: Results, scenario: string, backend: BackendName, runtime: RuntimeName = "node"): Cell | undefined {
  return results.cells.find((c) => c.scenario === scenario && c.backend === backend && c.runtime === runtime)
}
