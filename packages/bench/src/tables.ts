import { round } from "./stats.js"
import type { BenchResults, Backend } from "./types.js"

/** A table both the Markdown and the HTML page render, so the two never disagree. */
export interface Table {
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
}

export function machineLine(r: BenchResults): string {
  const m = r.machine
  const cg = r.sidecar.cgroup ? `cgroup v2 per child (${r.sidecar.cgroup})` : "no cgroup v2 (process groups only)"
  return (
    `${m.cpuModel}, ${m.cores} cores, ${f(m.memoryMib / 1024, 1)} GiB RAM, ${m.kernel}, Node ${m.node}, ` +
    `${m.rustc ?? "rustc unknown"}; sidecar ${r.sidecar.version ?? "?"} with ${cg}; load average ${m.loadAverage.join(" / ")} at start, ${m.loadAverageEnd.join(" / ")} at end`
  )
}

export function targetsTable(r: BenchResults): Table {
  return {
    title: "Targets",
    caption: "Each target with what this run measured; a missed target says by how much, and why below.",
    head: ["target", "goal", "measured", "met", "missed by"],
    rows: r.targets.map((t) => [t.label, t.goal, t.measured, t.met ? "yes" : "**no**", t.missedBy || "-"]),
  }
}

export function roundTripTable(r: BenchResults): Table {
  const rt = r.spawnRoundTrip
  const base = rt.backends.baseline!
  const rows = (Object.keys(rt.backends) as Backend[]).map((v) => {
    const s = rt.backends[v]!
    return [BACKEND_LABEL[v], f(s.p50, 3), f(s.p99, 3), f(s.mean, 3), x(s.p50 / base.p50), x(s.p99 / base.p99), f(s.cpu.nodeMs, 3), f(s.cpu.sidecarMs, 3), `${f(s.cpu.totalMs, 3)} (${x(s.cpu.totalMs / base.cpu.totalMs)})`]
  })
  return {
    title: "Spawn round trip",
    caption: `\`pawwork-fixture exit --code 0\` spawned and awaited until exited, one at a time, ${rt.iterations} times per backend after ${rt.warmup} warm-up runs (backends take turns in blocks). Times in ms.`,
    head: ["backend", "p50", "p99", "mean", "p50 vs baseline", "p99 vs baseline", "Node CPU / spawn", "sidecar CPU / spawn", "total CPU / spawn (vs baseline)"],
    rows,
  }
}

export function sidecarStartTable(r: BenchResults): Table {
  const s = r.sidecarStart
  return {
    title: "Sidecar start (one-off)",
    caption: `${s.samples} fresh sidecars. Start cost = first round trip of a fresh backend minus the steady round trip (p50). Times in ms.`,
    head: ["step", "p50", "p99", "max"],
    rows: [
      ["binary started until `hello` received", f(s.hello.p50), f(s.hello.p99), f(s.hello.max)],
      ["fresh backend: first spawn until exited", f(s.firstSpawn.p50), f(s.firstSpawn.p99), f(s.firstSpawn.max)],
      ["start cost (first minus steady)", f(s.startCostMs), "-", "-"],
      ["`shutdown()` of an idle sidecar", f(s.shutdown.p50), f(s.shutdown.p99), f(s.shutdown.max)],
    ],
  }
}

export function throughputTable(r: BenchResults): Table {
  const t = r.throughput
  const row = (label: string, v: { mbPerSec: number; samples: number[] }, cpu: string) => [
    label,
    f(v.mbPerSec, 1),
    x(v.mbPerSec / t.direct.mbPerSec),
    v.samples.map((s) => f(s, 0)).join(", "),
    cpu,
  ]
  return {
    title: "Output throughput",
    caption: `\`pawwork-fixture flood --bytes ${t.bytes}\` (${f(t.bytes / 1024 ** 2, 0)} MiB) read to the end, median of ${t.reps}. MB = 10^6 bytes. Sidecar peak RSS during the floods: ${mib(t.supervisor.sidecarPeakRssKib)}.`,
    head: ["path", "MB/s", "vs direct", "samples", "CPU ms per GB"],
    rows: [
      row("direct pipe read (Node child)", t.direct, `Node ${f(t.directNodeCpuMsPerGb, 0)}`),
      row("baseline backend", t.baseline, "-"),
      row("supervisor backend", t.supervisor, `Node ${f(t.supervisor.nodeCpuMsPerGb, 0)} + sidecar ${f(t.supervisor.sidecarCpuMsPerGb, 0)}`),
    ],
  }
}

export function quiescenceTable(r: BenchResults): Table {
  const rows: string[][] = []
  for (const [label, c] of [["cooperative tree", r.quiescence.tree], ["SIGTERM-ignoring child", r.quiescence.ignoreTerm]] as const) {
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
    title: "Time to quiescence after cancel",
    caption:
      "From the abort until every pid the fixture reported is gone (pid + start time from /proc, zombies count as gone), polled every ~1 ms. " +
      "\"API done\" is when `exited` resolved. Times in ms.",
    head: ["case", "backend", "p50", "max", "p50 minus grace", "API done (p50)", "quiescent runs"],
    rows,
  }
}

export function memoryTable(r: BenchResults): Table {
  const m = r.memory
  const s = m.slowConsumer
  return {
    title: "Sidecar memory",
    caption: `VmRSS of the sidecar process (a fresh one per row). Live children sleep with stdout and stderr piped. The slow consumer pauses 10 ms after every chunk (${f(s.consumerMbps)} MB/s) for ${f(s.durationMs / 1000, 1)} s while the child floods.`,
    head: ["state", "sidecar RSS", "per live child", "sidecar CPU while idle", "spawn all (ms)", "shutdown (ms)"],
    rows: [
      ["idle, after one spawn", mib(m.idleRssKib), "-", "-", "-", "-"],
      ...m.live.map((l) => [`${l.children} live children`, mib(l.rssKib), `${f(l.rssPerChildKib, 1)} KiB`, `${f(l.idleCpuPercent)}%`, f(l.spawnAllMs, 0), f(l.shutdownMs, 0)]),
      ["flood, slow consumer (peak)", `${mib(s.peakRssKib)} (idle ${mib(s.idleRssKib)})`, "-", "-", "-", "-"],
      ...(m.watchdogRssKib === null ? [] : [["`--watchdog` helper (separate process)", mib(m.watchdogRssKib), "-", "-", "-", "-"]]),
    ],
  }
}

export function scaleTable(r: BenchResults): Table {
  const rows: string[][] = []
  for (const level of r.scale) {
    for (const v of Object.keys(level.backends) as Backend[]) {
      const c = level.backends[v]!
      rows.push([String(level.concurrent), BACKEND_LABEL[v], f(c.rt.p50), f(c.rt.p99), f(c.wallMs, 1), f(c.nodeCpuMsPerChild, 3), f(c.sidecarCpuMsPerChild, 3)])
    }
  }
  return {
    title: "Scale curve",
    caption: "N trivial children started at once; round trip from each spawn call to its exit. CPU per child spawned. Times in ms.",
    head: ["concurrent", "backend", "round trip p50", "round trip p99", "batch wall (p50)", "Node CPU / child", "sidecar CPU / child"],
    rows,
  }
}

export function allTables(r: BenchResults): Table[] {
  return [targetsTable(r), roundTripTable(r), sidecarStartTable(r), throughputTable(r), quiescenceTable(r), memoryTable(r), scaleTable(r)]
}
