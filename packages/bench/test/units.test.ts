import assert from "node:assert/strict"
import { test } from "node:test"
import { pinnedNodes, repoRoot } from "@pawwork/harness"
import { defaultRuntimes, parseCli } from "../src/cli.js"
import { supervisorVariants } from "../src/run.js"
import { describeLoad, LoadTracker, overCores } from "../src/load.js"
import { renderBenchMarkdown } from "../src/markdown.js"
import { median, spread } from "../src/stats.js"
import { atLeast, atMost, evaluateTargets, producerCaps } from "../src/targets.js"
import { throughputTable } from "../src/tables.js"
import { PATHS } from "../src/throughput.js"
import type { BenchResults, ClientRun, LoadSpan, Summary, Target, ThroughputPath } from "../src/types.js"

/*
 * The pieces of the benchmark that need no timing: statistics, the load flag, the producer-cap flag and the
 * target verdicts, on made-up figures chosen so that each verdict can go either way.
 */

const quiet: LoadSpan = { start: 0.5, end: 0.6, max: 0.7 }
const summary = (p50: number, p99: number): Summary => ({ n: 100, p50, p99, mean: p50, min: p50 / 2, max: p99 })

function client(over: { rt?: [number, number, number, number]; mbps?: Partial<Record<ThroughputPath, number>>; load?: LoadSpan } = {}): ClientRun {
  const [supP50, supP99, baseP50, baseP99] = over.rt ?? [2, 4, 2.5, 4]
  const mbps: Partial<Record<ThroughputPath, number>> = { producer: 5000, direct: 1500, "baseline-spawn": 1400, "supervisor-spawn": 1300, "baseline-run": 400, "supervisor-run": 420, ...over.mbps }
  const load = over.load ?? quiet
  const cpu = { clientMs: 1, sidecarMs: 0.5, totalMs: 1.5 }
  const measured = PATHS.filter((p) => mbps[p] !== undefined)
  const paths = Object.fromEntries(measured.map((p) => [p, { mbPerSec: mbps[p]!, samples: [mbps[p]!], min: mbps[p]!, max: mbps[p]!, load }])) as ClientRun["throughput"]["paths"]
  const q = { runs: [], summary: summary(502, 503), overGrace: summary(2, 3) }
  const qcase = { command: ["x"], processes: 1, graceMs: 500, backends: { baseline: q, supervisor: q } }
  return {
    runtime: "node",
    version: "20.0.0",
    spawnRoundTrip: {
      command: ["x"],
      warmup: 1,
      iterations: 100,
      backends: { baseline: { ...summary(baseP50, baseP99), cpu }, supervisor: { ...summary(supP50, supP99), cpu } },
      ratios: { "supervisor/baseline": { p50: supP50 / baseP50, p99: supP99 / baseP99, cpu: 1 } },
      load,
    },
    sidecarStart: { samples: 1, hello: summary(4, 5), firstSpawn: summary(6, 7), shutdown: summary(1, 2), startCostMs: 2, load },
    throughput: {
      producer: ["head", "-c", "1", "/dev/zero"],
      bytes: 1,
      reps: 7,
      paths,
      producerVsDirect: mbps.producer! / mbps.direct!,
      ratios: {
        "supervisor-spawn/direct": mbps["supervisor-spawn"]! / mbps.direct!,
        "supervisor-run/baseline-run": mbps["supervisor-run"]! / mbps["baseline-run"]!,
        ...(mbps["baseline-collect"]
          ? { "supervisor-run/baseline-collect": mbps["supervisor-run"]! / mbps["baseline-collect"], "baseline-collect/baseline-run": mbps["baseline-collect"] / mbps["baseline-run"]! }
          : {}),
        ...(mbps["supervisor-copy-spawn"] ? { "supervisor-copy-spawn/direct": mbps["supervisor-copy-spawn"] / mbps.direct! } : {}),
      },
      supervisor: { sidecarPeakRssKib: 4000, sidecarCpuMsPerGb: 700, clientCpuMsPerGb: 800, sidecarPeakThreads: 1, sidecarStdout: "socket" },
      directClientCpuMsPerGb: 700,
    },
    quiescence: { tree: qcase, ignoreTerm: qcase, load },
    scale: [],
    scaleLoad: load,
    notes: [],
  }
}

