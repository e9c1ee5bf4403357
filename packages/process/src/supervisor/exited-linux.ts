import { readFileSync } from "node:fs"

/**
 * Linux: whether `pid` has exited, read from /proc while the caller blocks. A child of this process
 * that exited stays a zombie until the event loop reaps it, which it cannot do while blocked, so the
 * pid cannot have been reused meanwhile. Elsewhere there is no cheap synchronous way to tell.
 */
export function exitedOnLinux(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return true
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
  return state === "Z" || state === "X"
}

/**
 * Linux: the start time of `pid` (/proc/<pid>/stat, field 22, in clock ticks since boot), which tells one
 * process from a later one given the same pid; null where it cannot be read (gone, or not Linux).
 */
export function startOnLinux(pid: number): string | null {
  if (process.platform !== "linux") return null
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return null
  }
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, start 22.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null
}
