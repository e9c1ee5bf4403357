import { fileURLToPath } from "node:url"
import { runtimeLabel, runWorker, workerMismatch, type RuntimeName } from "@pawwork/harness"
import { toCamelKeys, toSnakeKeys } from "./json-case.js"
import type { Binaries } from "./paths.js"
import type { ClientRun, Mode, SupervisorVariant } from "./types.js"

/*
 * The client side under another runtime, as packages/matrix does it: a process of that runtime (a pinned
 * Node, or the pinned devDependency node_modules/.bin/bun) runs the same compiled measurements (worker.ts),
 * so the Process API, its child processes and its event loop are that runtime's. It hands its figures back
 * in a temporary file.
 */

export { currentRuntime, runtimeLabel, runtimeVersion } from "@pawwork/harness"

/** What the worker is asked to measure. */
export interface WorkerSpec {
  mode: Mode
  bins: Binaries
  variants: SupervisorVariant[]
}

/**
 * Runs the client measurements under `runtime` (its binary, and the version it must report: null for Bun);
 * a reason instead when the binary is missing, the worker failed, or it reports another runtime.
 */
export async function runUnderWorker(
  runtime: { name: RuntimeName; binary: string; version: string | null },
  spec: WorkerSpec,
  log: (m: string) => void,
): Promise<ClientRun | { reason: string }> {
  const got = await runWorker({
    binary: runtime.binary,
    label: runtimeLabel(runtime.name),
    worker: fileURLToPath(new URL("./worker.js", import.meta.url)),
    spec: toSnakeKeys(spec),
    onLine: log,
    tmpPrefix: `pawwork-bench-${runtime.name}-`,
  })
  if ("reason" in got) return { reason: got.reason }
  const run = toCamelKeys(got.output) as unknown as ClientRun
  // The label must be the runtime that really measured, never the one asked for.
  const mismatch = workerMismatch(runtime, { runtime: run.runtime, version: run.version })
  if (mismatch) return { reason: mismatch }
  return { ...run, runtime: runtime.name }
}
