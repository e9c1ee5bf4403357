import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { FlakeRegister } from "./flakes.js"
import { summarizeCell } from "./stats.js"
import type { BackendName, Cell, Scenario, RuntimeName } from "./types.js"

/*
 * The matrix measures the Process API under each runtime PawWork runs it on. Node cells run in the
 * matrix's own process; Bun cells run in a Bun process of their own (the pinned devDependency
 * node_modules/.bin/bun) executing the same compiled runner (worker.ts), so the Process API, its child
 * processes and its event loop are Bun's. The worker hands its cells back in a temporary file.
 */

/** The runtime executing this code: Bun sets `process.versions.bun`, Node does not. */
export function currentRuntime(): RuntimeName {
  return (process.versions as Record<string, string | undefined>).bun ? "bun" : "node"
}

export function runtimeVersion(): string {
  const v = process.versions as Record<string, string | undefined>
  return v.bun ?? v.node ?? "unknown"
}

/** "Node", "Bun": how the report names a runtime. */
export function runtimeLabel(r: RuntimeName): string {
  return r === "bun" ? "Bun" : "Node"
}

export function bunPath(root: string): string {
  return join(root, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun")
}

/** What the worker is asked to run: everything runMatrix needs that a command line cannot carry well. */
export interface WorkerSpec {
  runs: number
  scenarios: string[]
  backends: BackendName[]
  graceMs: number
  slackMs: number
  hardTimeoutMs: number
  flakes: FlakeRegister
}

/** What the worker writes back. */
export interface WorkerOutput {
  runtime: RuntimeName
  version: string
  cells: Cell[]
  rssKib: number[]
}

export interface BunRun {
  /** Bun's version as the worker reported it, or null when no worker finished. */
  version: string | null
  cells: Cell[]
  rssKib: number[]
}

/**
 * Runs `spec` under Bun and returns its cells. When Bun is missing or the worker dies before writing its
 * cells, every cell it was to run is "not run" with that reason: measured nothing, never passed.
 * The worker's progress lines are passed on to `out`, each prefixed "bun: ".
 */
export async function runUnderBun(
  spec: WorkerSpec,
  scenarios: readonly Scenario[],
  root: string,
  out: NodeJS.WritableStream,
): Promise<BunRun> {
  const bun = bunPath(root)
  const notRun = (reason: string): BunRun => ({
    version: null,
    rssKib: [],
    cells: scenarios.flatMap((f) =>
      spec.backends.map((b) =>
        summarizeCell({
          scenario: f.name,
          backend: b,
          runtime: "bun",
          control: f.control ?? false,
          expected: f.expected[b],
          records: [],
          notRun: { count: spec.runs, reason },
        }),
      ),
    ),
  })
  if (!existsSync(bun)) return notRun(`Bun is not installed (${bun} is missing; npm install puts the pinned devDependency there)`)
  const dir = mkdtempSync(join(tmpdir(), "pawwork-matrix-bun-"))
  try {
    const specPath = join(dir, "spec.json")
    const outPath = join(dir, "cells.json")
    writeFileSync(specPath, JSON.stringify(spec))
    const worker = fileURLToPath(new URL("./worker.js", import.meta.url))
    const { code, stderr } = await runWorker(bun, [worker, specPath, outPath], root, out)
    if (!existsSync(outPath)) {
      const tail = stderr.trim().split("\n").slice(-3).join(" | ")
      return notRun(`the Bun worker exited (${code}) before writing its cells${tail ? `: ${tail}` : ""}`)
    }
    const got = JSON.parse(readFileSync(outPath, "utf8")) as WorkerOutput
    // The label must be the runtime that really ran the cells, never the one asked for.
    if (got.runtime !== "bun") return notRun(`the Bun worker reported running under ${got.runtime}, so its cells are not Bun's`)
    for (const c of got.cells) c.runtime = "bun"
    return { version: got.version, cells: got.cells, rssKib: got.rssKib }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function runWorker(bin: string, args: string[], cwd: string, out: NodeJS.WritableStream): Promise<{ code: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    let partial = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n")
      partial = lines.pop() ?? ""
      for (const line of lines) out.write(`bun: ${line}\n`)
    })
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk
      // Kept bounded: only the tail is quoted in a not-run reason.
      if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024)
      out.write(chunk.replace(/^(?=.)/gm, "bun stderr: "))
    })
    child.once("error", (err) => resolve({ code: err.message, stderr }))
    child.once("close", (code, signal) => {
      if (partial) out.write(`bun: ${partial}\n`)
      resolve({ code: signal ? `signal ${signal}` : `exit ${code}`, stderr })
    })
  })
}
