import { execFile } from "node:child_process"

/** Does `pid` exist? kill(pid, 0) as the baseline does: true for a zombie, true for a recycled pid. */
export function exists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function pgrepChildren(parent: number): Promise<string> {
  return new Promise((resolve) => {
    // pgrep exits 1 when nothing matches; like the baseline's nothrow call, any failure means "no children".
    execFile("pgrep", ["-P", String(parent)], { encoding: "utf8" }, (_err, stdout) => resolve(stdout ?? ""))
  })
}

/**
 * The baseline's snapshot of a tree: walk `pgrep -P` from the root. Only processes whose parent chain
 * still leads to the root at this instant are found; that is the weakness the matrix's scenarios expose.
 */
export async function descendants(pid: number): Promise<number[]> {
  if (process.platform === "win32") return []
  const seen = new Set<number>()
  const pending = [pid]
  while (pending.length) {
    const parent = pending.pop()!
    const out = await pgrepChildren(parent)
    for (const line of out.split(/\s+/)) {
      const child = Number(line)
      if (!Number.isInteger(child) || child <= 0 || seen.has(child)) continue
      seen.add(child)
      pending.push(child)
    }
  }
  return Array.from(seen)
}
