import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Options } from "@pawwork/process"
import type { CreateProcess } from "./api.js"
import { type Backend, backendUnavailable, closeBackend, openBackend } from "./backends.js"
import { FixtureReport, type Member } from "@pawwork/harness"
import { EMPTY_REGISTER, type FlakeEntry, type FlakeRegister, findFlake, flakePlatform } from "./flakes.js"
import { fail, SetupError } from "./scenarios/steps.js"
import { leakDetail, REPORT_ENV, TreeWatch } from "./leaks.js"
import type { Paths } from "./paths.js"
import type { Platform } from "./platform.js"
import { readRssKib } from "@pawwork/harness"
import type { Progress } from "./progress.js"
import { runWithRetries } from "./retry.js"
import { summarizeCell } from "./stats.js"
import { type Containment, observeContainment } from "./containment.js"
import { CANDIDATES, type BackendName, type Cell, type Scenario, type ScenarioResult, type RunContext, type RunRecord, type RuntimeName } from "./types.js"

export interface MatrixOptions {
  runs: number
  scenarios: readonly Scenario[]
  backends: readonly BackendName[]
  graceMs: number
  slackMs: number
  hardTimeoutMs: number
  paths: Paths
  platform: Platform
  create: CreateProcess
  progress: Progress
  /** Known flakes: only the cells it names are retried (none when absent). */
  flakes?: FlakeRegister
  /** The runtime executing this runner, written into every cell (runtime.ts currentRuntime()). */
  runtime: RuntimeName
}

export interface MatrixRun {
  cells: Cell[]
  /** VmRSS samples (KiB) of the sidecar, taken every 100 ms while supervisor cells ran. */
  rssKib: number[]
}

/** Runs every scenario x backend cell, `runs` times each, one run at a time. */
export async function runMatrix(opts: MatrixOptions): Promise<MatrixRun> {
  const base = mkdtempSync(join(tmpdir(), "pawwork-matrix-"))
  const rssKib: number[] = []
  const cells: Cell[] = []
  const interrupt = installInterruptSweep()
  try {
    for (const scenario of opts.scenarios) {
      for (const name of opts.backends) {
        const reason = scenario.supported(opts.platform, name) ?? backendUnavailable(name, opts.paths, opts.create, opts.platform)
        opts.progress.cellStart(scenario.name, name, reason ? 0 : opts.runs)
        const notes: string[] = []
        const flake = findFlake(opts.flakes ?? EMPTY_REGISTER, scenario.name, name, flakePlatform(opts.platform))
        const ran = reason ? null : await runCell(opts, scenario, name, flake, base, rssKib, interrupt, notes)
        const cell = summarizeCell({
          scenario: scenario.name,
          backend: name,
          runtime: opts.runtime,
          control: scenario.control ?? false,
          expected: scenario.expected[name],
          records: ran?.records ?? [],
          notes,
          ...(ran && ran.containment !== undefined ? { containment: ran.containment } : {}),
          flake: flake && { id: flake.id, symptom: flake.symptom, suspected_cause: flake.suspected_cause, retries: flake.retries },
          ...(reason ? { notRun: { count: opts.runs, reason } } : {}),
        })
        cells.push(cell)
        opts.progress.cellDone(cell)
      }
    }
  } finally {
    interrupt.dispose()
    rmSync(base, { recursive: true, force: true })
  }
  return { cells, rssKib }
}

async function runCell(
  opts: MatrixOptions,
  scenario: Scenario,
  name: BackendName,
  flake: FlakeEntry | null,
  base: string,
  rssKib: number[],
  interrupt: InterruptSweep,
  notes: string[],
): Promise<{ records: RunRecord[]; containment?: Containment | null }> {
  let backend = openBackend(name, opts.paths, opts.create)
  // The supervisor's containment depends on the machine and the user (a delegated cgroup or none): seen
  // once per cell, before its runs, so each cell says what it measured.
  let containment: Containment | null | undefined
  if (CANDIDATES.includes(name)) {
    const seen = await observeContainment(backend.api, opts.platform)
    containment = seen.containment
    if (seen.note) notes.push(seen.note)
  }
  const sampler = setInterval(() => {
    const pid = backend.api.sidecarPid
    const rss = pid ? readRssKib(pid) : null
    if (rss !== null) rssKib.push(rss)
  }, 100)
  const records: RunRecord[] = []
  try {
    for (let run = 0; run < opts.runs; run++) {
      const record = await runWithRetries(async (attempt) => {
        const r = await runOnce(opts, scenario, backend, run, attempt, base, interrupt)
        if (r.reason === "hang") {
          // A hung backend may be wedged: start the next attempt on a fresh one.
          const note = await closeBackend(backend)
          if (note) notes.push(`after run ${run}${attempt > 0 ? ` (retry ${attempt})` : ""}: ${note}`)
          backend = openBackend(name, opts.paths, opts.create)
        }
        return r
      }, flake)
      records.push(record)
      opts.progress.runDone(scenario.name, name, record)
    }
  } finally {
    clearInterval(sampler)
    const note = await closeBackend(backend)
    if (note) notes.push(`at the end of the cell: ${note}`)
  }
  return containment === undefined ? { records } : { records, containment }
}

