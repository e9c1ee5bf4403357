import { readdirSync, readFileSync } from "node:fs"

/** What the leak checker needs from `/proc/<pid>/stat`. */
export interface ProcStat {
  pid: number
  state: string
  ppid: number
  pgrp: number
  session: number
  /** Field 22: start time in clock ticks since boot, as the fixture program reports it. */
  start: string
}

/** Parses one `/proc/<pid>/stat` line; the command name may hold spaces and parentheses. */
export function parseStat(line: string): ProcStat | null {
  const open = line.indexOf("(")
  const close = line.lastIndexOf(")")
  if (open < 0 || close < open) return null
  const pid = Number(line.slice(0, open).trim())
  // Fields after the name start at field 3 (state); field N is rest[N - 3].
  const rest = line.slice(close + 2).split(" ")
  if (rest.length < 20 || !Number.isInteger(pid)) return null
  return {
    pid,
    state: rest[0]!,
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    start: rest[19]!,
  }
}

export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return null
  }
}

/** Alive = the pid exists, is still the process that started at `start`, and is not a zombie. */
export function isAlive(pid: number, start: string): boolean {
  const stat = readStat(pid)
  if (!stat || stat.start !== start) return false
  // A zombie has finished; it only waits for a parent (maybe init) to reap it.
  return stat.state !== "Z" && stat.state !== "X"
}

export function listPids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
  } catch {
    return []
  }
}

/**
 * Processes whose environment holds `NAME=value`: every process of a fixture
 * tree inherits the report path, so this finds members that never got to
 * report (forked a moment ago) or escaped their session.
 */
export function findByEnv(name: string, value: string): ProcStat[] {
  const needle = Buffer.from(`\0${name}=${value}\0`)
  const found: ProcStat[] = []
  for (const pid of listPids()) {
    if (pid === process.pid) continue
    let env: Buffer
    try {
      env = readFileSync(`/proc/${pid}/environ`)
    } catch {
      continue
    }
    const padded = Buffer.concat([Buffer.from([0]), env, Buffer.from([0])])
    if (padded.indexOf(needle) < 0) continue
    const stat = readStat(pid)
    if (stat && stat.state !== "Z" && stat.state !== "X") found.push(stat)
  }
  return found
}

/** Resident set size in KiB (`VmRSS`), or null when the process is gone. */
export function readRssKib(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

export const hasProcfs = (): boolean => {
  try {
    readFileSync("/proc/self/stat")
    return true
  } catch {
    return false
  }
}
