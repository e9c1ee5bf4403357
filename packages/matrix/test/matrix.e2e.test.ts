import assert from "node:assert/strict"
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { before, test } from "node:test"
import { chromium } from "playwright-core"
import { runAndReport } from "../src/cli.js"
import { e2eOptions, progressOut } from "./helpers/e2e.js"
import { SCENARIOS } from "../src/scenarios/index.js"
import { repoRoot } from "../src/paths.js"
import { detectPlatform } from "../src/platform.js"
import { readFlakes } from "../src/flakes.js"
import { readResults } from "../src/report/json.js"
import { CHROMIUM, CHROMIUM_ARGS, ensureChromium } from "../src/report/screenshot.js"
import { BACKENDS, CANDIDATES, type Results } from "../src/types.js"

/*
 * The matrix itself in short mode (2 runs per cell), against the real release
 * binaries: the structure of results.json, the supervisor passing every
 * scenario this platform runs, each baseline and comparison backend failing
 * where it fails by design, and the HTML page rendered by a real headless
 * Chromium.
 */

const RUNS = 2
const root = repoRoot()
// Kept after the run (report/ is ignored by git) so a failure can be read afterwards.
const out = join(root, "report", "e2e")
// The screenshot stays under report/ too: a test must not rewrite committed files (the 2-run page would
// replace the published 20-run one). `npm run matrix -- --publish` refreshes docs/results/report-linux.png.
const screenshot = process.env.MATRIX_SCREENSHOT ?? join(out, "index.png")
const platform = detectPlatform()
// The project's own register (a missing file is an empty one), so a broken register fails this test too.
const flakes = readFlakes(join(root, "docs", "reference", "flakes.md"), { scenarios: SCENARIOS.map((f) => f.name), backends: BACKENDS })
let results: Results


before(async () => {
  rmSync(out, { recursive: true, force: true })
  await runAndReport(
    e2eOptions({
      runs: RUNS,
      scenarios: [...SCENARIOS],
      backends: [...BACKENDS],
      // Node only here, as before runtimes were measured: matrix-runtime.e2e.test.ts runs both on a few scenarios.
      runtimes: ["node"],
      out,
      flakes,
    }),
    progressOut,
  )
  results = readResults(join(out, "results.json"))
}, { timeout: 10 * 60 * 1000 })


test("results.json has the documented top level and one cell per scenario x backend", () => {
  assert.equal(results.schema, 1)
  assert.equal(results.runs_per_cell, RUNS)
  assert.equal(results.platform.os, process.platform)
  assert.equal(typeof results.platform.kernel, "string")
  assert.equal(typeof results.platform.under_wine, "boolean")
  assert.ok(!Number.isNaN(Date.parse(results.started_at)))
  assert.deepEqual(results.backends, [...BACKENDS])
  assert.equal(results.cells.length, SCENARIOS.length * BACKENDS.length)
  for (const f of SCENARIOS) for (const b of BACKENDS) {
    const c = results.cells.filter((x) => x.scenario === f.name && x.backend === b)
    assert.equal(c.length, 1, `${f.name} x ${b}`)
  }
  const cost = results.cost
  assert.ok(cost.rust_loc > 0, "Rust lines counted")
  assert.ok(cost.ts_loc > 0, "TypeScript lines counted")
  assert.ok(cost.binary_bytes !== null && cost.binary_bytes > 0, "binary size measured")
  assert.ok(cost.sidecar_rss_kib !== null && cost.sidecar_rss_kib.max > 0, "sidecar RSS sampled")
})

test("who ran it is recorded, and on Linux every supervisor cell says how its trees were contained", () => {
  assert.equal(typeof results.run_as?.user, "string")
  const seen = results.cells.filter((c) => CANDIDATES.includes(c.backend) && c.runs > 0)
  assert.ok(seen.length > 0)
  for (const c of seen) {
    if (platform.os === "linux") assert.ok(c.containment === "cgroup" || c.containment === "fallback", `${c.scenario} x ${c.backend}: ${c.containment}`)
    else assert.equal(c.containment, null)
  }
  // One machine, one user: every cell sees the same mode.
  assert.equal(new Set(seen.map((c) => c.containment)).size, 1)
  for (const c of results.cells.filter((x) => !CANDIDATES.includes(x.backend))) assert.equal(c.containment, undefined)
})

test("every cell is consistent: runs = passed + failed + flaky, quantiles ordered, failures add up", () => {
  for (const c of results.cells) {
    const where = `${c.scenario} x ${c.backend}`
    assert.equal(c.runs, c.passed + c.failed + c.flaky, where)
    if (c.flaky > 0) assert.ok(c.flake, `${where}: only a registered cell can be flaky`)
    assert.equal(c.records.length, c.runs, where)
    if (c.runs === 0) assert.ok(c.not_run > 0 && c.not_run_reason, `${where}: not run needs a reason`)
    else assert.equal(c.runs, RUNS, where)
    assert.equal(c.failures.reduce((n, f) => n + f.count, 0), c.failed, where)
    const leaks = c.records.reduce((n, r) => n + r.leaked_pids.length + r.retries.reduce((m, a) => m + a.leaked_pids.length, 0), 0)
    assert.equal(c.leaked_pids, leaks, where)
    for (const q of [c.quiescence_ms, c.exited_ms]) {
      if (q) assert.ok(q.p50 <= q.p95 && q.p95 <= q.max, `${where}: quantiles ordered`)
    }
    for (const r of c.records) if (!r.passed) assert.ok(r.reason, `${where}: a failed run says why`)
  }
})

