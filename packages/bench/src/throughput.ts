import { spawn } from "node:child_process"
import type { Readable } from "node:stream"
import { cpuMs, fdKind, readRssKib, threads } from "@pawwork/harness"
import { makeRunner, readToEnd, type ProcessApi } from "@pawwork/process"
import { clientCpuMs, now } from "./clock.js"
import type { Context } from "./context.js"
import { LoadTracker } from "./load.js"
import { sidecarPid } from "./sidecar.js"
import { ratio, round, spread } from "./stats.js"
import type { Throughput, ThroughputFigure, ThroughputPath } from "./types.js"

interface Flood {
  ms: number
  clientCpuMs: number
}

/**
 * The flood's writer. `head -c N /dev/zero` rather than `pawwork-fixture flood`: measured by hand, the
 * fixture's own write rate capped the direct read and the backends alike, so the comparison measured the
 * fixture. Whatever the producer, its rate alone is measured and reported beside the others.
 */
export function producerCommand(bytes: number): string[] {
  return ["head", "-c", String(bytes), "/dev/zero"]
}

/**
 * The order the paths take turns in; every rep starts one further along, so drift hits all alike.
 * `supervisor-copy-spawn` only where the sidecar splices (the same stream with its output copied).
 */
export const PATHS: readonly ThroughputPath[] = [
  "producer",
  "direct",
  "baseline-spawn",
  "supervisor-spawn",
  "supervisor-copy-spawn",
  "baseline-run",
  "baseline-collect",
  "supervisor-run",
]

/** Counts a stream's bytes as fast as the runtime hands them over; resolves with the total at its end. */
function consume(stream: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0
    stream.on("data", (chunk: Buffer) => (n += chunk.length))
    stream.once("end", () => resolve(n))
    stream.once("error", reject)
  })
}

function check(what: string, got: number, want: number, code: number | null): void {
  if (code !== 0) throw new Error(`${what}: the flood ended with ${code}`)
  if (got !== want) throw new Error(`${what}: read ${got} bytes of ${want}`)
}

function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once("error", reject)
    child.once("close", (code) => resolve(code))
  })
}

/**
 * The producer with nobody reading: its stdout is /dev/null (through `sh -c 'exec ... >/dev/null'`, which
 * works the same under every runtime), so this is the fastest any path could go with it.
 */
async function producerAlone(argv: string[]): Promise<Flood> {
  const cpu = process.cpuUsage()
  const t = now()
  const child = spawn("sh", ["-c", 'exec "$@" >/dev/null', "sh", ...argv], { stdio: "ignore" })
  const code = await exitOf(child)
  const ms = now() - t
  check("producer alone", 0, 0, code)
  return { ms, clientCpuMs: clientCpuMs(cpu) }
}

/** The reference: a child's stdout pipe read directly with the runtime's child_process. */
async function direct(argv: string[], bytes: number): Promise<Flood> {
  const cpu = process.cpuUsage()
  const t = now()
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "ignore"] })
  const exit = exitOf(child)
  const got = await consume(child.stdout!)
  const code = await exit
  const ms = now() - t
  check("direct pipe", got, bytes, code)
  return { ms, clientCpuMs: clientCpuMs(cpu) }
}

async function viaSpawn(api: ProcessApi, argv: string[], bytes: number): Promise<Flood> {
  const cpu = process.cpuUsage()
  const t = now()
  const child = api.spawn(argv, { stdout: "pipe" })
  const [got, code] = await Promise.all([consume(child.stdout!), child.exited])
  const ms = now() - t
  check(`${api.backend} spawn`, got, bytes, code)
  return { ms, clientCpuMs: clientCpuMs(cpu) }
}

/** `run()` as its callers use it: the whole output buffered, resolved once the command has exited. */
async function viaRun(api: Pick<ProcessApi, "backend" | "run">, argv: string[], bytes: number): Promise<Flood> {
  const cpu = process.cpuUsage()
  const t = now()
  const result = await api.run(argv)
  const ms = now() - t
  check(`${api.backend} run()`, result.stdout.length, bytes, result.code)
  return { ms, clientCpuMs: clientCpuMs(cpu) }
}

/**
 * The supervisor's run() over the baseline's spawn: the same runner and collector (`readToEnd`), where the
 * baseline's own run() uses buffer() as PawWork does. Its figure is the collector's share of the run()
 * ratio, measured on the baseline's own stream.
 */
function collectedRun(baseline: ProcessApi): Pick<ProcessApi, "backend" | "run"> {
  return { backend: `${baseline.backend} + readToEnd`, run: makeRunner(baseline.spawn, readToEnd).run }
}

/**
 * MB/s (10^6 bytes) of a large stdout flood through every path; the paths take turns within each rep and the
 * first path rotates per rep. Each figure is the median of `reps` samples, with min and max, and the load
 * around its own samples.
 */
