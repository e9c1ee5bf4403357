import type { SpawnRequest } from "../protocol/messages.js"
import type { Options } from "../types.js"
import { SupervisorChild } from "./child.js"
import { spawnFailure, thrownByNode } from "./node-spawn-errors.js"
import { registerRoot } from "./roots.js"
import type { Sidecar, SpawnAnswer } from "./sidecar.js"

export interface Launched {
  child: SupervisorChild
  /** The sidecar the child runs on (the caller holds and releases it). */
  sidecar: Sidecar
}

/**
 * Starts one child on a sidecar of `current()` and returns with its pid set, or its failure known, as
 * Node's spawn does: the spawn round trip on the spawn channel blocks, within the sidecar's bound. A
 * failure Node throws from spawn() (an errno other than EACCES, EAGAIN, EMFILE, ENFILE, ENOENT, such as
 * ENOTDIR for a cwd that is a file) is thrown here too; any other reaches the child asynchronously. A
 * request that never reached a live sidecar (it had died, or did not start), or that one shutting down
 * refused, is sent once more to a fresh one from `current()`: nothing was started for it.
 * Used by the Process backend and by the Effect layer, each with its own sidecar.
 */
export function launch(
  current: () => Sidecar,
  request: SpawnRequest,
  opts: Options,
  onSettled: () => void,
): Launched {
  let sidecar = current()
  let answer: SpawnAnswer = sidecar.spawnSync(request)
  if (answer.kind === "lost" && answer.retry) {
    sidecar = current()
    answer = sidecar.spawnSync(request)
  }
  const failure = answer.kind === "refused" ? spawnFailure(request.argv, answer.error) : undefined
  if (failure && thrownByNode(failure.code)) throw failure
  const child: SupervisorChild = new SupervisorChild(request.id, request.argv, opts, sidecar.ready, onSettled, sidecar, request.fds)
  child.begin(sidecar.conn, answer, failure)
  // So terminateTree can tell a root of any sidecar of this process from a foreign pid.
  registerRoot(child)
  return { child, sidecar }
}
