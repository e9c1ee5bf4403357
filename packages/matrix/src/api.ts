import { createProcess, type EngineName, type ProcessApi } from "@pawwork/process"
import { createPeer, type PeerName } from "@pawwork/peers"
import type { EffectBackendName } from "@pawwork/peers/effect"

/** Creates the Process API on any backend the matrix drives: the two engines, the two peers, the two Effect ones. */
export interface CreateProcess {
  (opts: { backend: EngineName | PeerName | EffectBackendName; supervisorPath?: string }): ProcessApi
  /** Why the Effect backends cannot be created here (their module failed to load), or null. */
  readonly effectUnavailable: string | null
}

/**
 * The engines from @pawwork/process's `createProcess`, the peers from @pawwork/peers' `createPeer`, and the
 * Effect backends from `@pawwork/peers/effect`. That module alone is imported dynamically: it loads `effect`
 * and `@effect/platform-node`, and when they cannot be loaded only the two Effect backends are "not run",
 * with the reason, instead of the whole matrix failing to start.
 */
export async function loadCreateProcess(): Promise<CreateProcess> {
  let effect: typeof import("@pawwork/peers/effect") | null = null
  let effectUnavailable: string | null = null
  try {
    effect = await import("@pawwork/peers/effect")
  } catch (err) {
    effectUnavailable = `@pawwork/peers/effect cannot be loaded: ${(err as Error).message.split("\n")[0]}`
  }
  const create = (opts: Parameters<CreateProcess>[0]): ProcessApi => {
    const { backend } = opts
    if (backend === "baseline" || backend === "supervisor") return createProcess({ ...opts, backend })
    if (backend === "execa" || backend === "tree-kill") return createPeer({ backend })
    if (!effect) throw new Error(effectUnavailable ?? "the Effect backends are not available")
    return effect.createEffectProcess({ ...opts, backend })
  }
  return Object.assign(create, { effectUnavailable })
}
