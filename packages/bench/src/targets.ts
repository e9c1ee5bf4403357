import { round } from "./stats.js"
import type { BenchResults, Target } from "./types.js"

type Measured = Omit<BenchResults, "targets">

const ms = (x: number) => `${round(x, 2)} ms`
const mib = (kib: number) => `${round(kib / 1024, 2)} MiB`
const pct = (x: number) => `${Math.round(x * 100)}%`

function roundTrip(r: Measured): Target {
  const sup = r.spawnRoundTrip.backends.supervisor!
  const base = r.spawnRoundTrip.backends.baseline!
  const ratio = r.spawnRoundTrip.ratios["supervisor/baseline"]!
  const met = ratio.p50 <= 1.5
  const parts = [
    `per spawn the supervisor path costs ${ms(sup.cpu.nodeMs)} of Node CPU and ${ms(sup.cpu.sidecarMs ?? 0)} of sidecar CPU, ` +
      `the baseline ${ms(base.cpu.nodeMs)} of Node CPU (plus the fork/exec both pay); the CPU ratio (${ratio.cpu}x) is what it costs ` +
      `whatever the load, while the wall-time ratio was measured only at the load recorded with this run`,
  ]
  const noCg = r.spawnRoundTrip.backends["supervisor-nocgroup"]
  const noCgRatio = r.spawnRoundTrip.ratios["supervisor-nocgroup/baseline"]
  if (noCg && noCgRatio) {
    const without = `without per-child cgroups (PAWWORK_SUPERVISOR_NO_CGROUP=1) the p50 is ${ms(noCg.p50)}, ${noCgRatio.p50}x the baseline`
    parts.push(
      noCg.p50 < sup.p50
        ? `${without}: the cgroup (create, move the child in, wait for it to empty, remove) accounts for ${ms(sup.p50 - noCg.p50)} of the ${ms(sup.p50 - base.p50)} difference`
        : `${without}, so the cgroup is not the cost: the process-group fallback is slower still (sidecar CPU ${ms(noCg.cpu.sidecarMs ?? 0)} per spawn)`,
    )
  }
  return {
    id: "spawn-round-trip",
    label: "Spawn round trip, supervisor vs baseline (p50)",
    goal: "<= 1.5x",
    measured: `${ratio.p50}x (p50 ${ms(sup.p50)} vs ${ms(base.p50)}; p99 ${ratio.p99}x; CPU per spawn ${ratio.cpu}x)`,
    met,
    missedBy: met ? "" : `${round(ratio.p50 - 1.5, 2)}x over (${pct(ratio.p50 / 1.5 - 1)} above the target)`,
    why: parts.join("; "),
  }
}

function throughput(r: Measured): Target {
  const t = r.throughput
  const met = t.ratio >= 0.5
  return {
    id: "throughput",
    label: "Stdout throughput, supervisor vs direct pipe read",
    goal: ">= 0.5x",
    measured: `${t.ratio}x (${t.supervisor.mbPerSec} vs ${t.direct.mbPerSec} MB/s)`,
    met,
    missedBy: met ? "" : `${round(0.5 - t.ratio, 3)}x short (${pct(1 - t.ratio / 0.5)} below the target)`,
    why:
      `every byte crosses two pipes (child -> sidecar -> Node) inside a frame, and the client acks what it consumed; ` +
      `per GB the sidecar spends ${t.supervisor.sidecarCpuMsPerGb} ms CPU and Node ${t.supervisor.nodeCpuMsPerGb} ms ` +
      `(direct read: Node ${t.directNodeCpuMsPerGb} ms); the sidecar's stdout is a ${t.supervisor.sidecarStdout}` +
      `${t.supervisor.sidecarStdout === "socket" ? " (Node creates stdio pipes as socketpairs)" : ""} and it ran up to ` +
      `${t.supervisor.sidecarPeakThreads} thread(s) during the floods`,
  }
}

function quiescence(r: Measured): Target {
  const c = r.quiescence.ignoreTerm
  const over = c.backends.supervisor.overGrace
  const met = over.p50 <= 50
  const base = c.backends.baseline.overGrace
  return {
    id: "quiescence-ignore-term",
    label: "Quiescence, SIGTERM-ignoring child, supervisor (p50)",
    goal: `<= grace + 50 ms (grace ${c.graceMs} ms)`,
    measured: `grace + ${ms(over.p50)} (max grace + ${ms(over.max)}; baseline grace + ${ms(base.p50)})`,
    met,
    missedBy: met ? "" : `${ms(over.p50 - 50)} over`,
    why:
      "after the grace the ladder sends SIGKILL to the tree and the child is gone once the kernel has torn it down; " +
      "the remainder is timer slack, the kill and this benchmark's 1 ms /proc polling",
  }
}

function idleRss(r: Measured): Target {
  const m = r.memory
  const met = m.idleRssKib < 10 * 1024
  const dog = m.watchdogRssKib === null ? "no watchdog process" : `its --watchdog helper adds ${mib(m.watchdogRssKib)}`
  return {
    id: "idle-rss",
    label: "Sidecar RSS when idle",
    goal: "< 10 MiB",
    measured: mib(m.idleRssKib),
    met,
    missedBy: met ? "" : `${mib(m.idleRssKib - 10 * 1024)} over`,
    why: `VmRSS of the sidecar process after one spawn; ${dog}`,
  }
}

export function evaluateTargets(r: Measured): Target[] {
  return [roundTrip(r), throughput(r), quiescence(r), idleRss(r)]
}
