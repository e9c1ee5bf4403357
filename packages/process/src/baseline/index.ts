import type { ChildProcess } from "node:child_process"
import { processApi } from "../api.js"
import type { Child, ProcessApi, TerminateTreeInput } from "../types.js"
import { spawn, trackers } from "./spawn.js"
import { TERMINATION_GRACE_MS } from "../defaults.js"
import { terminateTree } from "./terminate-tree.js"

export { terminateTree, TERMINATION_GRACE_MS } from "./terminate-tree.js"
export { descendants, exists } from "./descendants.js"

function isChildProcess(child: Child): child is Child & ChildProcess {
  return trackers.has(child as unknown as ChildProcess)
}

/** The baseline's stop(): no-op when exited, else terminateTree with its default grace (TERMINATION_GRACE_MS). */
export async function stop(child: Child): Promise<void> {
  if (!isChildProcess(child)) throw new TypeError("stop(): not a child of the baseline backend")
  const proc = child
  if (proc.exitCode !== null || proc.signalCode !== null) return

  if (!proc.pid) {
    proc.kill()
    return
  }

  const waitForExit = new Promise<void>((resolve) => {
    const done = () => {
      proc.off("exit", done)
      proc.off("error", done)
      resolve()
    }
    proc.once("exit", done)
    proc.once("error", done)
  })

  const tracker = trackers.get(proc)!
  tracker.cancelled = true
  const run = terminateTree({ pid: proc.pid, graceMs: TERMINATION_GRACE_MS, signalRoot: (signal) => proc.kill(signal), waitForExit })
  tracker.terminating(run)
  await run
}

/** The baseline's terminateTree as the ProcessApi has it: what it signalled is the outcome's, not the caller's. */
export async function terminateTreeApi(input: TerminateTreeInput): Promise<void> {
  await terminateTree(input)
}

export function createBaseline(): ProcessApi {
  return processApi({ backend: "baseline", spawn, stop, terminateTree: terminateTreeApi })
}
