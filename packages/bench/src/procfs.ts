import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, readlinkSync } from "node:fs"

/** The fields of `/proc/<pid>/stat` the benchmark reads. */
export interface ProcStat {
  pid: number
  comm: string
  state: string
  ppid: number
  pgrp: number
  session: number
  /** Fields 14 and 15, in clock ticks. */
  utime: number
  stime: number
  /** Field 22: start time in clock ticks since boot, the string the fixture program reports. */
  start: string
}

/** Parses one stat line; the command name may hold spaces and parentheses, so split after the last ")". */
export function parseStat(line: string): ProcStat | null {
  const open = line.indexOf("(")
  const close = line.lastIndexOf(")")
  if (open < 0 || close < open) return null
  const pid = Number(line.slice(0, open).trim())
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const rest = line.slice(close + 2).split(" ")
  if (!Number.isInteger(pid) || rest.length < 20) return null
  return {
    pid,
    comm: line.slice(open + 1, close),
    state: rest[0]!,
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    utime: Number(rest[11]),
    stime: Number(rest[12]),
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

/** Still the same process (start time matches) and not a zombie: a zombie has finished, it only awaits reaping. */
export function isAlive(pid: number, start: string): boolean {
  const stat = readStat(pid)
  return stat !== null && stat.start === start && stat.state !== "Z" && stat.state !== "X"
}

export function listPids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
}

/** Live processes whose parent is `ppid`. */
export function childrenOf(ppid: number): ProcStat[] {
  const found: ProcStat[] = []
  for (const pid of listPids()) {
    const stat = readStat(pid)
    if (stat && stat.ppid === ppid && stat.state !== "Z") found.push(stat)
  }
  return found
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean)
  } catch {
    return []
  }
}

/** VmRSS in KiB, or null when the process is gone. */
export function rssKib(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

let ticks: number | undefined

/** USER_HZ, the unit of utime/stime (100 on nearly every Linux, asked once to be sure). */
export function clockTicks(): number {
  if (ticks !== undefined) return ticks
  try {
    ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    ticks = 100
  }
  return ticks
}

/** utime + stime of a process (all its threads) in ms, or null when it is gone. */
export function cpuMs(pid: number): number | null {
  const stat = readStat(pid)
  return stat ? ((stat.utime + stat.stime) * 1000) / clockTicks() : null
}

/** Thread count (`Threads:` of /proc/<pid>/status), or null when the process is gone. */
export function threads(pid: number): number | null {
  try {
    const m = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/** What an fd of a process is: "socket", "pipe", "file" or "gone". */
export function fdKind(pid: number, fd: number): string {
  try {
    const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
    if (target.startsWith("socket:")) return "socket"
    if (target.startsWith("pipe:")) return "pipe"
    return "file"
  } catch {
    return "gone"
  }
}
