import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, sep } from "node:path"
import { test } from "node:test"
import { fileURLToPath } from "node:url"
import { repoRoot, resolveRuntime, runtimeLabel, type RuntimeName } from "@pawwork/harness"
import { defaultRuntimes } from "../src/cli.js"
import { renderBenchSection } from "../src/index.js"
import { readBench } from "../src/report.js"
import { toCamelKeys, toSnakeKeys } from "../src/json-case.js"
import type { Summary } from "../src/types.js"

/*
 * Runs `--quick` end to end and checks the shape of what it wrote: every measurement present, numeric and
 * positive where a cost must be. Never a timing threshold: the numbers of a shared machine are noise.
 */

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli.js")

/** Keys (as bench.json spells them) whose value may be null: things a backend or a platform does not have. */
const MAY_BE_NULL = new Set(["commit", "runtime", "sidecar_ms", "sidecar_cpu_ms", "sidecar_cpu_ms_per_child", "watchdog_rss_kib", "rustc", "cgroup", "pidfd", "subreaper", "output_window", "version", "exited_ms"])

function walk(value: unknown, path: string, visit: (path: string, key: string, v: unknown) => void): void {
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      visit(`${path}.${k}`, k, v)
      walk(v, `${path}.${k}`, visit)
    }
  }
}

function positiveSummary(s: Summary | undefined, what: string): void {
  assert.ok(s, `${what} is missing`)
  for (const k of ["p50", "p99", "mean", "min", "max"] as const) {
    assert.ok(Number.isFinite(s[k]) && s[k] > 0, `${what}.${k} = ${s[k]}`)
  }
  assert.ok(s.n > 0 && s.min <= s.p50 && s.p50 <= s.p99 && s.p99 <= s.max, `${what} is not ordered: ${JSON.stringify(s)}`)
}

async function resolved(name: RuntimeName): Promise<{ version: string | null }> {
  const r = await resolveRuntime(repoRoot(), name)
  assert.ok(!("reason" in r), "reason" in r ? r.reason : "")
  return r
}

