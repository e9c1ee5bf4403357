import assert from "node:assert/strict"
import { test } from "node:test"
import { SCENARIOS } from "../../src/scenarios/index.js"
import { GRID_WIDTH, passColour, passRateGrid } from "../../src/report/grid.js"
import { renderHtml } from "../../src/report/html.js"
import { BACKENDS } from "../../src/types.js"
import { FIVE_BACKENDS, leaked, notExercisedRun, record, syntheticResults } from "../helpers/synthetic.js"

/** Every cell of a grid: its scenario, backend, runtime, pass text, leaked pids and fill. */
function cells(svg: string) {
  const re = /<g class="cell[^"]*" data-scenario="([^"]+)" data-backend="([^"]+)" data-runtime="([^"]+)" data-pass="([^"]*)" data-leaked="([^"]*)"><title>[^<]*<\/title><rect [^>]*fill="([^"]+)"/g
  return [...svg.matchAll(re)].map(([, scenario, backend, runtime, pass, leaked, fill]) => ({ scenario, backend, runtime, pass, leaked, fill }))
}

test("the grid holds one cell per scenario and column, and is drawn at a README column's width", () => {
  const svg = passRateGrid(syntheticResults(4, undefined, undefined, ["node", "bun"]))
  const width = Number(/^<svg [^>]*width="(\d+)"/.exec(svg)?.[1])
  assert.equal(width, GRID_WIDTH)
  assert.ok(GRID_WIDTH <= 900, "wider than a README column")
  const got = cells(svg)
  // The five backends under Node, and the three PawWork ships of them under Bun too.
  assert.equal(got.length, SCENARIOS.length * (FIVE_BACKENDS.length + 3))
  for (const f of SCENARIOS) {
    for (const b of FIVE_BACKENDS) assert.ok(got.some((c) => c.scenario === f.name && c.backend === b && c.runtime === "node"), `${f.name} x ${b}`)
  }
})

test("a cell's colour is its pass rate, and its text the runs passed and the pids leaked", () => {
  const r = syntheticResults(4, (scenario, backend) => {
    if (scenario !== "tree-deep") return undefined
    if (backend === "supervisor") return [record(0), record(1), record(2), record(3)]
    if (backend === "execa") return [leaked(0), leaked(1), leaked(2), leaked(3)]
    if (backend === "tree-kill") return [record(0), record(1), leaked(2), leaked(3)]
    if (backend === "baseline") return "not run"
    return [notExercisedRun(0), notExercisedRun(1), notExercisedRun(2), notExercisedRun(3)]
  })
  const at = (backend: string) => cells(passRateGrid(r)).find((c) => c.scenario === "tree-deep" && c.backend === backend)!
  assert.deepEqual([at("supervisor").pass, at("supervisor").leaked, at("supervisor").fill], ["4/4", "0", passColour(1)])
  assert.deepEqual([at("execa").pass, at("execa").leaked, at("execa").fill], ["0/4", "4", passColour(0)])
  assert.deepEqual([at("tree-kill").pass, at("tree-kill").leaked, at("tree-kill").fill], ["2/4", "2", passColour(0.5)])
  // Not run, and run without exercising the scenario: neither pass nor failure, so neither green nor red.
  assert.equal(at("baseline").pass, "")
  assert.equal(at("baseline-detached").pass, "0/4")
  assert.equal(at("baseline").fill, at("baseline-detached").fill)
  for (const c of [at("baseline"), at("baseline-detached")]) assert.ok(c.fill !== passColour(0) && c.fill !== passColour(1))
  assert.match(passRateGrid(r), />4 leaked</)
})

test("pass colours run red to green, and any rate short of every run is not green", () => {
  const green = passColour(1)
  for (const rate of [0, 0.25, 0.5, 0.75, 0.95]) assert.notEqual(passColour(rate), green, `rate ${rate}`)
  assert.notEqual(passColour(0), passColour(0.5))
})

test("the report page shows the grid first, before the verdict", () => {
  const html = renderHtml(syntheticResults())
  const grid = html.indexOf('<figure id="grid">')
  assert.ok(grid > 0 && grid < html.indexOf("<h2>Verdict</h2>"))
})

test("with many columns a cell's second line is its bare count, and the note under the grid says what it is", () => {
  const r = syntheticResults(2, undefined, undefined, ["node", "node22", "node24", "bun"], BACKENDS)
  const svg = passRateGrid(r)
  assert.equal(Number(/^<svg [^>]*width="(\d+)"/.exec(svg)?.[1]), GRID_WIDTH)
  assert.doesNotMatch(svg, /\d leaked</)
  assert.match(svg, /class="on-dark leak" text-anchor="middle">2<\/text>/)
  assert.match(svg, /runs passed \/ runs over the pids left alive/)
  // Every column head fits above the cells: the head area grows with the longest name.
  const heads = [...svg.matchAll(/translate\([\d.]+,([\d.]+)\) rotate\(-90\)" class="head">([^<]+)</g)]
  for (const [, y, name] of heads) assert.ok(Number(y) - name!.length * 6.6 >= 24, `${name} runs into the title`)
})
