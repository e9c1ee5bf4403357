import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Writable } from "node:stream"
import { test } from "node:test"
import type { Child } from "@pawwork/process"
import type { FlakeEntry } from "../src/flakes.js"
import { abortStdinWrite } from "../src/scenarios/abort-stdin-write.js"
import { leftoverAfterExit } from "../src/scenarios/leftover-after-exit.js"
import { analyze } from "../src/report/analysis.js"
import { renderMarkdown, resultsTable } from "../src/report/markdown.js"
import { runWithRetries } from "../src/retry.js"
import { accountSweep } from "../src/runner.js"
import { allPassed, summarizeCell } from "../src/stats.js"
import type { RunContext } from "../src/types.js"
import { leaked, notExercisedRun, record, syntheticResults } from "./helpers/synthetic.js"

test("a run that did not exercise its scenario is counted apart: never passed, never failed", () => {
  const cell = summarizeCell({
    scenario: "abort-stdin-write",
    backend: "supervisor",
    control: false,
    expected: "pass",
    records: [record(0), notExercisedRun(1), notExercisedRun(2), leaked(3)],
  })
  assert.equal(cell.passed, 1)
  assert.equal(cell.failed, 1)
  assert.equal(cell.not_exercised, 2)
  assert.equal(cell.passed + cell.failed + cell.flaky + cell.not_exercised, cell.runs)
  assert.deepEqual(cell.not_exercised_reasons, [{ reason: "the write had completed before the abort", count: 2 }])
  assert.equal(allPassed(cell), false)
})

test("a supervisor cell with unexercised runs is no pass, no newly covered gap, and is said in the verdict and per scenario", () => {
  const r = syntheticResults(4, (f, b) => (f === "orphan-grandchild" && b === "supervisor" ? [record(0), notExercisedRun(1), record(2), record(3)] : undefined))
  const { scenarios, recommendation } = analyze(r)
  const v = scenarios.find((f) => f.info.name === "orphan-grandchild")!
  assert.equal(v.newlyCovered, false)
  assert.ok(!v.passing.includes("supervisor"))
  assert.ok(recommendation.lines.some((l) => l.startsWith("**Not exercised for the supervisor**") && l.includes("orphan-grandchild (1 of 4 runs")))
  assert.ok(resultsTable(r).includes("| orphan-grandchild | 0/4 · 4 leaked | 4/4 | 3/4 · 1 not exercised |"))
  assert.match(renderMarkdown(r), /- \*\*Not exercised: supervisor\*\* — 1 of 4 runs did not exercise the scenario/)
})

test("a run that was not exercised is not retried as a flake", async () => {
  let attempts = 0
  const flake: FlakeEntry = { id: "x", scenario: "*", backend: "*", platform: "*", symptom: "s", suspected_cause: "c", retries: 3, line: 1 }
  const r = await runWithRetries(async () => (attempts++, notExercisedRun(0)), flake)
  assert.equal(attempts, 1)
  assert.equal(r.flaky, null)
})

test("leaks the final sweep finds are counted after a setup failure or a hang too, keeping the run's reason", () => {
  const member = { pid: 4321, ppid: 1, start: "99", role: "grandchild" }
  for (const reason of ["setup: the root not seen", "hang"]) {
    const r = record(0, { passed: false, reason, detail: "first", quiescence_ms: null })
    accountSweep(r, [member])
    assert.deepEqual(r.leaked_pids, [4321], reason)
    assert.equal(r.reason, reason)
    assert.match(r.detail!, /^first; left behind, found by the final sweep: /)
    assert.equal(summarizeCell({ scenario: "f", backend: "baseline", control: false, expected: "pass", records: [r] }).leaked_pids, 1)
  }
  // A not-exercised run with something left behind did fail: it leaked.
  const n = notExercisedRun(0)
  accountSweep(n, [member])
  assert.equal(n.not_exercised, null)
  assert.equal(n.reason, "leaked after the run (found by the final sweep)")
})

test("abort-stdin-write: a write that had settled before the abort makes the run not exercised, not passed", async (t) => {
  if (process.platform !== "linux") return t.skip("the fake tree's root is checked through /proc")
  const dir = mkdtempSync(join(tmpdir(), "matrix-stdin-"))
  try {
    // The "root" is a process that has already ended: the leak check sees the tree gone at once, and its start
    // time ("0") can match no live process, so nothing is ever signalled.
    const dead = spawnSync("true").pid!
    const reportPath = join(dir, "report.jsonl")
    writeFileSync(reportPath, `${JSON.stringify({ kind: "pid", pid: dead, ppid: process.pid, start: "0", role: "root" })}\n`)
    // A backend that buffers the whole write: its callback fires at once, long before the abort.
    const stdin = new Writable({ write: (_chunk, _enc, cb) => cb() })
    const child = {
      pid: dead,
      stdin,
      stdout: null,
      stderr: null,
      exited: new Promise<number>((resolve) => setTimeout(() => resolve(0), 50)),
      kill: () => true,
    } as unknown as Child
    const ctx = {
      backend: "supervisor",
      reportPath,
      graceMs: 100,
      slackMs: 100,
      run: 0,
      hardStop: new AbortController().signal,
      spawnFixture: () => child,
    } as unknown as RunContext
    const r = await abortStdinWrite.run(ctx)
    assert.equal(r.passed, false)
    assert.equal(r.reason, null)
    assert.equal(r.not_exercised, "the write had settled before the abort")
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("leftover-after-exit says what it measures: quiescence from the root's exit, the bound from stop()", () => {
  assert.match(leftoverAfterExit.description, /Quiescence is measured from the root's exit \(`exited` resolving\)/)
  assert.doesNotMatch(leftoverAfterExit.description, /quiescence is measured from that call/)
})
