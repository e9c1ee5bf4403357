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
