import { now } from "./clock.js"
import type { Sizes } from "./config.js"
import { trivialCommand, type Context } from "./context.js"
import { describeMachine, loadAverage } from "./machine.js"
import { measureMemory } from "./memory.js"
import type { Binaries } from "./paths.js"
import { measureQuiescence } from "./quiescence.js"
import { runnerFor, type Runner } from "./runners.js"
import { measureScale } from "./scale.js"
import { measureSidecarStart, sidecarInfo } from "./sidecar-start.js"
import { measureRoundTrip } from "./spawn-roundtrip.js"
import { round } from "./stats.js"
import { evaluateTargets } from "./targets.js"
import { measureThroughput } from "./throughput.js"
import type { BenchResults, Backend } from "./types.js"

function pick(runners: Runner[], backend: Backend): Runner {
  const found = runners.find((r) => r.backend === backend)
  if (!found?.api) throw new Error(`no ${backend} runner`)
  return found
}

/**
 * Every measurement, one after the other in one process, so the ratios compare runs on the same machine
 * under the same load. The long-lived runners (one sidecar each) serve the round trip, throughput,
 * quiescence and scale; memory starts sidecars of its own.
 */
export async function runBench(sizes: Sizes, bins: Binaries, log: (m: string) => void): Promise<BenchResults> {
  const started = now()
  const ctx: Context = { sizes, bins, trivial: trivialCommand(bins), log, notes: [] }
  const machine = describeMachine()
  const sidecar = await sidecarInfo(bins.supervisor)
  const backends: Backend[] = ["bare", "baseline", "supervisor"]
  if (sidecar.cgroup) backends.push("supervisor-nocgroup")
  else ctx.notes.push("the sidecar found no writable cgroup v2 hierarchy: the supervisor ran on process groups only")

  const runners: Runner[] = []
  try {
    for (const v of backends) runners.push(await runnerFor(v, ctx.trivial, bins.supervisor))
    const sidecars = new Map(runners.map((r) => [r.backend, r.sidecar()]))

    log(`round trip: ${backends.join(", ")}`)
    const spawnRoundTrip = await measureRoundTrip(ctx, runners)
    log("sidecar start")
    const sidecarStart = await measureSidecarStart(ctx, spawnRoundTrip.backends.supervisor!.p50)
    const baseline = pick(runners, "baseline").api!
    const supervisor = pick(runners, "supervisor").api!
    log("throughput")
    const throughput = await measureThroughput(ctx, baseline, supervisor)
    log("quiescence")
    const quiescence = await measureQuiescence(ctx, { baseline, supervisor })
    log("scale")
    const scale = await measureScale(ctx, runners.filter((r) => r.backend !== "supervisor-nocgroup"))
    for (const r of runners) {
      if (r.sidecar() !== sidecars.get(r.backend)) ctx.notes.push(`the ${r.backend} sidecar restarted during the run (pid ${sidecars.get(r.backend)} -> ${r.sidecar()})`)
    }
    log("memory")
    const memory = await measureMemory(ctx)

    machine.loadAverageEnd = loadAverage()
    const measured = {
      schema: "pawwork-bench/1" as const,
      generatedAt: new Date().toISOString(),
      mode: sizes.mode,
      durationSeconds: round((now() - started) / 1000, 1),
      machine,
      sidecar,
      spawnRoundTrip,
      sidecarStart,
      throughput,
      quiescence,
      memory,
      scale,
      notes: ctx.notes,
    }
    return { ...measured, targets: evaluateTargets(measured) }
  } finally {
    for (const r of runners) await r.close().catch(() => undefined)
  }
}
