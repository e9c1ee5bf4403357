import { fileURLToPath } from "node:url"
import { bunPath, repoRoot, runUnderBunWorker } from "@pawwork/harness"
import { toCamelKeys, toSnakeKeys } from "./json-case.js"
import type { Binaries } from "./paths.js"
import type { ClientRun, Mode, SupervisorVariant } from "./types.js"

/*
 * The client side under Bun, as packages/matrix does it: a Bun process of its own (the pinned devDependency
 * node_modules/.bin/bun) runs the same compiled measurements (worker.ts), so the Process API, its child
 * processes and its event loop are Bun's. It hands its figures back in a temporary file.
 */

export { currentRuntime, runtimeLabel, runtimeVersion } from "@pawwork/harness"

/** What the worker is asked to measure. */
export interface WorkerSpec {
  mode: Mode
  bins: Binaries
  variants: SupervisorVariant[]
}

/** Runs the client measurements under Bun; a reason instead when Bun is missing or the worker failed. */
export async function runUnderBun(spec: WorkerSpec, log: (m: string) => void): Promise<ClientRun | { reason: string }> {
  const got = await runUnderBunWorker({
    bun: bunPath(repoRoot()),
    worker: fileURLToPath(new URL("./worker.js", import.meta.url)),
    spec: toSnakeKeys(spec),
    onLine: log,
    tmpPrefix: "pawwork-bench-bun-",
  })
  if ("reason" in got) return { reason: got.reason }
  const run = toCamelKeys(got.output) as unknown as ClientRun
  // The label must be the runtime that really measured, never the one asked for.
  if (run.runtime !== "bun") return { reason: `the Bun worker reported running under ${run.runtime}, so its figures are not Bun's` }
  return run
}
