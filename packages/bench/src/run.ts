import { spawnSync } from "node:child_process"
import { repoRoot, resolveRuntime } from "@pawwork/harness"
import { now } from "./clock.js"
import type { Sizes } from "./config.js"
import { trivialCommand, type Context } from "./context.js"
import { LoadTracker } from "./load.js"
import { describeMachine, loadAverage } from "./machine.js"
import { measureMemory } from "./memory.js"
import { measureMessageLatency } from "./message-latency.js"
import type { Binaries } from "./paths.js"
import { measureQuiescence } from "./quiescence.js"
import { runnerFor, type Runner } from "./runners.js"
import { currentRuntime, runtimeLabel, runtimeVersion, runUnderWorker } from "./runtime.js"
import { measureScale } from "./scale.js"
import { measureSidecarStart, sidecarInfo } from "./sidecar-start.js"
import { measureSpawnBlock } from "./spawn-block.js"
import { measureRoundTrip } from "./spawn-roundtrip.js"
import { round } from "./stats.js"
import { evaluateTargets } from "./targets.js"
import { measureThroughput } from "./throughput.js"
import type { BenchResults, Backend, ClientRun, RuntimeName, SidecarInfo, SupervisorVariant } from "./types.js"

function pick(runners: Runner[], backend: Backend): Runner {
  const found = runners.find((r) => r.backend === backend)
  if (!found?.api) throw new Error(`no ${backend} runner`)
  return found
}

/**
 * Every client-side measurement under the runtime running this code, one after the other in one process, so
 * the ratios compare runs on the same machine under the same load. The long-lived runners (one sidecar
 * each) serve the round trip, throughput, quiescence and scale.
 */
export async function measureClient(sizes: Sizes, bins: Binaries, variants: SupervisorVariant[], log: (m: string) => void): Promise<ClientRun> {
  const ctx: Context = { sizes, bins, trivial: trivialCommand(bins), log, notes: [] }
  const copied = variants.includes("supervisor-copy")
  const backends: Backend[] = ["bare", "baseline", "supervisor", ...variants.filter((v) => v !== "supervisor-copy")]
  const runners: Runner[] = []
  try {
    for (const v of backends) runners.push(await runnerFor(v, ctx.trivial, bins.supervisor))
    const sidecars = new Map(runners.map((r) => [r.backend, r.sidecar()]))

    log(`round trip: ${backends.join(", ")}`)
    const spawnRoundTrip = await measureRoundTrip(ctx, runners)
    const baseline = pick(runners, "baseline").api!
    const supervisor = pick(runners, "supervisor").api!
    log("spawn block")
    const spawnBlock = await measureSpawnBlock(ctx, { baseline, supervisor })
    log("sidecar start")
    const sidecarStart = await measureSidecarStart(ctx, spawnRoundTrip.backends.supervisor!.p50)
    log("message latency")
    const messageLatency = await measureMessageLatency(ctx, { baseline, supervisor })
    // Output copied is a throughput path only: started here, it stays out of the round trip and the scale curve.
    const copy = copied ? await runnerFor("supervisor-copy", ctx.trivial, bins.supervisor) : null
    if (copy) {
      runners.push(copy)
      sidecars.set(copy.backend, copy.sidecar())
    }
    log("throughput")
    const throughput = await measureThroughput(ctx, baseline, supervisor, copy?.api ?? null)
    log("quiescence")
    const quiescence = await measureQuiescence(ctx, { baseline, supervisor })
    log("scale")
    const scaleLoad = new LoadTracker()
    const scale = await measureScale(ctx, runners.filter((r) => !(variants as Backend[]).includes(r.backend)))
    for (const r of runners) {
      if (r.sidecar() !== sidecars.get(r.backend)) ctx.notes.push(`the ${r.backend} sidecar restarted during the run (pid ${sidecars.get(r.backend)} -> ${r.sidecar()})`)
    }
    return { runtime: currentRuntime(), version: runtimeVersion(), spawnRoundTrip, spawnBlock, messageLatency, sidecarStart, throughput, quiescence, scale, scaleLoad: scaleLoad.span(), notes: ctx.notes }
  } finally {
    for (const r of runners) await r.close().catch(() => undefined)
  }
}

/**
 * The supervisor variants the round trip measures beside it, each one documented switch away: without
 * cgroups (when it has them), and with std's fork and a cgroup migration instead of clone3 (when it spawns
 * with clone3): the spawn path before clone3, measured in the same run. And, in the throughput only, with its
 * output copied instead of spliced (when it splices): the output path before splice.
 */
export function supervisorVariants(sidecar: SidecarInfo): SupervisorVariant[] {
  const out: SupervisorVariant[] = []
  if (sidecar.cgroup !== null) out.push("supervisor-nocgroup")
  if (sidecar.cgroup !== null && sidecar.spawn === "clone3") out.push("supervisor-fork")
  if (sidecar.output === "splice") out.push("supervisor-copy")
  return out
}

function headCommit(): string | null {
  const r = spawnSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot(), encoding: "utf8" })
  return r.status === 0 ? r.stdout.trim() || null : null
}

/**
 * The whole benchmark: the client measurements under each runtime asked for (the running Node in this
 * process, a pinned Node or Bun in a process of that runtime running the same code), then the sidecar's
 * memory, which does not depend on the client's runtime. The runtimes run one after the other, not interleaved: their ratios are each taken
 * within one runtime's run, and the load recorded with each figure says how alike the machine was.
 */
export async function runBench(sizes: Sizes, bins: Binaries, log: (m: string) => void, runtimes: RuntimeName[]): Promise<BenchResults> {
  const started = now()
  const machine = describeMachine()
  const sidecar = await sidecarInfo(bins.supervisor)
  const notes: string[] = []
  if (!sidecar.cgroup) notes.push("the sidecar found no writable cgroup v2 hierarchy: the supervisor ran on process groups only")
  const variants = supervisorVariants(sidecar)

  const measured: ClientRun[] = []
  const notRun: BenchResults["notRun"] = []
  for (const runtime of runtimes) {
    const found = await resolveRuntime(repoRoot(), runtime)
    if ("reason" in found) {
      notRun.push({ runtime, reason: found.reason })
    } else if (found.binary === null) {
      log(`client under ${runtimeLabel(runtime)} ${runtimeVersion()} (this process)`)
      measured.push({ ...(await measureClient(sizes, bins, variants, (m) => log(`${runtime}: ${m}`))), runtime })
    } else {
      log(`client under ${runtimeLabel(runtime)} (a process of its own)`)
      const got = await runUnderWorker({ name: runtime, binary: found.binary, version: found.version }, { mode: sizes.mode, bins, variants }, (m) => log(`${runtime}: ${m}`))
      if ("reason" in got) notRun.push({ runtime, reason: got.reason })
      else measured.push(got)
    }
  }
  if (measured.length === 0) throw new Error(`no runtime was measured: ${notRun.map((n) => `${n.runtime}: ${n.reason}`).join("; ")}`)
  for (const n of notRun) log(`${n.runtime} not measured: ${n.reason}`)

  log("memory")
  const memory = await measureMemory({ sizes, bins, trivial: trivialCommand(bins), log, notes })

  machine.loadAverageEnd = loadAverage()
  const results = {
    schema: "pawwork-bench/2" as const,
    generatedAt: new Date().toISOString(),
    commit: headCommit(),
    mode: sizes.mode,
    durationSeconds: round((now() - started) / 1000, 1),
    machine,
    sidecar,
    runtimes: measured,
    notRun,
    memory,
    notes,
  }
  return { ...results, targets: evaluateTargets(results) }
}
