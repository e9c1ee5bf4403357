import { engineNotes } from "../engines.js"
import { allPassed, passText } from "../stats.js"
import { BASELINES, CANDIDATES, PEERS, type BackendName, type Cell, type ScenarioInfo, type Results, type RuntimeName } from "../types.js"
import {
  cellAt,
  cellLabel,
  columns,
  multiRuntime,
  peerRuntimes,
  type RuntimeDiff,
  runtimeComparison,
  runtimeDiffText,
  runtimeList,
  runtimeName,
  runtimesFor,
  runtimesOf,
} from "./columns.js"

/*
 * The supervisor is judged against PawWork's baselines only: "newly covered"
 * and "regression" are relative to them. execa and tree-kill are comparisons
 * ("why not just use one of those?"): the report says where they close the
 * same gaps, but they never count as the baseline or decide the verdict.
 *
 * With several runtimes the supervisor is judged under each: a failure under any is a failure, a baseline
 * is weighed against the supervisor under the same runtime, and every cell whose result the runtime
 * changes is named.
 */

export interface ScenarioVerdict {
  info: ScenarioInfo
  /** Every column's cell, in column order (a backend under each runtime it ran). */
  cells: Cell[]
  /** Column labels ("supervisor", or "supervisor (Bun)" with two runtimes) that pass every run. */
  passing: string[]
  passingCells: Cell[]
  failing: Cell[]
  /** Cells with runs that passed only on a retry the flakes register allows. */
  flaky: Cell[]
  /** Cells with runs that did not exercise the scenario (neither passed nor failed). */
  notExercised: Cell[]
  notRun: Cell[]
  /** The supervisor passes every run (under every runtime it ran) where a baseline failed at least one. */
  newlyCovered: boolean
  /** Under one runtime, a baseline passes every run where the supervisor failed at least one. */
  regression: boolean
  /** Comparison backends that pass every run of this scenario (whatever the supervisor does). */
  peersPassing: BackendName[]
  /** Backends whose result here differs between the runtimes that ran them. */
  runtimeDiffs: RuntimeDiff[]
}

export interface Recommendation {
  verdict: "adopt behind the flag" | "do not adopt" | "no recommendation"
  lines: string[]
}

export interface Analysis {
  scenarios: ScenarioVerdict[]
  recommendation: Recommendation
  /** Every cell whose result the runtime changes (empty with one runtime). */
  runtimeDiffs: RuntimeDiff[]
}

const ran = (c: Cell | undefined): c is Cell => c !== undefined && c.runs > 0
const allPass = allPassed

export function cellSummary(cell: Cell): string {
  if (cell.runs === 0) return "not run"
  const extra: string[] = []
  if (cell.flaky > 0) extra.push(`${cell.flaky} flaky (${cell.flake?.id ?? "?"})`)
  if ((cell.not_exercised ?? 0) > 0) extra.push(`${cell.not_exercised} not exercised`)
  if (cell.unexpected) extra.push("unexpected")
  if (cell.leaked_pids > 0) extra.push(`${cell.leaked_pids} leaked`)
  if (cell.bytes_lost > 0) extra.push(`${formatBytes(cell.bytes_lost)} lost`)
  return [passText(cell), ...extra].join(" · ")
}

/** The mechanism line for the platform the results were measured on (Windows text for Windows and Wine). */
export function mechanismFor(r: Results, info: ScenarioInfo, backend: BackendName): string {
  if (r.platform.os !== "win32") return info.mechanism[backend]
  return info.mechanism_windows?.[backend] ?? "no Windows mechanism is stated in these results"
}

/**
 * Why a cell came out as it did: the stated mechanism, unless the result contradicts the expectation the
 * scenario declares, in which case the mechanism does not explain it and is not offered as if it did.
 */
export function explanation(r: Results, info: ScenarioInfo, c: Cell): string {
  if (c.unexpected) {
    return `**Unexpected:** the scenario expects ${c.expected === "pass" ? "every run to pass" : "every run to fail"} ` +
      "here, so the stated mechanism does not explain this result"
  }
  return `Mechanism: ${mechanismFor(r, info, c.backend)}`
}

