import { setTimeout as sleep } from "node:timers/promises"
import { terminateTree as baselineTerminateTree } from "../baseline/terminate-tree.js"
import { processApi } from "../api.js"
import { readToEnd } from "../run.js"
import { spawnSettings, TERMINATION_GRACE_MS } from "../defaults.js"
import { SupervisorDiedError, SupervisorRequestError } from "../errors.js"
import type { TerminatedEvent } from "../protocol/messages.js"
import { assertTerminateTarget } from "../safety.js"
import type { Child, Options, ProcessApi, SupervisedChild, TerminateTreeInput } from "../types.js"
import { SupervisorChild } from "./child.js"
import { launch } from "./launch.js"
import { locateSupervisor } from "./locate.js"
import { assertNoNulBytes } from "./node-spawn-errors.js"
import { spawnRequest } from "./request.js"
import { liveRoot } from "./roots.js"
import { Sidecar, sidecarTimeouts, type SidecarTimeouts } from "./sidecar.js"
import { assertSpawnFits } from "./spawn-limits.js"

export { locateSupervisor } from "./locate.js"
export { shellArgv } from "./request.js"

export interface SupervisorOptions {
  supervisorPath?: string
  /**
   * How long a spawn() that starts the sidecar blocks, at most, for it to be ready (ms); default
   * PAWWORK_SUPERVISOR_START_TIMEOUT_MS, else 5000. A sidecar that does not greet in time is killed and
   * that spawn fails, its error naming the binary.
   */
  startTimeoutMs?: number
  /** How long a spawn() blocks, at most, for the sidecar's answer (ms); PAWWORK_SUPERVISOR_SPAWN_TIMEOUT_MS, else 5000. */
  spawnTimeoutMs?: number
}

/** The sidecar bounds of these options. */
export function timeoutsOf(options: Pick<SupervisorOptions, "startTimeoutMs" | "spawnTimeoutMs">): SidecarTimeouts {
  return sidecarTimeouts({ startMs: options.startTimeoutMs, spawnMs: options.spawnTimeoutMs })
}

/**
 * The supervisor backend: one shared sidecar per backend object, started on the first spawn and again
 * after it died. spawn() returns with `pid` set, as Node's does (launch.ts).
 */
export function createSupervisor(options: SupervisorOptions = {}): ProcessApi {
  const slot = sidecarSlot(options)
  let counter = 0
  const prefix = `c${process.pid}-${Date.now().toString(36)}`
  return processApi({
    backend: "supervisor",
    spawn: (cmd: string[], opts: Options = {}) => spawnOn(slot.current, `${prefix}-${++counter}`, cmd, opts),
    // Its own collector: the output arrives as frames, handed on as views, and is joined once.
    collect: readToEnd,
    stop,
    terminateTree: (input: TerminateTreeInput) => terminateTree(slot.current, input),
    shutdown: slot.shutdown,
    sidecarPid: slot.pid,
  })
}

/** The backend's one sidecar: the running one, or a new one started on demand after none or a death. */
function sidecarSlot(options: SupervisorOptions) {
  let sidecar: Sidecar | null = null
  const timeouts = timeoutsOf(options)

  function current(): Sidecar {
    if (sidecar?.alive) return sidecar
    // Resolved per start, so a binary built meanwhile is picked up; a missing one throws here, in spawn().
    const binary = locateSupervisor(options.supervisorPath)
    const started: Sidecar = new Sidecar(binary, (dead) => {
      if (sidecar === dead) sidecar = null
    }, timeouts)
    sidecar = started
    return started
  }

  async function shutdown(): Promise<void> {
    const running = sidecar
    sidecar = null
    if (running) await running.shutdown()
  }

  return { current, shutdown, pid: () => (sidecar?.alive ? sidecar.pid : undefined) }
}

