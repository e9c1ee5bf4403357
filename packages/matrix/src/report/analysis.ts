import { allPassed, passText } from "../stats.js"
import { BASELINES, PEERS, type BackendName, type Cell, type FixtureInfo, type Results } from "../types.js"

/*
 * The supervisor is judged against PawWork's baselines only: "newly covered"
 * and "regression" are relative to them. execa and tree-kill are comparisons
 * ("why not just use one of those?"): the report says where they close the
 * same gaps, but they never count as the baseline or decide the verdict.
 */

export interface FixtureVerdict {
  info: FixtureInfo
  cells: Cell[]
  passing: BackendName[]
  failing: Cell[]
  /** Cells with runs that passed only on a retry the flakes register allows. */
  flaky: Cell[]
  notRun: Cell[]
  /** The supervisor passes every run where a baseline failed at least one. */
  newlyCovered: boolean
  /** A baseline passes every run where the supervisor failed at least one. */
  regression: boolean
  /** Comparison backends that pass every run of this fixture (whatever the supervisor does). */
  peersPassing: BackendName[]
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
const allPass = allPassed

export function cellSummary(cell: Cell): string {
  if (cell.runs === 0) return "not run"
  const extra: string[] = []
  if (cell.flaky > 0) extra.push(`${cell.flaky} flaky (${cell.flake?.id ?? "?"})`)
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

/** "2 of 20 runs passed only on a retry (registered flake `id`: symptom; suspected cause: ...)". */
export function flakyText(cell: Cell): string {
  const f = cell.flake
  const first = cell.flaky_failures.map((x) => `${x.reason} (${x.count})`).join("; ")
  const entry = f ? `registered flake \`${f.id}\`: ${f.symptom}; suspected cause: ${f.suspected_cause}` : "no register entry"
  return `${cell.flaky} of ${cell.runs} runs passed only on a retry (${entry}); their first attempts: ${first}`
}

/** ", also passed by tree-kill" when a comparison backend closes the same gap. */
export function peerNote(peers: readonly BackendName[]): string {
  return peers.length ? ` (also passed every run by the comparison backend${peers.length > 1 ? "s" : ""} ${peers.join(", ")})` : ""
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
      flaky: cells.filter((c) => ran(c) && c.flaky > 0),
      notRun: cells.filter((c) => c.runs === 0),
      newlyCovered: !info.control && allPass(sup) && baselines.some((c) => ran(c) && c.failed > 0),
      regression: !info.control && ran(sup) && sup.failed > 0 && baselines.some((c) => allPass(c)),
      peersPassing: cells.filter((c) => PEERS.includes(c.backend) && allPass(c)).map((c) => c.backend),
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
  const supFlaky = supCells.filter((c) => c.flaky > 0)
  // Comparison backends that ran at least one scenario here (under Wine, tree-kill cannot).
  const peers = PEERS.filter((b) => results.backends.includes(b) && scenarios.some((f) => ran(f.cells.find((c) => c.backend === b))))

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
  if (supFlaky.length > 0) {
    lines.push(`**The supervisor was flaky in ${supFlaky.length} fixture(s)** (known flakes, retried as the register allows): ` +
      supFlaky.map((c) => `${c.fixture} (${flakyText(c)})`).join("; ") + ".")
  }
  if (supCells.length === 0) {
    lines.push("The supervisor did not run on this platform, so there is nothing to compare.")
    return { verdict: "no recommendation", lines }
  }
  if (supNotRun.length > 0) {
    lines.push(`Not run for the supervisor: ${supNotRun.map((f) => f.info.name).join(", ")}.`)
  }

  const baselines: BackendName[] = ["baseline", "baseline-detached"]
  // Under Wine, for one, the baselines cannot run (its taskkill has no /t): then what the supervisor did still
  // stands, but there is nothing to weigh it against, so no verdict either way.
  const baselinesRan = scenarios.some((f) => baselines.some((b) => ran(f.cells.find((c) => c.backend === b))))
  if (!baselinesRan) {
    if (!baselines.some((b) => results.backends.includes(b))) {
      lines.push("The baselines were not part of this run (`--backend`), so there is no yardstick here.")
    } else {
      // The backend's own reason: taken from a fixture the supervisor ran, so it is not a fixture's "Unix-only".
      const supRan = new Set(supCells.map((c) => c.fixture))
      const reason = results.cells.find((c) => baselines.includes(c.backend) && supRan.has(c.fixture) && c.not_run_reason)?.not_run_reason
      lines.push(`The baselines did not run here${reason ? ` (${reason})` : ""}, so this platform shows the supervisor ` +
        "without the yardstick: the comparison comes from the platforms where the baseline runs.")
    }
  }

  const covered = fixtures.filter((f) => f.newlyCovered)
  const regressions = fixtures.filter((f) => f.regression)
  lines.push(
    `The supervisor passes ${countAllPass(scenarios, "supervisor")} fixtures in every run` +
      (baselinesRan
        ? `; the baseline passes ${countAllPass(scenarios, "baseline")}, the detached (bash-tool) baseline ` +
          `${countAllPass(scenarios, "baseline-detached")}.`
        : ".") +
      (peers.length ? ` For comparison: ${peers.map((b) => `${b} ${countAllPass(scenarios, b)}`).join(", ")}.` : ""),
  )
  if (covered.length > 0) {
    lines.push(`Newly covered by the supervisor (a baseline fails, the supervisor passes every run): ${covered.map((f) => f.info.name).join(", ")}.`)
    if (peers.length) lines.push(peerCoverageLine(covered, peers))
  }
  if (regressions.length > 0) {
    lines.push(`Regressions (a baseline passes every run, the supervisor does not): ${regressions.map((f) => f.info.name).join(", ")}.`)
  }
  const peerAhead = scenarios.filter((f) => f.peersPassing.length > 0 && ran(supCell(f)) && !allPass(supCell(f)))
  if (peerAhead.length > 0) {
    lines.push(`**A comparison backend passes where the supervisor does not:** ` +
      peerAhead.map((f) => `${f.info.name} (${f.peersPassing.join(", ")})`).join("; ") + ".")
  }
  const leaksBase = sumLeaks(results, "baseline") + sumLeaks(results, "baseline-detached")
  const leaksSup = sumLeaks(results, "supervisor")
  lines.push(`Leaked pids over all scenario runs: ${baselinesRan ? `baselines ${leaksBase}, ` : ""}supervisor ${leaksSup}` +
    (peers.length ? `; for comparison ${peers.map((b) => `${b} ${sumLeaks(results, b)}`).join(", ")}.` : "."))
  const q = (b: BackendName) =>
    median(results.cells.filter((c) => c.backend === b && !c.control && c.quiescence_ms).map((c) => c.quiescence_ms!.p50))
  const qs = q("supervisor")
  const qb = q("baseline")
  if (qs !== null && qb !== null) {
    const qp = peers.flatMap((b) => (q(b) === null ? [] : [`${b} ${q(b)} ms`]))
    // A cell whose tree never emptied has no p50, so a backend that leaks looks fast here: say so.
    lines.push(`Median of the per-fixture p50 times to quiescence, over the fixtures where the tree emptied: supervisor ${qs} ms, ` +
      `baseline ${qb} ms${qp.length ? `, ${qp.join(", ")}` : ""} (grace ${results.settings.grace_ms} ms).`)
  }
  lines.push(costLine(results))

  let verdict: Recommendation["verdict"]
  if (brokenControl.length > 0) verdict = "no recommendation"
  else if (supFailing.length > 0 || regressions.length > 0) verdict = "do not adopt"
  else if (!baselinesRan) verdict = "no recommendation"
  else if (covered.length > 0) verdict = "adopt behind the flag"
  else verdict = "do not adopt"

  const why =
    verdict === "adopt behind the flag"
      ? `it passes every fixture it ran and closes ${covered.length} gap(s) the baselines leave open, at the cost above.`
      : verdict === "do not adopt" && (supFailing.length > 0 || regressions.length > 0)
        ? "fix the failures listed first; then measure again."
        : verdict === "do not adopt"
          ? "no measured reliability gain over the baselines justifies the added binary."
          : brokenControl.length > 0
            ? "the leak check itself must be repaired before these numbers can be trusted."
            : "without the baseline there is nothing to weigh the supervisor's cost against here."
  lines.push(`**Recommendation: ${verdict}** — ${why}`)
  return { verdict, lines }
}

function countAllPass(fixtures: FixtureVerdict[], backend: BackendName): string {
  const cells = fixtures.map((f) => f.cells.find((c) => c.backend === backend)).filter(ran)
  return `${cells.filter((c) => allPass(c)).length} of ${cells.length}`
}

const supCell = (f: FixtureVerdict) => f.cells.find((c) => c.backend === "supervisor")

/** Of the gaps the supervisor closes over the baselines, which a comparison backend closes too. */
function peerCoverageLine(covered: FixtureVerdict[], peers: readonly BackendName[]): string {
  const alone = covered.filter((f) => f.peersPassing.length === 0).map((f) => f.info.name)
  const per = peers.map((b) => {
    const also = covered.filter((f) => f.peersPassing.includes(b)).map((f) => f.info.name)
    return `${b} ${also.length} (${also.length ? also.join(", ") : "none"})`
  })
  return `Of these ${covered.length}, the comparison backends also pass every run: ${per.join("; ")}. ` +
    `Only the supervisor passes: ${alone.length ? alone.join(", ") : "none"}.`
}

function sumLeaks(results: Results, backend: BackendName): number {
  return results.cells.filter((c) => c.backend === backend && !c.control).reduce((n, c) => n + c.leaked_pids, 0)
}

export function costLine(results: Results): string {
  const c = results.cost
  const parts = [`${c.rust_loc} lines of Rust and ${c.ts_loc} of TypeScript`]
  // Under Wine the harness cannot run the host's cargo or npm: say so rather than print a guess.
  if (c.dependencies.cargo === null && c.dependencies.npm === null) parts.push("dependencies not counted (cargo and npm were not available to the harness)")
  else parts.push(`${c.dependencies.cargo ?? "?"} crates and ${c.dependencies.npm ?? "?"} npm packages for the client`)
  if (c.binary_bytes !== null) parts.push(`a ${formatBytes(c.binary_bytes)} binary`)
  if (c.sidecar_rss_kib) parts.push(`${(c.sidecar_rss_kib.max / 1024).toFixed(1)} MiB peak sidecar RSS`)
  return `Cost: ${parts.join(", ")}.`
}
