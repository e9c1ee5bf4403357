import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

/*
 * Measuring under several runtimes: the Node running this code ("node"), the pinned Nodes
 * (scripts/node-runtimes.mjs owns their pins and their install: "node22", "node24") and Bun (the pinned
 * devDependency node_modules/.bin/bun). What is measured under a runtime other than this process's runs in a
 * process of that runtime executing the same compiled code as a worker, so the Process API, its child
 * processes and its event loop are that runtime's. The worker reads its task from a JSON file and writes its
 * result to another. Shared by the matrix and the bench, which run different workers the same way.
 */

/** "node" (the Node running this code), "node22", "node24" (pinned Nodes, by major), or "bun". */
export type RuntimeName = "node" | `node${number}` | "bun"

/** What kind of runtime executes code: Bun sets `process.versions.bun`, Node does not. */
export type RuntimeKind = "node" | "bun"

/** The runtime executing this code. */
export function currentRuntime(): RuntimeKind {
  return (process.versions as Record<string, string | undefined>).bun ? "bun" : "node"
}

export function runtimeVersion(): string {
  const v = process.versions as Record<string, string | undefined>
  return v.bun ?? v.node ?? "unknown"
}

export const runtimeKind = (r: RuntimeName): RuntimeKind => (r === "bun" ? "bun" : "node")

/** "Node", "Node 24", "Bun": how reports name a runtime. */
export function runtimeLabel(r: RuntimeName): string {
  if (r === "bun") return "Bun"
  return r === "node" ? "Node" : `Node ${r.slice("node".length)}`
}

/** A `--runtime` word: node, bun, or node followed by a major version. */
export function isRuntimeName(text: string): text is RuntimeName {
  return text === "node" || text === "bun" || /^node[1-9]\d*$/.test(text)
}

/**
 * Table order: Nodes by major (the running Node by its own version's major, before a pinned Node of the
 * same major), then Bun. `nodeVersion` is the running Node's version when it is not this process's.
 */
export function compareRuntimes(a: RuntimeName, b: RuntimeName, nodeVersion = process.versions.node ?? "0"): number {
  const rank = (r: RuntimeName) => (r === "bun" ? [Infinity, 0] : r === "node" ? [Number.parseInt(nodeVersion, 10) || 0, 0] : [Number(r.slice(4)), 1])
  const [ma, ta] = rank(a)
  const [mb, tb] = rank(b)
  return ma! - mb! || ta! - tb!
}

export function bunPath(root: string): string {
  return join(root, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun")
}

/** What scripts/node-runtimes.mjs exports (it is plain JavaScript, imported at run time). */
interface NodeRuntimesModule {
  PINS: Record<string, { package: string; version: string; host: { platform: string; arch: string } | null }>
  hostRuntimes(): string[]
  installedPath(id: string): string | null
  installHint(id: string): string
}

function nodeRuntimes(root: string): Promise<NodeRuntimesModule> {
  return import(pathToFileURL(join(root, "scripts", "node-runtimes.mjs")).href) as Promise<NodeRuntimesModule>
}

/** The pinned Nodes this host runs natively, oldest first ("node22", "node24"; none off Linux x64). */
export async function pinnedNodes(root: string): Promise<RuntimeName[]> {
  return (await nodeRuntimes(root)).hostRuntimes() as RuntimeName[]
}

/**
 * Where a runtime comes from. `binary` null: this process (the running Node). `version` is the version the
 * worker must report: the pin's for a pinned Node, this process's for "node", null for Bun (its version is
 * what the binary says).
 */
export type ResolvedRuntime = { name: RuntimeName; binary: string | null; version: string | null } | { name: RuntimeName; reason: string }

/**
 * Finds `name` without installing anything: a pinned Node that is not installed, not pinned for this host,
 * or Bun missing, gives the reason instead (its cells are then "not run", never passed).
 */
export async function resolveRuntime(root: string, name: RuntimeName): Promise<ResolvedRuntime> {
  if (name === "node") {
    if (currentRuntime() !== "node") return { name, reason: `"node" is the Node running the harness, which is ${currentRuntime()} here` }
    return { name, binary: null, version: runtimeVersion() }
  }
  if (name === "bun") {
    const bun = bunPath(root)
    return existsSync(bun) ? { name, binary: bun, version: null } : { name, reason: `Bun is not installed (${bun} is missing; npm install puts the pinned devDependency there)` }
  }
  const mod = await nodeRuntimes(root)
  const pin = Object.hasOwn(mod.PINS, name) ? mod.PINS[name] : undefined
  if (!pin || !pin.host) return { name, reason: `${name} is not a pinned Node (pinned: ${mod.hostRuntimes().join(", ") || "none for this host"})` }
  if (pin.host.platform !== process.platform || pin.host.arch !== process.arch) {
    return { name, reason: `${name} is pinned for ${pin.host.platform}-${pin.host.arch} only (${pin.package}), not ${process.platform}-${process.arch}` }
  }
  const binary = mod.installedPath(name)
  return binary ? { name, binary, version: pin.version } : { name, reason: `Node ${pin.version} (${name}) is not installed: ${mod.installHint(name)}` }
}

/**
 * Why a worker's own report of its runtime does not match the runtime it was started as, or null when it
 * does: a label must name the runtime that really ran, never the one asked for.
 */
export function workerMismatch(expected: { name: RuntimeName; version: string | null }, got: { runtime: string; version: string }): string | null {
  const kind = runtimeKind(expected.name)
  if (got.runtime !== kind) return `the ${runtimeLabel(expected.name)} worker reported running under ${got.runtime}, so its results are not ${runtimeLabel(expected.name)}'s`
  if (expected.version !== null && got.version !== expected.version) {
    return `the ${runtimeLabel(expected.name)} worker reported version ${got.version}, not the expected ${expected.version}`
  }
  return null
}

export interface WorkerRun {
  /** The runtime's binary (a pinned Node, or bunPath). */
  binary: string
  /** How messages name it ("Bun", "Node 24"). */
  label: string
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
 * Runs `worker` under `binary` and returns the JSON it wrote, or the reason it did not: the binary missing,
 * or the worker ending before writing (with the tail of its stderr). The caller checks the result is the
 * runtime's (workerMismatch).
 */
export async function runWorker(run: WorkerRun): Promise<{ output: unknown } | { reason: string }> {
  if (!existsSync(run.binary)) return { reason: `${run.label} is not installed (${run.binary} is missing)` }
  const dir = mkdtempSync(join(tmpdir(), run.tmpPrefix))
  try {
    const specPath = join(dir, "spec.json")
    const outPath = join(dir, "output.json")
    writeFileSync(specPath, JSON.stringify(run.spec))
    const { code, stderr } = await runProcess(run, [run.worker, specPath, outPath])
    if (!existsSync(outPath)) {
      const tail = stderr.trim().split("\n").slice(-3).join(" | ")
      return { reason: `the ${run.label} worker exited (${code}) before writing its output${tail ? `: ${tail}` : ""}` }
    }
    return { output: JSON.parse(readFileSync(outPath, "utf8")) as unknown }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function runProcess(run: WorkerRun, args: string[]): Promise<{ code: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(run.binary, args, { cwd: run.cwd, stdio: ["ignore", "pipe", "pipe"] })
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