/** What the backend's outcome says of its ladder, from the runs (empty when nothing to say). */
export function ladderText(r: Results, c: Cell): string {
  const n = c.forced_before_grace ?? 0
  if (n === 0) return ""
  return `in ${n} of ${c.runs} runs the forceful step killed members and the tree was gone before the ` +
    `${r.settings.grace_ms} ms grace had passed (from the backend's outcome): the graceful step did not get its grace`
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

/** "3 of 20 runs did not exercise the scenario: the write had settled before the abort (3)". */
export function notExercisedText(cell: Cell): string {
  const why = (cell.not_exercised_reasons ?? []).map((x) => `${x.reason} (${x.count})`).join("; ")
  return `${cell.not_exercised} of ${cell.runs} runs did not exercise the scenario, so they are neither passes nor failures: ${why}`
}

/** ", also passed by tree-kill" when a comparison backend closes the same gap. */
export function peerNote(peers: readonly BackendName[]): string {
  return peers.length ? ` (also passed every run by the comparison backend${peers.length > 1 ? "s" : ""} ${peers.join(", ")})` : ""
}

export function analyze(results: Results): Analysis {
  const cols = columns(results)
  const comparison = runtimeComparison(results)
  const scenarios = results.scenarios.map((info): ScenarioVerdict => {
    const cells = cols.map((col) => cellAt(results, info.name, col.backend, col.runtime)).filter((c): c is Cell => c !== undefined)
    const rts = runtimesOf(results)
    const sups = cells.filter((c) => c.backend === "supervisor" && ran(c))
    const sameRuntimeBaselines = (rt: RuntimeName) => cells.filter((c) => BASELINES.includes(c.backend) && c.runtime === rt)
    const passingCells = cells.filter((c) => allPass(c))
    return {
      info,
      cells,
      passing: passingCells.map((c) => cellLabel(results, c)),
      passingCells,
      failing: cells.filter((c) => ran(c) && c.failed > 0),
      flaky: cells.filter((c) => ran(c) && c.flaky > 0),
      notExercised: cells.filter((c) => ran(c) && (c.not_exercised ?? 0) > 0),
      notRun: cells.filter((c) => c.runs === 0),
      newlyCovered: !info.control && sups.length > 0 && sups.every((c) => allPass(c)) &&
        cells.some((c) => BASELINES.includes(c.backend) && ran(c) && c.failed > 0),
      regression: !info.control && rts.some((rt) => {
        const sup = cells.find((c) => c.backend === "supervisor" && c.runtime === rt)
        return ran(sup) && sup.failed > 0 && sameRuntimeBaselines(rt).some((c) => allPass(c))
      }),
      peersPassing: cells.filter((c) => PEERS.includes(c.backend) && allPass(c)).map((c) => c.backend),
      runtimeDiffs: comparison.diffs.filter((d) => d.scenario === info.name),
    }
  })
  return { scenarios, recommendation: recommend(results, scenarios), runtimeDiffs: comparison.diffs }
}

function median(values: number[]): number | null {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]!
}

/** The wording follows the measurements: supervisor failures are said first, then the gain, then the cost. */
function recommend(results: Results, all: ScenarioVerdict[]): Recommendation {
  const f = supervisorFacts(results, all)
  const lines = problemLines(results, f)
  if (f.supCells.length === 0) {
    lines.push("The supervisor did not run on this platform, so there is nothing to compare.")
    return { verdict: "no recommendation", lines }
  }
  if (f.supNotRun.length > 0) {
    lines.push(`Not run for the supervisor: ${f.supNotRun.map(f.where).join(", ")}.`)
  }
  const baselinesRan = f.measured.some((s) => s.cells.some((c) => BASELINE_PAIR.includes(c.backend) && ran(c)))
  if (!baselinesRan) lines.push(noYardstickLine(results, f))
  const covered = all.filter((s) => s.newlyCovered)
  const regressions = all.filter((s) => s.regression)
  lines.push(...passCountLines(results, f, baselinesRan))
  lines.push(...gainLines(f, covered, regressions))
  lines.push(leakLine(results, f, baselinesRan))
  lines.push(...quiescenceLines(results, f))
  lines.push(costLine(results))

  let verdict: Recommendation["verdict"]
  if (f.brokenControl.length > 0) verdict = "no recommendation"
  // A flaky supervisor cell passed only on a retry: that is no evidence of the reliability adoption rests on.
  else if (f.supFailing.length > 0 || regressions.length > 0 || f.supFlaky.length > 0) verdict = "do not adopt"
  else if (!baselinesRan) verdict = "no recommendation"
  else if (covered.length > 0) verdict = "adopt behind the flag"
  else verdict = "do not adopt"
  lines.push(`**Recommendation: ${verdict}** — ${whyOf(verdict, f, covered.length, regressions.length)}`)
  return { verdict, lines }
}

