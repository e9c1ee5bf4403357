import assert from "node:assert/strict"
import { test } from "node:test"
import { bytesLost, countFailures, percentile, quantiles, summarizeCell } from "../src/stats.js"
import { leaked, record } from "./helpers/synthetic.js"

test("percentile uses the nearest rank", () => {
  const v = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10]
  assert.equal(percentile(v, 50), 5)
  assert.equal(percentile(v, 95), 10)
  assert.equal(percentile(v, 0), 1)
  assert.equal(percentile([42], 95), 42)
  assert.ok(Number.isNaN(percentile([], 50)))
})

test("quantiles skip runs without a value and count the ones that have one", () => {
  const q = quantiles([10, null, 30, 20, null])
  assert.deepEqual(q, { p50: 20, p95: 30, max: 30, n: 3 })
  assert.equal(quantiles([null, null]), null)
})

test("failures are counted per distinct reason, most frequent first", () => {
  const f = countFailures([leaked(0), leaked(1), record(2), leaked(3, "daemon")])
  assert.deepEqual(f, [
    { reason: "leaked: grandchild", count: 2 },
    { reason: "leaked: daemon", count: 1 },
  ])
})

test("bytes lost are what was written but had not arrived, never negative", () => {
  assert.equal(bytesLost(record(0, { bytes_expected: 100, bytes_received: 60 })), 40)
  assert.equal(bytesLost(record(0, { bytes_expected: 100, bytes_received: 160 })), 0)
  assert.equal(bytesLost(record(0)), 0)
})

test("a cell sums runs, leaks and bytes lost; a not-run cell says why", () => {
  const c = summarizeCell({
    scenario: "orphan-grandchild",
    backend: "baseline",
    control: false,
    expected: "fail",
    records: [leaked(0), record(1, { bytes_expected: 10, bytes_received: 4 })],
  })
  assert.equal(c.runs, 2)
  assert.equal(c.passed, 1)
  assert.equal(c.failed, 1)
  assert.equal(c.leaked_pids, 1)
  assert.equal(c.bytes_lost, 6)
  assert.equal(c.quiescence_ms?.n, 1)
  const n = summarizeCell({ scenario: "daemon-escape", backend: "baseline", control: false, expected: "fail", records: [], notRun: { count: 20, reason: "Unix only" } })
  assert.equal(n.runs, 0)
  assert.equal(n.not_run, 20)
  assert.equal(n.not_run_reason, "Unix only")
})
