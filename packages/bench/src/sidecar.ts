import { childrenOf, procStat } from "@pawwork/harness"
import type { ProcessApi } from "@pawwork/process"

// The watchdog is a fork of the sidecar (same command line) that names itself so.
const WATCHDOG_COMM = "pawwork-wdog"
// comm is cut to 15 characters: "pawwork-supervi".
const looksLikeSidecar = (comm: string) => "pawwork-supervisor".startsWith(comm) && comm.length >= 7

/**
 * Pid of the sidecar behind a supervisor backend: the API's `sidecarPid` when it has one (checked against
 * /proc), else the one child of this Node process named pawwork-supervisor. The sidecar's watchdog is a
 * fork of it, but named pawwork-wdog: it is never taken for it.
 */
export function sidecarPid(api: ProcessApi): number {
  const told = api.sidecarPid
  if (told !== undefined) {
    const stat = procStat(told)
    if (stat && looksLikeSidecar(stat.comm) && stat.state !== "Z") return told
  }
  const candidates = childrenOf(process.pid).filter((s) => looksLikeSidecar(s.comm))
  if (candidates.length === 1) return candidates[0]!.pid
  throw new Error(
    candidates.length === 0
      ? "no running pawwork-supervisor child of this process (spawn something through the backend first)"
      : `several pawwork-supervisor children (${candidates.map((c) => c.pid).join(", ")}) and the backend names none`,
  )
}

/** The sidecar's watchdog process, if it started one (Linux). */
export function watchdogPid(sidecar: number): number | null {
  const found = childrenOf(sidecar).find((s) => s.comm === WATCHDOG_COMM)
  return found ? found.pid : null
}
