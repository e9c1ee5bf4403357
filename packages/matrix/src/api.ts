import { createProcess, type EngineName, type ProcessApi } from "@pawwork/process"
import type { PeerName } from "@pawwork/peers"
import type { EffectBackendName } from "@pawwork/peers/effect"

/** Creates the Process API on any backend the matrix drives: the two engines, the two peers, the two Effect ones. */
export interface CreateProcess {
  (opts: { backend: EngineName | PeerName | EffectBackendName; supervisorPath?: string }): ProcessApi
  /** Why the Effect backends cannot be created here (their module failed to load), or null. */
  readonly effectUnavailable: string | null
  /** Why execa and tree-kill cannot be created here (@pawwork/peers failed to load), or null. */
  readonly peersUnavailable: string | null
}

/**
 * The engines from @pawwork/process's `createProcess`, the peers from @pawwork/peers' `createPeer`, and the
 * Effect backends from `@pawwork/peers/effect`. Both peer modules are imported dynamically: `@pawwork/peers`
 * loads execa, whose major 10 does not load on a Node older than the 22 it declares, and `@pawwork/peers/effect`
 * loads `effect` and `@effect/platform-node`. When one cannot be loaded in this process, only its backends are
 * "not run", with the reason, instead of the whole matrix failing to start (the process that plans the runs
 * need not be one that runs the peers).
 */
export async function loadCreateProcess(): Promise<CreateProcess> {
  let peers: typeof import("@pawwork/peers") | null = null
  let peersUnavailable: string | null = null
  try {
    peers = await import("@pawwork/peers")
  } catch (err) {
    peersUnavailable = `@pawwork/peers cannot be loaded under Node ${process.versions.node}: ${(err as Error).message.split("\n")[0]}`
  }
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
    if (backend === "execa" || backend === "tree-kill") {
      if (!peers) throw new Error(peersUnavailable ?? "the peers are not available")
      return peers.createPeer({ backend })
    }
    if (!effect) throw new Error(effectUnavailable ?? "the Effect backends are not available")
    return effect.createEffectProcess({ ...opts, backend })
  }
  return Object.assign(create, { effectUnavailable, peersUnavailable })
}