/** One spawn on the backend's sidecar, holding it (and its event-loop ref) until the child settles. */
function spawnOn(current: () => Sidecar, id: string, cmd: string[], opts: Options): SupervisedChild {
  const settings = spawnSettings(cmd, opts)
  const request = spawnRequest(id, settings, opts)
  // What Node checks, on what Node checks it: the caller's file and arguments, the child's environment.
  assertNoNulBytes(settings.cmd[0], settings.cmd.slice(1), opts, request.env.mode === "replace" ? request.env.vars : {})
  // Thrown, as Node's spawn throws E2BIG: before a sidecar is started for it.
  assertSpawnFits(cmd, request)

  let host: Sidecar | undefined
  const abort = () => child.abort()
  const { child, sidecar: used } = launch(current, request, opts, () => {
    opts.abort?.removeEventListener("abort", abort)
    host?.release()
  })
  host = used
  host.hold()
  if (opts.abort) {
    opts.abort.addEventListener("abort", abort, { once: true })
    if (opts.abort.aborted) abort()
  }
  return child
}

async function stop(child: Child): Promise<void> {
  if (!(child instanceof SupervisorChild)) throw new TypeError("stop(): not a child of the supervisor backend")
  await child.cancel({ signal: "SIGTERM", graceMs: TERMINATION_GRACE_MS }).catch(() => undefined)
}

/**
 * A root this sidecar spawned: the cancel ladder over its whole tree (graceful SIGTERM, the grace,
 * SIGKILL of the whole cgroup or group), resolved when the tree is gone. Any other pid (PawWork's PTY,
 * a shell started elsewhere): the sidecar's `terminate` request, which holds every member it finds by
 * pidfd and catches members born during the cancel (docs/reference/protocol.md). `signalRoot` and
 * `findDescendants` are the baseline's ways of reaching a root and finding its tree by number; the
 * sidecar signals through pidfds and walks the live tree itself, so they are used only where the sidecar
 * answers `unsupported` and the baseline's own terminateTree runs instead. A pid inside a tree a
 * sidecar supervises, below its root (the sidecar answers `supervised_pid`), is ended as a subtree
 * by the baseline's path: cancelling the whole tree would end more than was asked for.
 */
async function terminateTree(current: () => Sidecar, input: TerminateTreeInput): Promise<void> {
  assertTerminateTarget(input.pid)
  const graceMs = Math.max(0, input.graceMs ?? TERMINATION_GRACE_MS)
  const own = liveRoot(input.pid)
  if (own) await own.cancel({ signal: "SIGTERM", graceMs }).catch(() => undefined)
  else await terminateForeign(current, input, graceMs)
  // As the baseline: the caller's own view of the root's exit is awaited once more, at most one grace.
  if (input.waitForExit) await Promise.race([input.waitForExit.catch(() => undefined), sleep(graceMs)])
}

/**
 * The `terminate` request on the current sidecar; sent once more to a fresh one if that one turns out
 * dead (a second terminate of a tree the first began to end finds what is left of it).
 */
async function terminateOnSidecar(current: () => Sidecar, pid: number, graceMs: number): Promise<TerminatedEvent> {
  for (let attempt = 0; ; attempt++) {
    const host = current()
    host.hold()
    try {
      const conn = await host.ready
      return (await conn.request({ op: "terminate", pid, signal: "SIGTERM", grace_ms: graceMs })) as TerminatedEvent
    } catch (err) {
      if (attempt > 0 || !(err instanceof SupervisorDiedError)) throw err
    } finally {
      host.release()
    }
  }
}

async function terminateForeign(current: () => Sidecar, input: TerminateTreeInput, graceMs: number): Promise<void> {
  try {
    const done = await terminateOnSidecar(current, input.pid, graceMs)
    // Not errors (what could be ended was), but the caller's tree may not be wholly gone: say so.
    if (done.quiet === false || done.capped === true) {
      process.emitWarning(
        `terminateTree(${input.pid}): ${done.quiet === false ? "members outlived SIGKILL" : "the tree exceeded the sidecar's bounds"} ` +
          `(members ${done.pids.join(", ")})`,
        { code: "PAWWORK_SUPERVISOR_TERMINATE" },
      )
    }
  } catch (err) {
    // bad_pid (the host or one of its ancestors, the sidecar, its watchdog) is thrown: the baseline
    // would signal exactly what the sidecar protects.
    const fallBack = err instanceof SupervisorRequestError && (err.code === "unsupported" || err.code === "supervised_pid")
    if (!fallBack) throw err
    await baselineTerminateTree({ ...input, graceMs })
  }
}
