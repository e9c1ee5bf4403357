import type { EngineName } from "./types.js"

/** The environment variable that picks the engine of both paths, the Process namespace and the Effect layer. */
export const BACKEND_FLAG = "PAWWORK_PROCESS_BACKEND"

/** What the flag may name: the two engines PawWork ships, never a comparison peer. */
export const ENGINES: readonly EngineName[] = ["baseline", "supervisor"]

/** The flag names no engine. Thrown by every reader of the flag alike, so neither path can silently differ. */
export class InvalidBackendFlagError extends Error {
  readonly value: string

  constructor(value: string) {
    super(
      `${BACKEND_FLAG}=${JSON.stringify(value)} is not a process backend: use "baseline" or "supervisor" ` +
        `(unset means "baseline"). It switches the Process namespace and the Effect layer together, so a bad ` +
        `value stops both rather than leaving one of them on the other engine.`,
    )
    this.name = "InvalidBackendFlagError"
    this.value = value
  }
}

/** Validates a flag value: unset or empty is `baseline`; anything but the two engines throws. */
export function parseBackendFlag(value: string | undefined): EngineName {
  const name = value || "baseline"
  if (!(ENGINES as readonly string[]).includes(name)) throw new InvalidBackendFlagError(name)
  return name as EngineName
}

let read: { engine: EngineName } | { error: InvalidBackendFlagError } | undefined

/**
 * The engine PAWWORK_PROCESS_BACKEND names, read and validated once per process: the Process namespace and
 * the flag-following Effect layer both ask here, so they agree on the engine, and a bad value is the same
 * InvalidBackendFlagError on both paths (thrown again at every call, never a fallback). A later change of
 * process.env is not seen: a process whose two paths ran on different engines would be the very split the
 * flag exists to prevent.
 */
export function processBackend(): EngineName {
  if (read === undefined) {
    try {
      read = { engine: parseBackendFlag(process.env[BACKEND_FLAG]) }
    } catch (err) {
      read = { error: err as InvalidBackendFlagError }
    }
  }
  if ("error" in read) throw read.error
  return read.engine
}
