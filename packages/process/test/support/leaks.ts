import { readFileSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import { reportedPids, type PidLine } from "./report.js"

/** Fields of /proc/<pid>/stat after the command name: [0] is state (field 3), [19] is starttime (field 22). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  } catch {
    return null
  }
}

/** Is the process the report described still running? A zombie or a recycled pid counts as gone. */
export function isAlive(entry: Pick<PidLine, "pid" | "start">): boolean {
  const fields = statFields(entry.pid)
  if (!fields) return false
  if (fields[19] !== entry.start) return false
  return fields[0] !== "Z" && fields[0] !== "X"
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

/**
 * SIGKILLs whatever the report lists that is still the same process (start time checked right before),
 * never pid <= 1 nor ourselves. Keeps tests independent of each other's leaks.
 */
export function killLeftovers(report: string): PidLine[] {
  const killed: PidLine[] = []
  for (const entry of reportedPids(report)) {
    if (!Number.isInteger(entry.pid) || entry.pid <= 1 || entry.pid === process.pid) continue
    if (!isAlive(entry)) continue
    try {
      process.kill(entry.pid, "SIGKILL")
      killed.push(entry)
    } catch {
      // already gone
    }
  }
  return killed
}
