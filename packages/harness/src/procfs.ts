import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs"
import { binaryPath } from "./paths.js"

/*
 * How the harness sees other processes. Linux: /proc, read directly.
 * Elsewhere Node has no way to read a process's start time, so the fixture
 * program answers (`pawwork-fixture proc-start PID...`, one spawn per poll for
 * all pids at once): the same start token its report lines carry, or `gone`.
 * macOS adds `ps` for what proc-start does not tell (state, parent, group,
 * environment). A lookup that cannot be made throws: an unreadable process
 * must never read as "gone", which would hide a leak.
 */

/** What every platform can tell of a process (Linux from `/proc/<pid>/stat`, macOS from `ps`). */
export interface ProcStat {
  pid: number
  state: string
  ppid: number
  pgrp: number
  /** Session id; -1 on macOS, whose `ps` shows no session id. */
  session: number
  /** Start token as the fixture program reports it (Linux: field 22, clock ticks since boot). */
  start: string
}

const onLinux = process.platform === "linux"
const onMac = process.platform === "darwin"

/** The whole of what the harness reads from a `/proc/<pid>/stat` line (Linux only). */
export interface LinuxStat extends ProcStat {
  comm: string
  /** Fields 14 and 15, in clock ticks (see clockTicks). */
  utime: number
  stime: number
}

/**
 * Parses one `/proc/<pid>/stat` line, the only place that does. The command name may hold spaces and
 * parentheses, so the fields are split after the last ")".
 */
export function parseStat(line: string): LinuxStat | null {
  const open = line.indexOf("(")
  const close = line.lastIndexOf(")")
  if (open < 0 || close < open) return null
  const pid = Number(line.slice(0, open).trim())
  // Fields after the name start at field 3 (state); field N is rest[N - 3].
  const rest = line.slice(close + 2).split(" ")
  if (rest.length < 20 || !Number.isInteger(pid)) return null
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

/**
 * `pawwork-fixture proc-start` output for the pids asked: pid -> start token,
 * or null when gone. Throws unless every pid is answered exactly once.
 */
export function parseProcStart(text: string, asked: readonly number[]): Map<number, string | null> {
  const got = new Map<number, string | null>()
  for (const line of text.split(/\r?\n/)) {
    if (line === "") continue
    const m = /^(\d+) (\S+)$/.exec(line)
    if (!m) throw new Error(`proc-start: unexpected line ${JSON.stringify(line)}`)
    const pid = Number(m[1])
    if (got.has(pid)) throw new Error(`proc-start: pid ${pid} answered twice`)
    got.set(pid, m[2] === "gone" ? null : m[2]!)
  }
  for (const pid of asked) if (!got.has(pid)) throw new Error(`proc-start: no answer for pid ${pid}`)
  for (const pid of got.keys()) if (!asked.includes(pid)) throw new Error(`proc-start: answer for pid ${pid}, which was not asked`)
  return got
}

let binFor: { env: string | undefined; bin: string } | null = null

/** The fixture program (PAWWORK_FIXTURE_PATH, else the release build); looked up once per value of the variable. */
function fixtureBin(): string {
  const env = process.env.PAWWORK_FIXTURE_PATH
  if (binFor === null || binFor.env !== env) binFor = { env, bin: binaryPath("pawwork-fixture") }
  return binFor.bin
}

/** Spawn attempts of one proc-start reading: Wine's process creation has failed once in a 20-run matrix ("UNKNOWN"). */
const PROC_START_TRIES = 3

function procStart(pids: readonly number[]): Map<number, string | null> {
  if (pids.length === 0) return new Map()
  const env = { ...process.env }
  delete env.PAWWORK_FIXTURE_REPORT
  const spawnOnce = () =>
    spawnSync(fixtureBin(), ["proc-start", ...pids.map(String)], { encoding: "utf8", env, windowsHide: true, timeout: 10_000 })
  let r = spawnOnce()
  // Only a failure to start is retried (nothing was read); a reading that ran and failed, or hung past its
  // timeout, is an error.
  const startFailed = () => r.error !== undefined && (r.error as NodeJS.ErrnoException).code !== "ETIMEDOUT"
  for (let tried = 1; startFailed() && tried < PROC_START_TRIES; tried++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100 * tried)
    r = spawnOnce()
  }
  if (r.error) throw new Error(`proc-start: ${r.error.message} (${PROC_START_TRIES} attempts)`)
  if (r.status !== 0) throw new Error(`proc-start exited ${r.status ?? r.signal}: ${r.stderr.trim()}`)
  return parseProcStart(r.stdout, pids)
}

/** `/proc/<pid>/stat` parsed, zombies included; null when the pid is gone or there is no /proc. */
export function procStat(pid: number): LinuxStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return null
  }
}

const gone = (s: ProcStat | null) => s === null || s.state === "Z" || s.state === "X"

/** Where start tokens come from: `/proc` (Linux) or the fixture program's `proc-start` (everywhere). */
export type StartSource = "procfs" | "fixture"

/**
 * Start token of each pid, or null for a pid that is gone (zombies included:
 * a zombie has finished and only waits to be reaped). One proc-start spawn
 * for all of them where there is no /proc. `via` picks the source (tests
 * compare the two on Linux).
 */
