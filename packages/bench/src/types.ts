import type { RuntimeName } from "@pawwork/harness"
/*
 * The shape of report/bench.json. Times are milliseconds, memory KiB, throughput MB/s (10^6 bytes), CPU
 * milliseconds of user + system time. Every ratio is "this one / the reference", so 1.2 means 20% slower
 * (or bigger) than the reference.
 */

export type Mode = "quick" | "default" | "full"

/** The runtime of the client side (the process that calls the Process API); the sidecar is the same binary under both. */
export type { RuntimeName }

/**
 * The 1-minute load average around one figure: when its measurement started, when it ended, and the highest
 * value seen in between (read between samples). A figure whose load exceeded the core count was measured on a
 * machine busier than it has cores, and the report says so beside it.
 */
export interface LoadSpan {
  start: number
  end: number
  max: number
}

/** Who spawns: Node's child_process directly, or one of the two Process API backends. */
export type Backend = "bare" | "baseline" | "supervisor" | "supervisor-nocgroup" | "supervisor-fork" | "supervisor-copy"

/**
 * The supervisor with one documented switch set, measured beside it: the first two in the round trip,
 * `supervisor-copy` (output copied instead of spliced) in the throughput only.
 */
export type SupervisorVariant = "supervisor-nocgroup" | "supervisor-fork" | "supervisor-copy"

export interface Summary {
  n: number
  p50: number
  p99: number
  mean: number
  min: number
  max: number
}

export interface Machine {
  cpuModel: string
  cores: number
  memoryMib: number
  kernel: string
  os: string
  arch: string
  node: string
  rustc: string | null
  clockTicksPerSecond: number
  /** 1/5/15-minute load averages when the run started and when it ended: how busy the shared machine was. */
  loadAverage: number[]
  loadAverageEnd: number[]
}

export interface SidecarInfo {
  binary: string
  version: string | null
  cgroup: string | null
  /** `hello.capabilities.spawn`: clone3 (into the child's cgroup), fork, or null from an older sidecar. */
  spawn: string | null
  /** `hello.capabilities.output`: splice (a flood's bytes moved by the kernel), copy, or null from an older sidecar. */
  output: string | null
  pidfd: boolean | null
  subreaper: boolean | null
  outputWindow: number | null
}

export interface CpuPerSpawn {
  /** The client runtime's own CPU per spawn (process.cpuUsage), the client side of every backend. */
  clientMs: number
  /** The sidecar's CPU per spawn; null for backends without one. */
  sidecarMs: number | null
  /** Both together: what one spawn costs the machine beyond the child's own fork/exec. Less load-sensitive than wall time. */
  totalMs: number
}

export interface SpawnRoundTrip {
  command: string[]
  warmup: number
  iterations: number
  backends: Partial<Record<Backend, Summary & { cpu: CpuPerSpawn }>>
  /** a/b of p50, p99 and total CPU per spawn. */
  ratios: Record<string, { p50: number; p99: number; cpu: number }>
  load: LoadSpan
}

/** The backends whose spawn() is timed on its own (no variants: the block is the client's wait). */
export type BlockBackend = "bare" | "baseline" | "supervisor"

/** How long spawn() blocks the caller, until it returns with the pid set (spawn-block.ts). */
export interface SpawnBlock {
  command: string[]
  samples: number
  firstSamples: number
  /** Busy loops (one per core) beside the loaded figures. */
  hogs: number
  steady: Partial<Record<BlockBackend, Summary>>
  loaded: Partial<Record<BlockBackend, Summary>>
  /** A fresh backend's first spawn (the supervisor's starts the sidecar and waits for its hello). */
  first: Partial<Record<BlockBackend, Summary>>
  /** Per case ("steady", "loaded", "first"): supervisor / bare and supervisor / baseline, p50 and p99. */
  ratios: Record<string, Record<string, { p50: number; p99: number }>>
  load: { steady: LoadSpan; loaded: LoadSpan; first: LoadSpan }
}

export interface SidecarStart {
  samples: number
  /** Sidecar process spawned directly until its `hello` frame arrived. */
  hello: Summary
  /** A fresh supervisor backend's first round trip (sidecar start + hello + spawn + exit). */
  firstSpawn: Summary
  /** `shutdown()` of an idle backend until the sidecar has exited. */
  shutdown: Summary
  /** firstSpawn p50 minus the steady supervisor round trip p50: what starting the sidecar adds once. */
  startCostMs: number
  load: LoadSpan
}

/**
 * The paths a flood is read through: the producer alone (stdout to /dev/null, no reader: its own ceiling), a
 * direct pipe read with the runtime's child_process (no framework), each backend's `spawn` stream and
 * `run()` (which buffers the whole output, as callers of run() get it), and the baseline's spawn read to
 * the end as the supervisor's run() reads (`baseline-collect`: the collector's share).
 */
export type ThroughputPath =
  | "producer"
  | "direct"
  | "baseline-spawn"
  | "supervisor-spawn"
  | "supervisor-copy-spawn"
  | "baseline-run"
  | "baseline-collect"
  | "supervisor-run"

/**
 * `supervisor-copy-spawn`: measured only where the sidecar splices (the same stream with its output copied,
 * PAWWORK_SUPERVISOR_NO_SPLICE=1). `baseline-collect`: absent from runs older than the supervisor's own
 * run() collector.
 */
export type OptionalThroughputPath = "supervisor-copy-spawn" | "baseline-collect"

