import assert from "node:assert/strict"
import { test } from "node:test"
import { FIXTURES } from "../../src/fixtures/index.js"
import { renderMarkdown, resultsTable } from "../../src/report/markdown.js"
import { BACKENDS } from "../../src/types.js"
import { syntheticResults } from "../helpers/synthetic.js"

test("the table has a row per fixture and a column per backend, with leaks", () => {
  const table = resultsTable(syntheticResults(4)).split("\n")
  assert.equal(table[0], `| fixture | ${BACKENDS.join(" | ")} |`)
  assert.equal(table.length, 2 + FIXTURES.length)
  assert.ok(table.includes("| orphan-grandchild | 0/4 · 4 leaked | 4/4 | 4/4 |"))
})

test("each fixture says who passes, who fails with the mechanism, and what the supervisor newly covers", () => {
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
