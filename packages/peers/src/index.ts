/*
 * `@pawwork/peers` (private): the comparison peers the matrix and the bench measure the engines against,
 * behind the Process API's shape. Never shipped and never a dependency of @pawwork/process: they are built
 * from its `backend-kit` subpath only. The two Effect backends are the subpath `@pawwork/peers/effect`,
 * so that loading execa and tree-kill does not load `effect`.
 */
import type { ProcessApi } from "@pawwork/process"
import { createExeca } from "./execa/index.js"
import { createTreeKill } from "./tree-kill/index.js"

/** The Process-API peers: execa 10 and tree-kill, each configured as its own documentation recommends. */
export type PeerName = "execa" | "tree-kill"

export const PEERS: readonly PeerName[] = ["execa", "tree-kill"]

export function createPeer(opts: { backend: PeerName }): ProcessApi {
  switch (opts.backend) {
    case "execa":
      return createExeca()
    case "tree-kill":
      return createTreeKill()
    default:
      throw new Error(
        `unknown comparison peer ${JSON.stringify((opts as { backend: unknown }).backend)}: ` +
          `expected one of ${PEERS.map((b) => JSON.stringify(b)).join(", ")}`,
      )
  }
}

export { createExeca, execaOptions } from "./execa/index.js"
export { createTreeKill } from "./tree-kill/index.js"
