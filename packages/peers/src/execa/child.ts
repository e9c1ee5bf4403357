import type { ChildProcess } from "node:child_process"
import type { Child, Options, Outcome } from "@pawwork/process"
import { bytesRead, countArrivals, drainOf, ProcView, spawnFailedOutcome } from "@pawwork/process/backend-kit"

/** The parts of execa's result this backend reads. */
export interface ExecaResult {
  exitCode?: number
  signal?: string
  failed: boolean
  isCanceled: boolean
  isForcefullyTerminated: boolean
  cause?: unknown
}

/** Execa's subprocess: its ChildProcess is `nodeChildProcess` (execa 10; execa 9's subprocess was one itself). */
export interface ExecaSubprocess extends PromiseLike<ExecaResult> {
  kill(signal?: NodeJS.Signals | number): boolean
  readonly nodeChildProcess?: ChildProcess
}

/**
 * A wrapper, never the subprocess itself: execa's subprocess is a thenable, so handing it out would make
 * `await child` (or returning it from an async function) wait for the whole run.
 * `exited` and `outcome` settle when execa's own promise does: after the exit AND the end of every pipe,
 * which is what `await execa(...)` gives its users (and why a grandchild holding a pipe keeps it pending).
 */
export class ExecaChild extends ProcView implements Child {
  readonly exited: Promise<number>
  readonly outcome: Promise<Outcome>
  readonly spawned: Promise<number | undefined>
  private stopped = false

  constructor(
    private readonly sub: ExecaSubprocess,
    opts: Options,
  ) {
    super(sub.nodeChildProcess ?? (sub as unknown as ChildProcess))
    const proc = this.proc
    countArrivals(proc.stdout)
    countArrivals(proc.stderr)
    this.spawned = new Promise((resolve) => {
      proc.once("spawn", () => resolve(proc.pid))
      proc.once("error", () => resolve(proc.pid))
    })
    const settled = Promise.resolve(sub)
    this.exited = settled.then((result) => {
      if (result.exitCode !== undefined) return result.exitCode
      if (result.signal) return 1
      if (result.failed) throw failure(result)
      return 0
    })
    void this.exited.catch(() => undefined)
    this.outcome = settled.then((result) => {
      if (proc.pid === undefined) return spawnFailedOutcome()
      const piped = [opts.stdout === "pipe" ? proc.stdout : null, opts.stderr === "pipe" ? proc.stderr : null]
      return {
        reason: result.isCanceled || this.stopped ? "cancelled" : "exited",
        code: result.exitCode ?? null,
        signal: result.signal ?? null,
        bytes: { stdout: bytesRead(proc.stdout), stderr: bytesRead(proc.stderr) },
        drain: drainOf(piped),
        // Execa says whether its forceKillAfterDelay step signalled anything, not which pids: with killDescendants
        // its SIGKILL went to the root's group, whose members are not known here.
        killedPids: result.isForcefullyTerminated ? [proc.pid] : [],
        leftoverPids: [],
      }
    })
  }

  /** Execa's kill (to the root's group, killDescendants): `killSignal` by default, and only then armed with `forceKillAfterDelay`. */
  kill(signal?: NodeJS.Signals | number): boolean {
    return this.sub.kill(signal)
  }

  /**
   * stop(): execa's own `subprocess.kill()` (killSignal to the group, then SIGKILL after forceKillAfterDelay while
   * execa's promise is pending); waits for the root. Once the root exited it is still called: execa 10 documents
   * `subprocess.kill()` as the way to end the descendants left in the group (a group id is not reused while a
   * member lives), and refuses it itself where the pid is no longer safe (Windows, a failed start).
   */
  async stop(): Promise<void> {
    const proc = this.proc
    if (proc.pid === undefined) return
    if (proc.exitCode !== null || proc.signalCode !== null) {
      this.sub.kill()
      return
    }
    this.stopped = true
    const gone = new Promise((resolve) => proc.once("exit", resolve))
    this.sub.kill()
    await gone
  }
}

/** The error a failed start rejects `exited` with: Node's own spawn error (code ENOENT, ...) when execa kept it. */
function failure(result: ExecaResult): Error {
  if (result.cause instanceof Error) return result.cause
  return result instanceof Error ? result : new Error("execa: the command failed without an exit code or signal")
}