export function startsOf(pids: readonly number[], via: StartSource = onLinux ? "procfs" : "fixture"): Map<number, string | null> {
  const valid = [...new Set(pids)].filter((p) => Number.isInteger(p) && p > 0 && p <= 0xffffffff)
  const out = new Map<number, string | null>(pids.map((p) => [p, null]))
  if (via === "procfs") {
    for (const pid of valid) {
      const s = procStat(pid)
      out.set(pid, gone(s) ? null : s!.start)
    }
    return out
  }
  for (const [pid, start] of procStart(valid)) out.set(pid, start)
  return out
}

export function startOf(pid: number): string | null {
  return startsOf([pid]).get(pid) ?? null
}

// One -o per column: BSD ps takes everything after `=` as the header text.
const PS_COLUMNS = ["-o", "pid=", "-o", "ppid=", "-o", "pgid=", "-o", "stat="]

/** macOS `ps` rows: pid, ppid, pgid, state, then (with `withEnv`) the command line and environment. */
function psRows(args: string[]): { pid: number; ppid: number; pgrp: number; state: string; rest: string }[] {
  const r = spawnSync("ps", args, { encoding: "utf8", timeout: 10_000, maxBuffer: 64 * 1024 * 1024 })
  // ps exits 1 when a `-p` pid does not exist: no rows.
  if (r.error || r.stdout === null) throw new Error(`ps: ${r.error?.message ?? "no output"}`)
  return r.stdout.split("\n").flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s?(.*)$/.exec(line)
    return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), pgrp: Number(m[3]), state: m[4]!.slice(0, 1), rest: m[5]! }] : []
  })
}

/**
 * The process's stat as the leak checker uses it, or null when it is gone.
 * Linux: /proc. macOS: `ps` for state and parents plus proc-start for the
 * token. Windows: null (no such view; use `startOf` for the token).
 */
export function readStat(pid: number): ProcStat | null {
  if (onLinux) return procStat(pid)
  if (!onMac || !Number.isInteger(pid) || pid <= 0) return null
  const row = psRows([...PS_COLUMNS, "-p", String(pid)]).find((r) => r.pid === pid)
  if (!row) return null
  const start = startOf(pid)
  return start === null ? null : { pid, state: row.state, ppid: row.ppid, pgrp: row.pgrp, session: -1, start }
}

/**
 * The one liveness check: the pid is still the process that started at `start` (not a recycled pid) and
 * has not finished (a zombie only waits to be reaped). /proc on Linux, proc-start elsewhere.
 */
export function isStillRunning(pid: number, start: string): boolean {
  return startOf(pid) === start
}

/** Every pid in /proc (Linux); empty elsewhere. */
export function listPids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
  } catch {
    return []
  }
}

/** True where `findByEnv` can see other processes' environments (Linux; macOS through `ps -E`). */
export function envScanAvailable(): boolean {
  return onLinux || onMac
}

/**
 * Processes whose environment holds `NAME=value`: every process of a fixture
 * tree inherits the report path, so this finds members that never got to
 * report (forked a moment ago) or escaped their session. Always empty on
 * Windows (no environment view): see `envScanAvailable`.
 */
export function findByEnv(name: string, value: string): ProcStat[] {
  if (onMac) return findByEnvPs(`${name}=${value}`)
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
    const stat = procStat(pid)
    if (!gone(stat)) found.push(stat!)
  }
  return found
}

/** macOS: `ps -E` appends each process's environment (as it was at exec) to its command line. */
function findByEnvPs(pair: string): ProcStat[] {
  const rows = psRows(["-A", "-E", "-ww", ...PS_COLUMNS, "-o", "command="])
    .filter((r) => r.pid !== process.pid && r.state !== "Z")
    .filter((r) => ` ${r.rest} `.includes(` ${pair} `))
  const starts = startsOf(rows.map((r) => r.pid))
  return rows.flatMap((r) => {
    const start = starts.get(r.pid)
    return start ? [{ pid: r.pid, state: r.state, ppid: r.ppid, pgrp: r.pgrp, session: -1, start }] : []
  })
}

/** A numeric field of `/proc/<pid>/status` (`VmRSS`, `Threads`), or null when the process is gone or not on Linux. */
function statusField(pid: number, field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/** Resident set size in KiB (`VmRSS`), or null when the process is gone or not on Linux (not sampled elsewhere). */
export function readRssKib(pid: number): number | null {
  return statusField(pid, "VmRSS")
}

/** Thread count (`Threads:`), or null when the process is gone. */
export function threads(pid: number): number | null {
  return statusField(pid, "Threads")
}

/** Live processes (zombies left out) whose parent is `ppid` (Linux). */
export function childrenOf(ppid: number): LinuxStat[] {
  const found: LinuxStat[] = []
  for (const pid of listPids()) {
    const stat = procStat(pid)
    if (stat && stat.ppid === ppid && !gone(stat)) found.push(stat)
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
  const stat = procStat(pid)
  return stat ? ((stat.utime + stat.stime) * 1000) / clockTicks() : null
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

export const hasProcfs = (): boolean => {
  try {
    readFileSync("/proc/self/stat")
    return true
  } catch {
    return false
  }
}

/**
 * Why the leak check cannot run on `os`, or null when it can: /proc on Linux,
 * the fixture program's `proc-start` on macOS and Windows.
 */
export function leakCheckUnavailable(os: string = process.platform): string | null {
  if (os === "linux") return hasProcfs() ? null : "/proc is not mounted"
  if (os !== "darwin" && os !== "win32") return `no leak check for ${os} (neither /proc nor a proc-start reading)`
  const bin = fixtureBin()
  return existsSync(bin) ? null : `the leak check runs \`pawwork-fixture proc-start\`, not built at ${bin}`
}
