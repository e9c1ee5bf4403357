import { createBaseline } from "./baseline/index.js"
import { ENGINES, processBackend } from "./flag.js"
import { createSupervisor } from "./supervisor/index.js"
import type { EngineName, ProcessApi } from "./types.js"

export interface CreateProcessOptions {
  backend: EngineName
  supervisorPath?: string
  /** Supervisor: bounds of the sidecar's start and of each spawn's answer (see SupervisorOptions). */
  startTimeoutMs?: number
  spawnTimeoutMs?: number
}

/**
 * The Process API on one of the two engines PawWork ships. The comparison peers (execa, tree-kill, Effect's
 * Node spawner) are not part of this package: they live with the matrix (packages/peers), built on the
 * `@pawwork/process/backend-kit` subpath.
 */
export function createProcess(opts: CreateProcessOptions): ProcessApi {
  switch (opts.backend) {
    case "baseline":
      return createBaseline()
    case "supervisor":
      return createSupervisor({ supervisorPath: opts.supervisorPath, startTimeoutMs: opts.startTimeoutMs, spawnTimeoutMs: opts.spawnTimeoutMs })
    default:
      throw new Error(
        `unknown process backend ${JSON.stringify((opts as { backend: unknown }).backend)}: ` +
          `expected one of ${ENGINES.map((b) => JSON.stringify(b)).join(", ")}`,
      )
  }
}

let fallback: ProcessApi | undefined

/**
 * The engine PAWWORK_PROCESS_BACKEND names (`baseline` when unset; processBackend()), created at first use.
 * A bad value throws there, with no silent fallback: a run against the wrong engine would be worthless.
 */
export function defaultProcess(): ProcessApi {
  if (fallback) return fallback
  fallback = createProcess({ backend: processBackend() })
  return fallback
}
