import assert from "node:assert/strict"
import { test } from "node:test"
import { analyze } from "../../src/report/analysis.js"
import { leaked, record, syntheticResults } from "../helpers/synthetic.js"

test("a supervisor that passes everything and closes gaps is recommended behind the flag", () => {
  const { recommendation, fixtures } = analyze(syntheticResults())
  assert.equal(recommendation.verdict, "adopt behind the flag")
  assert.ok(fixtures.find((f) => f.info.name === "daemon-escape")!.newlyCovered)
  assert.ok(!fixtures.find((f) => f.info.name === "tree-deep")!.newlyCovered)
  assert.match(recommendation.lines.at(-1)!, /^\*\*Recommendation: adopt behind the flag\*\*/)
})

test("any supervisor failure is the first thing said, and blocks adoption", () => {
  const r = syntheticResults(4, (f, b) => (f === "fork-storm" && b === "supervisor" ? [record(0), leaked(1, "storm"), record(2), record(3)] : undefined))
  const { recommendation, fixtures } = analyze(r)
  assert.match(recommendation.lines[0]!, /^\*\*The supervisor fails 1 of 17 fixtures it ran:\*\* fork-storm \(3\/4: leaked: storm \(1\/4\)\)/)
  assert.equal(recommendation.verdict, "do not adopt")
  assert.ok(fixtures.find((f) => f.info.name === "fork-storm")!.regression, "the baselines pass fork-storm")
})

test("a failed negative control withholds any recommendation", () => {
  const r = syntheticResults(2, (f) => (f === "negative-control" ? [record(0, { passed: false, reason: "planted leak not detected" }), record(1)] : undefined))
  const { recommendation } = analyze(r)
  assert.equal(recommendation.verdict, "no recommendation")
  assert.ok(recommendation.lines.some((l) => l.includes("negative control failed")))
})

test("a supervisor that did not run gives no recommendation", () => {
  const r = syntheticResults(2, (_f, b) => (b === "supervisor" ? "not run" : undefined))
  assert.equal(analyze(r).recommendation.verdict, "no recommendation")
})

test("no gain over the baselines means do not adopt", () => {
  const r = syntheticResults(2, (_f, _b) => [record(0), record(1)])
  const { recommendation } = analyze(r)
  assert.equal(recommendation.verdict, "do not adopt")
  assert.match(recommendation.lines.at(-1)!, /no measured reliability gain/)
})
