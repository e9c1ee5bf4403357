import assert from "node:assert/strict"
import { test } from "node:test"
import { FIXTURES } from "../../src/fixtures/index.js"
import { renderHtml } from "../../src/report/html.js"
import { BACKENDS } from "../../src/types.js"
import { syntheticResults } from "../helpers/synthetic.js"

test("the page is self-contained: no script, no external stylesheet, image or font", () => {
  const html = renderHtml(syntheticResults())
  assert.doesNotMatch(html, /<script/i)
  assert.doesNotMatch(html, /<link/i)
  assert.doesNotMatch(html, /<img/i)
  assert.doesNotMatch(html, /url\(/i)
  assert.doesNotMatch(html, /\bsrc=/i)
})

test("both charts hold a bar group for every fixture x backend", () => {
  const html = renderHtml(syntheticResults())
  for (const f of FIXTURES) {
    for (const b of BACKENDS) {
      assert.ok(html.includes(`data-fixture="${f.name}" data-backend="${b}"`), `${f.name} x ${b}`)
    }
  }
  assert.equal((html.match(/<svg /g) ?? []).length, 2)
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