function results(runs: ClientRun[], memory: { idle: number; watchdog: number | null } = { idle: 3000, watchdog: 2400 }): Omit<BenchResults, "targets"> {
  return {
    schema: "pawwork-bench/2",
    generatedAt: "2026-01-01T00:00:00.000Z",
    commit: null,
    mode: "default",
    durationSeconds: 1,
    machine: { cpuModel: "cpu", cores: 2, memoryMib: 1024, kernel: "Linux 6", os: "linux", arch: "x64", node: "v20", rustc: null, clockTicksPerSecond: 100, loadAverage: [1, 1, 1], loadAverageEnd: [1, 1, 1] },
    sidecar: { binary: "s", version: "0.1.0", cgroup: null, spawn: "clone3", output: "splice", pidfd: true, subreaper: true, outputWindow: 1 },
    runtimes: runs,
    notRun: [],
    memory: { idleRssKib: memory.idle, watchdogRssKib: memory.watchdog, load: quiet, live: [], slowConsumer: { durationMs: 1, consumedBytes: 1, consumerMbps: 1, peakRssKib: 1, idleRssKib: 1 } },
    notes: [],
  }
}

const target = (ts: Target[], id: string, runtime: Target["runtime"] = "node") => {
  const t = ts.find((x) => x.id === id && x.runtime === runtime)
  assert.ok(t, `no target ${id} (${runtime})`)
  return t
}

test("median and spread of samples: the middle value and min/max, whatever the order", () => {
  assert.equal(median([9, 1, 5, 7, 3, 8, 2]), 5)
  assert.deepEqual(spread([900, 1500.04, 1200, 1100, 1300, 1000, 1400]), { median: 1200, min: 900, max: 1500 })
  assert.throws(() => spread([]))
})

test("the load flag fires when start, end or a reading in between exceeds the core count", () => {
  assert.equal(overCores({ start: 1.9, end: 2, max: 2 }, 2), false, "equal to the core count is not over it")
  assert.equal(overCores({ start: 2.1, end: 1, max: 2.1 }, 2), true)
  assert.equal(overCores({ start: 1, end: 1, max: 3 }, 2), true, "a peak between the ends counts")
  assert.match(describeLoad({ start: 1, end: 3.5, max: 3.5 }, 2), /1 -> 3.5 \*\*over 2 cores\*\*/)
  assert.doesNotMatch(describeLoad(quiet, 2), /over/)
  const readings = [1, 4, 2]
  const tracker = new LoadTracker(() => readings.shift()!)
  tracker.sample()
  assert.deepEqual(tracker.span(), { start: 1, end: 2, max: 4 })
})

