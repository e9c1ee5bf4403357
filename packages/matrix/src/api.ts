import { createProcess, type BackendName as ProcessBackendName, type ProcessApi } from "@pawwork/process"
import type { EffectBackendName } from "@pawwork/process/effect/backends"

/** Creates the Process API on any backend the matrix drives: the main entry's four and the two Effect ones. */
export interface CreateProcess {
  (opts: { backend: ProcessBackendName | EffectBackendName; supervisorPath?: string }): ProcessApi
  /** Why the Effect backends cannot be created here (their subpath failed to load), or null. */
  readonly effectUnavailable: string | null
}

/**
 * `createProcess`, plus the Effect backends' `createEffectProcess` from `@pawwork/process/effect/backends`.
 * That subpath alone is imported dynamically: it loads `effect` and `@effect/platform-node` (optional peers
 * of @pawwork/process), and when they cannot be loaded only the two Effect backends are "not run", with
 * the reason, instead of the whole matrix failing to start.
 */
export async function loadCreateProcess(): Promise<CreateProcess> {
  let effect: typeof import("@pawwork/process/effect/backends") | null = null
  let effectUnavailable: string | null = null
  try {
    effect = await import("@pawwork/process/effect/backends")
  } catch (err) {
    effectUnavailable = `@pawwork/process/effect/backends cannot be loaded: ${(err as Error).message.split("\n")[0]}`
  }
  const create = (opts: Parameters<CreateProcess>[0]): ProcessApi => {
    if (opts.backend !== "effect" && opts.backend !== "supervisor-effect") return createProcess({ ...opts, backend: opts.backend })
    if (!effect) throw new Error(effectUnavailable ?? "the Effect backends are not available")
    return effect.createEffectProcess({ ...opts, backend: opts.backend })
  }
  return Object.assign(create, { effectUnavailable })
}