export interface ThroughputFigure {
  /** Median of the samples, MB/s. */
  mbPerSec: number
  /** Every sample in the order taken, MB/s; min and max are their spread. */
  samples: number[]
  min: number
  max: number
  load: LoadSpan
}

export interface Throughput {
  /** The command that writes `bytes` to stdout. */
  producer: string[]
  bytes: number
  reps: number
  paths: Record<Exclude<ThroughputPath, OptionalThroughputPath>, ThroughputFigure> & Partial<Record<OptionalThroughputPath, ThroughputFigure>>
  /** producer / direct (medians): below 2 the direct read, and every path, may be capped by the producer. */
  producerVsDirect: number
  /** "supervisor-spawn/direct", "baseline-spawn/direct", "supervisor-run/baseline-run", ... (medians). */
  ratios: Record<string, number>
  supervisor: {
    sidecarPeakRssKib: number
    /** Over the supervisor's spawn and run() floods together. */
    sidecarCpuMsPerGb: number
    clientCpuMsPerGb: number
    /** Most threads the sidecar ran during the floods. */
    sidecarPeakThreads: number
    /** What the sidecar's stdout is ("socket" when Node made it, "pipe", ...). */
    sidecarStdout: string
  }
  /** The supervisor's spawn stream with its output copied, when measured: its CPU per GB, as `supervisor`'s. */
  copy?: { sidecarCpuMsPerGb: number; clientCpuMsPerGb: number }
  /** Direct pipe read's client CPU per GB, to set the supervisor's client cost against. */
  directClientCpuMsPerGb: number
}

/** The ways a message reaches an echo child and comes back: the runtime's own pipes, and each backend's spawn. */
export type MessagePath = "direct" | "baseline" | "supervisor"

/** Request/response exchanges with one echo child over its stdin/stdout, one message at a time. */
export interface MessageLatency {
  command: string[]
  /** Size of each message (and of its echo). */
  bytes: number
  warmup: number
  iterations: number
  /** Per path, from the write of a message until its last byte came back; CPU per exchange. */
  paths: Record<MessagePath, Summary & { clientCpuMs: number; sidecarCpuMs: number | null }>
  /** "supervisor/baseline", "supervisor/direct", "baseline/direct": a/b of p50 and p99. */
  ratios: Record<string, { p50: number; p99: number }>
  load: LoadSpan
}

export interface QuiescenceRun {
  /** From the cancel until every pid of the tree was gone (a zombie counts as gone). */
  ms: number
  /** When the API said the child was done (`exited`), relative to the cancel; null if it never did. */
  exitedMs: number | null
  quiescent: boolean
  leftovers: number
}

export interface QuiescenceCase {
  command: string[]
  processes: number
  graceMs: number
  backends: Record<"baseline" | "supervisor", { runs: QuiescenceRun[]; summary: Summary; overGrace: Summary }>
}

export interface Quiescence {
  tree: QuiescenceCase
  ignoreTerm: QuiescenceCase
  load: LoadSpan
}

export interface LiveChildren {
  children: number
  rssKib: number
  /** (rssKib - idle RSS) / children: what each live child costs the sidecar. */
  rssPerChildKib: number
  /** Sidecar CPU while the children sleep, in percent of one core. */
  idleCpuPercent: number
  spawnAllMs: number
  shutdownMs: number
}

export interface Memory {
  /** The sidecar's VmRSS when idle (after one spawn). */
  idleRssKib: number
  /** Its watchdog child's VmRSS at the same moment (null when it started none). */
  watchdogRssKib: number | null
  load: LoadSpan
  live: LiveChildren[]
  slowConsumer: {
    durationMs: number
    consumedBytes: number
    consumerMbps: number
    peakRssKib: number
    idleRssKib: number
  }
}

export interface ScaleCell {
  rt: Summary
  wallMs: number
  /** Node's CPU per child spawned. */
  clientCpuMsPerChild: number
  /** Sidecar CPU per child spawned (supervisor only). */
  sidecarCpuMsPerChild: number | null
}

export interface ScaleLevel {
  concurrent: number
  reps: number
  backends: Partial<Record<Backend, ScaleCell>>
}

export interface Target {
  id: string
  /** The client runtime the figure was measured under; null for the sidecar's own (memory). */
  runtime: RuntimeName | null
  label: string
  goal: string
  measured: string
  met: boolean
  /** Empty when met; else how far off, in the target's own unit. */
  missedBy: string
  why: string
}

/** Everything measured with the client under one runtime (each runtime in a process of its own). */
export interface ClientRun {
  runtime: RuntimeName
  /** The runtime's version as the process that measured reported it. */
  version: string
  spawnRoundTrip: SpawnRoundTrip
  /** Absent from runs older than the message figure. */
  messageLatency?: MessageLatency
  /** Absent from results written before it was measured. */
  spawnBlock?: SpawnBlock
  sidecarStart: SidecarStart
  throughput: Throughput
  quiescence: Quiescence
  scale: ScaleLevel[]
  scaleLoad: LoadSpan
  notes: string[]
}

export interface BenchResults {
  schema: "pawwork-bench/2"
  generatedAt: string
  /** `git rev-parse HEAD` of the checkout measured (null outside a git checkout): the matrix report embeds only its own commit's. */
  commit: string | null
  mode: Mode
  durationSeconds: number
  machine: Machine
  sidecar: SidecarInfo
  /** One per runtime measured, Node first. */
  runtimes: ClientRun[]
  /** Runtimes asked for but not measured, with why (e.g. Bun missing). */
  notRun: Array<{ runtime: RuntimeName; reason: string }>
  memory: Memory
  targets: Target[]
  notes: string[]
}
