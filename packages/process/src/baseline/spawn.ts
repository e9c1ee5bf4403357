import type { ChildProcess } from "node:child_process"
import launch from "cross-spawn"
import { spawnSettings, type SpawnSettings } from "../defaults.js"
import type { Child, Options } from "../types.js"
import { trackOutcome, type OutcomeTracker } from "./outcome.js"
import { terminateTree } from "./terminate-tree.js"

export type BaselineChild = ChildProcess & Child

/** Per-child bookkeeping that `stop()` shares with the abort path, kept off the public object. */
export const trackers = new WeakMap<ChildProcess, OutcomeTracker>()

export function baselineEnv(env: Options["env"]): NodeJS.ProcessEnv | undefined {
  if (env === null) return {}
  if (env) return { ...process.env, ...env }
  return undefined
}

/**
 * How the baseline starts a process (cross-spawn with PawWork's options; `detached` is the bash tool's
 * variant, Unix only). Shared with the tree-kill peer, which must start exactly like the baseline so that
 * only its cancel differs.
 */
export function launchLikeBaseline(cmd: string[], opts: Options): { proc: ChildProcess; settings: SpawnSettings } {
  const settings = spawnSettings(cmd, opts)
  const [file, ...args] = settings.cmd
  const proc = launch(file, args, {
    cwd: opts.cwd,
    shell: opts.shell,
    env: baselineEnv(opts.env),
    stdio: settings.stdio,
    windowsHide: process.platform === "win32",
    detached: opts.detached === true && process.platform !== "win32",
  })
  return { proc, settings }
}

/**
 * The baseline's `exited`: settled by Node's `exit` event (not `close`, so pipes may still hold output),
 * `code ?? (signal ? 1 : 0)`, rejected by `error` (ENOENT). `settled` runs either way.
 */
export function exitedOnExit(proc: ChildProcess, settled: () => void): Promise<number> {
  const exited = new Promise<number>((resolve, reject) => {
    proc.once("exit", (code, signal) => {
      settled()
      resolve(code ?? (signal ? 1 : 0))
    })
    proc.once("error", (error) => {
      settled()
      reject(error)
    })
  })
  void exited.catch(() => undefined)
  return exited
}

/**
 * The baseline's spawn: cross-spawn, `exited` on the `exit` event (not `close`, so pipes may still hold
 * output), abort through terminateTree with the caller's `timeout` as grace. `detached` reproduces the
 * bash tool's variant (Unix only), where the root leads its own process group.
 */
export function spawn(cmd: string[], opts: Options = {}): BaselineChild {
  const { proc, settings } = launchLikeBaseline(cmd, opts)

  let closed = false
  let exited: Promise<number> | undefined
  const tracker = trackOutcome(proc, opts)
  trackers.set(proc, tracker)

  const abort = () => {
    if (closed) return
    if (proc.exitCode !== null || proc.signalCode !== null) return
    closed = true
    tracker.cancelled = true

    const ms = settings.abortGraceMs
    if (ms <= 0 || !proc.pid) {
      proc.kill(settings.killSignal)
      return
    }
    tracker.terminating(
      terminateTree({
        pid: proc.pid,
        graceMs: ms,
        signalRoot: (signal) => proc.kill(signal),
        waitForExit: exited,
      }).catch(() => {
        proc.kill("SIGKILL")
        return { killedPids: [] }
      }),
    )
  }

  exited = exitedOnExit(proc, () => opts.abort?.removeEventListener("abort", abort))

  if (opts.abort) {
    opts.abort.addEventListener("abort", abort, { once: true })
    if (opts.abort.aborted) abort()
  }

  const child = proc as BaselineChild
  Object.defineProperty(child, "exited", { value: exited, enumerable: true })
  Object.defineProperty(child, "outcome", { value: tracker.outcome, enumerable: true })
  Object.defineProperty(child, "spawned", { value: tracker.spawned, enumerable: true })
  return child
}
