import type { Options } from "@pawwork/process"
import { exitedOnExit, launchLikeBaseline, trackOutcome } from "@pawwork/process/backend-kit"
import { TreeKillChild } from "./child.js"

/**
 * Started exactly like the baseline (cross-spawn, same options, `exited` on Node's `exit` event), so the only
 * difference the matrix sees is how a cancel finds and signals the tree.
 */
export function spawn(cmd: string[], opts: Options = {}): TreeKillChild {
  const { proc, settings } = launchLikeBaseline(cmd, opts)
  const abort = () => void child.terminate(settings.killSignal, settings.abortGraceMs)
  const exited = exitedOnExit(proc, () => opts.abort?.removeEventListener("abort", abort))
  const child = new TreeKillChild(proc, trackOutcome(proc, opts), exited)
  if (opts.abort) {
    opts.abort.addEventListener("abort", abort, { once: true })
    if (opts.abort.aborted) abort()
  }
  return child
}
