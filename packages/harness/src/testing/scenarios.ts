import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import type { Readable } from "node:stream"
import { setImmediate as tick } from "node:timers/promises"
import { fixture } from "./fixture.js"
import { waitAllGone } from "./leaks.js"
import { countPids, readReport, waitForReport, type PidLine, type ReportLine } from "./reports.js"
import type { TestApi, TestChild, TestOutcome } from "./types.js"

/*
 * Scenarios the backend-specific test files share (the engines' in @pawwork/process, the peers' in
 * @pawwork/peers): each drives one fixture through a backend and hands back what the assertions need. The
 * pass/fail judgement stays in the test files.
 */

export type Ready = (lines: ReportLine[]) => boolean

export const hasRole = (role: string, n = 1): Ready => (lines) =>
  lines.filter((l) => l.kind === "pid" && l.role === role).length >= n

/** A `child` line whose process is in state T (stopped), read from /proc. */
export const childStopped: Ready = (lines) =>
  lines.some((l) => l.kind === "pid" && l.role === "child" && procState(l.pid) === "T")

function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? null
  } catch {
    return null
  }
}

/**
 * The `daemon` fixture's daemon is up and its starter (the `child`, in its own session) has exited, so the
 * daemon is re-parented: before that, a walk of the tree from the root still reaches it through the starter.
 */
export const daemonReparented: Ready = (lines) =>
  hasRole("daemon")(lines) &&
  lines.some((l) => l.kind === "pid" && l.role === "child") &&
  lines.every((l) => l.kind !== "pid" || l.role !== "child" || [null, "Z"].includes(procState(l.pid)))

export const middleExited: Ready = (lines) => lines.some((l) => l.kind === "event" && l.what === "middle-exited")

/** Roles of the processes still alive, sorted, after giving the cancel a generous moment. */
export async function aliveRoles(file: string, settleMs = 1_500): Promise<string[]> {
  return (await waitAllGone(file, settleMs)).map((p) => p.role).sort()
}

/** Spawns a fixture with an abort, waits until `ready`, aborts, and waits for `exited` and the outcome. */
export async function abortWhenReady(
  proc: TestApi,
  file: string,
  args: string[],
  ready: Ready,
  what: string,
  opts: Record<string, unknown> = {},
): Promise<{ child: TestChild; outcome: TestOutcome; lines: ReportLine[] }> {
  const abort = new AbortController()
  const child = proc.spawn(fixture(file, ...args), { timeout: 500, ...opts, abort: abort.signal })
  const lines = await waitForReport(file, ready, what)
  abort.abort()
  await child.exited
  return { child, outcome: await child.outcome, lines }
}

/** Spawns a fixture, waits for `pids` report lines, stop()s it: resolves with what of the tree is still alive. */
export async function stopWhenReady(proc: TestApi, file: string, args: string[], pids: number, what: string): Promise<PidLine[]> {
  const child = proc.spawn(fixture(file, ...args))
  await waitForReport(file, countPids(pids), what)
  await proc.stop(child)
  await child.exited
  return waitAllGone(file)
}

/** Signals each process of the report received, in order, keyed by role ("root", "node", ...). */
export function signalsByRole(file: string): Map<string, string[][]> {
  const lines = readReport(file)
  const roleOf = new Map(lines.filter((l): l is PidLine => l.kind === "pid").map((l) => [l.pid, l]))
  const byRole = new Map<string, string[][]>()
  for (const entry of roleOf.values()) {
    const got = lines.flatMap((l) => (l.kind === "signal" && l.pid === entry.pid ? [l.signal] : []))
    byRole.set(entry.role, [...(byRole.get(entry.role) ?? []), got])
  }
  return byRole
}

export function collect(stream: Readable) {
  const state = { data: "", ended: false }
  stream.on("data", (c: Buffer) => (state.data += c.toString()))
  stream.on("end", () => (state.ended = true))
  return state
}

/**
 * `hold-pipe --ms <holdMs>` (1500 unless given): what the caller had when `exited` settled, and everything
 * in the end. `drainTimeout` is passed on to the spawn where the caller gives one.
 */
export async function holdBriefly(proc: TestApi, file: string, { holdMs = 1_500, drainTimeout }: { holdMs?: number; drainTimeout?: number } = {}) {
  const options = drainTimeout === undefined ? { stdout: "pipe" } : { stdout: "pipe", drainTimeout }
  const child = proc.spawn(fixture(file, "hold-pipe", "--ms", String(holdMs)), options)
  const out = collect(child.stdout!)
  await child.exited
  // One macrotask for stream events already queued; the holder keeps the pipe for holdMs more.
  await tick()
  const atExit = { ...out }
  const outcome = await child.outcome
  await new Promise((r) => (out.ended ? r(null) : child.stdout!.once("end", r)))
  return { atExit, outcome, final: out }
}

export type HostEnd = "exit" | "SIGKILL"

/** How a host process gets a backend: `import { <create> } from "<module>"`, then `<create>({ backend })`. */
export interface HostBackend {
  /** An absolute path or a package name the host can import. */
  module: string
  create: string
  backend: string
}

/**
 * A host Node process spawns `args` through `via` and waits for `pids` report lines. Then it either exits
 * normally (process.exit: exit handlers run, as at the end of any script) or is SIGKILLed by us (nothing of
 * the host runs). Resolves once the host is gone.
 */
export function hostEndsAfterSpawn(
  via: HostBackend,
  file: string,
  args: string[],
  pids: number,
  end: HostEnd,
): Promise<void> {
  const script = `
    import { readFileSync } from "node:fs"
    import { ${via.create} as create } from ${JSON.stringify(via.module)}
    const proc = create({ backend: ${JSON.stringify(via.backend)} })
    proc.spawn(${JSON.stringify(fixture(file, ...args))})
    const count = () => { try { return readFileSync(${JSON.stringify(file)}, "utf8").split("\\n").filter((l) => l.includes('"kind":"pid"')).length } catch { return 0 } }
    const deadline = Date.now() + 10000
    while (count() < ${pids} && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
    if (count() < ${pids}) process.exit(3)
    console.log("ready")
    if (${JSON.stringify(end)} === "exit") process.exit(0)
    setInterval(() => {}, 1000)
  `
  return new Promise((resolve, reject) => {
    const host = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    host.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    host.stdout.on("data", (c: Buffer) => {
      // Our own child, alive (it just wrote): its pid is safe to signal.
      if (end === "SIGKILL" && c.toString().includes("ready") && host.pid) host.kill("SIGKILL")
    })
    const guard = setTimeout(() => host.kill("SIGKILL"), 15_000)
    host.once("exit", (code, signal) => {
      clearTimeout(guard)
      const expected = end === "exit" ? code === 0 : signal === "SIGKILL"
      if (expected) resolve()
      else reject(new Error(`host ended with code ${code} signal ${signal}: ${stderr}`))
    })
  })
}
