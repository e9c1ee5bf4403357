import { spawn } from "node:child_process"
import { createProcess } from "@pawwork/process"
import { now } from "./clock.js"
import type { Context } from "./context.js"
import { LoadTracker } from "./load.js"
import { round, summarize } from "./stats.js"
import type { SidecarInfo, SidecarStart } from "./types.js"

export interface Hello {
  version?: string
  capabilities?: { cgroup?: string | null; spawn?: string; output?: string; pidfd?: boolean; subreaper?: boolean }
  limits?: { output_window?: number }
}

/**
 * Starts the sidecar binary directly and times it until its first frame (`hello`) is complete; then closes
 * its stdin (the documented way to end it) and waits for it to exit. Independent of the client library, so
 * it is the sidecar's own start-up cost.
 */
export function readHello(binary: string): Promise<{ ms: number; hello: Hello }> {
  return new Promise((resolve, reject) => {
    const t = now()
    const proc = spawn(binary, [], { stdio: ["pipe", "pipe", "ignore"] })
    let buf = Buffer.alloc(0)
    let result: { ms: number; hello: Hello } | null = null
    proc.once("error", reject)
    proc.stdout.on("data", (chunk: Buffer) => {
      if (result) return
      buf = Buffer.concat([buf, chunk])
      if (buf.length < 8) return
      const headerLen = buf.readUInt32BE(0)
      const payloadLen = buf.readUInt32BE(4)
      if (buf.length < 8 + headerLen + payloadLen) return
      const ms = now() - t
      result = { ms, hello: JSON.parse(buf.subarray(8, 8 + headerLen).toString("utf8")) as Hello }
      proc.stdin.end()
    })
    proc.stdout.resume()
    proc.once("exit", (code) => {
      if (result) resolve(result)
      else reject(new Error(`the sidecar exited (${code}) before saying hello`))
    })
  })
}

/** What the sidecar announced about itself, for the report's machine section. */
export async function sidecarInfo(binary: string): Promise<SidecarInfo> {
  const { hello } = await readHello(binary)
  return {
    binary,
    version: hello.version ?? null,
    cgroup: hello.capabilities?.cgroup ?? null,
    spawn: hello.capabilities?.spawn ?? null,
    output: hello.capabilities?.output ?? null,
    pidfd: hello.capabilities?.pidfd ?? null,
    subreaper: hello.capabilities?.subreaper ?? null,
    outputWindow: hello.limits?.output_window ?? null,
  }
}

export async function measureSidecarStart(ctx: Context, steadyP50: number): Promise<SidecarStart> {
  const { samples } = ctx.sizes.sidecarStart
  const hello: number[] = []
  const first: number[] = []
  const down: number[] = []
  const load = new LoadTracker()
  for (let i = 0; i < samples; i++) {
    const h = await readHello(ctx.bins.supervisor)
    hello.push(h.ms)
    // A fresh backend each time: its first spawn pays for starting the sidecar.
    const api = createProcess({ backend: "supervisor", supervisorPath: ctx.bins.supervisor })
    const t = now()
    const code = await api.spawn(ctx.trivial).exited
    first.push(now() - t)
    if (code !== 0) throw new Error(`first spawn through a fresh sidecar ended with ${code}`)
    const s = now()
    await api.shutdown()
    down.push(now() - s)
    load.sample()
  }
  const firstSpawn = summarize(first)
  return {
    samples,
    hello: summarize(hello),
    firstSpawn,
    shutdown: summarize(down),
    startCostMs: round(firstSpawn.p50 - steadyP50),
    load: load.span(),
  }
}
