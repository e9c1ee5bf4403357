import assert from "node:assert/strict"
import { test } from "node:test"
import type { ProcessApi } from "@pawwork/process"
import type { CreateProcess } from "../src/api.js"
import { parseFlakes } from "../src/flakes.js"
import { fail, pass } from "../src/scenarios/steps.js"
import { repoRoot } from "../src/paths.js"
import { detectPlatform } from "../src/platform.js"
import { silentProgress } from "../src/progress.js"
import { runWithRetries } from "../src/retry.js"
import { runMatrix } from "../src/runner.js"
import { BACKENDS, type Scenario, type ScenarioResult } from "../src/types.js"
import { record } from "./helpers/synthetic.js"

const HEAD = "| id | scenario | backend | platform | symptom | suspected cause | treatment |\n|---|---|---|---|---|---|---|\n"
const FLAKE = { id: "f", scenario: "*", backend: "*" as const, platform: "*" as const, symptom: "s", suspected_cause: "c", retries: 3, line: 3 }

/** An attempt function that answers pass/fail from a script, and counts its calls. */
function scripted(outcomes: boolean[]) {
  let calls = 0
  const attempt = async (k: number) => {
    const ok = outcomes[calls++]
    assert.notEqual(ok, undefined, `attempt ${k} was not expected`)
    return ok ? record(0) : record(0, { passed: false, reason: `boom ${k}`, leaked_pids: [100 + k] })
  }
  return { attempt, calls: () => calls }
}

test("an unregistered cell's failed run is never retried", async () => {
  const s = scripted([false])
  const r = await runWithRetries(s.attempt, null)
  assert.equal(s.calls(), 1)
  assert.equal(r.passed, false)
  assert.equal(r.flaky, null)
  assert.deepEqual(r.retries, [])
})

test("a passing run is not retried, registered or not", async () => {
  const s = scripted([true])
  const r = await runWithRetries(s.attempt, FLAKE)
  assert.equal(s.calls(), 1)
  assert.equal(r.passed, true)
  assert.equal(r.flaky, null)
})

test("a registered failure that passes on a retry is flaky, not passed, and keeps its first symptom", async () => {
  const s = scripted([false, false, true, true])
  const r = await runWithRetries(s.attempt, FLAKE)
  assert.equal(s.calls(), 3, "stops at the first passing retry")
  assert.equal(r.passed, false)
  assert.equal(r.flaky, "f")
  assert.equal(r.reason, "boom 0")
  assert.deepEqual(r.retries.map((a) => [a.passed, a.reason]), [[false, "boom 1"], [true, null]])
})

test("a registered failure whose every retry fails stays failed, after exactly N retries", async () => {
  const s = scripted([false, false, false, false, true])
  const r = await runWithRetries(s.attempt, FLAKE)
  assert.equal(s.calls(), 4, "the run and 3 retries")
  assert.equal(r.passed, false)
  assert.equal(r.flaky, null)
  assert.equal(r.retries.length, 3)
})

/** A scenario that plays back `script` (true = pass) one attempt after another, over the whole matrix. */
function playback(script: boolean[]): Scenario & { calls: () => number } {
  let calls = 0
  const run = async (): Promise<ScenarioResult> => {
    const ok = script[calls++]
    if (ok === undefined) throw new Error("more attempts than scripted")
    return ok ? pass({ quiescence_ms: 10 }) : fail("synthetic: leaked", null, { leaked_pids: [4_000_000 + calls] })
  }
  const expected = Object.fromEntries(BACKENDS.map((b) => [b, "varies"])) as Scenario["expected"]
  const mechanism = Object.fromEntries(BACKENDS.map((b) => [b, "scripted"])) as Scenario["mechanism"]
  return { name: "tree-deep", group: "g", title: "t", description: "d", mechanism, expected, supported: () => null, run, calls: () => calls }
}

// The runner needs a backend to open and close; the scripted scenario never uses it.
const fakeCreate: CreateProcess = Object.assign(() =>
  ({
    backend: "fake",
    spawn: () => assert.fail("the scripted scenario spawns nothing"),
    run: () => assert.fail("the scripted scenario runs nothing"),
    text: () => assert.fail("the scripted scenario runs nothing"),
    lines: () => assert.fail("the scripted scenario runs nothing"),
    exists: () => assert.fail("the scripted scenario checks no pid"),
    descendants: () => assert.fail("the scripted scenario walks no tree"),
    stop: async () => {},
    terminateTree: () => assert.fail("the scripted scenario terminates nothing"),
    TERMINATION_GRACE_MS: 500,
    shutdown: async () => {},
    sidecarPid: undefined,
  }) satisfies ProcessApi, { effectUnavailable: null, peersUnavailable: null })

async function matrix(scenario: Scenario, backend: "baseline" | "execa", register: string, runs: number) {
  const { cells } = await runMatrix({
    runs,
    scenarios: [scenario],
    backends: [backend],
    graceMs: 10,
    slackMs: 10,
    hardTimeoutMs: 5000,
    paths: { root: repoRoot(), fixtureBin: process.execPath, supervisorBin: process.execPath },
    platform: { ...detectPlatform(), os: "linux", under_wine: false },
    create: fakeCreate,
    progress: silentProgress,
    flakes: parseFlakes(`${HEAD}${register}`, "flakes.md", { scenarios: ["tree-deep"], backends: BACKENDS }),
    runtime: "node",
  })
  return cells[0]!
}

test("the runner counts flaky runs apart from passed and failed ones, for registered cells only", async () => {
  // run 0 passes; run 1 fails, then passes on its 2nd retry; run 2 fails all 2 retries.
  const f = playback([true, false, false, true, false, false, false])
  const c = await matrix(f, "baseline", "| drain | tree-deep | baseline | linux | synthetic: leaked | scripted | retry 2 |\n", 3)
  assert.equal(f.calls(), 7)
  assert.deepEqual([c.runs, c.passed, c.flaky, c.failed], [3, 1, 1, 1])
  assert.deepEqual(c.flake, { id: "drain", symptom: "synthetic: leaked", suspected_cause: "scripted", retries: 2 })
  assert.deepEqual(c.failures, [{ reason: "synthetic: leaked", count: 1 }], "only the failed run counts as a failure")
  assert.deepEqual(c.flaky_failures, [{ reason: "synthetic: leaked", count: 1 }])
  assert.equal(c.records[1]!.flaky, "drain")
  assert.equal(c.records[2]!.flaky, null)
  assert.equal(c.records[2]!.retries.length, 2)
  assert.equal(c.leaked_pids, 5, "leaks of retries count too (1 + 1 in run 1, 1 + 2 in run 2)")
})

test("the runner does not retry a cell the register does not name", async () => {
  const f = playback([false, true])
  const c = await matrix(f, "execa", "| drain | tree-deep | baseline | linux | synthetic: leaked | scripted | retry 2 |\n", 2)
  assert.equal(f.calls(), 2, "one attempt per run")
  assert.deepEqual([c.passed, c.flaky, c.failed], [1, 0, 1])
  assert.equal(c.flake, null)
})
