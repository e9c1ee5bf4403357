import { spawn } from "node:child_process"
import type { Readable, Writable } from "node:stream"
import type { ProcessApi } from "@pawwork/process"
import { cpuMs } from "@pawwork/harness"
import { clientCpuMs, now } from "./clock.js"
import type { Context } from "./context.js"
import { LoadTracker } from "./load.js"
import { ratio, round, summarize } from "./stats.js"
import type { MessageLatency, MessagePath } from "./types.js"

/** A running echo child: the pipes a request/response exchange goes through, and how to end it. */
interface Echo {
  stdin: Writable
  stdout: Readable
  end(): Promise<void>
}

/** The child started with the runtime's own child_process: no framework between the client and the pipes. */
function directEcho(argv: string[]): Echo {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "ignore"] })
  const exited = new Promise<void>((resolve, reject) => {
    child.once("error", reject)
    child.once("exit", () => resolve())
  })
  return {
    stdin: child.stdin!,
    stdout: child.stdout!,
    async end() {
      child.stdin!.end()
      await exited
    },
  }
}

function apiEcho(api: ProcessApi, argv: string[]): Echo {
  const child = api.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "ignore" })
  return {
    stdin: child.stdin!,
    stdout: child.stdout!,
    async end() {
      child.stdin!.end()
      await child.exited
    },
  }
}

/**
 * Sends `message` and resolves once as many bytes came back: one exchange with an echo child, as a JSON-RPC
 * client waits for the response to a small request. The reader is attached once per path and counts bytes,
 * so a response split across chunks (or two joined) is timed by its last byte.
 */
class Exchanger {
  private pending = 0
  private done: (() => void) | null = null

  constructor(private readonly echo: Echo) {
    echo.stdout.on("data", (chunk: Buffer) => {
      this.pending -= chunk.length
      if (this.pending <= 0 && this.done) {
        const d = this.done
        this.done = null
        d()
      }
    })
  }

  exchange(message: Buffer): Promise<void> {
    this.pending += message.length
    const back = new Promise<void>((resolve) => (this.done = resolve))
    this.echo.stdin.write(message)
    return back
  }
}

/**
 * Request/response latency over a child's stdin and stdout: 1 KiB messages to an echo child
 * (`pawwork-fixture echo-stdin`, which writes back what it reads as it reads it), one at a time, the same
 * child for the whole series, so what is timed is the message path alone. The paths take turns in blocks.
 */
export async function measureMessageLatency(ctx: Context, apis: { baseline: ProcessApi; supervisor: ProcessApi }): Promise<MessageLatency> {
  const { warmup, iterations, block, bytes } = ctx.sizes.messages
  const argv = [ctx.bins.fixture, "echo-stdin"]
  const message = Buffer.alloc(bytes, 0x61)
  const echoes: Record<MessagePath, Echo> = {
    direct: directEcho(argv),
    baseline: apiEcho(apis.baseline, argv),
    supervisor: apiEcho(apis.supervisor, argv),
  }
  const paths = Object.keys(echoes) as MessagePath[]
  const exchangers = new Map(paths.map((p) => [p, new Exchanger(echoes[p])]))
  const times = new Map<MessagePath, number[]>(paths.map((p) => [p, []]))
  const cpu = new Map<MessagePath, number>(paths.map((p) => [p, 0]))
  const sidecar = apis.supervisor.sidecarPid
  if (sidecar === undefined) throw new Error("the supervisor's sidecar is not running: no message path to measure")
  let sidecarMs = 0
  try {
    for (const p of paths) for (let i = 0; i < warmup; i++) await exchangers.get(p)!.exchange(message)
    const load = new LoadTracker()
    const rounds = Math.ceil(iterations / block)
    for (let r = 0; r < rounds; r++) {
      const count = Math.min(block, iterations - r * block)
      for (let k = 0; k < paths.length; k++) {
        const p = paths[(r + k) % paths.length]!
        const ex = exchangers.get(p)!
        const into = times.get(p)!
        const before = process.cpuUsage()
        const sidecarBefore = p === "supervisor" ? cpuMs(sidecar) : null
        for (let i = 0; i < count; i++) {
          const t = now()
          await ex.exchange(message)
          into.push(now() - t)
        }
        cpu.set(p, cpu.get(p)! + clientCpuMs(before))
        if (sidecarBefore !== null) {
          const after = cpuMs(sidecar)
          if (after === null || apis.supervisor.sidecarPid !== sidecar) throw new Error(`the sidecar (pid ${sidecar}) went away mid-block`)
          sidecarMs += after - sidecarBefore
        }
      }
      load.sample()
    }
    const summaries = Object.fromEntries(
      paths.map((p) => [p, { ...summarize(times.get(p)!), clientCpuMs: round(cpu.get(p)! / iterations, 4), sidecarCpuMs: p === "supervisor" ? round(sidecarMs / iterations, 4) : null }]),
    ) as MessageLatency["paths"]
    const ratios: MessageLatency["ratios"] = {}
    for (const [a, b] of [["supervisor", "baseline"], ["supervisor", "direct"], ["baseline", "direct"]] as const) {
      ratios[`${a}/${b}`] = { p50: ratio(summaries[a].p50, summaries[b].p50), p99: ratio(summaries[a].p99, summaries[b].p99) }
    }
    return { command: argv, bytes, warmup, iterations, paths: summaries, ratios, load: load.span() }
  } finally {
    for (const p of paths) await echoes[p].end().catch(() => undefined)
  }
}
