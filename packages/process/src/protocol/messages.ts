/* Shapes of the protocol's JSON headers (docs/reference/protocol.md, version 1). Wire names, snake_case. */

export const PROTOCOL_VERSION = 1

export type StdioMode = "pipe" | "ignore"

/** A descriptor beyond stdio (3 and up, at most `hello.limits.max_fd`): its own channel. */
export interface FdSpec {
  fd: number
  mode: "input" | "output" | "duplex"
}

/** `stdout`, `stderr`, or an extra descriptor's `fdN`. */
export type OutputStreamName = "stdout" | "stderr" | `fd${number}`

export type EnvSpec =
  | { mode: "inherit" }
  | { mode: "merge"; vars: Record<string, string | null> }
  | { mode: "replace"; vars: Record<string, string> }

export interface SpawnRequest {
  op: "spawn"
  id: string
  argv: string[]
  cwd: string | null
  env: EnvSpec
  stdin: StdioMode
  stdout: StdioMode
  stderr: StdioMode
  timeout_ms: number | null
  ladder?: { signal?: string; grace_ms?: number }
  drain_timeout_ms?: number
  leftovers?: "kill" | "keep"
  /** Unix: false puts the child in the host's process group (docs/reference/protocol.md); absent means true. */
  detached?: boolean
  fds?: FdSpec[]
  /** Ask for `root_exited` at the root's exit, before the drain and the `exit`. */
  report_root_exit?: boolean
}

export type Request =
  | SpawnRequest
  | { op: "write"; id: string; fd?: number }
  | { op: "close_stdin"; id: string; fd?: number }
  | { op: "signal"; id: string; signal: string }
  | { op: "cancel"; id: string; signal?: string; grace_ms?: number; grace_after_root_ms?: number; drain_timeout_ms?: number }
  | { op: "terminate"; pid: number; signal?: string; grace_ms?: number }
  | { op: "shutdown" }
  | { op: "ping" }

export interface HelloEvent {
  event: "hello"
  protocol: number
  version: string
  pid: number
  platform?: { os: string; arch: string }
  capabilities?: Record<string, unknown>
  limits?: {
    max_header?: number
    max_payload?: number
    max_children?: number
    output_window?: number
    stdin_queue?: number
    max_fd?: number
  }
  defaults?: Record<string, unknown>
}

export interface SpawnedEvent {
  event: "spawned"
  req: number
  id: string
  pid: number
  pgid: number | null
  /** How the tree is contained: `cgroup`, `marker` (Linux without one), `process_group` (macOS), `job` (Windows). */
  containment?: string
}

export interface OutputEvent {
  event: "output"
  id: string
  stream: OutputStreamName
}

export interface WrittenEvent {
  event: "written"
  req: number
  id: string
  /** The input descriptor written; absent for stdin. */
  fd?: number
  bytes: number
  closed?: boolean
}

export interface SignalledEvent {
  event: "signalled"
  req: number
  id: string
  signal: string
  pids: number[]
}

export interface ExitEvent {
  event: "exit"
  id: string
  req?: number
  reason: "exited" | "cancelled" | "timed_out" | "spawn_failed"
  code: number | null
  signal: string | null
  /** Per output channel: stdout, stderr, and `fdN` for each output or duplex descriptor of the spawn. */
  bytes: { stdout: number; stderr: number; [fd: `fd${number}`]: number }
  drain: "complete" | "cut" | "none"
  killed_pids: number[]
  leftover_pids: number[]
  /** The leftovers were left running (`leftovers: "keep"`): a `released` follows. Absent otherwise. */
  kept?: boolean
  duration_ms?: number
}

/** The root has exited (asked for with `report_root_exit`): once, before the child's `exit`. */
export interface RootExitedEvent {
  event: "root_exited"
  id: string
  code: number | null
  signal: string | null
  duration_ms?: number
}

/** The end of a tree kept after its `exit` (docs/reference/protocol.md): once per `exit` with `kept: true`. */
export interface ReleasedEvent {
  event: "released"
  id: string
  /** Never sent: a `cancel`'s answer carries no `req` (see `Pending.exitOf`). Here for the Answer union. */
  req?: number
  reason: "cancelled" | "emptied"
  killed_pids: number[]
  duration_ms?: number
}

/** The answer to `terminate`: a tree the sidecar did not spawn, ended (docs/reference/protocol.md). */
export interface TerminatedEvent {
  event: "terminated"
  req: number
  pid: number
  /** Every member found, the root included; [] when the pid did not exist. */
  pids: number[]
  /** Members still alive at the forceful step. */
  killed_pids: number[]
  /** The graceful signal reached at least one member. */
  graceful?: boolean
  /** False only when something outlived SIGKILL by the sidecar's bounded wait. */
  quiet?: boolean
  /** A bound was hit (members or freeze walks): the tree was larger than the sidecar follows. */
  capped?: boolean
  duration_ms?: number
}

export interface ErrorEvent {
  event: "error"
  req?: number
  id?: string
  code: string
  message: string
  errno?: string
}

/** The answer to `ping`: the sidecar's dispatch loop still runs. */
export interface PongEvent {
  event: "pong"
  req: number
}

export interface GoodbyeEvent {
  event: "goodbye"
  req?: number
}

export type Event =
  | HelloEvent
  | SpawnedEvent
  | OutputEvent
  | WrittenEvent
  | SignalledEvent
  | ExitEvent
  | RootExitedEvent
  | ReleasedEvent
  | TerminatedEvent
  | ErrorEvent
  | PongEvent
  | GoodbyeEvent

/** Events that answer a request carry its `req`. */
export type Answer =
  | SpawnedEvent
  | WrittenEvent
  | SignalledEvent
  | ExitEvent
  | ReleasedEvent
  | TerminatedEvent
  | PongEvent
  | GoodbyeEvent
