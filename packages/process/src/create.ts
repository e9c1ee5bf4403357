import { createBaseline } from "./baseline/index.js"
import { createSupervisor } from "./supervisor/index.js"
import type { BackendName, ProcessApi } from "./types.js"

export interface CreateProcessOptions {
  backend: BackendName
  supervisorPath?: string
}

export function createProcess(opts: CreateProcessOptions): ProcessApi {
  switch (opts.backend) {
    case "baseline":
      return createBaseline()
    case "supervisor":
      return createSupervisor({ supervisorPath: opts.supervisorPath })
    default:
      throw new Error(
        `unknown process backend ${JSON.stringify((opts as { backend: unknown }).backend)}: ` +
          `expected "baseline" or "supervisor"`,
      )
  }
}

let fallback: ProcessApi | undefined

/**
 * The backend named by PAWWORK_PROCESS_BACKEND (`baseline` when unset), created at first use. An unknown
 * name throws there, with no silent fallback: a report run against the wrong backend would be worthless.
 */
export function defaultProcess(): ProcessApi {
  if (fallback) return fallback
  const name = process.env.PAWWORK_PROCESS_BACKEND || "baseline"
  if (name !== "baseline" && name !== "supervisor") {
    throw new Error(
      `PAWWORK_PROCESS_BACKEND=${JSON.stringify(name)} is not a process backend: use "baseline" or "supervisor"`,
    )
  }
  fallback = createProcess({ backend: name })
  return fallback
}
