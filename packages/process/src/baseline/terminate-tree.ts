import { setTimeout as sleep } from "node:timers/promises"
import { TERMINATION_GRACE_MS } from "../defaults.js"
import { assertTerminateTarget, killGroup, killPid } from "../safety.js"
import type { TerminateTreeInput } from "../types.js"
import { descendants, exists } from "./descendants.js"
import { taskkillTree } from "./taskkill-windows.js"

export { TERMINATION_GRACE_MS } from "../defaults.js"
export type { TerminateTreeInput } from "../types.js"

/** What the baseline did, for the outcome; the original returns nothing. */
export interface TerminateReport {
  killedPids: number[]
}

function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    if (exists(pid)) killPid(pid, signal)
    return true
  } catch {
    return false
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    killGroup(pid, signal)
    return true
  } catch {
    return false
  }
}

/**
 * The baseline's tree kill, step for step (see baseline.md). Weaknesses kept on purpose: the snapshot is
 * taken once, the graceful step is always SIGTERM (the caller's `kill` option is not used here, as in the
 * original), and snapshot pids are SIGKILLed by number without checking they are still the same process.
 * The only addition is the safety guard inside killPid/killGroup, which never refuses a valid child pid.
 */
export async function terminateTree(input: TerminateTreeInput): Promise<TerminateReport> {
  // Guard, not baseline: the tree of pid 1 (or of ourselves, or our group) is the whole machine or us.
  // Never true for a child.
  assertTerminateTarget(input.pid)
  const graceMs = input.graceMs ?? TERMINATION_GRACE_MS
  const report: TerminateReport = { killedPids: [] }
  if (process.platform === "win32") {
    await taskkillTree(input.pid)
    return report
  }

  const children = await (input.findDescendants ?? descendants)(input.pid).catch(() => [] as number[])
  const signalRoot = (signal: NodeJS.Signals) => {
    if (input.signalRoot && exists(input.pid)) {
      try {
        input.signalRoot(signal)
        return
      } catch {
        // fall back to signalling by number, as the original does
      }
    }
    signalPid(input.pid, signal)
  }

  // Succeeds only when the root leads its own group (detached); a plain child gets ESRCH here.
  const groupSignaled = signalGroup(input.pid, "SIGTERM")
  if (!groupSignaled) {
    signalRoot("SIGTERM")
    for (const child of children) signalPid(child, "SIGTERM")
  }

  const rootExited = await (input.waitForExit
    ? Promise.race([input.waitForExit.then(() => true, () => true), sleep(graceMs).then(() => false)])
    : sleep(graceMs).then(() => false))

  if (!exists(input.pid) && children.every((child) => !exists(child))) return report
  if (exists(input.pid)) report.killedPids.push(input.pid)
  if (groupSignaled && !rootExited && exists(input.pid)) {
    signalGroup(input.pid, "SIGKILL")
  } else {
    signalRoot("SIGKILL")
  }
  for (const child of children) {
    if (exists(child)) report.killedPids.push(child)
    signalPid(child, "SIGKILL")
  }
  if (input.waitForExit) await Promise.race([input.waitForExit.catch(() => undefined), sleep(graceMs)])
  return report
}
