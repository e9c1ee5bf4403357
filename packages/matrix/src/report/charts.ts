import type { BackendName, Cell, Results } from "../types.js"

/* Inline SVG charts for the HTML report: no script, no external asset. */

export const COLORS: Record<BackendName, string> = {
  baseline: "#d9822b",
  "baseline-detached": "#b8a21e",
  supervisor: "#2b7bd9",
  execa: "#8e5bd1",
  "tree-kill": "#2f9e8f",
}

export const xml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const LABEL_W = 190
const PLOT_W = 460
const BAR_H = 11
const GAP = 12
const TOP = 40

/** Entries advance by their name's width, so five backends still fit the plot's width. */
function legend(backends: readonly BackendName[]): string {
  let x = LABEL_W
  return backends
    .map((b) => {
      const entry = `<rect x="${x}" y="8" width="12" height="12" fill="${COLORS[b]}"/><text x="${x + 17}" y="18" class="legend">${xml(b)}</text>`
      x += 17 + b.length * 6.5 + 18
      return entry
    })
    .join("")
}

function rows(results: Results, withControl: boolean) {
  return results.fixtures.filter((f) => withControl || !f.control)
}

function cellAt(results: Results, fixture: string, backend: BackendName): Cell | undefined {
  return results.cells.find((c) => c.fixture === fixture && c.backend === backend)
}

/** Pass rate per fixture per backend: a group of horizontal bars per fixture. */
export function passRateChart(results: Results): string {
  const fixtures = rows(results, true)
  const groupH = results.backends.length * BAR_H + GAP
  const height = TOP + fixtures.length * groupH + 24
  const width = LABEL_W + PLOT_W + 70
  const parts: string[] = [legend(results.backends)]
  for (const pct of [0, 25, 50, 75, 100]) {
    const x = LABEL_W + (PLOT_W * pct) / 100
    parts.push(`<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${height - 20}" class="grid"/>`)
    parts.push(`<text x="${x}" y="${height - 6}" class="axis" text-anchor="middle">${pct}%</text>`)
  }
  fixtures.forEach((f, i) => {
    const y0 = TOP + i * groupH
    parts.push(`<text x="${LABEL_W - 8}" y="${y0 + (results.backends.length * BAR_H) / 2 + 4}" class="label" text-anchor="end">${xml(f.name)}</text>`)
    results.backends.forEach((b, j) => {
      const c = cellAt(results, f.name, b)
      const y = y0 + j * BAR_H
      const attrs = `data-fixture="${xml(f.name)}" data-backend="${xml(b)}"`
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
          `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H - 2}" fill="${COLORS[b]}"/>` +
          (fw ? `<rect x="${(LABEL_W + w).toFixed(1)}" y="${y}" width="${fw.toFixed(1)}" height="${BAR_H - 2}" fill="${COLORS[b]}" opacity="0.3" class="flaky"/>` : "") +
          `<text x="${LABEL_W + w + fw + 4}" y="${y + BAR_H - 2}" class="value">${c.passed}/${c.runs}${flaky}</text></g>`,
      )
    })
  })
  return svg(width, height, "Pass rate per fixture and backend", parts)
}

/** Time to quiescence: bar to p50, whisker to p95; a cross where the tree never emptied within the bound. */
export function quiescenceChart(results: Results): string {
  const fixtures = rows(results, false)
  const groupH = results.backends.length * BAR_H + GAP
  const height = TOP + fixtures.length * groupH + 24
  const width = LABEL_W + PLOT_W + 90
  const values = results.cells.flatMap((c) => (c.quiescence_ms ? [c.quiescence_ms.p95] : []))
  const maxV = niceMax(Math.max(results.settings.grace_ms + results.settings.slack_ms, ...values))
  const sx = (v: number) => LABEL_W + (PLOT_W * Math.min(v, maxV)) / maxV
  const parts: string[] = [legend(results.backends)]
  for (let k = 0; k <= 4; k++) {
    const v = (maxV * k) / 4
    parts.push(`<line x1="${sx(v)}" y1="${TOP - 6}" x2="${sx(v)}" y2="${height - 20}" class="grid"/>`)
    parts.push(`<text x="${sx(v)}" y="${height - 6}" class="axis" text-anchor="middle">${Math.round(v)} ms</text>`)
  }
  const g = results.settings.grace_ms
  parts.push(`<line x1="${sx(g)}" y1="${TOP - 6}" x2="${sx(g)}" y2="${height - 20}" class="grace"><title>grace ${g} ms</title></line>`)
  fixtures.forEach((f, i) => {
    const y0 = TOP + i * groupH
    parts.push(`<text x="${LABEL_W - 8}" y="${y0 + (results.backends.length * BAR_H) / 2 + 4}" class="label" text-anchor="end">${xml(f.name)}</text>`)
    results.backends.forEach((b, j) => {
      const c = cellAt(results, f.name, b)
      const y = y0 + j * BAR_H
      const attrs = `data-fixture="${xml(f.name)}" data-backend="${xml(b)}"`
      const q = c?.quiescence_ms
      if (!c || c.runs === 0) {
        parts.push(`<g class="bar" ${attrs}><title>${xml(`${f.name} / ${b}: not run`)}</title><text x="${LABEL_W + 4}" y="${y + BAR_H - 2}" class="value">not run</text></g>`)
      } else if (!q && c.leaked_pids === 0) {
        parts.push(`<g class="bar" ${attrs}><title>${xml(`${f.name} / ${b}: not measured (no cancel in this fixture)`)}</title><text x="${LABEL_W + 4}" y="${y + BAR_H - 2}" class="value">not measured</text></g>`)
      } else if (!q) {
        parts.push(`<g class="bar never" ${attrs}><title>${xml(`${f.name} / ${b}: tree never gone within the bound`)}</title>` +
          `<text x="${LABEL_W + 4}" y="${y + BAR_H - 2}" class="value never">✕ never (leaked)</text></g>`)
      } else {
        const partial = q.n < c.runs ? ` (${q.n}/${c.runs} runs; others leaked)` : ""
        parts.push(
          `<g class="bar" ${attrs}><title>${xml(`${f.name} / ${b}: p50 ${q.p50} ms, p95 ${q.p95} ms, max ${q.max} ms${partial}`)}</title>` +
            `<rect x="${LABEL_W}" y="${y}" width="${Math.max(1, sx(q.p50) - LABEL_W).toFixed(1)}" height="${BAR_H - 2}" fill="${COLORS[b]}"/>` +
            `<line x1="${sx(q.p50)}" y1="${y + (BAR_H - 2) / 2}" x2="${sx(q.p95)}" y2="${y + (BAR_H - 2) / 2}" class="whisker"/>` +
            `<text x="${sx(q.p95) + 4}" y="${y + BAR_H - 2}" class="value">${q.p50}${partial ? "*" : ""}</text></g>`,
        )
      }
    })
  })
  return svg(width, height, "Time to quiescence (ms) per fixture and backend", parts)
}

function niceMax(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v))
  return Math.ceil(v / step) * step
}

function svg(width: number, height: number, title: string, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${xml(title)}"><title>${xml(title)}</title>${parts.join("")}</svg>`
}
