import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/*
 * Measuring under Bun as well as Node: what is measured runs in a Bun process of its own (the pinned
 * devDependency node_modules/.bin/bun) executing the same compiled code as a worker, so the Process API, its
 * child processes and its event loop are Bun's. The worker reads its task from a JSON file and writes its
 * result to another. Shared by the matrix and the bench, which run different workers the same way.
 */

export type RuntimeName = "node" | "bun"

/** The runtime executing this code: Bun sets `process.versions.bun`, Node does not. */
export function currentRuntime(): RuntimeName {
  return (process.versions as Record<string, string | undefined>).bun ? "bun" : "node"
}

export function runtimeVersion(): string {
  const v = process.versions as Record<string, string | undefined>
  return v.bun ?? v.node ?? "unknown"
}

/** "Node", "Bun": how reports name a runtime. */
export function runtimeLabel(r: RuntimeName): string {
  return r === "bun" ? "Bun" : "Node"
}

export function bunPath(root: string): string {
  return join(root, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun")
}

export interface WorkerRun {
  /** The Bun binary (bunPath). */
  bun: string
  /** The compiled worker script. */
  worker: string
  /** Written as JSON for the worker to read. */
  spec: unknown
  cwd?: string
  /** Each complete line the worker prints on stdout (its progress). */
  onLine(line: string): void
  /** Each chunk the worker prints on stderr, besides the tail kept for the reason of a failure. */
  onStderr?(chunk: string): void
  /** A prefix for the temporary directory's name. */
  tmpPrefix: string
}

/**
 * Runs `worker` under Bun and returns the JSON it wrote, or the reason it did not: Bun missing, or the
 * worker ending before writing (with the tail of its stderr). The caller checks the result is Bun's.
 */
export async function runUnderBunWorker(run: WorkerRun): Promise<{ output: unknown } | { reason: string }> {
  if (!existsSync(run.bun)) return { reason: `Bun is not installed (${run.bun} is missing; npm install puts the pinned devDependency there)` }
  const dir = mkdtempSync(join(tmpdir(), run.tmpPrefix))
  try {
    const specPath = join(dir, "spec.json")
    const outPath = join(dir, "output.json")
    writeFileSync(specPath, JSON.stringify(run.spec))
    const { code, stderr } = await runProcess(run, [run.worker, specPath, outPath])
    if (!existsSync(outPath)) {
      const tail = stderr.trim().split("\n").slice(-3).join(" | ")
      return { reason: `the Bun worker exited (${code}) before writing its output${tail ? `: ${tail}` : ""}` }
    }
    return { output: JSON.parse(readFileSync(outPath, "utf8")) as unknown }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function runProcess(run: WorkerRun, args: string[]): Promise<{ code: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(run.bun, args, { cwd: run.cwd, stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    let partial = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n")
      partial = lines.pop() ?? ""
      for (const line of lines) run.onLine(line)
    })
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk
      // Kept bounded: only the tail is quoted in a failure's reason.
      if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024)
      run.onStderr?.(chunk)
    })
    child.once("error", (err) => resolve({ code: err.message, stderr }))
    child.once("close", (code, signal) => {
      if (partial) run.onLine(partial)
      resolve({ code: signal ? `signal ${signal}` : `exit ${code}`, stderr })
    })
  })
}

/**
 * A worker's entry point: `worker.js SPEC.json OUT.json`, `work` reading the one and writing the other.
 * Exits as soon as it is done, so a stray handle cannot keep the worker alive.
 */
export function workerMain(name: string, work: (specPath: string, outPath: string) => Promise<void>): void {
  const [specPath, outPath] = process.argv.slice(2)
  if (!specPath || !outPath) {
    process.stderr.write("usage: worker.js SPEC.json OUT.json\n")
    process.exit(2)
  }
  work(specPath, outPath).then(
    () => process.stdout.write("", () => process.exit(0)),
    (err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(1)
    },
  )
}
