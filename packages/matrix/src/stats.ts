import type { Containment } from "./containment.js"
import type { BackendName, Cell, CellFlake, Expectation, FailureCount, Quantiles, RunRecord, RuntimeName } from "./types.js"

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

const round1 = (x: number): number => Math.round(x * 10) / 10

export function quantiles(values: readonly (number | null)[]): Quantiles | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v))
  if (present.length === 0) return null
  return {
    p50: round1(percentile(present, 50)),
    p95: round1(percentile(present, 95)),
    max: round1(Math.max(...present)),
    n: present.length,
  }
}

/** A run that did not exercise its scenario: counted apart, never as passed or failed. */
export const isNotExercised = (r: RunRecord): boolean => r.not_exercised != null && !r.passed

/** A run that failed every attempt (a flaky run was rescued by a retry, so it is not one). */
export const isFailed = (r: RunRecord): boolean => !r.passed && !r.flaky && !isNotExercised(r)

/** Distinct failure reasons with counts, most frequent first (failed runs by default). */
export function countFailures(records: readonly RunRecord[], which: (r: RunRecord) => boolean = isFailed): FailureCount[] {
  const counts = new Map<string, number>()
  for (const r of records) if (which(r)) counts.set(r.reason ?? "unknown", (counts.get(r.reason ?? "unknown") ?? 0) + 1)
  return [...counts.entries()]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
}

function countReasons(reasons: readonly string[]): FailureCount[] {
  const counts = new Map<string, number>()
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1)
  return [...counts.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
}

/** Bytes written before the kill that had not arrived when the exit was reported. */
export function bytesLost(r: RunRecord): number {
  if (r.bytes_expected === null || r.bytes_received === null) return 0
  return Math.max(0, r.bytes_expected - r.bytes_received)
}

/** The cell's runs contradict the expectation (runs not exercised say nothing either way). */
export function contradicts(expected: Expectation, records: readonly RunRecord[]): boolean {
  if (expected === "pass") return records.some((r) => !r.passed && !isNotExercised(r))
  if (expected === "fail") return records.some((r) => r.passed)
  return false
}

export function summarizeCell(args: {
  scenario: string
  backend: BackendName
  /** Defaults to "node", the runtime of every cell before Bun was measured. */
  runtime?: RuntimeName
  control: boolean
  expected: Expectation
  records: RunRecord[]
  notes?: string[]
  notRun?: { count: number; reason: string }
  flake?: CellFlake | null
  containment?: Containment | null
}): Cell {
  const { records } = args
  const passed = records.filter((r) => r.passed).length
  const flaky = records.filter((r) => !r.passed && r.flaky).length
  const notExercised = records.filter(isNotExercised).length
  return {
    scenario: args.scenario,
    backend: args.backend,
    runtime: args.runtime ?? "node",
    control: args.control,
    runs: records.length,
    passed,
    failed: records.length - passed - flaky - notExercised,
    flaky,
    not_exercised: notExercised,
    not_exercised_reasons: countReasons(records.filter(isNotExercised).map((r) => r.not_exercised!)),
    not_run: args.notRun?.count ?? 0,
    not_run_reason: args.notRun?.reason ?? null,
    // A leak in a retry is as real as one in the first attempt.
    leaked_pids: records.reduce((n, r) => n + r.leaked_pids.length + (r.retries ?? []).reduce((m, a) => m + a.leaked_pids.length, 0), 0),
    bytes_lost: records.reduce((n, r) => n + bytesLost(r), 0),
    quiescence_ms: quantiles(records.map((r) => r.quiescence_ms)),
    exited_ms: quantiles(records.map((r) => r.exited_ms)),
    failures: countFailures(records),
    flaky_failures: countFailures(records, (r) => !r.passed && !!r.flaky),
    flake: args.flake ?? null,
    expected: args.expected,
    unexpected: contradicts(args.expected, records),
    forced_before_grace: records.filter((r) => r.forced_before_grace === true).length,
    notes: args.notes ?? [],
    records,
    ...(args.containment !== undefined ? { containment: args.containment } : {}),
  }
}

/** "20/20", "0/20", or "not run". */
export function passText(cell: Cell): string {
  if (cell.runs === 0) return "not run"
  return `${cell.passed}/${cell.runs}`
}

/** Every run passed at its first attempt (flaky runs do not count). */
export const allPassed = (cell: Cell | undefined): cell is Cell => cell !== undefined && cell.runs > 0 && cell.passed === cell.runs

export function passRate(cell: Cell): number | null {
  return cell.runs === 0 ? null : cell.passed / cell.runs
}
