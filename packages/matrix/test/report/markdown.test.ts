import assert from "node:assert/strict"
import { test } from "node:test"
import { SCENARIOS } from "../../src/scenarios/index.js"
import { renderMarkdown, resultsTable } from "../../src/report/markdown.js"
import { FIVE_BACKENDS, FLAKE, flaky, record, syntheticResults } from "../helpers/synthetic.js"

test("the table has a row per scenario and a column per backend, with leaks", () => {
  const table = resultsTable(syntheticResults(4)).split("\n")
  assert.equal(table[0], `| scenario | ${FIVE_BACKENDS.join(" | ")} |`)
  assert.equal(table.length, 2 + SCENARIOS.length)
  assert.ok(table.includes("| orphan-grandchild | 0/4 · 4 leaked | 4/4 | 4/4 | 4/4 | 0/4 · 4 leaked |"))
})

test("each scenario says who passes, who fails with the mechanism, and what the supervisor newly covers", () => {
  const md = renderMarkdown(syntheticResults(4))
  const section = md.slice(md.indexOf("### daemon-escape:"), md.indexOf("###", md.indexOf("### daemon-escape:") + 5))
  assert.match(section, /\*\*Passes \(every run\):\*\* supervisor/)
  assert.match(section, /\*\*Fails: baseline\*\* \(0\/4 passed\) — leaked: grandchild \(4\/4\)\. Mechanism: the daemon is neither/)
  assert.match(section, /\*\*Fails: baseline-detached\*\*.*setsid\(\) leaves the process group/)
  assert.match(section, /Newly covered by the supervisor/)
})

test("cost, platform and a not-run reason are stated", () => {
  const md = renderMarkdown(syntheticResults(2, (f, b) => (f === "daemon-escape" && b === "baseline" ? "not run" : undefined)))
  assert.match(md, /\| Rust \(crates\/supervisor\/src, non-blank non-comment lines\) \| 1234 in 1 files \|/)
  assert.match(md, /\| Release build time \| 42\.5 s measured in this run/)
  assert.match(md, /\*\*Not run: baseline\*\* — synthetic: not here/)
  assert.match(md, /Measured on \*\*/)
})

test("flaky runs show in the table with the register id, and per scenario with its symptom and cause", () => {
  const r = syntheticResults(
    4,
    (f, b) => (f === "timeout-drain-race" && b === "baseline" ? [record(0), flaky(1), record(2), record(3)] : undefined),
    (f, b) => (f === "timeout-drain-race" && b.startsWith("baseline") ? FLAKE : null),
  )
  assert.ok(resultsTable(r).includes("| timeout-drain-race | 3/4 · 1 flaky (drain-race) | 4/4 |"))
  const md = renderMarkdown(r)
  const section = md.slice(md.indexOf("### timeout-drain-race:"), md.indexOf("###", md.indexOf("### timeout-drain-race:") + 5))
  assert.match(section, /\*\*Passes \(every run\):\*\* baseline-detached, supervisor, execa, tree-kill\n/)
  assert.match(
    section,
    /\*\*Flaky: baseline\*\* — 1 of 4 runs passed only on a retry \(registered flake `drain-race`: exit before the last bytes; suspected cause: SIGCHLD before the pipe's readiness\); their first attempts: exit reported before all written bytes arrived \(1\)/,
  )
  assert.match(section, /Registered flake for baseline-detached: `drain-race` \(exit before the last bytes; retry 2\); no run needed a retry/)
})

test("the method names the comparison backends and the register used", () => {
  const r = syntheticResults(2)
  assert.match(renderMarkdown(r), /For comparison only, neither baseline nor\s+candidate: `execa`/)
  assert.match(renderMarkdown(r), /- Known flakes: no register file, so no run was retried\./)
  r.flakes = { source: "docs/reference/flakes.md", entries: [] }
  assert.match(renderMarkdown(r), /- Known flakes: docs\/reference\/flakes\.md, 0 entries, 0 covering a cell of this run\./)
})

test("on Windows (and under Wine) the load average is said to be unavailable, not printed as zeros", () => {
  const r = syntheticResults(2)
  r.platform = { ...r.platform, os: "win32", under_wine: true, label: "Windows API under Wine 8.0 test machine" }
  const md = renderMarkdown(r)
  assert.match(md, /Load average: not available on Windows\./)
  assert.doesNotMatch(md, /Load average \(1 min\)/)
})

test("the Method names the execa the results recorded; results without the record keep the 9.6.1 they measured", () => {
  const r = syntheticResults(2)
  r.backend_packages = { execa: [{ name: "execa", version: "10.2.1", node: ">=22" }] }
  assert.match(renderMarkdown(r), /`execa` \(execa 10\.2\.1 with `killDescendants`, as its docs recommend for ending a tree; every signal\n  goes to the root's process group\)/)
  const older = syntheticResults(2)
  delete older.backend_packages
  assert.match(renderMarkdown(older), /`execa` \(execa 9\.6\.1 as its docs recommend for ending a tree; every signal reaches the root pid alone\)/)
})
