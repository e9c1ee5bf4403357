import { cpuMs, readRssKib } from "@pawwork/harness"
import { createProcess, type Child, type ProcessApi } from "@pawwork/process"
import { atMost, now, sleep } from "./clock.js"
import type { Context } from "./context.js"
import { LoadTracker } from "./load.js"
import { sidecarPid, watchdogPid } from "./sidecar.js"
import { round } from "./stats.js"
import type { LiveChildren, Memory } from "./types.js"

/** A slow consumer takes one chunk, then pauses this long: a few MB/s, far below what the flood writes. */
const SLOW_PAUSE_MS = 10
/** Never reached within the run: the flood is cancelled once the sampling time is over. */
const ENDLESS_FLOOD = String(64 * 1024 ** 3)

/** Each measurement gets a sidecar of its own, so one's heap growth does not show up in the next. */
async function freshSupervisor(ctx: Context): Promise<{ api: ProcessApi; pid: number }> {
  const api = createProcess({ backend: "supervisor", supervisorPath: ctx.bins.supervisor })
  const code = await api.spawn(ctx.trivial).exited
  if (code !== 0) throw new Error(`warm-up spawn ended with ${code}`)
  return { api, pid: sidecarPid(api) }
}

function mustRss(pid: number): number {
  const kib = readRssKib(pid)
  if (kib === null) throw new Error(`sidecar ${pid} is gone`)
  return kib
}

async function idle(ctx: Context): Promise<{ rss: number; watchdog: number | null }> {
  const { api, pid } = await freshSupervisor(ctx)
  try {
    await sleep(ctx.sizes.memory.settleMs)
    const dog = watchdogPid(pid)
    return { rss: mustRss(pid), watchdog: dog === null ? null : readRssKib(dog) }
  } finally {
    await api.shutdown()
  }
}

/** N sleeping children with piped stdout and stderr: RSS, idle CPU, and how long spawning and shutdown take. */
async function live(ctx: Context, n: number, idleKib: number): Promise<LiveChildren> {
  const { api, pid } = await freshSupervisor(ctx)
  const children: Child[] = []
  try {
    const t = now()
    for (let i = 0; i < n; i++) children.push(api.spawn([ctx.bins.fixture, "sleep"], { stdout: "pipe", stderr: "pipe" }))
    for (const c of children) void c.exited.catch(() => undefined)
    const pids = await Promise.all(children.map((c) => c.spawned))
    const spawnAllMs = now() - t
    if (pids.some((p) => p === undefined)) throw new Error(`${pids.filter((p) => p === undefined).length} of ${n} sleepers failed to start`)
    await sleep(ctx.sizes.memory.settleMs)
    const rss = mustRss(pid)
    const before = cpuMs(pid)!
    const c0 = now()
    await sleep(ctx.sizes.memory.idleCpuMs)
    const idleCpuPercent = ((cpuMs(pid)! - before) / (now() - c0)) * 100
    const s = now()
    await api.shutdown()
    return { children: n, rssKib: rss, rssPerChildKib: round((rss - idleKib) / n, 1), idleCpuPercent: round(idleCpuPercent, 2), spawnAllMs: round(spawnAllMs, 1), shutdownMs: round(now() - s, 1) }
  } finally {
    await api.shutdown()
  }
}

/** A flood read by a consumer that pauses after every chunk: the credit window should cap the sidecar's memory. */
async function slowConsumer(ctx: Context): Promise<Memory["slowConsumer"]> {
  const { api, pid } = await freshSupervisor(ctx)
  try {
    await sleep(ctx.sizes.memory.settleMs)
    const idleRssKib = mustRss(pid)
    const ac = new AbortController()
    const child = api.spawn([ctx.bins.fixture, "flood", "--bytes", ENDLESS_FLOOD], { stdout: "pipe", abort: ac.signal, timeout: 200 })
    void child.exited.catch(() => undefined)
    const out = child.stdout!
    let consumed = 0
    let slow = true
    out.on("data", (chunk: Buffer) => {
      consumed += chunk.length
      if (!slow) return
      out.pause()
      setTimeout(() => out.resume(), SLOW_PAUSE_MS)
    })
    let peak = idleRssKib
    const t = now()
    while (now() - t < ctx.sizes.memory.slowMs) {
      peak = Math.max(peak, readRssKib(pid) ?? 0)
      await sleep(20)
    }
    const durationMs = now() - t
    const consumedBytes = consumed
    // Read at full speed from here, so the cancel's drain is not held up by our own slowness.
    slow = false
    out.resume()
    ac.abort()
    await atMost(child.outcome.catch(() => undefined), 10_000)
    return {
      durationMs: round(durationMs, 1),
      consumedBytes,
      consumerMbps: round(consumedBytes / 1e6 / (durationMs / 1000), 2),
      peakRssKib: peak,
      idleRssKib,
    }
  } finally {
    await api.shutdown()
  }
}

export async function measureMemory(ctx: Context): Promise<Memory> {
  const load = new LoadTracker()
  const quiet = await idle(ctx)
  ctx.log(`memory: idle sidecar ${quiet.rss} KiB`)
  const levels: LiveChildren[] = []
  for (const n of ctx.sizes.memory.live) {
    levels.push(await live(ctx, n, quiet.rss))
    ctx.log(`memory: ${n} live children done`)
  }
  const slow = await slowConsumer(ctx)
  ctx.log("memory: slow consumer done")
  return { idleRssKib: quiet.rss, watchdogRssKib: quiet.watchdog, load: load.span(), live: levels, slowConsumer: slow }
}