/** The two baselines PawWork has today, the yardstick of every comparison. */
const BASELINE_PAIR: BackendName[] = ["baseline", "baseline-detached"]

type Facts = ReturnType<typeof supervisorFacts>

/** What the recommendation is built from: the supervisor's cells, sorted by what they show. */
function supervisorFacts(results: Results, all: ScenarioVerdict[]) {
  const multi = multiRuntime(results)
  // "tree-deep" with one runtime, "tree-deep under Bun" with two.
  // The supervisor through Effect's layer is named in each cell it concerns; the Process path needs no name.
  const where = (c: Cell) =>
    `${c.scenario}${c.backend === "supervisor" ? "" : ` (${c.backend})`}${multi ? ` under ${runtimeName(results, c.runtime)}` : ""}`
  const measured = all.filter((s) => !s.info.control)
  const control = all.filter((s) => s.info.control)
  // Both of PawWork's paths flip together (docs/reference/adoption.md): a failure of either is the supervisor's.
  const isCandidate = (c: Cell) => CANDIDATES.includes(c.backend)
  const supCells = measured.flatMap((s) => s.cells.filter(isCandidate)).filter(ran)
  const twoPaths = supCells.some((c) => c.backend !== "supervisor")
  return {
    rts: runtimesOf(results),
    multi,
    where,
    measured,
    supCells,
    supFailing: supCells.filter((c) => c.failed > 0),
    supNotRun: measured.flatMap((s) => s.cells.filter((c) => isCandidate(c) && !ran(c))),
    brokenControl: control.flatMap((s) => s.failing),
    supFlaky: supCells.filter((c) => c.flaky > 0),
    unit: `${twoPaths ? "scenario × backend" : "scenario"}${multi ? " × runtime" : ""} cells`.replace(/^scenario cells$/, "scenarios"),
    supUnexercised: supCells.filter((c) => (c.not_exercised ?? 0) > 0),
    // Comparison backends that ran at least one scenario here (under Wine, tree-kill cannot).
    peers: PEERS.filter((b) => results.backends.includes(b) && measured.some((s) => s.cells.some((c) => c.backend === b && ran(c)))),
  }
}

/** The supervisor's failures, a broken control, flaky and unexercised cells: said before anything else. */
function problemLines(results: Results, f: Facts): string[] {
  const lines: string[] = []
  if (f.supFailing.length > 0) {
    lines.push(
      `**The supervisor fails ${f.supFailing.length} of ${f.supCells.length} ${f.unit} it ran:** ` +
        f.supFailing.map((c) => `${f.where(c)} (${passText(c)}: ${reasonsText(c)})`).join("; ") + ".",
    )
  }
  if (f.brokenControl.length > 0) {
    lines.push(
      `**The negative control failed** (${f.brokenControl.map((c) => `${cellLabel(results, c)}: ${reasonsText(c)}`).join("; ")}): ` +
        "the leak check did not flag a planted leak, so passing cells prove nothing about leaks.",
    )
  }
  if (f.supFlaky.length > 0) {
    lines.push(`**The supervisor was flaky in ${f.supFlaky.length} ${f.multi ? "scenario × runtime cell(s)" : "scenario(s)"}** (known flakes, retried as the register allows): ` +
      f.supFlaky.map((c) => `${f.where(c)} (${flakyText(c)})`).join("; ") + ".")
  }
  if (f.supUnexercised.length > 0) {
    lines.push(`**Not exercised for the supervisor** (runs that show nothing either way, counted as neither pass nor failure): ` +
      f.supUnexercised.map((c) => `${f.where(c)} (${notExercisedText(c)})`).join("; ") + ".")
  }
  return lines
}

