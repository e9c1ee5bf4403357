import assert from "node:assert/strict"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { test } from "node:test"
import { renderHtml } from "../../src/report/html.js"
import { readResults, writeJson } from "../../src/report/json.js"
import { renderMarkdown, resultsTable } from "../../src/report/markdown.js"
import { leaked, record, syntheticResults } from "../helpers/synthetic.js"

const section = (md: string, name: string) => {
  const at = md.indexOf(`### ${name}:`)
  return md.slice(at, md.indexOf("\n### ", at + 5))
}

test("a cell that contradicts its declared expectation is marked unexpected everywhere, and its mechanism is not offered", () => {
  // stopped-member: execa is expected to fail (the stopped child stays); here it passes every run. tree-deep: the
  // baseline is expected to pass; here it leaks once.
  const r = syntheticResults(2, (f, b) =>
    f === "stopped-member" && b === "execa" ? [record(0), record(1)] : f === "tree-deep" && b === "baseline" ? [record(0), leaked(1)] : undefined)
  const cell = (f: string, b: string) => r.cells.find((c) => c.scenario === f && c.backend === b)!
  assert.equal(cell("stopped-member", "execa").unexpected, true)
  assert.equal(cell("tree-deep", "baseline").unexpected, true)
  assert.equal(cell("tree-deep", "supervisor").unexpected, false)
  assert.equal(r.cells.filter((c) => c.unexpected).length, 2, "cells that follow their expectation are not marked")

  assert.ok(resultsTable(r).includes("| stopped-member | 2/2 | 2/2 | 2/2 | 2/2 · unexpected |"))
  const md = renderMarkdown(r)
  const stopped = section(md, "stopped-member")
  assert.match(stopped, /- \*\*Passes every run: execa\*\* — \*\*Unexpected:\*\* the scenario expects every run to fail here/)
  assert.doesNotMatch(stopped, /the stopped child stays/, "execa's mechanism predicts the opposite: not shown as the explanation")
  const deep = section(md, "tree-deep")
  assert.match(deep, /\*\*Fails: baseline\*\* \(1\/2 passed\) — leaked: grandchild \(1\/2\)\. \*\*Unexpected:\*\* the scenario expects every run to pass/)
  assert.doesNotMatch(deep, /recursive `pgrep -P` snapshot/)
  assert.match(renderHtml(r), /<td class="pass unexpected" data-backend="execa"[^>]*>2\/2 · unexpected<\/td>/)
})

test("results.json keeps the mark; files written before it get it from their own records", () => {
  const dir = mkdtempSync(join(tmpdir(), "matrix-expect-"))
  try {
    const r = syntheticResults(2, (f, b) => (f === "tree-deep" && b === "baseline" ? [record(0), leaked(1)] : undefined))
    for (const c of r.cells) delete (c as { unexpected?: boolean }).unexpected
    const back = readResults(writeJson(dir, r))
    assert.equal(back.cells.find((c) => c.scenario === "tree-deep" && c.backend === "baseline")!.unexpected, true)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("Windows and Wine results explain by the Windows mechanism, never by cgroups or a subreaper", () => {
  const r = syntheticResults(2)
  r.platform = { ...r.platform, os: "win32", under_wine: true, label: "Windows API under Wine 8.0" }
  const md = renderMarkdown(r)
  const daemon = section(md, "tree-deep")
  assert.match(daemon, /- supervisor: the tree is in a Job Object; the graceful step is a console control event/)
  assert.doesNotMatch(md, /cgroup|subreaper/)
  const linux = renderMarkdown(syntheticResults(2))
  assert.match(linux, /cgroup/)
})

test("a ladder that did not give the graceful step its grace is said per cell, from the runs", () => {
  const r = syntheticResults(2, (f, b) =>
    f === "stopped-member" && b === "baseline" ? [record(0, { quiescence_ms: 34, forced_before_grace: true }), record(1, { forced_before_grace: false })] : undefined)
  assert.equal(r.cells.find((c) => c.scenario === "stopped-member" && c.backend === "baseline")!.forced_before_grace, 1)
  assert.match(section(renderMarkdown(r), "stopped-member"),
    /- \*\*Ladder, baseline:\*\* in 1 of 2 runs the forceful step killed members and the tree was gone before the 400 ms grace had passed/)
})
