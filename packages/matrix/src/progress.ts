import type { BackendName, Cell, RunRecord } from "./types.js"

export interface Progress {
  cellStart(scenario: string, backend: BackendName, runs: number): void
  runDone(scenario: string, backend: BackendName, record: RunRecord): void
  cellDone(cell: Cell): void
  finish(): void
}

/**
 * Where one part of a matrix (one runtime's cells) stands in the whole run, for the ETA: the runs of the
 * parts before it (planned, and measured: a cell that is not run takes no time), the time they took, and
 * every run planned.
 */
export interface Overall {
  runsBefore: number
  measuredBefore: number
  msBefore: number
  runsTotal: number
}

interface Plan {
  scenarios: readonly string[]
  backends: readonly BackendName[]
  runs: number
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  /** Absent: this part is the whole run. */
  overall?: Overall
}

interface Tally {
  runs: number
  passed: number
  failed: number
  flaky: number
  planned: number
  notRun: boolean
}

const green = (s: string) => `\x1b[32m${s}\x1b[0m`
const red = (s: string) => `\x1b[31m${s}\x1b[0m`
const yellow = (s: string) => `\x1b[33m${s}\x1b[0m`
const dim = (s: string) => `\x1b[2m${s}\x1b[0m`

/** A live task list on a terminal, plain lines (one per finished cell) otherwise. */
export function createProgress(plan: Plan): Progress {
  return plan.out.isTTY ? new LiveProgress(plan) : new LineProgress(plan)
}

abstract class Counting implements Progress {
  protected readonly tallies = new Map<string, Tally>()
  protected done = 0
  /** Runs that ran (the not-run cells' runs are counted in `done` at once). */
  protected measured = 0
  protected failed = 0
  protected readonly total: number
  protected readonly started = performance.now()

  constructor(protected readonly plan: Plan) {
    this.total = plan.scenarios.length * plan.backends.length * plan.runs
  }

  protected key(scenario: string, backend: string): string {
    return `${scenario}\0${backend}`
  }

  cellStart(scenario: string, backend: BackendName, runs: number): void {
    this.tallies.set(this.key(scenario, backend), { runs: 0, passed: 0, failed: 0, flaky: 0, planned: runs, notRun: runs === 0 })
    if (runs === 0) this.done += this.plan.runs
  }

  runDone(scenario: string, backend: BackendName, record: RunRecord): void {
    const t = this.tallies.get(this.key(scenario, backend))!
    t.runs++
    this.measured++
    if (record.passed) t.passed++
    else if (record.flaky) t.flaky++
    else {
      t.failed++
      this.failed++
    }
    this.done++
  }

  abstract cellDone(cell: Cell): void
  abstract finish(): void

  /** Time since the whole run started (earlier parts included). */
  protected elapsed(): string {
    return minutes((this.plan.overall?.msBefore ?? 0) + performance.now() - this.started)
  }

  /**
   * "ETA 4m10s": the whole run's remaining runs at the pace of the runs measured so far (those of earlier
   * parts included), so it is rough while few runs are in and when cells differ much in length.
   */
  protected eta(): string {
    const o = this.plan.overall ?? { runsBefore: 0, measuredBefore: 0, msBefore: 0, runsTotal: this.total }
    const measured = o.measuredBefore + this.measured
    const left = o.runsTotal - o.runsBefore - this.done
    if (left <= 0) return "ETA 0m00s"
    if (measured === 0) return "ETA unknown"
    return `ETA ${minutes(((o.msBefore + performance.now() - this.started) / measured) * left)}`
  }
}

class LineProgress extends Counting {
  private cellsDone = 0

  cellDone(cell: Cell): void {
    this.cellsDone++
    const totalCells = this.plan.scenarios.length * this.plan.backends.length
    const head = `[${String(this.cellsDone).padStart(String(totalCells).length)}/${totalCells}]`
    const what = `${cell.scenario.padEnd(22)} ${cell.backend.padEnd(18)}`
    if (cell.runs === 0) {
      this.plan.out.write(`${head} ${what} not run: ${cell.not_run_reason}\n`)
      return
    }
    const why = cell.failures.map((f) => `${f.reason} x${f.count}`).join("; ")
    const flaky = cell.flaky > 0 ? `, ${cell.flaky} flaky (${cell.flake?.id})` : ""
    this.plan.out.write(`${head} ${what} ${cell.passed}/${cell.runs} passed${flaky}${why ? `  (${why})` : ""}  ${this.elapsed()}, ${this.eta()}\n`)
  }

  finish(): void {
    this.plan.out.write(`${this.done}/${this.total} runs, ${this.failed} failed, ${this.elapsed()}\n`)
  }
}

class LiveProgress extends Counting {
  private drawn = 0
  private lastDraw = 0
  private current = ""
  private lastFailure = ""
  private readonly colW = Math.max(12, ...this.plan.backends.map((b) => b.length + 2))

  override cellStart(scenario: string, backend: BackendName, runs: number): void {
    super.cellStart(scenario, backend, runs)
    this.current = `${scenario} x ${backend}`
    this.draw(true)
  }

  override runDone(scenario: string, backend: BackendName, record: RunRecord): void {
    super.runDone(scenario, backend, record)
    if (!record.passed) this.lastFailure = `${scenario} x ${backend}: ${record.reason}${record.flaky ? ` (flaky: passed on a retry)` : ""}`
    this.draw(false)
  }

  cellDone(): void {
    this.draw(true)
  }

  finish(): void {
    this.current = ""
    this.draw(true)
  }

  private cellText(scenario: string, backend: string): string {
    const t = this.tallies.get(this.key(scenario, backend))
    if (!t) return dim("·".padEnd(this.colW))
    if (t.notRun) return dim("not run".padEnd(this.colW))
    const text = `${t.passed}/${t.runs}${t.flaky ? ` ~${t.flaky}` : ""}${t.runs < t.planned ? "…" : ""}`.padEnd(this.colW)
    return t.failed > 0 ? red(text) : t.flaky > 0 ? yellow(text) : t.runs > 0 ? green(text) : text
  }

  private draw(force: boolean): void {
    const now = performance.now()
    if (!force && now - this.lastDraw < 100) return
    this.lastDraw = now
    const width = Math.max(20, Math.min(40, (this.plan.out.columns ?? 80) - 60))
    const filled = this.total ? Math.round((this.done / this.total) * width) : width
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`
    const lines = [
      `matrix [${bar}] ${this.done}/${this.total} runs  ${this.failed ? red(`${this.failed} failed`) : "0 failed"}  ${this.elapsed()}  ${this.eta()}`,
      `${"".padEnd(22)} ${this.plan.backends.map((b) => b.padEnd(this.colW)).join(" ")}`,
      ...this.plan.scenarios.map(
        (f) => `${f.padEnd(22)} ${this.plan.backends.map((b) => this.cellText(f, b)).join(" ")}`,
      ),
      this.lastFailure ? red(`last failure: ${this.lastFailure}`.slice(0, (this.plan.out.columns ?? 120) - 1)) : "no failure so far",
      this.current ? dim(`running ${this.current}`) : "",
    ]
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : ""
    this.plan.out.write(`${up}\r\x1b[J${lines.join("\n")}\n`)
    this.drawn = lines.length
  }
}

function minutes(ms: number): string {
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
}

/** No output at all (tests, library use). */
export const silentProgress: Progress = {
  cellStart() {},
  runDone() {},
  cellDone() {},
  finish() {},
}
