import { describeLoad, overCores } from "./load.js"
import { producerCaps } from "./targets.js"
import { runtimeLabel } from "./runtime.js"
import { round } from "./stats.js"
import type { BenchResults, Backend, ClientRun, LoadSpan, MessagePath, ThroughputPath } from "./types.js"

/** A table both the Markdown and the HTML page render, so the two never disagree. */
export interface Table {
  /** The client run the table shows (null for the run-wide ones), e.g. for the scale charts. */
  runtime: ClientRun | null
  title: string
  caption: string
  head: string[]
  rows: string[][]
}

const f = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "-" : String(round(x, digits)))
const mib = (kib: number) => `${f(kib / 1024)} MiB`
const x = (r: number) => `${f(r)}x`

export const BACKEND_LABEL: Record<Backend, string> = {
  bare: "bare child_process.spawn",
  baseline: "baseline backend",
  supervisor: "supervisor backend",
  "supervisor-nocgroup": "supervisor, no cgroups",
  "supervisor-fork": "supervisor, fork + cgroup migration",
  "supervisor-copy": "supervisor, output copied",
}

export function machineLine(r: BenchResults): string {
  const m = r.machine
  const cg =
    (r.sidecar.cgroup ? `cgroup v2 per child (${r.sidecar.cgroup})` : "no cgroup v2 (process groups only)") +
    (r.sidecar.spawn ? `, spawning with ${r.sidecar.spawn}` : "")
  return (
    `${m.cpuModel}, ${m.cores} cores, ${f(m.memoryMib / 1024, 1)} GiB RAM, ${m.kernel}, Node ${m.node}, ` +
    `${m.rustc ?? "rustc unknown"}; clients ${r.runtimes.map((c) => `${runtimeLabel(c.runtime)} ${c.version}`).join(", ")}; ` +
    `sidecar ${r.sidecar.version ?? "?"} with ${cg}; load average ${m.loadAverage.join(" / ")} at start, ${m.loadAverageEnd.join(" / ")} at end`
  )
}

export function targetsTable(r: BenchResults): Table {
  return {
    runtime: null,
    title: "Targets",
    caption:
      "Each target of the acceptance of issues 18 and 32 (and the earlier quiescence target) with what this run measured, as ratios within one run; " +
      "a missed target says by how much, and why below, as does one measured at a load over the core count.",
    head: ["target", "goal", "measured", "met", "missed by"],
    rows: r.targets.map((t) => [t.label, t.goal, t.measured, t.met ? "yes" : "**no**", t.missedBy || "-"]),
  }
}

/** "load 1.2 -> 3.4", with the warning beside it when the load exceeded the core count. */
const loadCaption = (span: LoadSpan, cores: number) =>
  ` 1-minute load ${describeLoad(span, cores)}${overCores(span, cores) ? ": measured on a machine busier than it has cores, so wall times include waiting for a CPU" : ""}.`

export function roundTripTable(c: ClientRun, cores: number): Table {
  const rt = c.spawnRoundTrip
  const who = runtimeLabel(c.runtime)
  const base = rt.backends.baseline!
  const rows = (Object.keys(rt.backends) as Backend[]).map((v) => {
    const s = rt.backends[v]!
    return [BACKEND_LABEL[v], f(s.p50, 3), f(s.p99, 3), f(s.mean, 3), x(s.p50 / base.p50), x(s.p99 / base.p99), f(s.cpu.clientMs, 3), f(s.cpu.sidecarMs, 3), `${f(s.cpu.totalMs, 3)} (${x(s.cpu.totalMs / base.cpu.totalMs)})`]
  })
  return {
    runtime: c,
    title: `Spawn round trip (${who})`,
    caption: `\`pawwork-fixture exit --code 0\` spawned and awaited until exited, one at a time, ${rt.iterations} times per backend after ${rt.warmup} warm-up runs (backends take turns in blocks). Times in ms.${loadCaption(rt.load, cores)}`,
    head: ["backend", "p50", "p99", "mean", "p50 vs baseline", "p99 vs baseline", `${who} CPU / spawn`, "sidecar CPU / spawn", "total CPU / spawn (vs baseline)"],
    rows,
  }
}

