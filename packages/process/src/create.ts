import { createBaseline } from "./baseline/index.js"
import { createExeca } from "./execa/index.js"
import { createSupervisor } from "./supervisor/index.js"
import { createTreeKill } from "./tree-kill/index.js"
import type { BackendName, EngineName, ProcessApi } from "./types.js"

export interface CreateProcessOptions {
  backend: BackendName
  supervisorPath?: string
  /** Supervisor: bounds of the sidecar's start and of each spawn's answer (see SupervisorOptions). */
  startTimeoutMs?: number
  spawnTimeoutMs?: number
}

const BACKENDS: readonly BackendName[] = ["baseline", "supervisor", "execa", "tree-kill"]
const ENGINES: readonly EngineName[] = ["baseline", "supervisor"]

export function createProcess(opts: CreateProcessOptions): ProcessApi {
  switch (opts.backend) {
    case "baseline":
      return createBaseline()
    case "supervisor":
      return createSupervisor({ supervisorPath: opts.supervisorPath, startTimeoutMs: opts.startTimeoutMs, spawnTimeoutMs: opts.spawnTimeoutMs })
    case "execa":
      return createExeca()
    case "tree-kill":
      return createTreeKill()
    default:
      throw new Error(
        `unknown process backend ${JSON.stringify((opts as { backend: unknown }).backend)}: ` +
          `expected one of ${BACKENDS.map((b) => JSON.stringify(b)).join(", ")}`,
      )
  }
}

let fallback: ProcessApi | undefined

/**
 * The backend named by PAWWORK_PROCESS_BACKEND (`baseline` when unset), created at first use. An unknown
 * name throws there, with no silent fallback: a report run against the wrong backend would be worthless.
 * Only the two engines PawWork can ship are accepted: execa and tree-kill exist to be measured against them
 * (createProcess only), and a product flag that could select them would invite running on them.
 */
export function defaultProcess(): ProcessApi {
  if (fallback) return fallback
  const name = process.env.PAWWORK_PROCESS_BACKEND || "baseline"
  if (!(ENGINES as readonly string[]).includes(name)) {
    throw new Error(
      `PAWWORK_PROCESS_BACKEND=${JSON.stringify(name)} is not a process backend: use "baseline" or "supervisor" ` +
        `(execa and tree-kill are comparison backends, available through createProcess only)`,
    )
  }
  fallback = createProcess({ backend: name as EngineName })
  return fallback
}
