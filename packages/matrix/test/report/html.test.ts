import assert from "node:assert/strict"
import { test } from "node:test"
import { SCENARIOS } from "../../src/scenarios/index.js"
import { renderHtml } from "../../src/report/html.js"
import { FIVE_BACKENDS, FLAKE, flaky, record, syntheticResults } from "../helpers/synthetic.js"

test("the page is self-contained: no script, no external stylesheet, image or font", () => {
  const html = renderHtml(syntheticResults())
  assert.doesNotMatch(html, /<script/i)
  assert.doesNotMatch(html, /<link/i)
  assert.doesNotMatch(html, /<img/i)
  assert.doesNotMatch(html, /url\(/i)
  assert.doesNotMatch(html, /\bsrc=/i)
})

test("both charts hold a bar group for every scenario x backend", () => {
  const html = renderHtml(syntheticResults())
  for (const f of SCENARIOS) {
    for (const b of FIVE_BACKENDS) {
      assert.ok(html.includes(`data-scenario="${f.name}" data-backend="${b}"`), `${f.name} x ${b}`)
    }
  }
  // The pass-rate grid and the two charts.
  assert.equal((html.match(/<svg /g) ?? []).length, 3)
})

test("text from results is escaped", () => {
  const r = syntheticResults(1)
  r.cells[0]!.failures = [{ reason: "<script>alert(1)</script>", count: 1 }]
  r.cells[0]!.failed = 1
  r.cells[0]!.passed = 0
  const html = renderHtml(r)
  assert.ok(!html.includes("<script>alert(1)"))
  assert.ok(html.includes("&lt;script&gt;alert(1)"))
})

test("a flaky cell is its own colour, with the register entry in its tooltip", () => {
  const r = syntheticResults(
    2,
    (f, b) => (f === "tree-wide" && b === "execa" ? [record(0), flaky(1)] : undefined),
    (f, b) => (f === "tree-wide" && b === "execa" ? FLAKE : null),
  )
  const html = renderHtml(r)
  // execa is expected to pass tree-wide: a run that failed before its retry passed contradicts that, so the cell is
  // marked unexpected too.
  assert.match(html, /<td class="flaky unexpected" data-backend="execa" data-runtime="node" title="[^"]*1 of 2 runs passed only on a retry \(registered flake `drain-race`[^"]*">1\/2 · 1 flaky \(drain-race\) · unexpected<\/td>/)
  assert.match(html, /<li class="flaky-line"><strong>Flaky: execa<\/strong>/)
  assert.match(html, /1\/2 \+1 flaky<\/text>/)
})