const MESSAGE_LABEL: Record<MessagePath, string> = {
  direct: "the runtime's own child_process pipes",
  baseline: "baseline backend",
  supervisor: "supervisor backend",
}

/** Null for runs older than the message figure. */
export function messageLatencyTable(c: ClientRun, cores: number): Table | null {
  const m = c.messageLatency
  if (!m) return null
  const who = runtimeLabel(c.runtime)
  const base = m.paths.baseline
  const rows = (Object.keys(m.paths) as MessagePath[]).map((p) => {
    const s = m.paths[p]
    return [MESSAGE_LABEL[p], f(s.p50, 3), f(s.p99, 3), f(s.mean, 3), x(s.p50 / base.p50), x(s.p99 / base.p99), f(s.clientCpuMs, 4), f(s.sidecarCpuMs, 4)]
  })
  return {
    runtime: c,
    title: `Stdio message round trip (${who})`,
    caption:
      `${m.bytes}-byte messages written to \`pawwork-fixture echo-stdin\` and awaited until echoed in full, one at a time, ${m.iterations} per path ` +
      `after ${m.warmup} warm-up messages, one child per path for the whole series (paths take turns in blocks). Times in ms.${loadCaption(m.load, cores)}`,
    head: ["path", "p50", "p99", "mean", "p50 vs baseline", "p99 vs baseline", `${who} CPU / message`, "sidecar CPU / message"],
    rows,
  }
}

const BLOCK_LABEL = { bare: "Node's own `child_process.spawn`", baseline: "baseline backend (cross-spawn)", supervisor: "supervisor backend" } as const

export function spawnBlockTable(c: ClientRun, cores: number): Table | null {
  const s = c.spawnBlock
  if (!s) return null
  const who = runtimeLabel(c.runtime)
  const own = c.runtime === "bun" ? "Bun's own `child_process.spawn`" : BLOCK_LABEL.bare
  const rows: string[][] = []
  for (const [key, label] of [["steady", "steady"], ["loaded", `beside ${s.hogs} busy loops`], ["first", "first spawn of a fresh backend"]] as const) {
    for (const backend of ["bare", "baseline", "supervisor"] as const) {
      const v = s[key][backend]
      if (!v) continue
      const vsBare = backend === "supervisor" ? x(s.ratios[key]!["supervisor/bare"]!.p50) : "-"
      rows.push([label, backend === "bare" ? own : BLOCK_LABEL[backend], f(v.p50, 3), f(v.p99, 3), f(v.max, 3), vsBare])
    }
  }
  return {
    runtime: c,
    title: `How long spawn() blocks (${who})`,
    caption:
      `The call to \`spawn()\` until it returns with the pid set (the exit is awaited outside the timing), \`pawwork-fixture exit --code 0\`: ` +
      `${s.samples} spawns per backend, steady and beside a busy loop per core; ${s.firstSamples} first spawns of a fresh backend (the ` +
      `supervisor's starts its sidecar and waits for its hello). Times in ms. Steady:${loadCaption(s.load.steady, cores)} ` +
      `Loaded:${loadCaption(s.load.loaded, cores)}`,
    head: ["case", "spawn()", "p50", "p99", "max", "p50 vs the runtime's own"],
    rows,
  }
}

export function sidecarStartTable(c: ClientRun, cores: number): Table {
  const s = c.sidecarStart
  return {
    runtime: c,
    title: `Sidecar start, one-off (${runtimeLabel(c.runtime)})`,
    caption: `${s.samples} fresh sidecars. Start cost = first round trip of a fresh backend minus the steady round trip (p50). Times in ms.${loadCaption(s.load, cores)}`,
    head: ["step", "p50", "p99", "max"],
    rows: [
      ["binary started until `hello` received", f(s.hello.p50), f(s.hello.p99), f(s.hello.max)],
      ["fresh backend: first spawn until exited", f(s.firstSpawn.p50), f(s.firstSpawn.p99), f(s.firstSpawn.max)],
      ["start cost (first minus steady)", f(s.startCostMs), "-", "-"],
      ["`shutdown()` of an idle sidecar", f(s.shutdown.p50), f(s.shutdown.p99), f(s.shutdown.max)],
    ],
  }
}

