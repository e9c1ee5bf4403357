import type { Child, ProcessApi } from "@pawwork/process"
import { processApi, TERMINATION_GRACE_MS } from "@pawwork/process/backend-kit"
import { TreeKillChild } from "./child.js"
import { terminateTreeByPid } from "./ladder.js"
import { spawn } from "./spawn.js"

/** stop(): no-op once the root exited (tree-kill can no longer find the tree), else the ladder with 500 ms. */
export async function stop(child: Child): Promise<void> {
  if (!(child instanceof TreeKillChild)) throw new TypeError("stop(): not a child of the tree-kill backend")
  await child.terminate("SIGTERM", TERMINATION_GRACE_MS)
}

/** Peer backend for the comparison: cross-spawn to start, the `tree-kill` package to cancel. */
export function createTreeKill(): ProcessApi {
  return processApi({ backend: "tree-kill", spawn, stop, terminateTree: terminateTreeByPid })
}
