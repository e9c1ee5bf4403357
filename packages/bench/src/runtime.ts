import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { repoRoot } from "@pawwork/harness"
import { toCamelKeys, toSnakeKeys } from "./json-case.js"
import type { Binaries } from "./paths.js"
import type { ClientRun, Mode, RuntimeName } from "./types.js"

/*
 * The client side under Bun, as packages/matrix does it: a Bun process of its own (the pinned devDependency
 * node_modules/.bin/bun) runs the same compiled measurements (worker.ts), so the Process API, its child
 * processes and its event loop are Bun's. It hands its figures back in a temporary file.
 */

/** The runtime executing this code: Bun sets `process.versions.bun`, Node does not. */
export function currentRuntime(): RuntimeName {
  return (process.versions as Record<string, string | undefined>).bun ? "bun" : "node"
}

export function runtimeVersion(): string {
  const v = process.versions as Record<string, string | undefined>
  return v.bun ?? v.node ?? "unknown"
}

export const runtimeLabel = (r: RuntimeName): string => (r === "bun" ? "Bun" : "Node")

export function bunPath(root = repoRoot()): string {
  return join(root, "node_modules", ".bin", "bun")
}

/** What the worker is asked to measure. */
export interface WorkerSpec {
  mode: Mode
  bins: Binaries
  withNoCgroup: boolean
}

/** Runs the client measurements under Bun; a reason instead when Bun is missing or the worker failed. */
export async function runUnderBun(spec: WorkerSpec, log: (m: string) => void): Promise<ClientRun | { reason: string }> {
  const bun = bunPath()
  if (!existsSync(bun)) return { reason: `Bun is not installed (${bun} is missing; npm install puts the pinned devDependency there)` }
  const dir = mkdtempSync(join(tmpdir(), "pawwork-bench-bun-"))
  try {
    const specPath = join(dir, "spec.json")
    const outPath = join(dir, "client.json")
    writeFileSync(specPath, JSON.stringify(toSnakeKeys(spec)))
    const worker = fileURLToPath(new URL("./worker.js", import.meta.url))
    const { code, stderr } = await runWorker(bun, [worker, specPath, outPath], log)
    if (!existsSync(outPath)) {
      const tail = stderr.trim().split("\n").slice(-3).join(" | ")
      return { reason: `the Bun worker exited (${code}) before writing its figures${tail ? `: ${tail}` : ""}` }
    }
    const got = toCamelKeys(JSON.parse(readFileSync(outPath, "utf8"))) as unknown as ClientRun
    // The label must be the runtime that really measured, never the one asked for.
    if (got.runtime !== "bun") return { reason: `the Bun worker reported running under ${got.runtime}, so its figures are not Bun's` }
    return got
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function runWorker(bin: string, args: string[], log: (m: string) => void): Promise<{ code: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    let partial = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n")
      partial = lines.pop() ?? ""
      for (const line of lines) log(line)
    })
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk
      // Kept bounded: only the tail is quoted in a not-run reason.
      if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024)
    })
    child.once("error", (err) => resolve({ code: err.message, stderr }))
    child.once("close", (code, signal) => {
      if (partial) log(partial)
      resolve({ code: signal ? `signal ${signal}` : `exit ${code}`, stderr })
    })
  })
}