const PATH_LABEL: Record<ThroughputPath, string> = {
  producer: "producer alone (stdout to /dev/null)",
  direct: "direct pipe read (child_process, no framework)",
  "baseline-spawn": "baseline `spawn` stream",
  "supervisor-spawn": "supervisor `spawn` stream",
  "supervisor-copy-spawn": "supervisor `spawn` stream, output copied (no splice)",
  "baseline-run": "baseline `run()`",
  "baseline-collect": "baseline `spawn`, read to the end as the supervisor's `run()` reads",
  "supervisor-run": "supervisor `run()`",
}

export function throughputTable(c: ClientRun, cores: number): Table {
  const t = c.throughput
  const who = runtimeLabel(c.runtime)
  const bothCpu = (c: { clientCpuMsPerGb: number; sidecarCpuMsPerGb: number }) => `${who} ${f(c.clientCpuMsPerGb, 0)} + sidecar ${f(c.sidecarCpuMsPerGb, 0)}`
  const cpu: Partial<Record<ThroughputPath, string>> = {
    direct: `${who} ${f(t.directClientCpuMsPerGb, 0)}`,
    "supervisor-spawn": bothCpu(t.supervisor),
    ...(t.copy ? { "supervisor-copy-spawn": bothCpu(t.copy) } : {}),
  }
  const direct = t.paths.direct.mbPerSec
  const measured = (Object.keys(PATH_LABEL) as ThroughputPath[]).filter((p) => t.paths[p] !== undefined)
  const rows = measured.map((p) => {
    const v = t.paths[p]!
    return [PATH_LABEL[p], f(v.mbPerSec, 1), x(v.mbPerSec / direct), `${f(v.min, 0)} .. ${f(v.max, 0)}`, v.samples.map((s) => f(s, 0)).join(", "), describeLoad(v.load, cores), cpu[p] ?? "-"]
  })
  const capped = producerCaps(t.producerVsDirect)
  return {
    runtime: c,
    title: `Output throughput (${who})`,
    caption:
      `\`${t.producer.join(" ")}\` (${f(t.bytes / 1024 ** 2, 0)} MiB) read to the end through each path, the paths taking turns; median of ${t.reps} samples with their spread (min .. max). ` +
      `MB = 10^6 bytes. The producer alone did ${f(t.producerVsDirect)}x the direct read` +
      (capped
        ? ` — **less than ${2}x: the producer caps these figures**, which then measure the producer more than the readers.`
        : ` (at least 2x: the figures measure the readers, not the producer).`) +
      ` Sidecar peak RSS during the floods: ${mib(t.supervisor.sidecarPeakRssKib)}. A load over ${cores} (the core count) is marked beside its figure.`,
    head: ["path", "MB/s (median)", "vs direct", "spread", "samples", "1-min load", "CPU ms per GB"],
    rows,
  }
}

export function quiescenceTable(run: ClientRun, cores: number): Table {
  const rows: string[][] = []
  for (const [label, c] of [["cooperative tree", run.quiescence.tree], ["SIGTERM-ignoring child", run.quiescence.ignoreTerm]] as const) {
    for (const name of ["baseline", "supervisor"] as const) {
      const b = c.backends[name]
      const exited = b.runs.map((run) => run.exitedMs).filter((v): v is number => v !== null)
      rows.push([
        `${label} (${c.processes} process${c.processes === 1 ? "" : "es"}, grace ${c.graceMs} ms)`,
        name,
        f(b.summary.p50, 1),
        f(b.summary.max, 1),
        f(b.overGrace.p50, 1),
        exited.length ? f([...exited].sort((a, b) => a - b)[Math.floor((exited.length - 1) / 2)]!, 1) : "-",
        `${b.runs.filter((run) => run.quiescent).length}/${b.runs.length}`,
      ])
    }
  }
  return {
    runtime: run,
    title: `Time to quiescence after cancel (${runtimeLabel(run.runtime)})`,
    caption:
      "From the abort until every pid the fixture reported is gone (pid + start time from /proc, zombies count as gone), polled every ~1 ms. " +
      `"API done" is when \`exited\` resolved. Times in ms.${loadCaption(run.quiescence.load, cores)}`,
    head: ["case", "backend", "p50", "max", "p50 minus grace", "API done (p50)", "quiescent runs"],
    rows,
  }
}

