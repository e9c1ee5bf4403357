import type { Readable, Writable } from "node:stream"

export type Stdio = "inherit" | "pipe" | "ignore"
export type Shell = boolean | string
/** The two engines PawWork can run on, plus the peers the matrix compares them with (see README). */
export type BackendName = EngineName | PeerName
/** What PAWWORK_PROCESS_BACKEND may name: the product's engines. */
export type EngineName = "baseline" | "supervisor"
/** Comparison-only backends, reachable through createProcess alone. */
export type PeerName = "execa" | "tree-kill"

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
   * Baseline and tree-kill: the child leads its own process group, like PawWork's bash tool. Execa: execa's own
   * `detached` (which also turns its `cleanup` off). Supervisor: ignored (always so).
   */
  detached?: boolean
  /** Supervisor only: how long to wait for descendants holding the pipes after the root ended (ms). */
  drainTimeout?: number
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
  leftoverPids: number[]
}

export interface CancelOptions {
  signal?: string
  graceMs?: number
}

/** What both backends hand out. The baseline's child is Node's ChildProcess with these members added. */
export interface Child {
  readonly pid: number | undefined
  readonly stdin: Writable | null
  readonly stdout: Readable | null
  readonly stderr: Readable | null
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

export interface ProcessApi {
  readonly backend: string
  spawn(cmd: string[], opts?: Options): Child
  run(cmd: string[], opts?: RunOptions): Promise<Result>
  text(cmd: string[], opts?: RunOptions): Promise<TextResult>
  lines(cmd: string[], opts?: RunOptions): Promise<string[]>
  stop(child: Child): Promise<void>
  /** Closes the shared sidecar and waits for it (no-op for the other backends). */
  shutdown(): Promise<void>
  /** Pid of the running sidecar, if any (always undefined for the other backends). For diagnostics and tests. */
  readonly sidecarPid: number | undefined
}