/**
 * Under Wine, for one, the baselines cannot run (its taskkill has no /t): then what the supervisor did still
 * stands, but there is nothing to weigh it against, so no verdict either way.
 */
function noYardstickLine(results: Results, f: Facts): string {
  if (!BASELINE_PAIR.some((b) => results.backends.includes(b))) {
    return "The baselines were not part of this run (`--backend`), so there is no yardstick here."
  }
  // The backend's own reason: taken from a scenario the supervisor ran, so it is not a scenario's "Unix-only".
  const supRan = new Set(f.supCells.map((c) => c.scenario))
  const reason = results.cells.find((c) => BASELINE_PAIR.includes(c.backend) && supRan.has(c.scenario) && c.not_run_reason)?.not_run_reason
  return `The baselines did not run here${reason ? ` (${reason})` : ""}, so this platform shows the supervisor ` +
    "without the yardstick: the comparison comes from the platforms where the baseline runs."
}

/** How many scenarios each backend passes in every run, per runtime, and where the runtime changes that. */
function passCountLines(results: Results, f: Facts, baselinesRan: boolean): string[] {
  const { measured, multi, peers } = f
  const lines: string[] = []
  const viaEffect = (rt: RuntimeName) => f.supCells.some((c) => c.backend === "supervisor-effect" && c.runtime === rt)
  for (const rt of f.rts) {
    // Only the runtimes the peers ran under get the comparison (one Node each: they never run under Bun).
    const rtPeers = peers.filter((b) => measured.some((s) => ran(s.cells.find((c) => c.backend === b && c.runtime === rt))))
    lines.push(
      `${multi ? `Under ${runtimeName(results, rt)}: the` : "The"} supervisor passes ${countAllPass(measured, "supervisor", rt)} scenarios in every run` +
        (viaEffect(rt) ? `, ${countAllPass(measured, "supervisor-effect", rt)} through Effect's ChildProcessSpawner layer (supervisor-effect)` : "") +
        (baselinesRan
          ? `; the baseline passes ${countAllPass(measured, "baseline", rt)}, the detached (bash-tool) baseline ` +
            `${countAllPass(measured, "baseline-detached", rt)}.`
          : ".") +
        (rtPeers.length ? ` For comparison: ${rtPeers.map((b) => `${b} ${countAllPass(measured, b, rt)}`).join(", ")}.` : ""),
    )
  }
  if (multi) {
    const line = peerRuntimeLine(results)
    if (line) lines.push(line)
    lines.push(...runtimeLines(results))
  }
  return lines
}

/** What the supervisor newly covers, where it regresses, and where a comparison backend is ahead of it. */
function gainLines(f: Facts, covered: ScenarioVerdict[], regressions: ScenarioVerdict[]): string[] {
  const { multi, peers } = f
  const lines: string[] = []
  if (covered.length > 0) {
    lines.push(`Newly covered by the supervisor (a baseline fails, the supervisor passes every run${multi ? " under every runtime" : ""}): ${covered.map((s) => s.info.name).join(", ")}.`)
    if (peers.length) lines.push(peerCoverageLine(covered, peers))
  }
  if (regressions.length > 0) {
    lines.push(`Regressions (${multi ? "under the same runtime, " : ""}a baseline passes every run, the supervisor does not): ${regressions.map((s) => s.info.name).join(", ")}.`)
  }
  // A peer is weighed against the supervisor under the runtime the peer ran under.
  const peerAhead = f.measured.filter((s) => {
    const ahead = s.cells.filter((c) => PEERS.includes(c.backend) && allPass(c))
    return ahead.some((p) => {
      const sup = s.cells.find((c) => c.backend === "supervisor" && c.runtime === p.runtime)
      return ran(sup) && !allPass(sup)
    })
  })
  if (peerAhead.length > 0) {
    lines.push(`**A comparison backend passes where the supervisor does not:** ` +
      peerAhead.map((s) => `${s.info.name} (${s.peersPassing.join(", ")})`).join("; ") + ".")
  }
  return lines
}

