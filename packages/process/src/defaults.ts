import type { Options, Outcome, Stdio } from "./types.js"

/**
 * Every default and every check of a spawn, in one place, so every backend means the same thing by them
 * (docs/reference/baseline.md) and none can drift: the backends read the settings from here and only translate them
 * into their engine's names (the protocol's `ladder.grace_ms`, execa's `forceKillAfterDelay`, ...).
 */

/** Default grace of `terminateTree` and `stop()`, between the graceful signal and SIGKILL. */
export const TERMINATION_GRACE_MS = 500

/** Default grace between the graceful and the forceful step of an abort (the spawn's `timeout`). */
export const ABORT_GRACE_MS = 5_000

/** The graceful step of an abort unless the spawn's `kill` names another. */
export const DEFAULT_KILL_SIGNAL: NodeJS.Signals = "SIGTERM"

/** An abort's grace for these options: `timeout`, else ABORT_GRACE_MS; never negative. */
export function abortGraceMs(opts: Options): number {
  return Math.max(0, opts.timeout ?? ABORT_GRACE_MS)
}

/** An abort's graceful signal for these options. */
export function killSignal(opts: Options): NodeJS.Signals | number {
  return opts.kill ?? DEFAULT_KILL_SIGNAL
}

/** What every backend's spawn acts on, after the checks. */
export interface SpawnSettings {
  /** argv with at least the command. */
  cmd: [string, ...string[]]
  abortGraceMs: number
  killSignal: NodeJS.Signals | number
  /** stdin, stdout, stderr: each `ignore` unless asked for (PawWork's default). */
  stdio: [Stdio, Stdio, Stdio]
}

/**
 * The checks every spawn makes before starting anything, and its defaults: an empty command throws
 * `Command is required`, an already-aborted signal throws its reason (nothing is started for a caller that
 * has already given up).
 */
export function spawnSettings(cmd: string[], opts: Options): SpawnSettings {
  if (cmd.length === 0) throw new Error("Command is required")
  opts.abort?.throwIfAborted()
  return {
    cmd: cmd as [string, ...string[]],
    abortGraceMs: abortGraceMs(opts),
    killSignal: killSignal(opts),
    stdio: [opts.stdin ?? "ignore", opts.stdout ?? "ignore", opts.stderr ?? "ignore"],
  }
}

/** The outcome of a command that never started: nothing ran, nothing was read or killed. */
export function spawnFailedOutcome(): Outcome {
  return { reason: "spawn_failed", code: null, signal: null, bytes: { stdout: 0, stderr: 0 }, drain: "none", killedPids: [], leftoverPids: [] }
}
