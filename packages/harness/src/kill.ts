import { isStillRunning, procStat } from "./procfs.js"

/**
 * Whether `pid` may be signalled at all by the harness: a whole positive number above 1 (0, -1 and
 * negatives would reach groups, 1 is init), neither this process nor its parent, nor the leader of our
 * own process group (on Linux, where /proc tells it): the harness must never end the test runner.
 */
export function isSafeTargetPid(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || pid > 0x7fffffff) return false
  if (pid === process.pid || pid === process.ppid) return false
  const ownGroup = procStat(process.pid)?.pgrp
  return ownGroup === undefined || pid !== ownGroup
}

/**
 * Sends `signal` to one process found by number, only when it is safe (isSafeTargetPid) and still the
 * process that reported `start` (checked right before, so a recycled pid is never hit). Never a group.
 * Returns whether the signal was sent.
 */
export function killIfSameProcess(pid: number, start: string, signal: NodeJS.Signals = "SIGKILL"): boolean {
  if (!isSafeTargetPid(pid)) return false
  if (!isStillRunning(pid, start)) return false
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}
