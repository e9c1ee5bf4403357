import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { parseCli } from "../../src/cli.js"
import { mergedMarkdown, mergeResults } from "../../src/merge.js"
import { repoRoot } from "../../src/paths.js"
import { analyze } from "../../src/report/analysis.js"
import { columns, runtimeComparison } from "../../src/report/columns.js"
import { renderHtml } from "../../src/report/html.js"
import { readResults } from "../../src/report/json.js"
import { renderMarkdown, resultsTable } from "../../src/report/markdown.js"
import { BUN_BACKENDS as ALL_BUN_BACKENDS, type Results } from "../../src/types.js"
import { FIVE_BACKENDS, leaked, record, syntheticResults } from "../helpers/synthetic.js"

/** The Bun columns of the five-backend results these tests build. */
const BUN_BACKENDS = ALL_BUN_BACKENDS.filter((b) => FIVE_BACKENDS.includes(b))

const BOTH = ["node", "bun"] as const
const dir = mkdtempSync(join(tmpdir(), "matrix-runtime-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Both runtimes, every cell as its scenario expects, except what `override` changes. */
const both = (override: Parameters<typeof syntheticResults>[1] = () => undefined): Results =>
  syntheticResults(4, override, () => null, BOTH)

test("--runtime: both by default, node or bun alone, anything else refused", () => {
  const root = repoRoot()
  assert.deepEqual(parseCli([], root).runtimes, ["node", "bun"])
  assert.deepEqual(parseCli(["--runtime", "both"], root).runtimes, ["node", "bun"])
  assert.deepEqual(parseCli(["--runtime", "node"], root).runtimes, ["node"])
  assert.deepEqual(parseCli(["--runtime", "bun"], root).runtimes, ["bun"])
  assert.throws(() => parseCli(["--runtime", "deno"], root), /--runtime needs node, bun or both/)
})

test("with both runtimes each backend PawWork ships has a Node and a Bun column; the peers one Node column", () => {
  const r = both()
  assert.deepEqual(columns(r).map((c) => c.label), [
    "baseline (Node)", "baseline (Bun)",
    "baseline-detached (Node)", "baseline-detached (Bun)",
    "supervisor (Node)", "supervisor (Bun)",
    "execa (Node)", "tree-kill (Node)",
  ])
  const table = resultsTable(r).split("\n")
  assert.equal(table[0], "| scenario | baseline (Node) | baseline (Bun) | baseline-detached (Node) | baseline-detached (Bun) | supervisor (Node) | supervisor (Bun) | execa (Node) | tree-kill (Node) |")
  assert.ok(table.includes("| orphan-grandchild | 0/4 · 4 leaked | 0/4 · 4 leaked | 4/4 | 4/4 | 4/4 | 4/4 | 0/4 · 4 leaked | 0/4 · 4 leaked |"), table.join("\n"))
})

test("with one runtime the columns are the backends, named as before", () => {
  assert.deepEqual(columns(syntheticResults(2)).map((c) => c.label), ["baseline", "baseline-detached", "supervisor", "execa", "tree-kill"])
  assert.ok(!analyze(syntheticResults(2)).recommendation.lines.some((l) => /runtime|Bun/.test(l)))
})

test("the verdict says the runtime changes nothing only when every compared pair has the same pass count", () => {
  const r = both()
  const { recommendation, runtimeDiffs } = analyze(r)
  assert.deepEqual(runtimeDiffs, [])
  const pairs = r.scenarios.length * BUN_BACKENDS.length
  assert.ok(recommendation.lines.includes(`The runtime changes no result: each of the ${pairs} scenario × backend pairs measured under both Node and Bun has the same pass count.`), recommendation.lines.join("\n"))
  assert.ok(recommendation.lines.some((l) => l.startsWith("The comparison backends (execa, tree-kill) were measured under Node only")))
  assert.ok(recommendation.lines.some((l) => l.startsWith("Under Node: the supervisor passes")))
  assert.ok(recommendation.lines.some((l) => l.startsWith("Under Bun: the supervisor passes")))
  assert.equal(recommendation.verdict, "adopt behind the flag")
})

test("every cell where the runtime changes the result is named, flips and mere count changes alike", () => {
  const r = both((f, b, rt) => {
    // The supervisor loses a run under Bun (a flip: every run passes under Node only) ...
    if (f === "timeout-drain-race" && b === "supervisor" && rt === "bun") return [record(0), leaked(1), record(2), record(3)]
    // ... and the baseline, failing everywhere, passes one run more under Bun (a count change, no flip).
    if (f === "orphan-grandchild" && b === "baseline" && rt === "bun") return [record(0), leaked(1), leaked(2), leaked(3)]
    return undefined
  })
  const { recommendation, runtimeDiffs, scenarios } = analyze(r)
  assert.deepEqual(runtimeDiffs.map((d) => `${d.backend} × ${d.scenario} ${d.flips}`), ["baseline × orphan-grandchild false", "supervisor × timeout-drain-race true"])
  const pairs = r.scenarios.length * BUN_BACKENDS.length
  assert.ok(recommendation.lines.includes(
    `**The runtime changes the result in 2 of ${pairs} scenario × backend pairs measured under both Node and Bun:** ` +
      "baseline × orphan-grandchild: Node 0/4, Bun 1/4; supervisor × timeout-drain-race: Node 4/4, Bun 3/4 (passes every run under Node only).",
  ), recommendation.lines.join("\n"))
  // A supervisor failure under either runtime is a failure, said first, naming the runtime.
  assert.match(recommendation.lines[0]!, /^\*\*The supervisor fails 1 of \d+ scenario × runtime cells it ran:\*\* timeout-drain-race under Bun \(3\/4: leaked: grandchild \(1\/4\)\)/)
  assert.equal(recommendation.verdict, "do not adopt")
  // Under Bun a baseline passes every run where the supervisor does not: a regression.
  assert.ok(scenarios.find((f) => f.info.name === "timeout-drain-race")!.regression)
  const md = renderMarkdown(r)
  const section = md.slice(md.indexOf("### timeout-drain-race:"), md.indexOf("###", md.indexOf("### timeout-drain-race:") + 5))
  assert.match(section, /\*\*Fails: supervisor \(Bun\)\*\* \(3\/4 passed\)/)
  assert.match(section, /\*\*The runtime changes the result:\*\* supervisor × timeout-drain-race: Node 4\/4, Bun 3\/4/)
  assert.match(section, /\*\*Passes \(every run\):\*\* baseline \(Node\), baseline \(Bun\), baseline-detached \(Node\), baseline-detached \(Bun\), supervisor \(Node\), execa \(Node\), tree-kill \(Node\)\n/)
  const html = renderHtml(r)
  assert.match(html, /<li class="fail-line"><strong>The runtime changes the result:<\/strong> supervisor × timeout-drain-race: Node 4\/4, Bun 3\/4/)
})

test("pass counts are compared as rates, and a pair measured under one runtime only is a gap, never 'unchanged'", () => {
  const r = both((f, b, rt) => (rt === "bun" && f === "tree-wide" && b === "supervisor" ? "not run" : undefined))
  const cmp = runtimeComparison(r)
  assert.deepEqual(cmp.diffs, [])
  assert.deepEqual(cmp.gaps.map((g) => `${g.backend} × ${g.scenario} ran ${g.ran}`), ["supervisor × tree-wide ran node"])
  const lines = analyze(r).recommendation.lines
  assert.ok(lines.includes(`The runtime changes no result: each of the ${r.scenarios.length * BUN_BACKENDS.length - 1} scenario × backend pairs measured under both Node and Bun has the same pass count.`), lines.join("\n"))
  assert.ok(lines.includes("Measured under one runtime only (not compared): supervisor × tree-wide (not run under Bun: synthetic: not here)."), lines.join("\n"))
  assert.ok(lines.includes("Not run for the supervisor: tree-wide under Bun."), lines.join("\n"))
})

test("the page has a cell and a bar per column and runtime; the legend wraps instead of running off the chart", () => {
  const r = both()
  const html = renderHtml(r)
  for (const f of r.scenarios) {
    for (const b of BUN_BACKENDS) for (const rt of BOTH) assert.ok(html.includes(`data-scenario="${f.name}" data-backend="${b}" data-runtime="${rt}"`), `${f.name} x ${b} x ${rt}`)
    assert.ok(html.includes(`data-scenario="${f.name}" data-backend="execa" data-runtime="node"`))
    assert.ok(!html.includes(`data-scenario="${f.name}" data-backend="execa" data-runtime="bun"`), "no Bun bar for a peer")
  }
  assert.match(html, /<th class="rt-bun" style="border-bottom:3px dashed [^"]+">supervisor \(Bun\)<\/th>/)
  assert.match(html, /<p id="runtimes">[^<]*ran under Node only, by design/)
  // Legend entries of the first chart: every label, at more than one height (two rows).
  const chart = html.slice(html.indexOf('<figure id="chart-pass">'), html.indexOf("</figure>"))
  const ys = new Set([...chart.matchAll(/<text x="[\d.]+" y="([\d.]+)" class="legend">/g)].map((m) => m[1]))
  assert.ok(ys.size > 1, "the legend takes more than one row")
  for (const c of columns(r)) assert.ok(chart.includes(`class="legend">${c.label}</text>`), c.label)
})

test("an older results.json (no runtime anywhere) reads as Node, and merges beside one that has both runtimes", () => {
  const old = syntheticResults(2) as Partial<Results> & Results
  delete (old as { runtimes?: unknown }).runtimes
  for (const c of old.cells) delete (c as { runtime?: unknown }).runtime
  const file = join(dir, "old.json")
  writeFileSync(file, JSON.stringify(old))
  const read = readResults(file)
  assert.ok(read.cells.every((c) => c.runtime === "node"))
  assert.deepEqual(read.runtimes.map((x) => x.name), ["node"])

  read.platform = { ...read.platform, os: "darwin", label: "darwin test machine" }
  const linux = both((f, b, rt) => (f === "tree-deep" && b === "supervisor" && rt === "bun" ? [leaked(0), record(1), record(2), record(3)] : undefined))
  linux.platform = { ...linux.platform, os: "linux", label: "linux test machine" }
  const m = mergeResults([{ file: "l", results: linux }, { file: "d", results: read }], ["linux", "darwin"])
  assert.deepEqual(m.runtimes, ["node", "bun"])
  assert.ok(m.cells.filter((c) => c.platform === "darwin").every((c) => c.runtime === "node"))
  const md = mergedMarkdown(m)
  assert.ok(md.includes("| tree-deep | supervisor (Node) | 4/4 | 2/2 |"), md)
  assert.ok(md.includes("| tree-deep | supervisor (Bun) | 3/4 · 1 leaked | — |"), md)
  assert.ok(md.includes("| tree-deep | execa (Node) |"), "a peer keeps its one Node row")
  assert.ok(!md.includes("execa (Bun)"))
  assert.match(md, /- tree-deep x supervisor under Bun \(expected pass\): leaked: grandchild \(1\/4\)/)
})
