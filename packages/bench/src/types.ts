/*
 * The shape of report/bench.json. Times are milliseconds, memory KiB, throughput MB/s (10^6 bytes), CPU
 * milliseconds of user + system time. Every ratio is "this one / the reference", so 1.2 means 20% slower
 * (or bigger) than the reference.
 */

export type Mode = "quick" | "default" | "full"

/** Who spawns: Node's child_process directly, or one of the two Process API backends. */
export type Backend = "bare" | "baseline" | "supervisor" | "supervisor-nocgroup"

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
  pidfd: boolean | null
  subreaper: boolean | null
  outputWindow: number | null
}

export interface CpuPerSpawn {
  /** Node's own CPU per spawn (process.cpuUsage), the client side of every backend. */
  nodeMs: number
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
}

export interface ThroughputBackend {
  mbPerSec: number
  samples: number[]
}

export interface Throughput {
  bytes: number
  reps: number
  direct: ThroughputBackend
  baseline: ThroughputBackend
  supervisor: ThroughputBackend & {
    sidecarPeakRssKib: number
    sidecarCpuMsPerGb: number
    nodeCpuMsPerGb: number
    /** Most threads the sidecar ran during the floods. */
    sidecarPeakThreads: number
    /** What the sidecar's stdout is ("socket" when Node made it, "pipe", ...). */
    sidecarStdout: string
  }
  /** Direct pipe read's Node CPU per GB, to set the supervisor's client cost against. */
  directNodeCpuMsPerGb: number
  ratio: number
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
  idleRssKib: number
  watchdogRssKib: number | null
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
  nodeCpuMsPerChild: number
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
  label: string
  goal: string
  measured: string
  met: boolean
  /** Empty when met; else how far off, in the target's own unit. */
  missedBy: string
  why: string
}

export interface BenchResults {
  schema: "pawwork-bench/1"
  generatedAt: string
  mode: Mode
  durationSeconds: number
  machine: Machine
  sidecar: SidecarInfo
  spawnRoundTrip: SpawnRoundTrip
  sidecarStart: SidecarStart
  throughput: Throughput
  quiescence: Quiescence
  memory: Memory
  scale: ScaleLevel[]
  targets: Target[]
  notes: string[]
}
