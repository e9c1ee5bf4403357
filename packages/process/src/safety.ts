import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

/*
 * We run as root in CI: kill(-1) or kill(0) would take down the machine or ourselves. Every signal this
 * package sends by number goes through these checks. For any pid a real child can have they never change
 * behaviour: the kernel never hands out pid 0/1, and a live child's pid can never equal the id of an
 * existing process group (a pid is not allocated while a group of that id exists), so ours is excluded.
 */

let ownGroup: number | null | undefined

/** Our own process group id, or null when it cannot be read. */
export function ownProcessGroup(): number | null {
  if (ownGroup !== undefined) return ownGroup
  ownGroup = readOwnGroup()
  return ownGroup
}

function readOwnGroup(): number | null {
  if (process.platform === "win32") return null
  try {
    // /proc/self/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after the last ")".
    const stat = readFileSync("/proc/self/stat", "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const pgrp = Number(fields[2])
    if (Number.isInteger(pgrp) && pgrp > 0) return pgrp
  } catch {
    // not Linux: fall through to ps
  }
  try {
    const out = execFileSync("ps", ["-o", "pgid=", "-p", String(process.pid)], { encoding: "utf8" })
    const pgrp = Number(out.trim())
    if (Number.isInteger(pgrp) && pgrp > 0) return pgrp
  } catch {
    // unknown: callers still refuse our own pid
  }
  return null
}

/** True when `pid` may be signalled by number: a real process that is not us. */
export function isSignallablePid(pid: number): boolean {
  return Number.isInteger(pid) && pid > 1 && pid !== process.pid
}

/** True when the group `pgid` may be signalled with kill(-pgid): above 1 and not our own group. */
export function isSignallableGroup(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1 || pgid === process.pid) return false
  const own = ownProcessGroup()
  return own === null || pgid !== own
}

/** kill(pid, signal) after the safety check; throws like process.kill when refused so callers' fallbacks run. */
export function killPid(pid: number, signal: NodeJS.Signals | number | 0): void {
  if (!isSignallablePid(pid)) throw unsafe(`refusing to signal pid ${pid}`)
  process.kill(pid, signal)
}

/** kill(-pgid, signal) after the safety check; throws like process.kill when refused. */
export function killGroup(pgid: number, signal: NodeJS.Signals | number): void {
  if (!isSignallableGroup(pgid)) throw unsafe(`refusing to signal process group ${pgid}`)
  process.kill(-pgid, signal)
}

/**
 * terminateTree's input check, before anything is signalled: its target must be a real process that is
 * neither us nor the leader of our own process group (the baseline signals the group `-pid`, which would
 * then be ours). Throws a TypeError for a pid that is not a positive integer, an Error for a refused one.
 */
export function assertTerminateTarget(pid: unknown): asserts pid is number {
  if (typeof pid !== "number" || !Number.isInteger(pid)) {
    throw new TypeError(`terminateTree: pid must be an integer, got ${typeof pid === "number" ? pid : typeof pid}`)
  }
  if (pid <= 1) throw new Error(`terminateTree: refusing pid ${pid}: its tree is the whole machine`)
  if (pid === process.pid) throw new Error(`terminateTree: refusing pid ${pid}: it is this process`)
  if (pid === ownProcessGroup()) throw new Error(`terminateTree: refusing pid ${pid}: it leads our own process group`)
}

function unsafe(message: string): Error {
  return Object.assign(new Error(message), { code: "ESRCH" })
}
