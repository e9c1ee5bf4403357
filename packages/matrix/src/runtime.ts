import { fileURLToPath } from "node:url"
import {
  compareRuntimes,
  resolveRuntime,
  runtimeKind,
  runtimeLabel,
  runWorker,
  workerMismatch,
  type ResolvedRuntime,
  type RuntimeKind,
} from "@pawwork/harness"
import type { CreateProcess } from "./api.js"
import { peerNode } from "./engines.js"
import type { FlakeRegister } from "./flakes.js"
import type { Paths } from "./paths.js"
import type { Platform } from "./platform.js"
import { createProgress, type Overall } from "./progress.js"
import { runMatrix } from "./runner.js"
import { summarizeCell } from "./stats.js"
import { BUN_BACKENDS, type BackendName, type Cell, type PackageEngines, type RuntimeInfo, type RuntimeName, type Scenario } from "./types.js"

/*
 * The matrix measures the Process API under each runtime PawWork runs it on. The cells of "node" (the Node
 * running the matrix) run in the matrix's own process; those of a pinned Node or of Bun run in a process of
 * that runtime executing the same compiled runner (worker.ts), so the Process API, its child processes and
 * its event loop are that runtime's. The worker hands its cells back in a temporary file. Runtimes run one
 * after the other, never side by side: they would compete for the same CPUs and skew each other's times.
 */

export { bunPath, currentRuntime, runtimeLabel, runtimeVersion } from "@pawwork/harness"

/** What the worker is asked to run: everything runMatrix needs that a command line cannot carry well. */
export interface WorkerSpec {
  runs: number
  scenarios: string[]
  backends: BackendName[]
  graceMs: number
  slackMs: number
  hardTimeoutMs: number
  flakes: FlakeRegister
  /** Where this worker's runs stand in the whole matrix, for the progress line's ETA. */
  overall?: Overall
}

/** What the worker writes back. */
export interface WorkerOutput {
  runtime: RuntimeKind
  version: string
  cells: Cell[]
  rssKib: number[]
}

/** One runtime of a run: where it comes from, and the backends measured under it. */
export interface RuntimePlan {
  runtime: ResolvedRuntime
  backends: BackendName[]
}

/**
 * Which backend runs under which runtime: the engines PawWork ships under every runtime asked for, each
 * comparison peer under one Node, the newest of this run's Nodes its packages declare in `engines` (the
 * newest Node when none does; the report then says so). Runtimes come in table order.
 */
export async function planRuntimes(
  root: string,
  names: readonly RuntimeName[],
  backends: readonly BackendName[],
  packages: Partial<Record<BackendName, PackageEngines[]>>,
): Promise<RuntimePlan[]> {
  const sorted = [...new Set(names)].sort((a, b) => compareRuntimes(a, b))
  const plans = await Promise.all(sorted.map(async (name) => ({ runtime: await resolveRuntime(root, name), backends: [] as BackendName[] })))
  const nodes = plans.filter((p) => runtimeKind(p.runtime.name) === "node")
  const versioned = nodes.flatMap((p) => ("version" in p.runtime && p.runtime.version !== null ? [{ plan: p, version: p.runtime.version }] : []))
  for (const backend of backends) {
    if (BUN_BACKENDS.includes(backend)) {
      for (const p of plans) p.backends.push(backend)
      continue
    }
    // A peer whose Nodes are all missing is still planned, on the last Node asked for, so its cells say why.
    const chosen = peerNode(packages[backend], versioned)?.plan ?? nodes.at(-1)
    chosen?.backends.push(backend)
  }
  return plans
}

/** What running one runtime's cells needs from the command. */
export interface RuntimeRun {
  runs: number
  scenarios: readonly Scenario[]
  graceMs: number
  slackMs: number
  hardTimeoutMs: number
  flakes: FlakeRegister
  paths: Paths
  platform: Platform
  create: CreateProcess
  out: NodeJS.WritableStream
  overall: Overall
}

export interface RuntimeResult {
  info: RuntimeInfo
  cells: Cell[]
  rssKib: number[]
}

/**
 * Runs one runtime's cells and labels each with the runtime that really ran it and its exact version. A
 * runtime that is missing, or whose worker dies before writing its cells or reports another runtime, has
 * every cell "not run" with that reason: measured nothing, never passed.
 */
export async function runRuntime(plan: RuntimePlan, run: RuntimeRun): Promise<RuntimeResult> {
  const { runtime, backends } = plan
  const notRun = (reason: string): RuntimeResult => ({
    info: { name: runtime.name, version: "not run", backends },
    rssKib: [],
    cells: run.scenarios.flatMap((f) =>
      backends.map((b) =>
        summarizeCell({
          scenario: f.name,
          backend: b,
          runtime: runtime.name,
          control: f.control ?? false,
          expected: f.expected[b],
          records: [],
          notRun: { count: run.runs, reason },
        }),
      ),
    ),
  })
  if ("reason" in runtime) return notRun(runtime.reason)
  const got = runtime.binary === null ? await runHere(backends, run) : await runThere(runtime.binary, runtime.name, backends, run)
  if ("reason" in got) return notRun(got.reason)
  const mismatch = workerMismatch(runtime, got)
  if (mismatch) return notRun(mismatch)
  for (const c of got.cells) {
    c.runtime = runtime.name
    c.runtime_version = got.version
  }
  return { info: { name: runtime.name, version: got.version, backends }, cells: got.cells, rssKib: got.rssKib }
}

/** The running Node's cells, in this process. */
async function runHere(backends: BackendName[], run: RuntimeRun): Promise<WorkerOutput> {
  const progress = createProgress({ scenarios: run.scenarios.map((f) => f.name), backends, runs: run.runs, out: run.out, overall: run.overall })
  const { cells, rssKib } = await runMatrix({
    runs: run.runs,
    scenarios: run.scenarios,
    backends,
    graceMs: run.graceMs,
    slackMs: run.slackMs,
    hardTimeoutMs: run.hardTimeoutMs,
    paths: run.paths,
    platform: run.platform,
    create: run.create,
    progress,
    flakes: run.flakes,
    runtime: "node",
  })
  progress.finish()
  return { runtime: "node", version: process.versions.node ?? "unknown", cells, rssKib }
}

/** Another runtime's cells, in a worker process of that runtime; its progress lines are prefixed with its name. */
async function runThere(binary: string, name: RuntimeName, backends: BackendName[], run: RuntimeRun): Promise<WorkerOutput | { reason: string }> {
  const spec: WorkerSpec = {
    runs: run.runs,
    scenarios: run.scenarios.map((f) => f.name),
    backends,
    graceMs: run.graceMs,
    slackMs: run.slackMs,
    hardTimeoutMs: run.hardTimeoutMs,
    flakes: run.flakes,
    overall: run.overall,
  }
  const got = await runWorker({
    binary,
    label: runtimeLabel(name),
    worker: fileURLToPath(new URL("./worker.js", import.meta.url)),
    spec,
    cwd: run.paths.root,
    onLine: (line) => run.out.write(`${name}: ${line}\n`),
    onStderr: (chunk) => run.out.write(chunk.replace(/^(?=.)/gm, `${name} stderr: `)),
    tmpPrefix: `pawwork-matrix-${name}-`,
  })
  return "reason" in got ? got : (got.output as WorkerOutput)
}
