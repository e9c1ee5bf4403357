import { spawn, type ChildProcess } from "node:child_process"
import os from "node:os"
import { createProcess, type ProcessApi } from "@pawwork/process"
import { now } from "./clock.js"
import type { Context } from "./context.js"
import { LoadTracker } from "./load.js"
import { ratio, summarize } from "./stats.js"
import type { BlockBackend, SpawnBlock, Summary } from "./types.js"

/**
 * How long `spawn()` itself blocks the caller: from the call to its return, with the pid set. Node's and
 * Bun's own spawn fork and exec synchronously; the supervisor's sends the spawn on the spawn channel and
 * waits for the sidecar's answer (docs/reference/design.md, "pid when spawn returns"). Measured for the steady
 * state, beside a CPU hog on every core, and for the first spawn of a fresh backend (the supervisor's
 * starts its sidecar and waits for its hello).
 */
type Spawner = (argv: string[]) => { pid: number | undefined; done: Promise<unknown> }

function bareSpawner(): Spawner {
  return (argv) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: "ignore" })
    return { pid: child.pid, done: new Promise((resolve) => child.once("exit", resolve)) }
  }
}

function apiSpawner(api: ProcessApi): Spawner {
  return (argv) => {
    const child = api.spawn(argv)
    return { pid: child.pid, done: child.exited }
  }
}

/** One timed spawn: the block, then the exit awaited outside the timing. */
async function timed(spawner: Spawner, argv: string[]): Promise<number> {
  const t = now()
  const { pid, done } = spawner(argv)
  const ms = now() - t
  if (pid === undefined) throw new Error(`${argv.join(" ")} returned from spawn() without a pid`)
  await done
  return ms
}

/** Backends in turns of `size`, the first one rotating, as the round trip does. */
async function blocks(ctx: Context, spawners: Map<BlockBackend, Spawner>, count: number, size: number): Promise<Map<BlockBackend, number[]>> {
  const times = new Map<BlockBackend, number[]>([...spawners.keys()].map((b) => [b, []]))
  const order = [...spawners.keys()]
  for (let round = 0; round * size < count; round++) {
    for (let k = 0; k < order.length; k++) {
      const backend = order[(round + k) % order.length]!
      for (let i = 0; i < Math.min(size, count - round * size); i++) times.get(backend)!.push(await timed(spawners.get(backend)!, ctx.trivial))
    }
  }
  return times
}

/** A busy loop per core, at the priority of this process: the load the loaded figures run beside. */
function startHogs(): ChildProcess[] {
  return Array.from({ length: os.cpus().length }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }))
}

async function stopHogs(hogs: ChildProcess[]): Promise<void> {
  await Promise.all(
    hogs.map((h) => {
      if (h.exitCode !== null || h.signalCode !== null) return Promise.resolve()
      const gone = new Promise((resolve) => h.once("exit", resolve))
      h.kill("SIGKILL")
      return gone
    }),
  )
}

const summaries = (times: Map<BlockBackend, number[]>) =>
  Object.fromEntries([...times].map(([b, t]) => [b, summarize(t)])) as Partial<Record<BlockBackend, Summary>>

function ratios(s: Partial<Record<BlockBackend, Summary>>): SpawnBlock["ratios"][string] {
  const sup = s.supervisor!
  return {
    "supervisor/bare": { p50: ratio(sup.p50, s.bare!.p50), p99: ratio(sup.p99, s.bare!.p99) },
    "supervisor/baseline": { p50: ratio(sup.p50, s.baseline!.p50), p99: ratio(sup.p99, s.baseline!.p99) },
  }
}

/** The first spawn of a fresh backend, `samples` times (each supervisor one starts a sidecar). */
async function firstSpawns(ctx: Context, samples: number): Promise<Partial<Record<BlockBackend, Summary>>> {
  const times = new Map<BlockBackend, number[]>([["bare", []], ["baseline", []], ["supervisor", []]])
  for (let i = 0; i < samples; i++) {
    times.get("bare")!.push(await timed(bareSpawner(), ctx.trivial))
    for (const backend of ["baseline", "supervisor"] as const) {
      const api = createProcess({ backend, supervisorPath: ctx.bins.supervisor })
      times.get(backend)!.push(await timed(apiSpawner(api), ctx.trivial))
      await api.shutdown()
    }
  }
  return summaries(times)
}

export async function measureSpawnBlock(ctx: Context, apis: { baseline: ProcessApi; supervisor: ProcessApi }): Promise<SpawnBlock> {
  const { samples, block, first } = ctx.sizes.spawnBlock
  const spawners = new Map<BlockBackend, Spawner>([
    ["bare", bareSpawner()],
    ["baseline", apiSpawner(apis.baseline)],
    ["supervisor", apiSpawner(apis.supervisor)],
  ])
  const idleLoad = new LoadTracker()
  const steady = summaries(await blocks(ctx, spawners, samples, block))
  idleLoad.sample()
  ctx.log("spawn block: beside a CPU hog on every core")
  const hogs = startHogs()
  let loaded: Partial<Record<BlockBackend, Summary>>
  const busyLoad = new LoadTracker()
  try {
    loaded = summaries(await blocks(ctx, spawners, samples, block))
    busyLoad.sample()
  } finally {
    await stopHogs(hogs)
  }
  ctx.log("spawn block: first spawns")
  const firstLoad = new LoadTracker()
  const firsts = await firstSpawns(ctx, first)
  firstLoad.sample()
  return {
    command: ctx.trivial,
    samples,
    firstSamples: first,
    hogs: hogs.length,
    steady,
    loaded,
    first: firsts,
    ratios: { steady: ratios(steady), loaded: ratios(loaded), first: ratios(firsts) },
    load: { steady: idleLoad.span(), loaded: busyLoad.span(), first: firstLoad.span() },
  }
}