export function memoryTable(r: BenchResults): Table {
  const m = r.memory
  const s = m.slowConsumer
  const together = m.watchdogRssKib === null ? [] : [["idle: sidecar and its watchdog together", mib(m.idleRssKib + m.watchdogRssKib), "-", "-", "-", "-"]]
  return {
    runtime: null,
    title: "Sidecar memory",
    caption: `VmRSS of the sidecar process (a fresh one per row), measured with a Node client (the sidecar is the same binary under every client). Live children sleep with stdout and stderr piped. The slow consumer pauses 10 ms after every chunk (${f(s.consumerMbps)} MB/s) for ${f(s.durationMs / 1000, 1)} s while the child floods.${loadCaption(m.load, r.machine.cores)}`,
    head: ["state", "sidecar RSS", "per live child", "sidecar CPU while idle", "spawn all (ms)", "shutdown (ms)"],
    rows: [
      ["idle, after one spawn", mib(m.idleRssKib), "-", "-", "-", "-"],
      ...m.live.map((l) => [`${l.children} live children`, mib(l.rssKib), `${f(l.rssPerChildKib, 1)} KiB`, `${f(l.idleCpuPercent)}%`, f(l.spawnAllMs, 0), f(l.shutdownMs, 0)]),
      ["flood, slow consumer (peak)", `${mib(s.peakRssKib)} (idle ${mib(s.idleRssKib)})`, "-", "-", "-", "-"],
      ...(m.watchdogRssKib === null ? [] : [["watchdog (forked helper process), idle", mib(m.watchdogRssKib), "-", "-", "-", "-"]]),
      ...together,
    ],
  }
}

export function scaleTable(run: ClientRun, cores: number): Table {
  const who = runtimeLabel(run.runtime)
  const rows: string[][] = []
  for (const level of run.scale) {
    for (const v of Object.keys(level.backends) as Backend[]) {
      const c = level.backends[v]!
      rows.push([String(level.concurrent), BACKEND_LABEL[v], f(c.rt.p50), f(c.rt.p99), f(c.wallMs, 1), f(c.clientCpuMsPerChild, 3), f(c.sidecarCpuMsPerChild, 3)])
    }
  }
  return {
    runtime: run,
    title: `Scale curve (${who})`,
    caption: `N trivial children started at once; round trip from each spawn call to its exit. CPU per child spawned. Times in ms.${loadCaption(run.scaleLoad, cores)}`,
    head: ["concurrent", "backend", "round trip p50", "round trip p99", "batch wall (p50)", `${who} CPU / child`, "sidecar CPU / child"],
    rows,
  }
}

/** Every table in report order: the targets, then each runtime's client figures, then the sidecar's memory. */
export function allTables(r: BenchResults): Table[] {
  const cores = r.machine.cores
  const perRuntime = r.runtimes.flatMap((c) => [
    throughputTable(c, cores),
    roundTripTable(c, cores),
    ...[messageLatencyTable(c, cores)].filter((t): t is Table => t !== null),
    ...[spawnBlockTable(c, cores)].filter((t): t is Table => t !== null),
    sidecarStartTable(c, cores),
    quiescenceTable(c, cores),
    scaleTable(c, cores),
  ])
  return [targetsTable(r), ...perRuntime, memoryTable(r)]
}
