/** A small inline-SVG line chart (x on a log scale), so bench.html needs no script and no network. */

export interface Series {
  name: string
  color: string
  points: Array<{ x: number; y: number }>
  dashed?: boolean
}

export interface Chart {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
  logY?: boolean
}

const W = 600
const H = 340
const M = { left: 64, right: 16, top: 34, bottom: 78 }

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? String(Number(v.toFixed(1))) : String(Number(v.toPrecision(2))))

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = []
  // Over many decades, 2 and 5 would crowd the axis.
  const steps = Math.log10(hi / lo) > 3 ? [1] : [1, 2, 5]
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of steps) {
      const v = m * 10 ** e
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v)
    }
  }
  return ticks
}

function linearTicks(hi: number): number[] {
  const step = 10 ** Math.floor(Math.log10(hi / 4 || 1))
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => hi / s <= 6) ?? step * 10
  const ticks: number[] = []
  for (let v = 0; v <= hi * 1.0001; v += nice) ticks.push(v)
  return ticks
}

export function lineChart(c: Chart): string {
  const pts = c.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x) && p.x > 0)
  if (pts.length === 0) return `<p>(no data for “${esc(c.title)}”)</p>`
  const xs = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b)
  const xLo = xs[0]!
  const xHi = Math.max(xs[xs.length - 1]!, xLo * 10)
  const positive = pts.map((p) => p.y).filter((y) => y > 0)
  const yLo = c.logY ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 0
  const yHi = c.logY ? 10 ** Math.ceil(Math.log10(Math.max(...positive))) : Math.max(...pts.map((p) => p.y)) * 1.1 || 1
  const px = (x: number) => M.left + ((Math.log10(x) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo))) * (W - M.left - M.right)
  const py = (y: number) => {
    const t = c.logY ? (Math.log10(Math.max(y, yLo)) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo) || 1) : y / yHi
    return H - M.bottom - t * (H - M.top - M.bottom)
  }
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.title)}">`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(c.title)}</text>`,
  ]
  for (const y of c.logY ? logTicks(yLo, yHi) : linearTicks(yHi)) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`)
    parts.push(`<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${fmt(y)}</text>`)
  }
  for (const x of xs) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`)
    parts.push(`<text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${x}</text>`)
  }
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 34}" text-anchor="middle" font-size="12">${esc(c.xLabel)}</text>`)
  parts.push(`<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(c.yLabel)}</text>`)
  c.series.forEach((s, i) => {
    const valid = s.points.filter((p) => Number.isFinite(p.y) && (!c.logY || p.y > 0))
    const d = valid.map((p, k) => `${k === 0 ? "M" : "L"}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ")
    const dash = s.dashed ? ` stroke-dasharray="5 4"` : ""
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`)
    for (const p of valid) parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${fmt(p.y)} at ${p.x}</title></circle>`)
    const lx = M.left + (i % 2) * 270
    const ly = H - 22 + Math.floor(i / 2) * 15 - 8
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`)
    parts.push(`<text x="${lx + 28}" y="${ly}" font-size="11">${esc(s.name)}</text>`)
  })
  parts.push("</svg>")
  return parts.join("\n")
}
