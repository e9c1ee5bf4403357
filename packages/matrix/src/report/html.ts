import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { PUBLISH_RUNS, type Cell, type Results } from "../types.js"
import { analyze, cellSummary, explanation, flakyText, formatBytes, ladderText, mechanismFor, notExercisedText, peerNote, reasonsText } from "./analysis.js"
import { flakesLine, loadLine, passingBackends, runtimesNote } from "./markdown.js"
import { COLORS, passRateChart, quiescenceChart, xml } from "./charts.js"
import { passRateGrid } from "./grid.js"
import { cellAt, cellLabel, columns, runtimeDiffText, runtimeStyle } from "./columns.js"

/** The little markdown the analysis emits (**bold**, `code`) as HTML. */
const inline = (s: string) =>
  xml(s)
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/`(.+?)`/g, "<code>$1</code>")

function cellClass(c: Cell | undefined): string {
  if (!c || c.runs === 0) return "notrun"
  if (c.passed === c.runs) return "pass"
  if (c.failed === 0 && c.flaky > 0) return "flaky"
  if (c.failed === 0) return "unexercised"
  return c.passed === 0 && !c.flaky ? "fail" : "partial"
}

/** The cell's tooltip: why it failed, and the register entry behind any flaky run. */
function cellTip(c: Cell): string {
  if (c.runs === 0) return c.not_run_reason ?? ""
  return [reasonsText(c), c.flaky > 0 ? flakyText(c) : "", (c.not_exercised ?? 0) > 0 ? notExercisedText(c) : ""].filter(Boolean).join(" — ")
}

function resultsTable(r: Results): string {
  const cols = columns(r)
  const head = `<tr><th>scenario</th>${cols.map((c) => `<th class="rt-${c.runtime}" style="border-bottom:3px ${runtimeStyle(r, c.runtime).border} ${COLORS[c.backend]}">${xml(c.label)}</th>`).join("")}</tr>`
  const rows = r.scenarios.map((f) => {
    const tds = cols.map((col) => {
      const c = cellAt(r, f.name, col.backend, col.runtime)
      const tip = c ? cellTip(c) : ""
      return `<td class="${cellClass(c)}${c?.unexpected ? " unexpected" : ""}" data-backend="${xml(col.backend)}" data-runtime="${col.runtime}" title="${xml(tip)}">${xml(c ? cellSummary(c) : "—")}</td>`
    })
    return `<tr data-scenario="${xml(f.name)}"><th scope="row"><a href="#f-${xml(f.name)}">${xml(f.name)}</a>${f.control ? " <em>(control)</em>" : ""}</th>${tds.join("")}</tr>`
  })
  return `<table id="results"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`
}

function scenarioSections(r: Results): string {
  return analyze(r)
    .scenarios.map((v) => {
      const label = (c: Cell) => cellLabel(r, c)
      const items: string[] = [`<li><strong>Passes (every run):</strong> ${v.passing.length ? v.passing.map(xml).join(", ") : "none"}</li>`]
      for (const c of v.failing) {
        items.push(`<li class="fail-line"><strong>Fails: ${xml(label(c))}</strong> (${c.passed}/${c.runs} passed) — ${xml(reasonsText(c))}. ${inline(explanation(r, v.info, c))}.</li>`)
      }
      for (const c of v.flaky) {
        items.push(`<li class="flaky-line"><strong>Flaky: ${xml(label(c))}</strong> — ${inline(flakyText(c))}. ${inline(explanation(r, v.info, c))}.</li>`)
      }
      for (const c of v.notExercised) items.push(`<li class="flaky-line"><strong>Not exercised: ${xml(label(c))}</strong> — ${xml(notExercisedText(c))}.</li>`)
      for (const c of v.cells.filter((x) => x.flake && x.flaky === 0 && x.runs > 0)) {
        items.push(`<li>Registered flake for ${xml(label(c))}: <code>${xml(c.flake!.id)}</code> (${xml(c.flake!.symptom)}; retry ${c.flake!.retries}); no run needed a retry this time.</li>`)
      }
      for (const c of v.notRun) items.push(`<li><strong>Not run: ${xml(label(c))}</strong> — ${xml(c.not_run_reason ?? "")}</li>`)
      for (const c of v.cells) for (const n of c.notes ?? []) items.push(`<li class="fail-line"><strong>Harness note, ${xml(label(c))}:</strong> ${xml(n)}</li>`)
      for (const d of v.runtimeDiffs) items.push(`<li class="fail-line"><strong>The runtime changes the result:</strong> ${xml(runtimeDiffText(r, d))}.</li>`)
      if (v.newlyCovered) items.push(`<li class="covered"><strong>Newly covered by the supervisor</strong>${xml(peerNote(v.peersPassing))}.</li>`)
      if (v.regression) items.push(`<li class="fail-line"><strong>Regression: a baseline passes where the supervisor does not.</strong></li>`)
      for (const c of v.passingCells.filter((x) => x.unexpected)) items.push(`<li class="fail-line"><strong>Passes every run: ${xml(label(c))}</strong> — ${inline(explanation(r, v.info, c))}.</li>`)
      for (const b of passingBackends(v.passingCells.filter((x) => !x.unexpected))) items.push(`<li>${xml(b)}: ${inline(mechanismFor(r, v.info, b))}.</li>`)
      for (const c of v.cells) if (ladderText(r, c)) items.push(`<li><strong>Ladder, ${xml(label(c))}:</strong> ${xml(ladderText(r, c))}.</li>`)
      return `<section id="f-${xml(v.info.name)}"><h3>${xml(v.info.name)}: ${xml(v.info.title)}</h3><p>${inline(v.info.description)}</p><ul>${items.join("")}</ul></section>`
    })
    .join("\n")
}

