import { fileURLToPath } from "node:url"
import { bunPath, runUnderBunWorker } from "@pawwork/harness"
import type { FlakeRegister } from "./flakes.js"
import { summarizeCell } from "./stats.js"
import type { BackendName, Cell, Scenario, RuntimeName } from "./types.js"

/*
 * The matrix measures the Process API under each runtime PawWork runs it on. Node cells run in the
 * matrix's own process; Bun cells run in a Bun process of their own (the pinned devDependency
 * node_modules/.bin/bun) executing the same compiled runner (worker.ts), so the Process API, its child
 * processes and its event loop are Bun's. The worker hands its cells back in a temporary file.
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
  const got = await runUnderBunWorker({
    bun,
    worker: fileURLToPath(new URL("./worker.js", import.meta.url)),
    spec,
    cwd: root,
    onLine: (line) => out.write(`bun: ${line}\n`),
    onStderr: (chunk) => out.write(chunk.replace(/^(?=.)/gm, "bun stderr: ")),
    tmpPrefix: "pawwork-matrix-bun-",
  })
  if ("reason" in got) return notRun(got.reason)
  const output = got.output as WorkerOutput
  // The label must be the runtime that really ran the cells, never the one asked for.
  if (output.runtime !== "bun") return notRun(`the Bun worker reported running under ${output.runtime}, so its cells are not Bun's`)
  for (const c of output.cells) c.runtime = "bun"
  return { version: output.version, cells: output.cells, rssKib: output.rssKib }
}