/** Leaked pids over all scenario runs, per backend (and runtime, with more than one). */
function leakLine(results: Results, f: Facts, baselinesRan: boolean): string {
  const { multi, peers, rts } = f
  const perRt = (text: (rt: RuntimeName) => string) =>
    multi ? rts.map((rt) => `${text(rt)} under ${runtimeName(results, rt)}`).join(", ") : text(rts[0]!)
  const leaks = (b: BackendName) => perRt((rt) => String(sumLeaks(results, b, rt)))
  const leakPeers = peers.map((b) =>
    runtimesFor(results, b).map((rt) => `${b} ${sumLeaks(results, b, rt)}${multi ? ` under ${runtimeName(results, rt)}` : ""}`).join(", "))
  return `Leaked pids over all scenario runs: ${baselinesRan ? `baselines ${perRt((rt) => String(sumLeaks(results, "baseline", rt) + sumLeaks(results, "baseline-detached", rt)))}, ` : ""}` +
    `supervisor ${leaks("supervisor")}` +
    (f.supCells.some((c) => c.backend === "supervisor-effect") ? `, supervisor-effect ${leaks("supervisor-effect")}` : "") + (peers.length ? `; for comparison ${leakPeers.join(", ")}.` : ".")
}

/** The median time to quiescence per runtime, where both the supervisor and the baseline have one. */
function quiescenceLines(results: Results, f: Facts): string[] {
  const lines: string[] = []
  const q = (b: BackendName, rt: RuntimeName) =>
    median(results.cells.filter((c) => c.backend === b && c.runtime === rt && !c.control && c.quiescence_ms).map((c) => c.quiescence_ms!.p50))
  for (const rt of f.rts) {
    const qs = q("supervisor", rt)
    const qb = q("baseline", rt)
    if (qs === null || qb === null) continue
    const qp = f.peers.flatMap((b) => (q(b, rt) === null ? [] : [`${b} ${q(b, rt)} ms`]))
    // A cell whose tree never emptied has no p50, so a backend that leaks looks fast here: say so.
    lines.push(`Median of the per-scenario p50 times to quiescence${f.multi ? ` under ${runtimeName(results, rt)}` : ""}, over the scenarios where the tree emptied: supervisor ${qs} ms, ` +
      `baseline ${qb} ms${qp.length ? `, ${qp.join(", ")}` : ""} (grace ${results.settings.grace_ms} ms).`)
  }
  return lines
}

/** The reason given after the verdict. */
function whyOf(verdict: Recommendation["verdict"], f: Facts, covered: number, regressions: number): string {
  if (verdict === "adopt behind the flag") {
    return `it passes every scenario it ran${f.supUnexercised.length ? " and exercised" : ""}${f.multi ? " under every runtime" : ""} and closes ${covered} gap(s) the baselines leave open, at the cost above.`
  }
  if (verdict === "do not adopt" && (f.supFailing.length > 0 || regressions > 0)) return "fix the failures listed first; then measure again."
  if (verdict === "do not adopt" && f.supFlaky.length > 0) {
    return "the supervisor's flaky cells passed only on a retry: fix or explain them, then measure again."
  }
  if (verdict === "do not adopt") return "no measured reliability gain over the baselines justifies the added binary."
  if (f.brokenControl.length > 0) return "the leak check itself must be repaired before these numbers can be trusted."
  return "without the baseline there is nothing to weigh the supervisor's cost against here."
}

/**
 * Where the runtime changes the result, from the cells (never fixed prose): every scenario x backend whose
 * pass rate differs between the runtimes that ran it, then the pairs some of their runtimes did not run.
 */