function costTable(r: Results): string {
  const c = r.cost
  const build = c.build.seconds === null ? c.build.note : c.build.cached ? `cached (nothing to rebuild; ${c.build.seconds.toFixed(1)} s check)` : `${c.build.seconds.toFixed(1)} s`
  const rows: [string, string][] = [
    ["Rust, crates/supervisor/src (non-blank, non-comment)", `${c.rust_loc} lines`],
    ["TypeScript, packages/process/src/supervisor + protocol", `${c.ts_loc} lines`],
    ["Dependencies", `${c.dependencies.cargo ?? "unknown"} crates; ${c.dependencies.npm ?? "unknown"} npm packages for the supervisor client (${c.dependencies.npm_package_total ?? "unknown"} for all of @pawwork/process)`],
    ["Release binary", c.binary_bytes === null ? "not built" : formatBytes(c.binary_bytes)],
    ["Release build", build],
    ["Sidecar RSS", c.sidecar_rss_kib ? `p50 ${(c.sidecar_rss_kib.p50 / 1024).toFixed(1)} MiB, max ${(c.sidecar_rss_kib.max / 1024).toFixed(1)} MiB (${c.sidecar_rss_kib.samples} samples)` : "not sampled"],
  ]
  return `<table id="cost">${rows.map(([k, v]) => `<tr><th scope="row">${xml(k)}</th><td>${xml(v)}</td></tr>`).join("")}</table>`
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1d2430}
h1{font-size:22px;margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #dde;padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}
.meta{color:#566}table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d6dbe3;padding:4px 10px;text-align:left}
td.pass{background:#e3f4e1}td.fail{background:#fbe0de}td.partial{background:#fdf1d8}td.flaky{background:#eef5c8}td.notrun{background:#eef0f3;color:#667}td.unexercised{background:#eef0f3}td.unexpected{outline:2px dashed #8a1f14;outline-offset:-3px}
.verdict li{margin:4px 0}code{background:#f1f3f6;padding:0 3px;border-radius:3px}
svg{max-width:100%;height:auto;font:11px system-ui,sans-serif}svg .label{fill:#1d2430}svg .value{fill:#445}svg .never{fill:#c0392b}
svg .axis{fill:#667}svg .legend{fill:#1d2430}svg .grid{stroke:#e4e7ec}svg .grace{stroke:#c0392b;stroke-dasharray:4 3}svg .whisker{stroke:#333;stroke-width:1.5}
.fail-line{color:#8a1f14}.flaky-line{color:#7a5a00}.covered{color:#1c6b2a}section{border-left:3px solid #e4e7ec;padding-left:10px}
`

export function renderHtml(r: Results): string {
  const { recommendation } = analyze(r)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Scenario matrix — PawWork baseline vs pawwork-supervisor (execa and tree-kill for comparison)</title><style>${STYLE}</style></head>
<body>
<h1>Scenario matrix: PawWork baseline vs pawwork-supervisor</h1>
<p class="meta">execa and tree-kill are measured for comparison only: neither is PawWork's baseline, and neither decides the verdict.</p>
<p class="meta">Measured on <strong>${xml(r.platform.label)}</strong> · started ${xml(r.started_at)} · ${r.runs_per_cell} runs per cell${r.runs_per_cell < PUBLISH_RUNS ? ` (a short run; the committed reports use ${PUBLISH_RUNS})` : ""} · grace ${r.settings.grace_ms} ms, slack ${r.settings.slack_ms} ms</p>
<p class="meta">${xml(loadLine(r))}</p>
<figure id="grid">${passRateGrid(r)}</figure>
<h2>Verdict</h2>
<ul class="verdict">${recommendation.lines.map((l) => `<li>${inline(l)}</li>`).join("")}</ul>
<h2>Results</h2>
<p>Runs passed / runs, then pids leaked, bytes lost and runs that passed only on a retry of a registered known flake (flaky, not passed). The negative control passes when the leak check flags its planted leak.</p>
${runtimesNote(r) ? `<p id="runtimes">${inline(runtimesNote(r))}</p>` : ""}
${resultsTable(r)}
<h2>Pass rate</h2>
<figure id="chart-pass">${passRateChart(r)}</figure>
<h2>Time to quiescence</h2>
<p>From the cancel until every process of the tree is gone: bar to the median, whisker to p95, dashed line at the grace period.</p>
<figure id="chart-quiescence">${quiescenceChart(r)}</figure>
<h2>Per scenario</h2>
${scenarioSections(r)}
<h2>Cost</h2>
${costTable(r)}
<h2>Method</h2>
<p>Timeout + drain race: ${xml(r.settings.timeout_race)} Each run has a hard timeout of ${r.settings.hard_timeout_ms} ms (recorded as "hang").
${xml(flakesLine(r).replace(/^- /, ""))}
Leaked pids are counted at the leak bound (grace + slack after the cancel, or slack after the backend's own cancel call returned if that is later, at most 5 s more), checked against their reported start time, then killed by pid (never by group).</p>
</body></html>
`
}

export function writeHtml(dir: string, r: Results): string {
  const path = join(dir, "index.html")
  writeFileSync(path, renderHtml(r))
  return path
}
