import assert from "node:assert/strict"
import { test } from "node:test"
import { analyze } from "../../src/report/analysis.js"
import { renderMarkdown, resultsTable } from "../../src/report/markdown.js"
import { BACKENDS } from "../../src/types.js"
import { leaked, record, syntheticResults } from "../helpers/synthetic.js"

const all = (override?: Parameters<typeof syntheticResults>[1]) => syntheticResults(2, override, undefined, ["node"], BACKENDS)

test("with the Effect backends, the table has their columns and the verdict counts the supervisor on both paths", () => {
  const r = all()
  assert.equal(resultsTable(r).split("\n")[0], `| scenario | ${BACKENDS.join(" | ")} |`)
  const md = renderMarkdown(r)
  assert.match(md, /^# Scenario matrix: PawWork baseline vs pawwork-supervisor \(execa, tree-kill and Effect's spawner for comparison\)/)
  assert.match(md, /- `supervisor-effect`: the same sidecar through `@pawwork\/process\/effect`'s `SupervisorSpawner` layer/)
  assert.match(md, /- `effect` \(comparison\): Effect's own `NodeChildProcessSpawner`/)
  const { recommendation } = analyze(r)
  const counts = recommendation.lines.find((l) => l.startsWith("The supervisor passes "))!
  assert.match(counts, /, \d+ of \d+ through Effect's ChildProcessSpawner layer \(supervisor-effect\);/)
  assert.match(counts, /For comparison: execa \d+ of \d+, tree-kill \d+ of \d+, effect \d+ of \d+\./)
  assert.ok(recommendation.lines.some((l) => /^Leaked pids over all scenario runs: .*supervisor 0, supervisor-effect 0; for comparison .*effect \d+\.$/.test(l)))
  assert.equal(recommendation.verdict, "adopt behind the flag")
})

test("a failure of the supervisor through the Effect layer is the supervisor's failure: named first, and it blocks adoption", () => {
  const r = all((f, b) => (f === "tree-deep" && b === "supervisor-effect" ? [record(0), leaked(1)] : undefined))
  const { recommendation } = analyze(r)
  assert.match(recommendation.lines[0]!, /^\*\*The supervisor fails 1 of \d+ scenario × backend cells it ran:\*\* tree-deep \(supervisor-effect\) \(1\/2: /)
  assert.equal(recommendation.verdict, "do not adopt")
})

test("a backend note is said beside its column, and nothing is said without one", () => {
  const r = all()
  assert.doesNotMatch(renderMarkdown(r), /Beside the `/)
  r.backend_notes = { effect: "@effect/platform-node 4.1.0 declares Node >=22.19.0 in `engines`; these cells ran on Node 20.20.2." }
  const md = renderMarkdown(r)
  const table = md.indexOf("| scenario |")
  const note = md.indexOf("Beside the `effect` column: @effect/platform-node 4.1.0 declares Node >=22.19.0")
  assert.ok(note > table && note < md.indexOf("## Time to quiescence"), "the note follows the results table")
})