test("the supervisor passes every scenario this platform runs (a registered known flake may pass on a retry)", () => {
  const failing = results.cells
    .filter((c) => c.backend === "supervisor")
    .filter((c) => {
      const f = SCENARIOS.find((x) => x.name === c.scenario)!
      return f.supported(platform, "supervisor") === null && (c.runs !== RUNS || c.failed > 0)
    })
    .map((c) => `${c.scenario}: ${c.passed}/${c.runs} (${c.not_run_reason ?? c.failures.map((f) => f.reason).join("; ")})`)
  assert.deepEqual(failing, [])
  const flaky = results.cells.filter((c) => c.backend === "supervisor" && c.flaky > 0)
  if (flaky.length) process.stderr.write(`supervisor runs that passed only on a retry: ${flaky.map((c) => `${c.scenario} ${c.flaky} (${c.flake!.id})`).join(", ")}\n`)
})

test("each baseline and comparison backend fails every run of the scenarios it fails by design", () => {
  const decayed: string[] = []
  for (const f of SCENARIOS) for (const b of BACKENDS.filter((x) => x !== "supervisor")) {
    if (f.expected[b] !== "fail" || f.supported(platform, b) !== null) continue
    const c = results.cells.find((x) => x.scenario === f.name && x.backend === b)!
    if (c.runs !== RUNS || c.failed !== RUNS) decayed.push(`${f.name} x ${b}: ${c.failed}/${c.runs} failed`)
  }
  assert.deepEqual(decayed, [])
})

test("the negative control's planted leak is flagged under every column", () => {
  for (const c of results.cells.filter((x) => x.control)) {
    assert.equal(c.passed, RUNS, `${c.backend}: ${c.failures.map((f) => f.reason).join("; ")}`)
    assert.ok(c.leaked_pids >= RUNS, `${c.backend}: the planted leftovers are counted`)
  }
})

test("REPORT.md states the platform, the table, every scenario, the cost and a recommendation", () => {
  const md = readFileSync(join(out, "REPORT.md"), "utf8")
  assert.ok(md.includes(results.platform.label))
  assert.ok(md.includes(`| scenario | ${BACKENDS.join(" | ")} |`))
  for (const f of SCENARIOS) assert.ok(md.includes(`### ${f.name}:`), f.name)
  assert.match(md, /## Cost/)
  assert.match(md, /\*\*Recommendation: (adopt behind the flag|do not adopt|no recommendation)\*\*/)
})

test("index.html renders in headless Chromium without console errors and shows every scenario and backend", async () => {
  ensureChromium(root)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    const errors: string[] = []
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text())
    })
    page.on("pageerror", (e) => errors.push(e.message))
    const requests: string[] = []
    page.on("request", (r) => requests.push(r.url()))
    await page.goto(pathToFileURL(join(out, "index.html")).href, { waitUntil: "load" })

    const rows = await page.$$eval("#results tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-scenario")))
    assert.deepEqual(rows, SCENARIOS.map((f) => f.name))
    const heads = await page.$$eval("#results thead th", (ths) => ths.map((th) => th.textContent))
    assert.deepEqual(heads, ["scenario", ...BACKENDS])
    for (const chart of ["#chart-pass", "#chart-quiescence"]) {
      const bars = await page.$$eval(`${chart} g.bar`, (gs) => gs.map((g) => `${g.getAttribute("data-scenario")}|${g.getAttribute("data-backend")}`))
      const scenarios = chart === "#chart-pass" ? SCENARIOS : SCENARIOS.filter((f) => !f.control)
      for (const f of scenarios) for (const b of BACKENDS) assert.ok(bars.includes(`${f.name}|${b}`), `${chart}: ${f.name} x ${b}`)
      const box = await page.$eval(`${chart} svg`, (s) => s.getBoundingClientRect().height)
      assert.ok(box > 100, `${chart} is drawn`)
    }
    // The picture a README shows (--publish takes it of #grid): a cell per scenario x backend, drawn no
    // wider than a README column, so it reads there without zooming.
    const grid = await page.$$eval("#grid g.cell", (gs) => gs.map((g) => `${g.getAttribute("data-scenario")}|${g.getAttribute("data-backend")}`))
    for (const f of SCENARIOS) for (const b of BACKENDS) assert.ok(grid.includes(`${f.name}|${b}`), `#grid: ${f.name} x ${b}`)
    const gridBox = await page.$eval("#grid svg", (s) => ({ width: s.getBoundingClientRect().width, height: s.getBoundingClientRect().height }))
    assert.ok(gridBox.width > 600 && gridBox.width <= 900, `#grid is ${gridBox.width} px wide`)
    assert.ok(gridBox.height < 2 * gridBox.width, `#grid is ${gridBox.height} px tall for ${gridBox.width} wide`)
    const legend = await page.$$eval("#chart-pass text.legend", (ts) => ts.map((t) => t.textContent))
    assert.deepEqual(legend, [...BACKENDS])
    assert.deepEqual(errors, [])
    assert.deepEqual(requests.filter((u) => !u.startsWith("file:")), [], "no external assets")

    mkdirSync(dirname(screenshot), { recursive: true })
    await page.screenshot({ path: screenshot, fullPage: true })
    assert.ok(existsSync(screenshot))
  } finally {
    await browser.close()
  }
})
