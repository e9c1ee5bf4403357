import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Platform } from "../platform.js"
import type { BackendName, Cell, Cost, Fixture, FixtureInfo, Load, Results, Settings } from "../types.js"

export function fixtureInfo(f: Fixture): FixtureInfo {
  return {
    name: f.name,
    group: f.group,
    title: f.title,
    description: f.description,
    control: f.control ?? false,
    mechanism: f.mechanism,
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
  settings: Settings
  fixtures: readonly Fixture[]
  cells: Cell[]
  cost: Cost
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
    settings: args.settings,
    fixtures: args.fixtures.map(fixtureInfo),
    cells: args.cells,
    cost: args.cost,
  }
}

export function writeJson(dir: string, results: Results): string {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, "results.json")
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`)
  return path
}

export function readResults(path: string): Results {
  return JSON.parse(readFileSync(path, "utf8")) as Results
}

export function cellOf(results: Results, fixture: string, backend: BackendName): Cell | undefined {
  return results.cells.find((c) => c.fixture === fixture && c.backend === backend)
}
