import type { BackendName, Results } from "../types.js"
import { cellAt, type Column, columns, runtimeStyle } from "./columns.js"

/* Inline SVG charts for the HTML report: no script, no external asset. */

export const COLORS: Record<BackendName, string> = {
  baseline: "#d9822b",
  "baseline-detached": "#b8a21e",
  supervisor: "#2b7bd9",
  execa: "#8e5bd1",
  "tree-kill": "#2f9e8f",
  "supervisor-effect": "#1b4f8f",
  effect: "#c2417a",
}

export const xml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const LABEL_W = 190
const PLOT_W = 460
const BAR_H = 11
const GAP = 12
const TOP = 40
const LEGEND_ROW = 16

const fill = (results: Results, col: Column) => {
  const { opacity } = runtimeStyle(results, col.runtime)
  return `fill="${COLORS[col.backend]}"${opacity < 1 ? ` fill-opacity="${opacity}"` : ""}`
}

/**
 * Entries advance by their name's width and wrap onto a new row before the chart's right edge, so eight
 * columns ("supervisor (Bun)" ...) fit as well as five. Returns the entries and the rows they took.
 */
function legend(results: Results, cols: readonly Column[], width: number): { svg: string; rows: number } {
  let x = LABEL_W
  let row = 0
  const parts = cols.map((col) => {
    const w = 17 + col.label.length * 6.5 + 18
    if (x > LABEL_W && x + w > width) {
      x = LABEL_W
      row++
    }
    const y = 8 + row * LEGEND_ROW
    const entry = `<rect x="${x}" y="${y}" width="12" height="12" ${fill(results, col)}/><text x="${x + 17}" y="${y + 10}" class="legend">${xml(col.label)}</text>`
    x += w
    return entry
  })
  return { svg: parts.join(""), rows: row + 1 }
}

function rows(results: Results, withControl: boolean) {
  return results.scenarios.filter((f) => withControl || !f.control)
}

const attrsOf = (scenario: string, col: Column) => `data-scenario="${xml(scenario)}" data-backend="${xml(col.backend)}" data-runtime="${col.runtime}"`

/**
 * What both bar charts start from: a group of bars per scenario, one bar per column, under the legend;
 * `margin` is the room right of the plot for the values written after the bars.
 */
function frame(results: Results, scenarioCount: number, margin: number) {
  const cols = columns(results)
  const groupH = cols.length * BAR_H + GAP
  const width = LABEL_W + PLOT_W + margin
  const key = legend(results, cols, width)
  const top = TOP + (key.rows - 1) * LEGEND_ROW
  const height = top + scenarioCount * groupH + 24
  const parts: string[] = [key.svg]
  return { cols, groupH, width, top, height, parts }
}

/** Each scenario's label, then `bar` for each of its columns: the cell (if any), the bar's y and its data attributes. */
function eachBar(
  results: Results,
  scenarios: ReturnType<typeof rows>,
  { cols, groupH, top, parts }: { cols: Column[]; groupH: number; top: number; parts: string[] },
  bar: (f: ReturnType<typeof rows>[number], col: Column, c: ReturnType<typeof cellAt>, y: number, attrs: string) => void,
) {
  scenarios.forEach((f, i) => {
    const y0 = top + i * groupH
    parts.push(`<text x="${LABEL_W - 8}" y="${y0 + (cols.length * BAR_H) / 2 + 4}" class="label" text-anchor="end">${xml(f.name)}</text>`)
    cols.forEach((col, j) => bar(f, col, cellAt(results, f.name, col.backend, col.runtime), y0 + j * BAR_H, attrsOf(f.name, col)))
  })
}

