import { readFileSync } from "node:fs"

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses), so
 * field 3 (state) is [0] and field 22 (start time) is [19]; null where the process is gone.
 */
function statFields(pid: number): string[] | null {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return null
  }
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
}

/**
 * Linux: whether `pid` has exited, read from /proc while the caller blocks. A child of this process
 * that exited stays a zombie until the event loop reaps it, which it cannot do while blocked, so the
 * pid cannot have been reused meanwhile. Elsewhere there is no cheap synchronous way to tell.
 */
export function exitedOnLinux(pid: number): boolean {
  const state = statFields(pid)?.[0]
  return state === undefined || state === "Z" || state === "X"
}

/**
 * Linux: the start time of `pid` (in clock ticks since boot), which tells one process from a later one
 * given the same pid; null where it cannot be read (gone, or not Linux).
 */
export function startOnLinux(pid: number): string | null {
  if (process.platform !== "linux") return null
  return statFields(pid)?.[19] ?? null
}
