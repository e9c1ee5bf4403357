import { clientCpuMs, now } from "./clock.js"
import { LoadTracker } from "./load.js"
import type { Context } from "./context.js"
import { cpuMs } from "@pawwork/harness"
import type { Runner } from "./runners.js"
import { ratio, round, summarize } from "./stats.js"
import type { SpawnRoundTrip, Backend } from "./types.js"

interface Tally {
  times: number[]
  clientMs: number
  sidecarMs: number
  spawns: number
}

/** One block of sequential round trips, with the CPU Node and the sidecar spent on it. */
async function block(ctx: Context, runner: Runner, count: number, tally: Tally): Promise<void> {
  const sidecar = runner.sidecar()
  const sidecarBefore = sidecar === null ? null : cpuMs(sidecar)
  const cpu = process.cpuUsage()
  for (let i = 0; i < count; i++) {
    const t = now()
    await runner.roundTrip(ctx.trivial)
    tally.times.push(now() - t)
  }
  tally.clientMs += clientCpuMs(cpu)
  tally.spawns += count
  if (sidecar !== null && sidecarBefore !== null) {
    const after = cpuMs(sidecar)
    if (after === null || runner.sidecar() !== sidecar) throw new Error(`the ${runner.backend} sidecar (pid ${sidecar}) went away mid-block`)
    tally.sidecarMs += after - sidecarBefore
  }
}

/**
 * Sequential spawn -> exited round trips of a trivial command. The backends take turns in blocks (the
 * first one rotating) so that a noisy neighbour on a shared machine hits all of them alike.
 */
export async function measureRoundTrip(ctx: Context, runners: Runner[]): Promise<SpawnRoundTrip> {
  const { warmup, iterations, block: size } = ctx.sizes.roundTrip
  const tallies = new Map<Backend, Tally>(runners.map((r) => [r.backend, { times: [], clientMs: 0, sidecarMs: 0, spawns: 0 }]))
  for (const runner of runners) for (let i = 0; i < warmup; i++) await runner.roundTrip(ctx.trivial)
  const load = new LoadTracker()

  const rounds = Math.ceil(iterations / size)
  for (let round = 0; round < rounds; round++) {
    const count = Math.min(size, iterations - round * size)
    for (let k = 0; k < runners.length; k++) {
      const runner = runners[(round + k) % runners.length]!
      await block(ctx, runner, count, tallies.get(runner.backend)!)
    }
    load.sample()
    if ((round + 1) % Math.max(1, Math.floor(rounds / 4)) === 0) ctx.log(`round trip: ${(round + 1) * size}/${iterations}`)
  }

  const backends: SpawnRoundTrip["backends"] = {}
  for (const runner of runners) {
    const t = tallies.get(runner.backend)!
    const hasSidecar = runner.sidecar() !== null
    backends[runner.backend] = {
      ...summarize(t.times),
      cpu: {
        clientMs: round(t.clientMs / t.spawns, 4),
        sidecarMs: hasSidecar ? round(t.sidecarMs / t.spawns, 4) : null,
        totalMs: round((t.clientMs + (hasSidecar ? t.sidecarMs : 0)) / t.spawns, 4),
      },
    }
  }
  const ratios: SpawnRoundTrip["ratios"] = {}
  const compare = (a: Backend, b: Backend) => {
    const x = backends[a]
    const y = backends[b]
    if (x && y) ratios[`${a}/${b}`] = { p50: ratio(x.p50, y.p50), p99: ratio(x.p99, y.p99), cpu: ratio(x.cpu.totalMs, y.cpu.totalMs) }
  }
  compare("supervisor", "baseline")
  compare("supervisor", "bare")
  compare("baseline", "bare")
  compare("supervisor-nocgroup", "baseline")
  compare("supervisor", "supervisor-nocgroup")
  compare("supervisor-fork", "baseline")
  compare("supervisor", "supervisor-fork")
  return { command: ctx.trivial, warmup, iterations, backends, ratios, load: load.span() }
}
