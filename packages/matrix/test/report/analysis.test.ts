import assert from "node:assert/strict"
import { test } from "node:test"
import { analyze } from "../../src/report/analysis.js"
import { SCENARIOS } from "../../src/scenarios/index.js"
import { FLAKE, flaky, leaked, record, syntheticResults } from "../helpers/synthetic.js"

// The measured scenarios: every one but the negative control.
const MEASURED = SCENARIOS.length - 1

test("a supervisor that passes everything and closes gaps is recommended behind the flag", () => {
  const { recommendation, scenarios } = analyze(syntheticResults())
  assert.equal(recommendation.verdict, "adopt behind the flag")
  assert.ok(scenarios.find((f) => f.info.name === "daemon-escape")!.newlyCovered)
  assert.ok(!scenarios.find((f) => f.info.name === "tree-deep")!.newlyCovered)
  assert.match(recommendation.lines.at(-1)!, /^\*\*Recommendation: adopt behind the flag\*\*/)
})

test("any supervisor failure is the first thing said, and blocks adoption", () => {
  const r = syntheticResults(4, (f, b) => (f === "fork-storm" && b === "supervisor" ? [record(0), leaked(1, "storm"), record(2), record(3)] : undefined))
  const { recommendation, scenarios } = analyze(r)
  assert.match(recommendation.lines[0]!, new RegExp(`^\\*\\*The supervisor fails 1 of ${MEASURED} scenarios it ran:\\*\\* fork-storm \\(3/4: leaked: storm \\(1/4\\)\\)`))
  assert.equal(recommendation.verdict, "do not adopt")
  assert.ok(scenarios.find((f) => f.info.name === "fork-storm")!.regression, "the baselines pass fork-storm")
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

test("comparison backends are never the baseline: their failures are no gap the supervisor closes", () => {
  // tree-deep: the baselines pass by design; make both peers fail it.
  const r = syntheticResults(4, (f, b) => (f === "tree-deep" && (b === "execa" || b === "tree-kill") ? [leaked(0), leaked(1), leaked(2), leaked(3)] : undefined))
  const v = analyze(r).scenarios.find((f) => f.info.name === "tree-deep")!
  assert.equal(v.newlyCovered, false)
  assert.ok(!analyze(r).recommendation.lines.some((l) => /Newly covered.*tree-deep/.test(l)))
})

test("the verdict says which gaps a comparison backend closes too, and which only the supervisor closes", () => {
  const { recommendation, scenarios } = analyze(syntheticResults())
  const covered = scenarios.filter((f) => f.newlyCovered).map((f) => f.info.name)
  assert.ok(covered.includes("custom-kill-signal") && covered.includes("daemon-escape"))
  const line = recommendation.lines.find((l) => l.startsWith(`Of these ${covered.length}, the comparison backends also pass every run:`))
  assert.ok(line, recommendation.lines.join("\n"))
  assert.match(line, /execa \d+ \([^)]*orphan-grandchild[^)]*custom-kill-signal\)/, "execa 10's group closes the gaps its group holds")
  assert.doesNotMatch(line, /exit-status/, "exit-status judges every backend alike: no gap there")
  assert.match(line, /tree-kill \d+ \([^)]*custom-kill-signal/)
  assert.match(line, /Only the supervisor passes: [^.]*daemon-escape/)
  assert.doesNotMatch(line.split("Only the supervisor passes:")[1]!, /custom-kill-signal/)
  assert.match(recommendation.lines.join("\n"), new RegExp(`For comparison: execa \\d+ of ${MEASURED}, tree-kill \\d+ of ${MEASURED}\\.`))
})

test("a comparison backend passing where the supervisor fails is said, but is no regression", () => {
  // custom-kill-signal: the baselines fail by design, execa and tree-kill pass; make the supervisor fail it.
  const r = syntheticResults(4, (f, b) => (f === "custom-kill-signal" && b === "supervisor" ? [record(0), leaked(1), record(2), record(3)] : undefined))
  const { recommendation, scenarios } = analyze(r)
  assert.equal(scenarios.find((f) => f.info.name === "custom-kill-signal")!.regression, false)
  assert.ok(recommendation.lines.includes("**A comparison backend passes where the supervisor does not:** custom-kill-signal (execa, tree-kill)."))
})

test("a flaky supervisor run is no pass: it is said first, with its register entry", () => {
  const r = syntheticResults(
    4,
    (f, b) => (f === "tree-wide" && b === "supervisor" ? [record(0), flaky(1), record(2), record(3)] : undefined),
    (f, b) => (f === "tree-wide" && b === "supervisor" ? FLAKE : null),
  )
  const { recommendation, scenarios } = analyze(r)
  const v = scenarios.find((f) => f.info.name === "tree-wide")!
  assert.ok(!v.passing.includes("supervisor"))
  assert.deepEqual(v.flaky.map((c) => c.backend), ["supervisor"])
  assert.match(recommendation.lines[0]!, /^\*\*The supervisor was flaky in 1 scenario\(s\)\*\* .*tree-wide \(1 of 4 runs passed only on a retry \(registered flake `drain-race`/)
  assert.match(recommendation.lines.join("\n"), new RegExp(`The supervisor passes ${MEASURED - 1} of ${MEASURED} scenarios in every run`))
  // Passing only on a retry is not the reliability adoption rests on.
  assert.equal(recommendation.verdict, "do not adopt")
  assert.match(recommendation.lines.at(-1)!, /flaky cells passed only on a retry/)
})

test("without a baseline cell (under Wine: no taskkill /t) there is no verdict and no 0-of-0 comparison", () => {
  const absent = new Set(["baseline", "baseline-detached", "tree-kill"])
  const { recommendation } = analyze(syntheticResults(2, (_f, b) => (absent.has(b) ? "not run" : undefined)))
  assert.equal(recommendation.verdict, "no recommendation")
  assert.ok(recommendation.lines.some((l) => l.startsWith("The baselines did not run here (synthetic: not here)")), recommendation.lines.join("\n"))
  assert.ok(!recommendation.lines.some((l) => l.includes("tree-kill")), "a comparison backend that never ran is not named")
  assert.match(recommendation.lines.at(-1)!, /nothing to weigh the supervisor's cost against/)
})

test("without a baseline cell, the reason given is the backend's, not a Unix-only scenario's", () => {
  const absent = new Set(["baseline", "baseline-detached"])
  // tree-deep, the first scenario, is not run for anyone here (as a Unix-only scenario is on Windows).
  const r = syntheticResults(2, (f, b) => (absent.has(b) || f === "tree-deep" ? "not run" : undefined))
  for (const c of r.cells) if (c.scenario === "tree-deep") c.not_run_reason = "Unix-only scenario"
  const line = analyze(r).recommendation.lines.find((l) => l.startsWith("The baselines did not run here"))
  assert.ok(line?.includes("(synthetic: not here)"), line)
})

test("without a baseline cell, a supervisor failure still blocks adoption", () => {
  const absent = new Set(["baseline", "baseline-detached"])
  const r = syntheticResults(2, (f, b) =>
    absent.has(b) ? "not run" : f === "tree-deep" && b === "supervisor" ? [leaked(0), record(1)] : undefined)
  const { recommendation } = analyze(r)
  assert.equal(recommendation.verdict, "do not adopt")
  assert.match(recommendation.lines[0]!, /^\*\*The supervisor fails 1 of/)
})
