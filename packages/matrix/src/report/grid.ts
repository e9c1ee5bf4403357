import type { Cell, Results } from "../types.js"
import { xml } from "./charts.js"
import { cellAt, columns, runtimeName, multiRuntime } from "./columns.js"

/*
 * The report's answer at a glance: one square per scenario and backend, its colour the pass rate, the
 * pids it leaked written in it. Sized for a README column (about 880 px on GitHub), so the published
 * picture reads without zooming, where a capture of the whole page shrinks to a grey stripe.
 */

/** The width the grid is drawn at: a README column's. */
export const GRID_WIDTH = 880

const LABEL_W = 140
const ROW_H = 30
const FOOT_H = 72

const GREEN = [47, 143, 70] as const
const AMBER = [226, 160, 46] as const
const RED = [199, 62, 50] as const
const NOT_RUN = "#dfe3e8"

const mix = (a: readonly number[], b: readonly number[], t: number) =>
  `rgb(${a.map((v, i) => Math.round(v + (b[i]! - v) * t)).join(",")})`

/** Red at 0 %, amber at 50 %, green at 100 %; any pass rate short of every run is visibly not green. */
export function passColour(rate: number): string {
  if (rate >= 1) return `rgb(${GREEN.join(",")})`
  return rate < 0.5 ? mix(RED, AMBER, rate / 0.5) : mix(AMBER, GREEN, ((rate - 0.5) / 0.5) * 0.6)
}

/** Below this column width a cell's second line is its bare count, which the note under the grid explains. */
const WORDS_MIN_W = 64

function cellSvg(c: Cell | undefined, x: number, y: number, w: number, attrs: string, title: string): string {
  const cx = x + w / 2
  if (!c || c.runs === 0) {
    return `<g class="cell notrun" ${attrs} data-pass="" data-leaked=""><title>${xml(`${title}: not run${c?.not_run_reason ? ` — ${c.not_run_reason}` : ""}`)}</title>` +
      `<rect x="${x + 1}" y="${y + 1}" width="${w - 2}" height="${ROW_H - 2}" fill="${NOT_RUN}"/>` +
      `<text x="${cx}" y="${y + ROW_H / 2 + 4}" class="dim" text-anchor="middle">not run</text></g>`
  }
  // Runs that did not exercise the scenario are neither passes nor failures: the colour is the pass rate of
  // the runs that did, and a cell none of whose runs did is grey.
  const judged = c.passed + c.failed + c.flaky
  const rate = judged > 0 ? c.passed / judged : null
  const notExercised = c.runs - judged
  const words = w >= WORDS_MIN_W
  const second = c.leaked_pids > 0 ? (words ? `${c.leaked_pids} leaked` : `${c.leaked_pids}`)
    : c.flaky > 0 ? (words ? `${c.flaky} flaky` : `${c.flaky}~`)
    : notExercised > 0 ? (words ? `${notExercised} not exercised` : `(${notExercised})`) : ""
  const tip = `${title}: ${c.passed}/${c.runs} passed${c.leaked_pids ? `, ${c.leaked_pids} pids leaked` : ""}${c.flaky ? `, ${c.flaky} flaky` : ""}${notExercised ? `, ${notExercised} not exercised` : ""}`
  const text = rate === null ? "on-light" : rate >= 1 || rate < 0.35 ? "on-dark" : "on-light"
  return `<g class="cell" ${attrs} data-pass="${c.passed}/${c.runs}" data-leaked="${c.leaked_pids}"><title>${xml(tip)}</title>` +
    `<rect x="${x + 1}" y="${y + 1}" width="${w - 2}" height="${ROW_H - 2}" fill="${rate === null ? NOT_RUN : passColour(rate)}"/>` +
    `<text x="${cx}" y="${y + (second ? 13 : ROW_H / 2 + 4)}" class="${text} rate" text-anchor="middle">${c.passed}/${c.runs}</text>` +
    (second ? `<text x="${cx}" y="${y + 25}" class="${text} leak" text-anchor="middle">${second}</text>` : "") +
    `</g>`
}