test("ratio verdicts: at the goal is met, beyond it is missed by the difference", () => {
  assert.deepEqual(atMost(1.5, 1.5), { met: true, missedBy: "" })
  assert.equal(atMost(1.8, 1.5).met, false)
  assert.match(atMost(1.8, 1.5).missedBy, /^0\.3x over \(20% above/)
  assert.equal(atLeast(0.85, 0.85).met, true)
  assert.match(atLeast(0.425, 0.85).missedBy, /^0\.425x short \(50% below/)
})

test("the producer caps the figures below 2x the direct read", () => {
  assert.equal(producerCaps(1.99), true)
  assert.equal(producerCaps(2), false)
})

test("round-trip targets: p50 against 1.0x and p99 against 1.5x, each on its own", () => {
  const ts = evaluateTargets(results([client({ rt: [2.4, 7, 2.5, 4] })]))
  assert.equal(target(ts, "spawn-round-trip-p50").met, true)
  const p99 = target(ts, "spawn-round-trip-p99")
  assert.equal(p99.met, false)
  assert.match(p99.measured, /^1\.75x/)
  const worse = evaluateTargets(results([client({ rt: [2.6, 5, 2.5, 4] })]))
  assert.equal(target(worse, "spawn-round-trip-p50").met, false)
  assert.equal(target(worse, "spawn-round-trip-p99").met, true)
})

/** A client run with a message figure: supervisor, baseline and direct p50/p99. */
function withMessages(run: ClientRun, [supP50, supP99, baseP50, baseP99]: [number, number, number, number]): ClientRun {
  const path = (p50: number, p99: number, sidecarCpuMs: number | null) => ({ ...summary(p50, p99), clientCpuMs: 0.05, sidecarCpuMs })
  return {
    ...run,
    messageLatency: {
      command: ["echo"],
      bytes: 1024,
      warmup: 1,
      iterations: 100,
      paths: { direct: path(baseP50 * 0.9, baseP99, null), baseline: path(baseP50, baseP99, null), supervisor: path(supP50, supP99, 0.02) },
      ratios: {
        "supervisor/baseline": { p50: supP50 / baseP50, p99: supP99 / baseP99 },
        "supervisor/direct": { p50: supP50 / (baseP50 * 0.9), p99: supP99 / baseP99 },
        "baseline/direct": { p50: 1 / 0.9, p99: 1 },
      },
      load: quiet,
    },
  }
}

test("message round trip: p50 against 1.5x the baseline, p99 reported beside it; no target for a run without the figure", () => {
  const met = target(evaluateTargets(results([withMessages(client(), [0.14, 0.9, 0.1, 0.2])])), "message-round-trip-p50")
  assert.equal(met.met, true)
  assert.match(met.measured, /^1\.4x .*p99 4\.5x/)
  const missed = target(evaluateTargets(results([withMessages(client(), [0.16, 0.2, 0.1, 0.2])])), "message-round-trip-p50")
  assert.equal(missed.met, false)
  assert.match(missed.missedBy, /^0\.1x over/)
  assert.equal(evaluateTargets(results([client()])).some((t) => t.id === "message-round-trip-p50"), false)
  const r = results([withMessages(client(), [0.14, 0.9, 0.1, 0.2])])
  const md = renderBenchMarkdown({ ...r, targets: evaluateTargets(r) })
  assert.match(md, /### Stdio message round trip \(Node\)/)
  assert.doesNotMatch(renderBenchMarkdown({ ...results([client()]), targets: [] }), /Stdio message round trip/)
})

test("the fork-path variant runs only beside a clone3 sidecar with cgroups, and its figures reach the note", () => {
  const info = (cgroup: string | null, spawn: string | null) => ({ ...results([]).sidecar, cgroup, spawn, output: "copy" })
  assert.deepEqual(supervisorVariants(info("/cg", "clone3")), ["supervisor-nocgroup", "supervisor-fork"])
  assert.deepEqual(supervisorVariants(info("/cg", "fork")), ["supervisor-nocgroup"])
  assert.deepEqual(supervisorVariants(info(null, "clone3")), [])
  const run = client()
  const cpu = { clientMs: 1, sidecarMs: 0.5, totalMs: 1.5 }
  run.spawnRoundTrip.backends["supervisor-fork"] = { ...summary(3, 12), cpu }
  run.spawnRoundTrip.ratios["supervisor-fork/baseline"] = { p50: 1.2, p99: 3, cpu: 1 }
  const p99 = target(evaluateTargets(results([run])), "spawn-round-trip-p99")
  assert.match(p99.why, /PAWWORK_SUPERVISOR_NO_CLONE3=1, the path before clone3\), p50 is 1\.2x and p99 3x the baseline's \(3 ms \/ 12 ms\)/)
})

test("the copied-output variant runs only beside a splicing sidecar, and its figures reach the note and the table", () => {
  const info = (output: string | null) => ({ ...results([]).sidecar, cgroup: null, output })
  assert.deepEqual(supervisorVariants(info("splice")), ["supervisor-copy"])
  assert.deepEqual(supervisorVariants(info("copy")), [])
  assert.deepEqual(supervisorVariants(info(null)), [])
  const plain = target(evaluateTargets(results([client()])), "throughput-spawn")
  assert.doesNotMatch(plain.why, /NO_SPLICE/)
  const run = client({ mbps: { "supervisor-copy-spawn": 900 } })
  run.throughput.copy = { sidecarCpuMsPerGb: 450, clientCpuMsPerGb: 600 }
  const t = target(evaluateTargets(results([run])), "throughput-spawn")
  assert.match(t.why, /PAWWORK_SUPERVISOR_NO_SPLICE=1, the path before splice\) the same stream did 900 MB\/s \(0\.6x the direct read\), the sidecar spending 450 ms CPU per GB/)
  const table = throughputTable(run, 2)
  assert.ok(table.rows.some((r) => r[0]!.includes("output copied") && r[1] === "900"), JSON.stringify(table.rows))
  assert.equal(throughputTable(client(), 2).rows.length, 6)
})

test("spawn throughput: met only at >= 0.85x AND with a producer at least 2x the direct read", () => {
  assert.equal(target(evaluateTargets(results([client()])), "throughput-spawn").met, true)
  const slowReader = target(evaluateTargets(results([client({ mbps: { "supervisor-spawn": 600 } })])), "throughput-spawn")
  assert.equal(slowReader.met, false)
  assert.match(slowReader.missedBy, /short/)
  // The ratio looks fine, but the producer is the bottleneck: the verdict must not be "met".
  const capped = target(evaluateTargets(results([client({ mbps: { producer: 2000 } })])), "throughput-spawn")
  assert.equal(capped.met, false)
  assert.match(capped.missedBy, /capped by the producer/)
  assert.doesNotMatch(capped.missedBy, /short/)
})

test("run() throughput: supervisor at least the baseline's", () => {
  assert.equal(target(evaluateTargets(results([client()])), "throughput-run").met, true)
  const t = target(evaluateTargets(results([client({ mbps: { "supervisor-run": 319, "baseline-run": 388 } })])), "throughput-run")
  assert.equal(t.met, false)
  assert.match(t.measured, /^0\.822x/)
})

test("run() throughput: the collector's share is stated when the run measured it, and not invented when it did not", () => {
  const old = target(evaluateTargets(results([client()])), "throughput-run")
  assert.match(old.why, /both backends read the pipes with buffer\(\)/)
  assert.doesNotMatch(old.why, /readToEnd/)
  const t = target(evaluateTargets(results([client({ mbps: { "baseline-run": 400, "baseline-collect": 600, "supervisor-run": 540 } })])), "throughput-run")
  assert.equal(t.met, true)
  assert.match(t.why, /the baseline's own spawn did 600 MB\/s, 1\.5x its run\(\)/)
  assert.match(t.why, /the supervisor's run\(\) is 0\.9x, the stream's share/)
})

test("idle RSS counts the sidecar and its watchdog together against 6 MiB", () => {
  assert.equal(target(evaluateTargets(results([client()], { idle: 3000, watchdog: 3000 })), "idle-rss", null).met, true)
  // Each alone is under 6 MiB; together they are not.
  const t = target(evaluateTargets(results([client()], { idle: 3300, watchdog: 3000 })), "idle-rss", null)
  assert.equal(t.met, false)
  assert.match(t.measured, /^6\.15 MiB/)
  assert.equal(target(evaluateTargets(results([client()], { idle: 3300, watchdog: null })), "idle-rss", null).met, true)
})

test("targets come per runtime measured, and a figure under load says so", () => {
  const bun = { ...client({ load: { start: 3, end: 4.2, max: 4.5 } }), runtime: "bun" as const }
  const r = results([client(), bun])
  const ts = evaluateTargets(r)
  assert.deepEqual(ts.filter((t) => t.runtime === "bun").map((t) => t.id), ["spawn-round-trip-p50", "spawn-round-trip-p99", "throughput-spawn", "throughput-run", "quiescence-ignore-term"])
  assert.match(target(ts, "throughput-spawn", "bun").why, /load of up to 4.5 on 2 cores/)
  assert.doesNotMatch(target(ts, "throughput-spawn", "node").why, /load of up to/)
  const md = renderBenchMarkdown({ ...r, targets: ts })
  assert.match(md, /### Output throughput \(Bun\)/)
  assert.match(md, /3 -> 4.2 \(max 4.5\) \*\*over 2 cores\*\*/)
})

test("the producer-cap flag shows in the throughput table's caption", () => {
  const r = results([client({ mbps: { producer: 2000 } })])
  const md = renderBenchMarkdown({ ...r, targets: evaluateTargets(r) })
  assert.match(md, /\*\*less than 2x: the producer caps these figures\*\*/)
})

test("--runtime takes node, the pinned Nodes, bun, both and lists of them; nothing else", () => {
  assert.equal(parseCli([], "/r").runtimes, null, "no --runtime: the default, which depends on the host")
  assert.deepEqual(parseCli(["--runtime", "bun"], "/r").runtimes, ["bun"])
  assert.deepEqual(parseCli(["--runtime", "both"], "/r").runtimes, ["node", "bun"])
  assert.deepEqual(parseCli(["--runtime", "node22,node24", "--runtime", "bun"], "/r").runtimes, ["node22", "node24", "bun"])
  assert.throws(() => parseCli(["--runtime", "deno"], "/r"), /--runtime must be/)
})

test("by default the client runs under the desktop app's Node (node24 where it is pinned) and Bun", async () => {
  const pinned = await pinnedNodes(repoRoot())
  assert.deepEqual(await defaultRuntimes(repoRoot()), [pinned.includes("node24") ? "node24" : "node", "bun"])
})
