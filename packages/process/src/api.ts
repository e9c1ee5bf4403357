import { makeRunner, type Collect } from "./run.js"
import { treeQueries } from "./tree-queries.js"
import type { Child, Options, ProcessApi, TerminateTreeInput } from "./types.js"

/** What a backend brings of its own; processApi adds what every backend shares. */
export interface BackendParts {
  backend: string
  spawn(cmd: string[], opts?: Options): Child
  stop(child: Child): Promise<void>
  terminateTree(input: TerminateTreeInput): Promise<void>
  /** How run() reads each pipe; buffer() (as PawWork does) when not given. */
  collect?: Collect
  /** Only the supervisor has a sidecar to close. */
  shutdown?(): Promise<void>
  /** Only the supervisor has a sidecar; read at each access, as it may restart. */
  sidecarPid?(): number | undefined
}

/**
 * The ProcessApi shape, built one way for every backend: run/text/lines over its spawn (makeRunner), the
 * read-only tree queries and TERMINATION_GRACE_MS shared by all, shutdown a no-op where there is no sidecar.
 */
export function processApi(parts: BackendParts): ProcessApi {
  const { sidecarPid } = parts
  return {
    backend: parts.backend,
    spawn: parts.spawn,
    ...makeRunner(parts.spawn, parts.collect),
    stop: parts.stop,
    ...treeQueries,
    terminateTree: parts.terminateTree,
    shutdown: parts.shutdown ?? (async () => {}),
    get sidecarPid() {
      return sidecarPid?.()
    },
  }
}
