import type { ChildProcess } from "node:child_process"
import { setTimeout as sleep } from "node:timers/promises"
import treeKill from "tree-kill"
import type { TerminateTreeInput } from "@pawwork/process"
import {
  assertTerminateTarget,
  exists,
  isSignallablePid,
  TERMINATION_GRACE_MS,
  type TerminateReport,
} from "@pawwork/process/backend-kit"

/** Node has not reaped the root yet, so its pid still names it (a reaped pid may be reused). */
export function running(proc: ChildProcess): boolean {
  return proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null
}

/**
 * tree-kill on `pid`: it walks `ps -o pid --no-headers --ppid` from the root at this moment (Linux; `pgrep -P` on
 * macOS, `taskkill /T /F` on Windows) and signals every pid found, by number. Resolves with its error, if any.
 * The guard is ours: tree-kill itself would signal any number it is given.
 */
export function signalTree(pid: number, signal: NodeJS.Signals | number): Promise<Error | undefined> {
  if (!isSignallablePid(pid)) return Promise.resolve(new Error(`tree-kill: refusing pid ${pid}`))
  return new Promise((resolve) => treeKill(pid, signal, (err) => resolve(err ?? undefined)))
}

/** True once the root exits within `ms`; false when the time ran out first. Leaves no timer behind. */
function exitWithin(proc: ChildProcess, ms: number): Promise<boolean> {
  if (!running(proc)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (exited: boolean) => {
      clearTimeout(timer)
      proc.off("exit", onExit)
      resolve(exited)
    }
    const onExit = () => done(true)
    const timer = setTimeout(() => done(false), Math.max(0, ms))
    proc.once("exit", onExit)
  })
}

/**
 * The ladder a tree-kill user writes: `treeKill(pid, first)`, wait up to the grace for the root to exit, then
 * `treeKill(pid, "SIGKILL")`. The grace starts once the first walk has signalled what it found. The forceful
 * step runs only while the root is still running: once Node reaped it, its pid may be reused, and a walk from
 * it would find none of the orphans anyway (they were re-parented away). tree-kill does not say which
 * descendants it signalled, so `killedPids` can only name the root.
 */
export async function treeKillLadder(
  proc: ChildProcess,
  first: NodeJS.Signals | number,
  graceMs: number,
): Promise<TerminateReport> {
  const pid = proc.pid
  if (pid === undefined || !running(proc)) return { killedPids: [] }
  await signalTree(pid, first)
  if (await exitWithin(proc, graceMs)) return { killedPids: [] }
  if (!running(proc)) return { killedPids: [] }
  await signalTree(pid, "SIGKILL")
  return { killedPids: [pid] }
}

/**
 * terminateTree by pid, as a tree-kill user writes it for a process they did not spawn: `treeKill(pid,
 * "SIGTERM")`, wait the grace (or `waitForExit`), then `treeKill(pid, "SIGKILL")` while the root still
 * exists. tree-kill walks its own `ps`, so `findDescendants` and `signalRoot` have no place here.
 */
export async function terminateTreeByPid(input: TerminateTreeInput): Promise<void> {
  assertTerminateTarget(input.pid)
  const graceMs = input.graceMs ?? TERMINATION_GRACE_MS
  await signalTree(input.pid, "SIGTERM")
  const grace = sleep(graceMs)
  await (input.waitForExit ? Promise.race([input.waitForExit.catch(() => undefined), grace]) : grace)
  if (exists(input.pid)) await signalTree(input.pid, "SIGKILL")
}
