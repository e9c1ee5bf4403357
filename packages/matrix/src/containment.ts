import { userInfo } from "node:os"
import type { ProcessApi } from "@pawwork/process"
import type { Platform } from "./platform.js"
import type { RunAs } from "./types.js"

/**
 * How the supervisor contained its trees in a cell, as seen from inside one: `cgroup` (the child sits in a
 * cgroup v2 the sidecar made for it), `fallback` (no such cgroup: process groups, subreaper and the
 * environment marker), `unknown` (the probe could not run; its reason is in the cell's notes).
 */
export type Containment = "cgroup" | "fallback" | "unknown"

/** The directory prefix the sidecar gives the cgroup it makes (crates/supervisor/src/platform/unix/linux/cgroup.rs). */
const SIDECAR_CGROUP = "/pawwork-supervisor-"

/** `/proc/self/cgroup` of a child, read as the mode it shows: the cgroup v2 line is `0::<path>`. */
export function containmentOf(procSelfCgroup: string): Containment {
  const line = procSelfCgroup.split("\n").find((l) => l.startsWith("0::"))
  if (line === undefined) return "unknown"
  return line.slice(3).includes(SIDECAR_CGROUP) ? "cgroup" : "fallback"
}

/**
 * Observes the containment a backend's trees get here: a child started through the backend reads its own
 * `/proc/self/cgroup`. Observed, not taken from the sidecar's hello, so a sidecar that announced a cgroup
 * but did not put its children in one reads as what it did. Linux only (null elsewhere: no cgroups).
 */
export async function observeContainment(
  api: ProcessApi,
  platform: Platform,
): Promise<{ containment: Containment | null; note: string | null }> {
  if (platform.os !== "linux") return { containment: null, note: null }
  try {
    const out = await api.run(["cat", "/proc/self/cgroup"], { timeout: 1000 })
    const containment = containmentOf(out.stdout.toString())
    return { containment, note: containment === "unknown" ? "containment probe: no cgroup v2 line in /proc/self/cgroup" : null }
  } catch (err) {
    return { containment: "unknown", note: `containment probe failed: ${(err as Error).message.split("\n")[0]}` }
  }
}

/** Who ran the matrix: PawWork runs as an ordinary user, and containment depends on it. */
export function runAs(): RunAs {
  const info = userInfo()
  // Windows has no uid (-1 there).
  return { user: info.username, uid: info.uid >= 0 ? info.uid : null }
}
