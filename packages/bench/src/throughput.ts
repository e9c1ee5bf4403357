import { spawn } from "node:child_process"
import type { Readable } from "node:stream"
import { cpuMs, fdKind, readRssKib, threads } from "@pawwork/harness"
import type { ProcessApi } from "@pawwork/process"
import { nodeCpuMs, now } from "./clock.js"
import type { Context } from "./context.js"
import { sidecarPid } from "./sidecar.js"
import { median, ratio, round } from "./stats.js"
import type { Throughput } from "./types.js"

interface Flood {
  ms: number
  nodeCpuMs: number
}

/** Counts a stream's bytes as fast as Node hands them over; resolves with the total at its end. */
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

/** The reference: a Node child's stdout pipe, read directly. */
async function direct(argv: string[], bytes: number): Promise<Flood> {
  const cpu = process.cpuUsage()
  const t = now()
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "ignore"] })
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject)
    child.once("close", (code) => resolve(code))
  })
  const got = await consume(child.stdout)
  const code = await exit
  const ms = now() - t
  check("direct pipe", got, bytes, code)
  return { ms, nodeCpuMs: nodeCpuMs(cpu) }
}

async function viaApi(api: ProcessApi, argv: string[], bytes: number): Promise<Flood> {
  const cpu = process.cpuUsage()
  const t = now()
  const child = api.spawn(argv, { stdout: "pipe" })
  const [got, code] = await Promise.all([consume(child.stdout!), child.exited])
  const ms = now() - t
  check(api.backend, got, bytes, code)
  return { ms, nodeCpuMs: nodeCpuMs(cpu) }
}

/** MB/s (10^6 bytes) of a large stdout flood, read through each path; the paths take turns per rep. */
export async function measureThroughput(ctx: Context, baseline: ProcessApi, supervisor: ProcessApi): Promise<Throughput> {
  const { bytes, reps } = ctx.sizes.throughput
  const argv = [ctx.bins.fixture, "flood", "--bytes", String(bytes)]
  const sidecar = sidecarPid(supervisor)
  const mbps = (f: Flood) => round(bytes / 1e6 / (f.ms / 1000), 1)
  const samples = { direct: [] as number[], baseline: [] as number[], supervisor: [] as number[] }
  let supCpu = 0
  let supNode = 0
  let directNode = 0
  let peak = readRssKib(sidecar) ?? 0
  let peakThreads = threads(sidecar) ?? 0

  for (let rep = 0; rep < reps; rep++) {
    const order = ["direct", "baseline", "supervisor"] as const
    for (let k = 0; k < order.length; k++) {
      const which = order[(rep + k) % order.length]!
      if (which === "direct") {
        const f = await direct(argv, bytes)
        samples.direct.push(mbps(f))
        directNode += f.nodeCpuMs
      } else if (which === "baseline") {
        samples.baseline.push(mbps(await viaApi(baseline, argv, bytes)))
      } else {
        const before = cpuMs(sidecar) ?? 0
        const sampler = setInterval(() => {
          peak = Math.max(peak, readRssKib(sidecar) ?? 0)
          peakThreads = Math.max(peakThreads, threads(sidecar) ?? 0)
        }, 20)
        try {
          const f = await viaApi(supervisor, argv, bytes)
          samples.supervisor.push(mbps(f))
          supNode += f.nodeCpuMs
        } finally {
          clearInterval(sampler)
        }
        supCpu += (cpuMs(sidecar) ?? before) - before
      }
    }
    ctx.log(`throughput: rep ${rep + 1}/${reps}`)
  }
  const gb = (bytes * reps) / 1e9
  const direct_ = { mbPerSec: median(samples.direct), samples: samples.direct }
  const supervisor_ = {
    mbPerSec: median(samples.supervisor),
    samples: samples.supervisor,
    sidecarPeakRssKib: peak,
    sidecarCpuMsPerGb: round(supCpu / gb, 1),
    nodeCpuMsPerGb: round(supNode / gb, 1),
    sidecarPeakThreads: peakThreads,
    sidecarStdout: fdKind(sidecar, 1),
  }
  return {
    bytes,
    reps,
    direct: direct_,
    baseline: { mbPerSec: median(samples.baseline), samples: samples.baseline },
    supervisor: supervisor_,
    directNodeCpuMsPerGb: round(directNode / gb, 1),
    ratio: ratio(supervisor_.mbPerSec, direct_.mbPerSec),
  }
}