async function runOnce(
  opts: MatrixOptions,
  scenario: Scenario,
  backend: Backend,
  run: number,
  attempt: number,
  base: string,
  interrupt: InterruptSweep,
): Promise<RunRecord> {
  const dir = mkdtempSync(join(base, `${scenario.name}-${backend.name}-${run}${attempt > 0 ? `-retry${attempt}` : ""}-`))
  const reportPath = join(dir, "report.jsonl")
  const hard = new AbortController()
  const marker: Options = { ...backend.options, env: { [REPORT_ENV]: reportPath } }
  const fixtureCmd = (args: string[]) => [opts.paths.fixtureBin, "--report", reportPath, ...args]
  const ctx: RunContext = {
    backend: backend.name,
    api: backend.api,
    fixtureBin: opts.paths.fixtureBin,
    dir,
    reportPath,
    graceMs: opts.graceMs,
    slackMs: opts.slackMs,
    run,
    hardStop: hard.signal,
    backendOptions: marker,
    fixtureCmd,
    spawnFixture: (args, extra) => backend.api.spawn(fixtureCmd(args), { ...marker, ...extra }),
  }
  interrupt.current = reportPath
  const started = performance.now()
  const result = await withHardTimeout(scenario.run(ctx), hard, opts.hardTimeoutMs)
  const record: RunRecord = { run, ...result, duration_ms: Math.round(performance.now() - started), flaky: null, retries: [] }
  await sweep(reportPath, record)
  interrupt.current = null
  rmSync(dir, { recursive: true, force: true })
  return record
}

async function withHardTimeout(work: Promise<ScenarioResult>, hard: AbortController, ms: number): Promise<ScenarioResult> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<ScenarioResult>((resolve) => {
    timer = setTimeout(() => {
      hard.abort()
      resolve(fail("hang", `no result within the ${ms} ms hard timeout`))
    }, ms)
  })
  const guarded = work.catch((err: unknown) =>
    err instanceof SetupError
      ? fail(err.message, null)
      : fail("harness error", err instanceof Error ? err.message.split("\n")[0]! : String(err)),
  )
  try {
    return await Promise.race([guarded, hang])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * After every run: whatever of the tree is still alive is killed, so runs stay
 * independent. A scenario counts its own leaks at its bound; anything found
 * only here also counts as leaked, a setup failure or a hang included.
 */
async function sweep(reportPath: string, record: RunRecord): Promise<void> {
  try {
    await sweepOnce(reportPath, record)
  } catch (err) {
    // The leak check could not look (e.g. proc-start would not start): the run is unverified, not passed, its
    // tree may be left running, and the matrix goes on. A run that had already failed keeps its own reason.
    const what = `final sweep could not check the tree, which may be left running: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`
    if (record.passed || record.not_exercised !== null) {
      record.passed = false
      record.not_exercised = null
      record.reason = "harness error"
      record.detail = what
    } else {
      record.detail = record.detail ? `${record.detail}; ${what}` : what
    }
  }
}

async function sweepOnce(reportPath: string, record: RunRecord): Promise<void> {
  const watch = new TreeWatch(new FixtureReport(reportPath))
  const alive = watch.aliveAll()
  if (alive.length === 0) return
  await watch.killAll()
  accountSweep(record, alive)
}

/**
 * What the final sweep found alive is leaked, whatever happened to the run before: a tree left behind
 * after a setup failure or a hang is as real a leak as one after the scenario (it used to go uncounted).
 * A run that already failed keeps its own reason; a passed or not-exercised run becomes a failure.
 */
export function accountSweep(record: RunRecord, alive: readonly Member[]): void {
  const fresh = alive.filter((m) => !record.leaked_pids.includes(m.pid))
  if (fresh.length === 0) return
  record.leaked_pids.push(...fresh.map((m) => m.pid))
  if (record.passed || record.not_exercised !== null) {
    record.passed = false
    record.not_exercised = null
    record.reason = "leaked after the run (found by the final sweep)"
    record.detail = leakDetail(fresh)
  } else {
    const what = `left behind, found by the final sweep: ${leakDetail(fresh)}`
    record.detail = record.detail ? `${record.detail}; ${what}` : what
  }
}

interface InterruptSweep {
  current: string | null
  dispose(): void
}

/** Ctrl-C during a run: kill that run's tree before exiting, so nothing is left behind. */
function installInterruptSweep(): InterruptSweep {
  const state: InterruptSweep = {
    current: null,
    dispose: () => process.off("SIGINT", onSigint),
  }
  const onSigint = () => {
    const path = state.current
    const done = path ? new TreeWatch(new FixtureReport(path)).killAll() : Promise.resolve([])
    done.finally(() => process.exit(130))
  }
  process.on("SIGINT", onSigint)
  return state
}