export async function measureThroughput(ctx: Context, baseline: ProcessApi, supervisor: ProcessApi, copying: ProcessApi | null): Promise<Throughput> {
  const { bytes, reps } = ctx.sizes.throughput
  const argv = producerCommand(bytes)
  const sidecar = sidecarPid(supervisor)
  const copySidecar = copying ? sidecarPid(copying) : null
  const baselineCollected = collectedRun(baseline)
  const order = PATHS.filter((p) => p !== "supervisor-copy-spawn" || copying !== null)
  const mbps = (f: Flood) => round(bytes / 1e6 / (f.ms / 1000), 1)
  const samples = Object.fromEntries(order.map((p) => [p, [] as number[]])) as Record<ThroughputPath, number[]>
  const loads = Object.fromEntries(order.map((p) => [p, new LoadTracker()])) as Record<ThroughputPath, LoadTracker>
  // CPU of the two supervisor spawn streams, client and sidecar, summed over their floods.
  const supCpu = { client: 0, sidecar: 0 }
  const copyCpu = { client: 0, sidecar: 0 }
  let directClientCpu = 0
  let peak = readRssKib(sidecar) ?? 0
  let peakThreads = threads(sidecar) ?? 0

  /** One spawn-stream flood, its client and sidecar CPU added to `tally`. */
  const streamWithCpu = async (api: ProcessApi, pid: number, tally: { client: number; sidecar: number }): Promise<Flood> => {
    const before = cpuMs(pid) ?? 0
    const f = await viaSpawn(api, argv, bytes)
    tally.client += f.clientCpuMs
    tally.sidecar += (cpuMs(pid) ?? before) - before
    return f
  }

  const once = async (path: ThroughputPath): Promise<Flood> => {
    switch (path) {
      case "producer":
        return producerAlone(argv)
      case "direct": {
        const f = await direct(argv, bytes)
        directClientCpu += f.clientCpuMs
        return f
      }
      case "baseline-spawn":
        return viaSpawn(baseline, argv, bytes)
      case "baseline-run":
        return viaRun(baseline, argv, bytes)
      case "baseline-collect":
        return viaRun(baselineCollected, argv, bytes)
      case "supervisor-copy-spawn":
        return streamWithCpu(copying!, copySidecar!, copyCpu)
      case "supervisor-spawn":
      case "supervisor-run": {
        const sampler = setInterval(() => {
          peak = Math.max(peak, readRssKib(sidecar) ?? 0)
          peakThreads = Math.max(peakThreads, threads(sidecar) ?? 0)
        }, 20)
        try {
          if (path === "supervisor-run") return await viaRun(supervisor, argv, bytes)
          // CPU per GB is the stream's: run()'s buffering would blur what the sidecar path itself costs.
          return await streamWithCpu(supervisor, sidecar, supCpu)
        } finally {
          clearInterval(sampler)
        }
      }
    }
  }

  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < order.length; k++) {
      const path = order[(rep + k) % order.length]!
      loads[path].sample()
      samples[path].push(mbps(await once(path)))
      loads[path].sample()
    }
    ctx.log(`throughput: rep ${rep + 1}/${reps}`)
  }

  const paths = figures(order, samples, loads)
  const gb = (bytes * reps) / 1e9
  const perGb = (cpu: { client: number; sidecar: number }) => ({ sidecarCpuMsPerGb: round(cpu.sidecar / gb, 1), clientCpuMsPerGb: round(cpu.client / gb, 1) })
  return {
    producer: argv,
    bytes,
    reps,
    paths,
    producerVsDirect: ratio(paths.producer?.mbPerSec ?? NaN, paths.direct?.mbPerSec ?? NaN),
    ratios: ratios(paths, copying !== null),
    supervisor: {
      sidecarPeakRssKib: peak,
      ...perGb(supCpu),
      sidecarPeakThreads: peakThreads,
      sidecarStdout: fdKind(sidecar, 1),
    },
    ...(copying ? { copy: perGb(copyCpu) } : {}),
    directClientCpuMsPerGb: round(directClientCpu / gb, 1),
  }
}

/** Each path's figure: the median of its samples, with min, max and the load around them. */
function figures(order: ThroughputPath[], samples: Record<ThroughputPath, number[]>, loads: Record<ThroughputPath, LoadTracker>): Throughput["paths"] {
  return Object.fromEntries(
    order.map((p) => {
      const s = spread(samples[p])
      const figure: ThroughputFigure = { mbPerSec: s.median, samples: samples[p], min: s.min, max: s.max, load: loads[p].span() }
      return [p, figure]
    }),
  ) as Throughput["paths"]
}

/** The ratios the report reads, of the paths' median figures; the copying path's only where it ran. */
function ratios(paths: Throughput["paths"], withCopying: boolean): Throughput["ratios"] {
  const m = (p: ThroughputPath) => paths[p]?.mbPerSec ?? NaN
  return {
    "supervisor-spawn/direct": ratio(m("supervisor-spawn"), m("direct")),
    "baseline-spawn/direct": ratio(m("baseline-spawn"), m("direct")),
    "supervisor-spawn/baseline-spawn": ratio(m("supervisor-spawn"), m("baseline-spawn")),
    "supervisor-run/baseline-run": ratio(m("supervisor-run"), m("baseline-run")),
    "supervisor-run/baseline-collect": ratio(m("supervisor-run"), m("baseline-collect")),
    "baseline-collect/baseline-run": ratio(m("baseline-collect"), m("baseline-run")),
    ...(withCopying
      ? {
          "supervisor-copy-spawn/direct": ratio(m("supervisor-copy-spawn"), m("direct")),
          "supervisor-spawn/supervisor-copy-spawn": ratio(m("supervisor-spawn"), m("supervisor-copy-spawn")),
        }
      : {}),
  }
}