/** Pass rate per scenario per backend: a group of horizontal bars per scenario. */
export function passRateChart(results: Results): string {
  const scenarios = rows(results, true)
  const { cols, groupH, width, top, height, parts } = frame(results, scenarios.length, 70)
  for (const pct of [0, 25, 50, 75, 100]) {
    const x = LABEL_W + (PLOT_W * pct) / 100
    parts.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - 20}" class="grid"/>`)
    parts.push(`<text x="${x}" y="${height - 6}" class="axis" text-anchor="middle">${pct}%</text>`)
  }
  eachBar(results, scenarios, { cols, groupH, top, parts }, (f, col, c, y, attrs) => {
    const b = col.label
    if (!c || c.runs === 0) {
      parts.push(`<g class="bar" ${attrs}><title>${xml(`${f.name} / ${b}: not run — ${c?.not_run_reason ?? "no cell"}`)}</title>` +
        `<text x="${LABEL_W + 4}" y="${y + BAR_H - 2}" class="value">not run</text></g>`)
      return
    }
    const rate = c.passed / c.runs
    const w = Math.max(rate > 0 ? 2 : 0, PLOT_W * rate)
    // Flaky runs extend the bar faintly: they passed only on a retry, so they are not part of the rate.
    const fw = c.flaky ? (PLOT_W * c.flaky) / c.runs : 0
    const flaky = c.flaky ? ` +${c.flaky} flaky` : ""
    parts.push(
      `<g class="bar" ${attrs}><title>${xml(`${f.name} / ${b}: ${c.passed}/${c.runs} passed${flaky ? `, ${c.flaky} flaky (${c.flake?.id ?? "?"})` : ""}`)}</title>` +
        `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H - 2}" ${fill(results, col)}/>` +
        (fw ? `<rect x="${(LABEL_W + w).toFixed(1)}" y="${y}" width="${fw.toFixed(1)}" height="${BAR_H - 2}" ${fill(results, col)} opacity="0.3" class="flaky"/>` : "") +
        `<text x="${LABEL_W + w + fw + 4}" y="${y + BAR_H - 2}" class="value">${c.passed}/${c.runs}${flaky}</text></g>`,
    )
  })
  return svg(width, height, "Pass rate per scenario and backend", parts)
}

/** Time to quiescence: bar to p50, whisker to p95; a cross where the tree never emptied within the bound. */
export function quiescenceChart(results: Results): string {
  const scenarios = rows(results, false)
  const { cols, groupH, width, top, height, parts } = frame(results, scenarios.length, 90)
  const values = results.cells.flatMap((c) => (c.quiescence_ms ? [c.quiescence_ms.p95] : []))
  const maxV = niceMax(Math.max(results.settings.grace_ms + results.settings.slack_ms, ...values))
  const sx = (v: number) => LABEL_W + (PLOT_W * Math.min(v, maxV)) / maxV
  for (let k = 0; k <= 4; k++) {
    const v = (maxV * k) / 4
    parts.push(`<line x1="${sx(v)}" y1="${top - 6}" x2="${sx(v)}" y2="${height - 20}" class="grid"/>`)
    parts.push(`<text x="${sx(v)}" y="${height - 6}" class="axis" text-anchor="middle">${Math.round(v)} ms</text>`)
  }
  const g = results.settings.grace_ms
  parts.push(`<line x1="${sx(g)}" y1="${top - 6}" x2="${sx(g)}" y2="${height - 20}" class="grace"><title>grace ${g} ms</title></line>`)
  eachBar(results, scenarios, { cols, groupH, top, parts }, (f, col, c, y, attrs) => {
    const b = col.label
    const q = c?.quiescence_ms
    if (!c || c.runs === 0) {
      parts.push(`<g class="bar" ${attrs}><title>${xml(`${f.name} / ${b}: not run`)}</title><text x="${LABEL_W + 4}" y="${y + BAR_H - 2}" class="value">not run</text></g>`)
    } else if (!q && c.leaked_pids === 0) {
      parts.push(`<g class="bar" ${attrs}><title>${xml(`${f.name} / ${b}: not measured (no cancel in this scenario)`)}</title><text x="${LABEL_W + 4}" y="${y + BAR_H - 2}" class="value">not measured</text></g>`)
    } else if (!q) {
      parts.push(`<g class="bar never" ${attrs}><title>${xml(`${f.name} / ${b}: tree never gone within the bound`)}</title>` +
        `<text x="${LABEL_W + 4}" y="${y + BAR_H - 2}" class="value never">✕ never (leaked)</text></g>`)
    } else {
      const partial = q.n < c.runs ? ` (${q.n}/${c.runs} runs; others leaked)` : ""
      parts.push(
        `<g class="bar" ${attrs}><title>${xml(`${f.name} / ${b}: p50 ${q.p50} ms, p95 ${q.p95} ms, max ${q.max} ms${partial}`)}</title>` +
          `<rect x="${LABEL_W}" y="${y}" width="${Math.max(1, sx(q.p50) - LABEL_W).toFixed(1)}" height="${BAR_H - 2}" ${fill(results, col)}/>` +
          `<line x1="${sx(q.p50)}" y1="${y + (BAR_H - 2) / 2}" x2="${sx(q.p95)}" y2="${y + (BAR_H - 2) / 2}" class="whisker"/>` +
          `<text x="${sx(q.p95) + 4}" y="${y + BAR_H - 2}" class="value">${q.p50}${partial ? "*" : ""}</text></g>`,
      )
    }
  })
  return svg(width, height, "Time to quiescence (ms) per scenario and backend", parts)
}

function niceMax(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v))
  return Math.ceil(v / step) * step
}

function svg(width: number, height: number, title: string, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${xml(title)}"><title>${xml(title)}</title>${parts.join("")}</svg>`
}
