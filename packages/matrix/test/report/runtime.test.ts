import assert from "node:assert/strict"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, test } from "node:test"
import { pinnedNodes } from "@pawwork/harness"
import { DEFAULT_RUNS, defaultRuntimes, parseCli, PUBLISH_RUNS } from "../../src/cli.js"
import { mergedMarkdown, mergeResults } from "../../src/merge.js"
import { repoRoot } from "../../src/paths.js"
import { analyze } from "../../src/report/analysis.js"
import { columns, runtimeComparison, runtimeName, runtimesOf } from "../../src/report/columns.js"
import { planRuntimes } from "../../src/runtime.js"
import { renderHtml } from "../../src/report/html.js"
import { readResults } from "../../src/report/json.js"
import { renderMarkdown, resultsTable } from "../../src/report/markdown.js"
import { BACKENDS, BUN_BACKENDS as ALL_BUN_BACKENDS, type Results } from "../../src/types.js"
import { FIVE_BACKENDS, leaked, record, syntheticResults } from "../helpers/synthetic.js"

/** The Bun columns of the five-backend results these tests build. */
const BUN_BACKENDS = ALL_BUN_BACKENDS.filter((b) => FIVE_BACKENDS.includes(b))

const BOTH = ["node", "bun"] as const
const dir = mkdtempSync(join(tmpdir(), "matrix-runtime-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Both runtimes, every cell as its scenario expects, except what `override` changes. */
const both = (override: Parameters<typeof syntheticResults>[1] = () => undefined): Results =>
  syntheticResults(4, override, () => null, BOTH)

test("--runtime: the host's default when absent; node, node<major>, bun, both and lists of them; anything else refused", async () => {
  const root = repoRoot()
  assert.equal(parseCli([], root).runtimes, null)
  const pinned = await pinnedNodes(root)
  assert.deepEqual(await defaultRuntimes(root), [...(pinned.length ? pinned : ["node"]), "bun"])
  if (process.platform === "linux" && process.arch === "x64") assert.deepEqual(pinned, ["node22", "node24"])
  assert.deepEqual(parseCli(["--runtime", "both"], root).runtimes, ["node", "bun"])
  assert.deepEqual(parseCli(["--runtime", "node"], root).runtimes, ["node"])
  assert.deepEqual(parseCli(["--runtime", "bun"], root).runtimes, ["bun"])
  assert.deepEqual(parseCli(["--runtime", "node24,bun", "--runtime", "node22"], root).runtimes, ["node24", "bun", "node22"])
  assert.deepEqual(parseCli(["--runtime", "node,both"], root).runtimes, ["node", "bun"])
  assert.throws(() => parseCli(["--runtime", "deno"], root), /--runtime needs node, node<major> \(e\.g\. node24\), bun or both, got "deno"/)
  assert.throws(() => parseCli(["--runtime", "node24,node-24"], root), /got "node-24"/)
})

test("runs per cell: a short first run by default, the committed reports' 20 with --publish, --runs over both", () => {
  const root = repoRoot()
  assert.equal(parseCli([], root).runs, DEFAULT_RUNS)
  assert.ok(DEFAULT_RUNS < PUBLISH_RUNS)
  assert.equal(parseCli(["--publish"], root).runs, 20)
  assert.equal(parseCli(["--publish", "--runs", "3"], root).runs, 3)
  assert.equal(parseCli(["--runs", "20"], root).runs, 20)
  // The report says a short run is one, and a run of the committed size says nothing.
  assert.match(renderMarkdown(syntheticResults(2)), /\*\*A short run: 2 runs per cell\*\*, a first look .* the committed reports use 20 \(`npm run matrix -- --runs 20`, or `--publish`\)/)
  assert.match(renderHtml(syntheticResults(2)), /2 runs per cell \(a short run; the committed reports use 20\)/)
  assert.doesNotMatch(renderMarkdown(syntheticResults(20)), /A short run/)
})

test("the engines PawWork ships run under every runtime; each peer under the newest Node its packages admit", async () => {
  const root = repoRoot()
  const effect = [{ name: "@effect/platform-node", version: "4.1.0", node: ">=22.19.0" }]
  const plans = await planRuntimes(root, ["bun", "node24", "node", "node22"], ["baseline", "supervisor", "execa", "effect"], { effect })
  assert.deepEqual(plans.map((p) => p.runtime.name), ["node", "node22", "node24", "bun"], "table order")
  const pinned = await pinnedNodes(root)
  if (pinned.includes("node24")) {
    assert.deepEqual(plans.map((p) => p.backends), [["baseline", "supervisor"], ["baseline", "supervisor"], ["baseline", "supervisor", "execa", "effect"], ["baseline", "supervisor"]])
  }
  // Only the running Node (20 here) and Bun: the peers go to it, and Effect's note will say what it declares.
  const old = await planRuntimes(root, ["node", "bun"], ["supervisor", "effect"], { effect })
  assert.deepEqual(old.map((p) => [p.runtime.name, p.backends]), [["node", ["supervisor", "effect"]], ["bun", ["supervisor"]]])
  // A Node that is not pinned resolves to a reason: its cells will say it, never run elsewhere.
  const missing = await planRuntimes(root, ["node26"], ["supervisor", "execa"], {})
  assert.ok("reason" in missing[0]!.runtime && /node26 is not a pinned Node/.test(missing[0]!.runtime.reason))
  assert.deepEqual(missing[0]!.backends, ["supervisor", "execa"])
})

const THREE = ["node22", "node24", "bun"] as const
const three = (override: Parameters<typeof syntheticResults>[1] = () => undefined): Results =>
  syntheticResults(4, override, () => null, THREE, BACKENDS)

test("with Node 22, Node 24 and Bun each shipped backend has three columns, each peer one under Node 24", () => {
  const r = three()
  assert.deepEqual(columns(r).map((c) => c.label), [
    "baseline (Node 22)", "baseline (Node 24)", "baseline (Bun)",
    "baseline-detached (Node 22)", "baseline-detached (Node 24)", "baseline-detached (Bun)",
    "supervisor (Node 22)", "supervisor (Node 24)", "supervisor (Bun)",
    "supervisor-effect (Node 22)", "supervisor-effect (Node 24)", "supervisor-effect (Bun)",
    "execa (Node 24)", "tree-kill (Node 24)", "effect (Node 24)",
  ])
  const lines = analyze(r).recommendation.lines
  const pairs = r.scenarios.length * ALL_BUN_BACKENDS.length
  assert.ok(lines.includes(`The runtime changes no result: each of the ${pairs} scenario × backend pairs measured under each of Node 22, Node 24 and Bun has the same pass count.`), lines.join("\n"))
  assert.ok(lines.some((l) => l.startsWith("The comparison backends (execa, tree-kill, effect) were measured under Node 24 only: they are not engines PawWork ships, so each has one column")), lines.join("\n"))
  for (const rt of ["Node 22", "Node 24", "Bun"]) assert.ok(lines.some((l) => l.startsWith(`Under ${rt}: the supervisor passes`)), rt)
  assert.ok(lines.some((l) => l.startsWith("Under Node 24: the supervisor passes") && l.includes("For comparison: execa")), "the peers are weighed under their runtime")
  assert.ok(!lines.some((l) => l.startsWith("Under Node 22: the supervisor passes") && l.includes("For comparison")), "and only there")
  assert.match(lines.find((l) => l.startsWith("Leaked pids"))!, /for comparison execa \d+ under Node 24, tree-kill \d+ under Node 24, effect \d+ under Node 24\.$/)
  const md = renderMarkdown(r)
  assert.match(md, /once with the Process API running under each of Node 22, Node 24 and Bun \(each in its own process but the Node running the matrix/)
  assert.match(md, /The comparison backends \(execa, tree-kill, effect\) ran under Node 24 only, by design: they are not engines PawWork ships, and each runs on the newest Node/)
  assert.match(md, /The cells of Node 22, Node 24 and Bun run in a process of that runtime/)
  const html = renderHtml(r)
  assert.match(html, /<th class="rt-node22" style="border-bottom:3px solid [^"]+">supervisor \(Node 22\)<\/th>/)
  assert.match(html, /<th class="rt-node24" style="border-bottom:3px dotted [^"]+">supervisor \(Node 24\)<\/th>/)
  assert.match(html, /<th class="rt-bun" style="border-bottom:3px dashed [^"]+">supervisor \(Bun\)<\/th>/)
})

test("a peer whose packages no Node of the run admits says so beside the sentence about where peers ran", () => {
  const r = three()
  r.backend_packages = { effect: [{ name: "@effect/platform-node", version: "4.1.0", node: ">=26.0.0" }] }
  const line = analyze(r).recommendation.lines.find((l) => l.startsWith("The comparison backends"))!
  assert.match(line, /admit in `engines` \(none does for effect: the newest, with a note beside its column\)/)
  assert.match(renderMarkdown(r), /Beside the `effect` column: @effect\/platform-node 4\.1\.0 declares Node >=26\.0\.0 in `engines`; these cells ran on Node 24\.1\.0\./)
})

test("with three runtimes a result that differs under one of them is named with all three, and a missing one is a gap", () => {
  const r = three((f, b, rt) => {
    if (f === "timeout-drain-race" && b === "supervisor" && rt === "node22") return [record(0), leaked(1), record(2), record(3)]
    if (f === "tree-wide" && b === "supervisor" && rt === "bun") return "not run"
    return undefined
  })
  const cmp = runtimeComparison(r)
  assert.deepEqual(cmp.diffs.map((d) => `${d.backend} × ${d.scenario} ${d.flips}`), ["supervisor × timeout-drain-race true"])
  assert.deepEqual(cmp.gaps.map((g) => `${g.backend} × ${g.scenario} ran ${g.ran.join("+")}`), ["supervisor × tree-wide ran node22+node24"])
  const lines = analyze(r).recommendation.lines
  assert.ok(lines.some((l) => l.includes("supervisor × timeout-drain-race: Node 22 3/4, Node 24 4/4, Bun 4/4 (passes every run under Node 24 and Bun only)")), lines.join("\n"))
  assert.ok(lines.includes("Measured under some runtimes only (not compared): supervisor × tree-wide (not run under Bun: synthetic: not here)."), lines.join("\n"))
})

test("the running Node beside pinned ones is named by its major", () => {
  const r = syntheticResults(2, undefined, () => null, ["node", "node24", "bun"])
  assert.deepEqual(runtimesOf(r), ["node", "node24", "bun"])
  assert.equal(runtimeName(r, "node"), "Node 20")
  assert.deepEqual(columns(r).filter((c) => c.backend === "supervisor").map((c) => c.label), ["supervisor (Node 20)", "supervisor (Node 24)", "supervisor (Bun)"])
  assert.equal(runtimeName(both(), "node"), "Node", "beside Bun alone it stays Node")
  // A running Node of a pinned Node's major is named by its whole version.
  const same = syntheticResults(2, undefined, () => null, ["node", "node24"])
  same.runtimes.find((x) => x.name === "node")!.version = "24.11.0"
  assert.deepEqual(columns(same).filter((c) => c.backend === "supervisor").map((c) => c.label), ["supervisor (Node 24.11.0)", "supervisor (Node 24)"])
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
  assert.ok(table.includes("| orphan-grandchild | 0/4 · 4 leaked | 0/4 · 4 leaked | 4/4 | 4/4 | 4/4 | 4/4 | 4/4 | 0/4 · 4 leaked |"), table.join("\n"))
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
  assert.deepEqual(cmp.gaps.map((g) => `${g.backend} × ${g.scenario} ran ${g.ran.join("+")}`), ["supervisor × tree-wide ran node"])
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
  const start = html.indexOf('<figure id="chart-pass">')
  const chart = html.slice(start, html.indexOf("</figure>", start))
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
