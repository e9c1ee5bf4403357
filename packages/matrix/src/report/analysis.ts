import { passText } from "../stats.js"
import type { BackendName, Cell, FixtureInfo, Results } from "../types.js"

const BASELINES: readonly BackendName[] = ["baseline", "baseline-detached"]

export interface FixtureVerdict {
  info: FixtureInfo
  cells: Cell[]
  passing: BackendName[]
  failing: Cell[]
  notRun: Cell[]
  /** The supervisor passes every run where a baseline failed at least one. */
  newlyCovered: boolean
  /** A baseline passes every run where the supervisor failed at least one. */
  regression: boolean
}

export interface Recommendation {
  verdict: "adopt behind the flag" | "do not adopt" | "no recommendation"
  lines: string[]
}

export interface Analysis {
  fixtures: FixtureVerdict[]
  recommendation: Recommendation
}

const ran = (c: Cell | undefined): c is Cell => c !== undefined && c.runs > 0
const allPass = (c: Cell | undefined) => ran(c) && c.failed === 0

export function cellSummary(cell: Cell): string {
  if (cell.runs === 0) return "not run"
  const extra: string[] = []
  if (cell.leaked_pids > 0) extra.push(`${cell.leaked_pids} leaked`)
  if (cell.bytes_lost > 0) extra.push(`${formatBytes(cell.bytes_lost)} lost`)
  return [passText(cell), ...extra].join(" · ")
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 ** 2).toFixed(1)} MiB`
}

export function reasonsText(cell: Cell): string {
  return cell.failures.map((f) => `${f.reason} (${f.count}/${cell.runs})`).join("; ")
}

export function analyze(results: Results): Analysis {
  const fixtures = results.fixtures.map((info): FixtureVerdict => {
    const cells = results.backends
      .map((b) => results.cells.find((c) => c.fixture === info.name && c.backend === b))
      .filter((c): c is Cell => c !== undefined)
    const sup = cells.find((c) => c.backend === "supervisor")
    const baselines = cells.filter((c) => BASELINES.includes(c.backend))
    return {
      info,
      cells,
      passing: cells.filter((c) => allPass(c)).map((c) => c.backend),
      failing: cells.filter((c) => ran(c) && c.failed > 0),
      notRun: cells.filter((c) => c.runs === 0),
      newlyCovered: !info.control && allPass(sup) && baselines.some((c) => ran(c) && c.failed > 0),
      regression: !info.control && ran(sup) && sup.failed > 0 && baselines.some((c) => allPass(c)),
    }
  })
  return { fixtures, recommendation: recommend(results, fixtures) }
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]!
}

/** The wording follows the measurements: supervisor failures are said first, then the gain, then the cost. */
function recommend(results: Results, fixtures: FixtureVerdict[]): Recommendation {
  const lines: string[] = []
  const scenarios = fixtures.filter((f) => !f.info.control)
  const control = fixtures.filter((f) => f.info.control)
  const supCells = scenarios.map((f) => f.cells.find((c) => c.backend === "supervisor")).filter(ran)
  const supFailing = supCells.filter((c) => c.failed > 0)
  const supNotRun = scenarios.filter((f) => !ran(f.cells.find((c) => c.backend === "supervisor")))
  const brokenControl = control.flatMap((f) => f.failing)

  if (supFailing.length > 0) {
    lines.push(
      `**The supervisor fails ${supFailing.length} of ${supCells.length} fixtures it ran:** ` +
        supFailing.map((c) => `${c.fixture} (${passText(c)}: ${reasonsText(c)})`).join("; ") + ".",
    )
  }
  if (brokenControl.length > 0) {
    lines.push(
      `**The negative control failed** (${brokenControl.map((c) => `${c.backend}: ${reasonsText(c)}`).join("; ")}): ` +
        "the leak check did not flag a planted leak, so passing cells prove nothing about leaks.",
    )
  }
  if (supCells.length === 0) {
    lines.push("The supervisor did not run on this platform, so there is nothing to compare.")
    return { verdict: "no recommendation", lines }
  }
  if (supNotRun.length > 0) {
    lines.push(`Not run for the supervisor: ${supNotRun.map((f) => f.info.name).join(", ")}.`)
  }

  const covered = fixtures.filter((f) => f.newlyCovered)
  const regressions = fixtures.filter((f) => f.regression)
  const supPassing = supCells.length - supFailing.length
  lines.push(
    `The supervisor passes ${supPassing} of ${supCells.length} fixtures in every run; the baseline passes ` +
      `${countAllPass(scenarios, "baseline")}, the detached (bash-tool) baseline ${countAllPass(scenarios, "baseline-detached")}.`,
  )
  if (covered.length > 0) {
    lines.push(`Newly covered by the supervisor (a baseline fails, the supervisor passes every run): ${covered.map((f) => f.info.name).join(", ")}.`)
  }
  if (regressions.length > 0) {
    lines.push(`Regressions (a baseline passes every run, the supervisor does not): ${regressions.map((f) => f.info.name).join(", ")}.`)
  }
  const leaksBase = sumLeaks(results, "baseline") + sumLeaks(results, "baseline-detached")
  const leaksSup = sumLeaks(results, "supervisor")
  lines.push(`Leaked pids over all scenario runs: baselines ${leaksBase}, supervisor ${leaksSup}.`)
  const q = (b: BackendName) =>
    median(results.cells.filter((c) => c.backend === b && !c.control && c.quiescence_ms).map((c) => c.quiescence_ms!.p50))
  const qs = q("supervisor")
  const qb = q("baseline")
  if (qs !== null && qb !== null) {
    lines.push(`Median of the per-fixture p50 times to quiescence: supervisor ${qs} ms, baseline ${qb} ms (grace ${results.settings.grace_ms} ms).`)
  }
  lines.push(costLine(results))

  let verdict: Recommendation["verdict"]
  if (brokenControl.length > 0) verdict = "no recommendation"
  else if (supFailing.length > 0 || regressions.length > 0) verdict = "do not adopt"
  else if (covered.length > 0) verdict = "adopt behind the flag"
  else verdict = "do not adopt"

  const why =
    verdict === "adopt behind the flag"
      ? `it passes every fixture it ran and closes ${covered.length} gap(s) the baselines leave open, at the cost above.`
      : verdict === "do not adopt" && (supFailing.length > 0 || regressions.length > 0)
        ? "fix the failures listed first; then measure again."
        : verdict === "do not adopt"
          ? "no measured reliability gain over the baselines justifies the added binary."
          : "the leak check itself must be repaired before these numbers can be trusted."
  lines.push(`**Recommendation: ${verdict}** — ${why}`)
  return { verdict, lines }
}

function countAllPass(fixtures: FixtureVerdict[], backend: BackendName): string {
  const cells = fixtures.map((f) => f.cells.find((c) => c.backend === backend)).filter(ran)
  return `${cells.filter((c) => c.failed === 0).length} of ${cells.length}`
}

function sumLeaks(results: Results, backend: BackendName): number {
  return results.cells.filter((c) => c.backend === backend && !c.control).reduce((n, c) => n + c.leaked_pids, 0)
}

export function costLine(results: Results): string {
  const c = results.cost
  const parts = [`${c.rust_loc} lines of Rust and ${c.ts_loc} of TypeScript`]
  parts.push(`${c.dependencies.cargo ?? "?"} crates and ${c.dependencies.npm ?? "?"} npm packages for the client`)
  if (c.binary_bytes !== null) parts.push(`a ${formatBytes(c.binary_bytes)} binary`)
  if (c.sidecar_rss_kib) parts.push(`${(c.sidecar_rss_kib.max / 1024).toFixed(1)} MiB peak sidecar RSS`)
  return `Cost: ${parts.join(", ")}.`
}
