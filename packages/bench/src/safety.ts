import { readStat } from "./procfs.js"

/**
 * SIGKILL for a leftover the benchmark found by number: only a plain positive pid (never a group, never
 * pid 0/1, never ourselves or our parent) whose start time still matches the one the fixture reported,
 * so a recycled pid is never hit. Returns whether a signal was sent.
 */
export function killLeftover(pid: number, start: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || pid === process.ppid) return false
  const stat = readStat(pid)
  if (!stat || stat.start !== start || stat.state === "Z") return false
  try {
    process.kill(pid, "SIGKILL")
    return true
  } catch {
    return false
  }
}