test("bench --quick writes a complete bench.json, BENCH.md and bench.html", { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), "pawwork-bench-test-"))
  try {
    const r = spawnSync(process.execPath, [cli, "--quick", "--out", out], { encoding: "utf8", timeout: 170_000 })
    assert.equal(r.status, 0, `bench --quick failed:\n${r.stdout}\n${r.stderr}`)
    for (const f of ["bench.json", "BENCH.md", "bench.html"]) assert.ok(existsSync(join(out, f)), `${f} was not written`)
    const raw = JSON.parse(readFileSync(join(out, "bench.json"), "utf8")) as unknown
    const b = readBench(join(out, "bench.json"))

    assert.equal(b.schema, "pawwork-bench/2")
    assert.equal(b.mode, "quick")
    // The matrix report embeds a bench.json only when it names this checkout's commit.
    assert.match(b.commit ?? "", /^[0-9a-f]{40}$/)
    // One casing for every JSON file the project writes: snake_case keys, as results.json has. Data keys
    // (backend names, "supervisor/baseline" ratios) are lower case with - or /.
    walk(raw, "bench", (path, key) => assert.match(key, /^[a-z0-9_/-]+$/, `${path} is not snake_case`))
    walk(raw, "bench", (path, key, v) => {
      if (v === null) assert.ok(MAY_BE_NULL.has(key), `${path} is null`)
      if (typeof v === "number") assert.ok(Number.isFinite(v), `${path} = ${v}`)
      // A committed bench.json must not say where one machine keeps its checkout.
      if (typeof v === "string") assert.ok(!v.startsWith(repoRoot() + sep), `${path} names an absolute path in the repository: ${v}`)
    })

    assert.ok(b.machine.cores > 0 && b.machine.memoryMib > 0 && b.machine.cpuModel && b.machine.kernel && b.machine.node)
    // No --runtime: the desktop app's Node (pinned; the test steps install it) and Bun (a pinned
    // devDependency), so both must have been measured, each reporting its own version.
    assert.deepEqual(b.notRun, [])
    const expected = await defaultRuntimes(repoRoot())
    assert.deepEqual(b.runtimes.map((c) => c.runtime), expected)
    if (expected[0] !== "node") assert.equal(b.runtimes[0]!.version, (await resolved(expected[0]!)).version)
    for (const c of b.runtimes) {
      const who = c.runtime
      assert.ok(c.version, `${who}: no version`)
      for (const v of ["bare", "baseline", "supervisor"] as const) positiveSummary(c.spawnRoundTrip.backends[v], `${who} round trip ${v}`)
      assert.ok(c.spawnRoundTrip.ratios["supervisor/baseline"]!.p50 > 0)
      const m = c.messageLatency
      assert.ok(m, `${who}: no message latency`)
      for (const p of ["direct", "baseline", "supervisor"] as const) positiveSummary(m.paths[p], `${who} message ${p}`)
      assert.ok(m.paths.supervisor.sidecarCpuMs !== null && m.paths.baseline.sidecarCpuMs === null, `${who}: sidecar CPU only on the supervisor's path`)
      assert.ok(m.ratios["supervisor/baseline"]!.p50 > 0 && m.bytes === 1024)
      const block = c.spawnBlock
      assert.ok(block, `${who}: no spawn block`)
      for (const key of ["steady", "loaded", "first"] as const) {
        for (const v of ["bare", "baseline", "supervisor"] as const) positiveSummary(block[key][v], `${who} spawn block ${key} ${v}`)
        assert.ok(block.ratios[key]!["supervisor/bare"]!.p50 > 0)
      }
      assert.ok(block.hogs > 0, `${who}: the loaded figures ran beside no load`)
      positiveSummary(c.sidecarStart.hello, `${who} sidecar hello`)
      positiveSummary(c.sidecarStart.firstSpawn, `${who} first spawn`)

      const t = c.throughput
      // The copied-output path is measured where the sidecar splices (Linux, a socket or pipe for stdout).
      const copied = b.sidecar.output === "splice" ? ["supervisor-copy-spawn"] : []
      assert.deepEqual(Object.keys(t.paths).sort(), ["baseline-collect", "baseline-run", "baseline-spawn", "direct", "producer", "supervisor-run", "supervisor-spawn", ...copied].sort())
      if (process.platform === "linux") assert.equal(b.sidecar.output, "splice", "the sidecar started with a socket for stdout should splice")
      for (const [path, v] of Object.entries(t.paths)) {
        assert.equal(v.samples.length, t.reps, `${who} ${path}: one sample per rep`)
        assert.ok(v.min > 0 && v.min <= v.mbPerSec && v.mbPerSec <= v.max, `${who} ${path}: median outside its spread ${JSON.stringify(v)}`)
        for (const l of [v.load.start, v.load.end, v.load.max]) assert.ok(l >= 0)
      }
      assert.ok(t.producerVsDirect > 0 && t.ratios["supervisor-spawn/direct"]! > 0 && t.ratios["supervisor-run/baseline-run"]! > 0)
      assert.ok(t.ratios["supervisor-run/baseline-collect"]! > 0 && t.ratios["baseline-collect/baseline-run"]! > 0)
      assert.ok(t.supervisor.sidecarPeakRssKib > 0)

      for (const q of [c.quiescence.tree, c.quiescence.ignoreTerm]) {
        for (const name of ["baseline", "supervisor"] as const) positiveSummary(q.backends[name].summary, `${who} quiescence ${q.command.join(" ")} ${name}`)
        // Not a timing claim: the supervisor must leave nothing behind, whatever it costs.
        assert.ok(q.backends.supervisor.runs.every((run) => run.quiescent), `${who}: supervisor left processes after ${q.command.join(" ")}`)
      }

      assert.deepEqual(c.scale.map((l) => l.concurrent), [1, 5])
      for (const level of c.scale) {
        for (const v of ["bare", "baseline", "supervisor"] as const) {
          positiveSummary(level.backends[v]?.rt, `${who} scale ${level.concurrent} ${v}`)
          assert.ok(level.backends[v]!.wallMs > 0)
        }
        assert.ok(level.backends.supervisor!.sidecarCpuMsPerChild !== null)
      }
    }

    assert.ok(b.memory.idleRssKib > 0)
    assert.deepEqual(b.memory.live.map((l) => l.children), [5, 10])
    for (const l of b.memory.live) assert.ok(l.rssKib > 0 && l.spawnAllMs > 0 && l.idleCpuPercent >= 0)
    assert.ok(b.memory.slowConsumer.peakRssKib > 0 && b.memory.slowConsumer.consumedBytes > 0)

    const perRuntime = ["spawn-round-trip-p50", "spawn-round-trip-p99", "message-round-trip-p50", "throughput-spawn", "throughput-run", "quiescence-ignore-term"]
    assert.deepEqual(
      b.targets.map((t) => `${t.runtime}:${t.id}`),
      [...expected.flatMap((rt) => perRuntime.map((id) => `${rt}:${id}`)), "null:idle-rss"],
    )
    for (const t of b.targets) assert.equal(t.met, t.missedBy === "", `${t.id}: met and missedBy disagree`)

    const md = readFileSync(join(out, "BENCH.md"), "utf8")
    const node = runtimeLabel(expected[0]!)
    for (const h of ["## What the supervisor costs", "### Targets", `### Output throughput (${node})`, "### Output throughput (Bun)", `### Spawn round trip (${node})`, "### Spawn round trip (Bun)", `### Stdio message round trip (${node})`, "### Stdio message round trip (Bun)", "### Scale curve (Bun)", "### Sidecar memory"]) {
      assert.ok(md.includes(h), `BENCH.md lacks ${h}`)
    }
    // What the matrix report's appendix embeds: the section rendered from bench.json's own (snake_case) content.
    const embedded = renderBenchSection(raw, 3)
    for (const h of ["### What the supervisor costs", "#### Targets", "#### Output throughput (Bun)", "#### Sidecar memory"]) assert.ok(embedded.includes(h), `embedded section lacks ${h}`)
    const html = readFileSync(join(out, "bench.html"), "utf8")
    assert.ok((html.match(/<svg /g) ?? []).length >= 4, "bench.html lacks a runtime's scale charts")
    assert.ok(!/<script|https?:\/\/(?!www\.w3\.org)/.test(html), "bench.html must be self-contained")
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})

test("bench.json keys convert to snake_case and back without loss", () => {
  const sample = { memoryMib: 1, spawnRoundTrip: { backends: { "supervisor-nocgroup": { p50: 2 } }, ratios: { "supervisor/baseline": { p50: 1 } } }, list: [{ rssKib: 3 }] }
  const snake = toSnakeKeys(sample)
  assert.deepEqual(snake, { memory_mib: 1, spawn_round_trip: { backends: { "supervisor-nocgroup": { p50: 2 } }, ratios: { "supervisor/baseline": { p50: 1 } } }, list: [{ rss_kib: 3 }] })
  assert.deepEqual(toCamelKeys(snake), sample)
})
