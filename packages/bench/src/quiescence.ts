import { isStillRunning, killIfSameProcess, type Member } from "@pawwork/harness"
import type { ProcessApi } from "@pawwork/process"
import { atMost, now, sleep } from "./clock.js"
import type { Context } from "./context.js"
import { LoadTracker } from "./load.js"
import { BenchReport } from "./fixture-report.js"
import { round, summarize } from "./stats.js"
import type { Quiescence, QuiescenceCase, QuiescenceRun } from "./types.js"

/** How long past the grace a tree may take before it counts as not quiescent (a hang guard). */
const GIVE_UP_AFTER_GRACE_MS = 5_000

/** Polls every reported pid (pid + start time, zombies count as gone) until none is left or the limit passes. */
async function untilGone(pids: Member[], t0: number, limitMs: number): Promise<{ ms: number; alive: Member[] }> {
  let alive = pids
  for (;;) {
    alive = alive.filter((p) => isStillRunning(p.pid, p.start))
    const ms = now() - t0
    if (alive.length === 0 || ms > limitMs) return { ms, alive }
    await sleep(1)
  }
}

/**
 * One cancel: start the fixture with a report file, wait until every process of the tree has reported,
 * abort (the Process API's own cancel path, with `timeout` as the grace), and time until the tree is gone.
 */
async function once(ctx: Context, api: ProcessApi, sub: string[], processes: number, graceMs: number): Promise<QuiescenceRun> {
  const report = new BenchReport()
  const ac = new AbortController()
  try {
    const child = api.spawn([ctx.bins.fixture, "--report", report.path, ...sub], { abort: ac.signal, timeout: graceMs })
    const pids = await report.waitFor(processes)
    let exitedMs: number | null = null
    const t0 = now()
    const settled = child.exited.then(
      () => void (exitedMs = now() - t0),
      () => void (exitedMs = now() - t0),
    )
    ac.abort()
    const gone = await untilGone(pids, t0, graceMs + GIVE_UP_AFTER_GRACE_MS)
    for (const p of gone.alive) killIfSameProcess(p.pid, p.start)
    await atMost(settled, 10_000)
    await atMost(child.outcome.catch(() => undefined), 10_000)
    return {
      ms: round(gone.ms),
      exitedMs: exitedMs === null ? null : round(exitedMs),
      quiescent: gone.alive.length === 0,
      leftovers: gone.alive.length,
    }
  } finally {
    report.dispose()
  }
}

async function measureCase(
  ctx: Context,
  apis: Record<"baseline" | "supervisor", ProcessApi>,
  sub: string[],
  processes: number,
  graceMs: number,
  reps: number,
): Promise<QuiescenceCase> {
  const runs: Record<"baseline" | "supervisor", QuiescenceRun[]> = { baseline: [], supervisor: [] }
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? (["baseline", "supervisor"] as const) : (["supervisor", "baseline"] as const)
    for (const name of order) {
      const run = await once(ctx, apis[name], sub, processes, graceMs)
      if (!run.quiescent) ctx.notes.push(`${name}: \`${sub.join(" ")}\` left ${run.leftovers} process(es) alive ${GIVE_UP_AFTER_GRACE_MS} ms past the grace (killed by the benchmark)`)
      runs[name].push(run)
    }
  }
  const backend = (name: "baseline" | "supervisor") => ({
    runs: runs[name],
    summary: summarize(runs[name].map((r) => r.ms)),
    overGrace: summarize(runs[name].map((r) => r.ms - graceMs)),
  })
  return {
    command: ["pawwork-fixture", ...sub],
    processes,
    graceMs,
    backends: { baseline: backend("baseline"), supervisor: backend("supervisor") },
  }
}

/** Time to quiescence after a cancel: a cooperative tree, and a child that ignores SIGTERM. */
export async function measureQuiescence(
  ctx: Context,
  apis: Record<"baseline" | "supervisor", ProcessApi>,
): Promise<Quiescence> {
  const q = ctx.sizes.quiescence
  const load = new LoadTracker()
  const tree = await measureCase(
    ctx,
    apis,
    ["tree", "--depth", "1", "--width", String(q.treeWidth)],
    q.treeWidth + 1,
    q.treeGraceMs,
    q.treeReps,
  )
  ctx.log("quiescence: cooperative tree done")
  const ignoreTerm = await measureCase(ctx, apis, ["ignore-term"], 1, q.graceMs, q.ignoreReps)
  ctx.log("quiescence: SIGTERM-ignoring child done")
  return { tree, ignoreTerm, load: load.span() }
}
