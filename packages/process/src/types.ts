import type { Readable, Writable } from "node:stream"

export type Stdio = "inherit" | "pipe" | "ignore"
export type Shell = boolean | string
/** The two engines PawWork ships, and all that PAWWORK_PROCESS_BACKEND and createProcess may name. */
export type EngineName = "baseline" | "supervisor"

export interface Options {
  cwd?: string
  /** `null`: empty environment; object: merged over `process.env` (undefined deletes); absent: inherit. */
  env?: NodeJS.ProcessEnv | Record<string, string | undefined> | null
  stdin?: Stdio
  stdout?: Stdio
  stderr?: Stdio
  shell?: Shell
  abort?: AbortSignal
  /** Signal for the graceful step of an abort (default SIGTERM). */
  kill?: NodeJS.Signals | number
  /** Grace period in ms between the graceful and the forceful step of an abort (default 5000). Not a run timeout. */
  timeout?: number
  /**
   * Baseline: the child leads its own process group, like PawWork's bash tool. Supervisor (Unix): the same
   * choice, which decides whether a terminal's Ctrl-C reaches the child: detached, its own session, out of
   * reach; not detached (the default), a member of this process's group, as a child of Node's spawn is. The
   * tree is contained either way.
   */
  detached?: boolean
  /** Supervisor only: how long to wait for descendants holding the pipes after the root ended (ms). */
  drainTimeout?: number
  /**
   * Supervisor only: descendants still alive once the root has exited and the drain is over (a shell's
   * `server &`). `kill` (default): ended before `exited` settles. `keep`: `exited` settles at the drain
   * bound and they are left running, still contained, until `kill()`, `stop()`, terminateTree({ pid }) of
   * the root, or the sidecar's end (its host process exiting included). A kept tree does not keep the event
   * loop alive. The baseline ignores it, as it ignores `drainTimeout`.
   */
  leftovers?: "kill" | "keep"
  /** Supervisor only: wall-clock limit for the whole run (ms); the outcome's reason becomes `timed_out`. */
  runTimeout?: number
}

export interface RunOptions extends Omit<Options, "stdout" | "stderr"> {
  nothrow?: boolean
}

export interface Result {
  code: number
  stdout: Buffer
  stderr: Buffer
}

export interface TextResult extends Result {
  text: string
}

export type OutcomeReason = "exited" | "cancelled" | "timed_out" | "spawn_failed"
export type Drain = "complete" | "cut" | "none"

export interface Outcome {
  reason: OutcomeReason
  code: number | null
  signal: string | null
  bytes: { stdout: number; stderr: number }
  drain: Drain
  killedPids: number[]
  /** Descendants alive after the root ended on its own and the drain: killed, or left running when `kept`. */
  leftoverPids: number[]
  /** Supervisor, `leftovers: "keep"`: the `leftoverPids` were left running. Absent otherwise. */
  kept?: boolean
}

export interface CancelOptions {
  signal?: string
  graceMs?: number
  /** Supervisor: once the root has exited, the rest of the tree waits at most this long (never past graceMs). */
  graceAfterRootMs?: number
  /** Supervisor: after the ladder, the pipes drain at most this long (default: the spawn's drainTimeout). */
  drainTimeoutMs?: number
}

/**
 * What every backend hands out: the part of a Node `ChildProcess` PawWork's callers use, plus `exited`.
 * The baseline's child is Node's ChildProcess with these members added; the others implement the same shape.
 */
export interface Child {
  readonly pid: number | undefined
  readonly stdin: Writable | null
  readonly stdout: Readable | null
  readonly stderr: Readable | null
  /** Node's: the exit code once the process exited on its own, else null. */
  readonly exitCode: number | null
  /** Node's: the signal that ended the process, else null. */
  readonly signalCode: NodeJS.Signals | null
  /** Node's: a kill() has sent a signal (it returned true). */
  readonly killed: boolean
  /** Node's `exit` (code, signal) and `error` (a spawn failure) events, as PawWork's `stop()` listens to them. */
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): this
  once(event: "error", listener: (err: Error) => void): this
  on(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): this
  on(event: "error", listener: (err: Error) => void): this
  off(event: "exit" | "error", listener: (...args: any[]) => void): this
  /** Resolves with `code ?? (signal ? 1 : 0)`; rejects when the command could not be started. */
  readonly exited: Promise<number>
  /** How the run ended, with the detail `exited` folds away. Never rejects for a spawn failure. */
  readonly outcome: Promise<Outcome>
  /** Resolves with the pid once the process runs (undefined when it could not be started). */
  readonly spawned: Promise<number | undefined>
  kill(signal?: NodeJS.Signals | number): boolean
  /** Supervisor only: run the cancel ladder over the whole tree. */
  cancel?(opts?: CancelOptions): Promise<Outcome>
  /** Supervisor only: send a signal to every process of the tree; resolves with the pids signalled. */
  signal?(name: string): Promise<number[]>
}

export interface SupervisedChild extends Child {
  cancel(opts?: CancelOptions): Promise<Outcome>
  signal(name: string): Promise<number[]>
}

/** `terminateTree`'s input, with the baseline's names (see docs/reference/baseline.md). */
export interface TerminateTreeInput {
  pid: number
  /** Grace between the graceful signal and SIGKILL (default TERMINATION_GRACE_MS). */
  graceMs?: number
  /** How to signal the root (e.g. a PTY library's own kill); the baseline's only, see the README. */
  signalRoot?: (signal: NodeJS.Signals) => void
  /** Settles when the caller sees the root exit; ends the grace early and is awaited once more at the end. */
  waitForExit?: Promise<unknown>
  /** Replaces the baseline's `pgrep -P` walk; a throwing one reads as no descendants. */
  findDescendants?: (pid: number) => Promise<number[]>
}

export interface ProcessApi {
  readonly backend: string
  spawn(cmd: string[], opts?: Options): Child
  run(cmd: string[], opts?: RunOptions): Promise<Result>
  text(cmd: string[], opts?: RunOptions): Promise<TextResult>
  lines(cmd: string[], opts?: RunOptions): Promise<string[]>
  stop(child: Child): Promise<void>
  /** kill(pid, 0) succeeds: true for a zombie, false for a pid we may not signal (the baseline's test). */
  exists(pid: number): boolean
  /** Every descendant of `pid` its parent links show now (`pgrep -P`, recursively); [] on Windows. */
  descendants(pid: number): Promise<number[]>
  /** Ends the tree of `pid`, whoever started it. Throws, signalling nothing, for pid <= 1, us or our group. */
  terminateTree(input: TerminateTreeInput): Promise<void>
  /** The default grace of terminateTree and stop: 500 ms. */
  readonly TERMINATION_GRACE_MS: number
  /** Closes the shared sidecar and waits for it (no-op for the other backends). */
  shutdown(): Promise<void>
  /** Pid of the running sidecar, if any (always undefined for the other backends). For diagnostics and tests. */
  readonly sidecarPid: number | undefined
}
