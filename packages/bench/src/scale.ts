import { clientCpuMs, now } from "./clock.js"
import type { Context } from "./context.js"
import { cpuMs } from "@pawwork/harness"
import type { Runner } from "./runners.js"
import { round, summarize } from "./stats.js"
import type { ScaleCell, ScaleLevel } from "./types.js"

interface Tally {
  times: number[]
  walls: number[]
  clientMs: number
  sidecarMs: number
  children: number
}

/** N trivial children started at once; each one's round trip runs from its own spawn call to its exit. */
async function burst(ctx: Context, runner: Runner, n: number, tally: Tally): Promise<void> {
  const sidecar = runner.sidecar()
  const sidecarBefore = sidecar === null ? null : cpuMs(sidecar)
  const cpu = process.cpuUsage()
  const t0 = now()
  const all: Promise<void>[] = []
  for (let i = 0; i < n; i++) {
    const t = now()
    all.push(runner.roundTrip(ctx.trivial).then(() => void tally.times.push(now() - t)))
  }
  await Promise.all(all)
  tally.walls.push(now() - t0)
  tally.clientMs += clientCpuMs(cpu)
  tally.children += n
  if (sidecar !== null && sidecarBefore !== null) {
    const after = cpuMs(sidecar)
    if (after === null || runner.sidecar() !== sidecar) throw new Error(`the ${runner.backend} sidecar went away mid-burst`)
    tally.sidecarMs += after - sidecarBefore
  }
}

/**
 * The scale curve: round trip and CPU per child as the number of concurrent children grows. Small levels
 * repeat until they have spawned `minChildren`, so CPU (counted in 10 ms ticks) is not all rounding.
 */
export async function measureScale(ctx: Context, runners: Runner[]): Promise<ScaleLevel[]> {
  const { levels, reps: minReps, minChildren } = ctx.sizes.scale
  const out: ScaleLevel[] = []
  for (const n of levels) {
    const reps = Math.max(minReps, Math.ceil(minChildren / n))
    const tallies = new Map(runners.map((r) => [r.backend, { times: [], walls: [], clientMs: 0, sidecarMs: 0, children: 0 } as Tally]))
    for (let rep = 0; rep < reps; rep++) {
      for (let k = 0; k < runners.length; k++) {
        const runner = runners[(rep + k) % runners.length]!
        await burst(ctx, runner, n, tallies.get(runner.backend)!)
      }
    }
    const backends: ScaleLevel["backends"] = {}
    for (const runner of runners) {
      const t = tallies.get(runner.backend)!
      const cell: ScaleCell = {
        rt: summarize(t.times),
        wallMs: round(summarize(t.walls).p50),
        clientCpuMsPerChild: round(t.clientMs / t.children, 4),
        sidecarCpuMsPerChild: runner.sidecar() === null ? null : round(t.sidecarMs / t.children, 4),
      }
      backends[runner.backend] = cell
    }
    out.push({ concurrent: n, reps, backends })
    ctx.log(`scale: ${n} concurrent done (${reps} reps)`)
  }
  return out
}
