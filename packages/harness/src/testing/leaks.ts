import { isStillRunning, killIfSameProcess, reportedPids, type PidLine } from "../index.js"
import { setTimeout as sleep } from "node:timers/promises"

/** Is the process the report described still running? A zombie or a recycled pid counts as gone. */
export function isAlive(entry: Pick<PidLine, "pid" | "start">): boolean {
  return isStillRunning(entry.pid, entry.start)
}

export function survivors(report: string): PidLine[] {
  return reportedPids(report).filter(isAlive)
}

/** Waits (a generous bound) until every reported process is gone; returns those still alive then. */
export async function waitAllGone(report: string, timeoutMs = 5_000): Promise<PidLine[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const alive = survivors(report)
    if (alive.length === 0 || Date.now() > deadline) return alive
    await sleep(25)
  }
}

/** SIGKILLs whatever the report lists that is still the same process. Keeps tests independent of each other's leaks. */
export function killLeftovers(report: string): PidLine[] {
  return reportedPids(report).filter((entry) => killIfSameProcess(entry.pid, entry.start))
}