/** The pass-rate grid as an inline SVG: scenarios down, backend columns (one per runtime) across. */
export function passRateGrid(r: Results): string {
  const cols = columns(r)
  const colW = (GRID_WIDTH - LABEL_W) / cols.length
  const names = cols.map((col) => (multiRuntime(r) ? `${col.backend} (${runtimeName(r, col.runtime)})` : col.backend))
  // Room above the cells for the longest upright column head, below the title.
  const HEAD_H = 40 + Math.max(...names.map((n) => n.length)) * 6.6
  const height = HEAD_H + r.scenarios.length * ROW_H + FOOT_H
  const parts: string[] = []
  const runs = `${r.runs_per_cell} run${r.runs_per_cell === 1 ? "" : "s"} per cell`
  parts.push(`<text x="0" y="16" class="title">Pass rate per scenario and backend · ${xml(r.platform.label.split(" (")[0]!)} · ${runs}</text>`)
  cols.forEach((col, j) => {
    // Column heads stand upright so a column can be as narrow as its "20/20" and the last one still fits.
    const x = LABEL_W + j * colW + colW / 2 + 4
    const name = names[j]!
    parts.push(`<text transform="translate(${x.toFixed(1)},${HEAD_H - 6}) rotate(-90)" class="head">${xml(name)}</text>`)
  })
  r.scenarios.forEach((f, i) => {
    const y = HEAD_H + i * ROW_H
    parts.push(`<text x="${LABEL_W - 8}" y="${y + ROW_H / 2 + 4}" class="label" text-anchor="end">${xml(f.name)}</text>`)
    cols.forEach((col, j) => {
      const c = cellAt(r, f.name, col.backend, col.runtime)
      const attrs = `data-scenario="${xml(f.name)}" data-backend="${xml(col.backend)}" data-runtime="${col.runtime}"`
      parts.push(cellSvg(c, LABEL_W + j * colW, y, colW, attrs, `${f.name} / ${col.label}`))
    })
  })
  const foot = HEAD_H + r.scenarios.length * ROW_H + 18
  const keys: [string, string][] = [[passColour(1), "every run passed"], [passColour(0.5), "some runs"], [passColour(0), "no run passed"], [NOT_RUN, "not run, or not exercised"]]
  let x = 0
  for (const [fill, label] of keys) {
    parts.push(`<rect x="${x}" y="${foot - 10}" width="12" height="12" fill="${fill}"/><text x="${x + 17}" y="${foot}" class="key">${xml(label)}</text>`)
    x += 17 + label.length * 6.6 + 18
  }
  const note = colW >= WORDS_MIN_W
    ? "In a cell: runs passed / runs, and the pids left alive over all its runs."
    : "In a cell: runs passed / runs over the pids left alive in all its runs (n~: flaky runs; (n): runs that did not exercise it)."
  parts.push(`<text x="0" y="${foot + 22}" class="key">${xml(note)}</text>`)
  parts.push(`<text x="0" y="${foot + 38}" class="key">negative-control passes when the leak check flags the leak it plants.</text>`)
  const title = "Pass rate per scenario and backend, with leaked pids"
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${GRID_WIDTH} ${height}" width="${GRID_WIDTH}" height="${height}" role="img" aria-label="${xml(title)}" class="grid-chart">` +
    `<title>${xml(title)}</title><style>${GRID_STYLE}</style><rect width="${GRID_WIDTH}" height="${height}" fill="#fff"/>${parts.join("")}</svg>`
}

// Inside the SVG, so the picture taken of it looks the same wherever the SVG is shown.
const GRID_STYLE =
  ".grid-chart text{font:12px system-ui,-apple-system,'Segoe UI',sans-serif;fill:#1d2430}" +
  ".grid-chart .title{font-size:15px;font-weight:600}.grid-chart .head{font-size:11.5px}.grid-chart .label{font-size:12.5px}" +
  ".grid-chart .rate{font-size:12px;font-weight:600}.grid-chart .leak{font-size:10px}.grid-chart .on-dark{fill:#fff}" +
  ".grid-chart .on-light{fill:#1d2430}.grid-chart .dim{fill:#667;font-size:10.5px}.grid-chart .key{font-size:11.5px;fill:#445}"