export function runtimeLines(results: Results): string[] {
  const comparison = runtimeComparison(results)
  const { compared, diffs, gaps } = comparison
  const runtimes = comparison.runtimes.length ? comparison.runtimes : runtimesOf(results)
  const under = `${runtimes.length === 2 ? "both" : "each of"} ${runtimeList(results, runtimes)}`
  const lines: string[] = []
  if (diffs.length > 0) {
    lines.push(`**The runtime changes the result in ${diffs.length} of ${compared} scenario × backend pairs measured under ${under}:** ` +
      diffs.map((d) => runtimeDiffText(results, d)).join("; ") + ".")
  } else if (compared > 0) {
    lines.push(`The runtime changes no result: each of the ${compared} scenario × backend pairs measured under ${under} has the same pass count.`)
  }
  if (gaps.length > 0) {
    const missing = (g: (typeof gaps)[number]) =>
      g.missing.map((c) => `not run under ${runtimeName(results, c.runtime)}: ${c.not_run_reason ?? "no reason given"}`).join("; ")
    lines.push(`Measured under ${runtimes.length === 2 ? "one runtime" : "some runtimes"} only (not compared): ` +
      gaps.map((g) => `${g.backend} × ${g.scenario} (${missing(g)})`).join("; ") + ".")
  }
  return lines
}

/**
 * Why the comparison backends have one column each, from where they ran: under Node beside Bun only, they
 * are not engines PawWork ships under Bun; beside other Nodes, each ran on the newest Node of the run its
 * packages admit in `engines` (runtime.ts planRuntimes; the note beside a column says when none did).
 */
function peerRuntimeLine(results: Results): string | null {
  const groups = peerRuntimes(results)
  if (!groups) return null
  const peers = groups.flatMap((g) => g.backends)
  const where = runtimeList(results, groups.map((g) => g.runtime))
  const otherNodes = runtimesOf(results).filter((rt) => rt !== "bun" && !groups.some((g) => g.runtime === rt))
  if (otherNodes.length === 0) {
    return `The comparison backends (${peers.join(", ")}) were measured under ${where} only: they are not engines PawWork ` +
      "ships under Bun, so they have no Bun column (by design, not a failure)."
  }
  const per = groups.length > 1 ? ` (${groups.map((g) => `${g.backends.join(", ")} under ${runtimeName(results, g.runtime)}`).join("; ")})` : ""
  const unmet = Object.keys(engineNotes(results)).filter((b) => peers.includes(b as BackendName))
  return `The comparison backends (${peers.join(", ")}) were measured under ${where} only${per}: they are not engines PawWork ships, ` +
    "so each has one column, on the newest Node of this run its packages admit in `engines`" +
    (unmet.length ? ` (none does for ${unmet.join(", ")}: the newest, with a note beside its column)` : "") + " (by design, not a failure)."
}

function countAllPass(scenarios: ScenarioVerdict[], backend: BackendName, runtime: RuntimeName): string {
  const cells = scenarios.map((f) => f.cells.find((c) => c.backend === backend && c.runtime === runtime)).filter(ran)
  return `${cells.filter((c) => allPass(c)).length} of ${cells.length}`
}

/** Of the gaps the supervisor closes over the baselines, which a comparison backend closes too. */
function peerCoverageLine(covered: ScenarioVerdict[], peers: readonly BackendName[]): string {
  const alone = covered.filter((f) => f.peersPassing.length === 0).map((f) => f.info.name)
  const per = peers.map((b) => {
    const also = covered.filter((f) => f.peersPassing.includes(b)).map((f) => f.info.name)
    return `${b} ${also.length} (${also.length ? also.join(", ") : "none"})`
  })
  return `Of these ${covered.length}, the comparison backends also pass every run: ${per.join("; ")}. ` +
    `Only the supervisor passes: ${alone.length ? alone.join(", ") : "none"}.`
}

function sumLeaks(results: Results, backend: BackendName, runtime: RuntimeName): number {
  return results.cells.filter((c) => c.backend === backend && c.runtime === runtime && !c.control).reduce((n, c) => n + c.leaked_pids, 0)
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
